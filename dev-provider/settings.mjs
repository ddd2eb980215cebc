// The local provider's settings: the defaults `make dev` runs with, and the
// environment variables every entry script shares (CLIENT_ID, APP_ORIGINS,
// ACCESS_TOKEN_TTL), read and checked once.

export const HOST = '127.0.0.1';
/** The one registered client: public, PKCE required. */
export const CLIENT_ID = 'pkce-spa-dev';
/**
 * `make dev`: the provider's port and the app origins of `trunk serve`: the
 * app on 8080 (both spellings of the host), and `make example`'s notes
 * example (examples/notes/) on 8081.
 */
export const DEV_PORT = 9400;
export const DEV_APP_ORIGINS = ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://127.0.0.1:8081'];
/**
 * The paths the app is served under on each app origin: its one release
 * build works unchanged at each (the end-to-end tests serve it at all three).
 * Each gets redirect URIs (base + CALLBACK_PAGES) and post-logout redirect
 * URIs (base + SIGNED_OUT_PAGES).
 */
export const APP_BASES = ['/', '/app/', '/pr/42/'];
/**
 * The pages under each base the provider may send the person back to: the
 * default callback and one at another path (`redirect_uri`), the base itself
 * and a page of its own after the provider's sign-out
 * (`post_logout_redirect_uri`); the end-to-end tests use the other paths.
 */
export const CALLBACK_PAGES = ['callback', 'signin-return'];
export const SIGNED_OUT_PAGES = ['', 'signed-out'];
/** Default access token lifetime (s): `make dev` shows a refresh within a minute. */
export const DEFAULT_ACCESS_TOKEN_TTL = 60;

/** The shared settings from `env`; throws an Error that says what is wrong. */
export function commonSettings(env = process.env) {
  const clientId = env.CLIENT_ID || CLIENT_ID;
  const appOrigins = (env.APP_ORIGINS ?? DEV_APP_ORIGINS.join(','))
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
    .map((value) => {
      try {
        return new URL(value).origin;
      } catch {
        throw new Error(`APP_ORIGINS entry is not a URL: ${value}`);
      }
    });
  const ttlRaw = env.ACCESS_TOKEN_TTL ?? '';
  const accessTokenTtl = ttlRaw === '' ? DEFAULT_ACCESS_TOKEN_TTL : (/^[0-9]+$/.test(ttlRaw) ? Number(ttlRaw) : Number.NaN);
  if (!Number.isInteger(accessTokenTtl) || accessTokenTtl <= 0 || accessTokenTtl > 24 * 60 * 60) {
    throw new Error(`ACCESS_TOKEN_TTL must be a whole number of seconds (1..86400), not ${JSON.stringify(env.ACCESS_TOKEN_TTL)}`);
  }
  return { clientId, appOrigins, accessTokenTtl };
}

/**
 * Throws when the environment asks for the end-to-end tests' misbehave switch:
 * it lives in end2end/fixtures/ and the development provider cannot load it.
 */
export function refuseTestSwitches(env = process.env) {
  const asked = Object.keys(env).filter((name) => /MISBEHAVE/i.test(name));
  if (asked.length) {
    throw new Error(`${asked.join(', ')} is set, but the misbehave switch exists only in the end-to-end tests `
      + '(end2end/fixtures/); unset it to run the development provider');
  }
}

/** A port number from a string, or throws. */
export function parsePort(value, name = 'PORT') {
  const port = /^[0-9]+$/.test(value ?? '') ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`invalid ${name} ${JSON.stringify(value)}`);
  }
  return port;
}
