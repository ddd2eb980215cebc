// Local development OpenID provider for pkce-spa: one provider (see
// dev-provider.mjs), by default in oidc-provider's own layout at the root
// (what `make dev` and the end-to-end tests use).
//
// A real oidc-provider (v9) instance with one PUBLIC client (no secret,
// token_endpoint_auth_method "none") that must use Authorization Code + PKCE
// (S256). Any user name signs in; consent is granted automatically.
//
// For development and end-to-end tests only: keys are generated in memory at
// every start, cookie keys are fixed, storage is oidc-provider's in-memory
// adapter, and the server listens on 127.0.0.1 only.
//
// Environment:
//   PORT          default 9400
//   LAYOUT        default root: issuer http://127.0.0.1:${PORT}, endpoints
//                 /auth, /token, /jwks, /me, /token/revocation, /session/end.
//                 Or one of the provider layouts of provider-layouts.mjs
//                 (pingone, okta, keycloak, auth0, adobe_ims, cloudentity,
//                 entra, nocors, plainonly): that provider's issuer and
//                 endpoint paths on this port. (layouts.mjs starts them all.)
//   ISSUER        root layout only: default http://127.0.0.1:${PORT} (no
//                 trailing slash, no path)
//   CLIENT_ID     default pkce-spa-dev
//   APP_ORIGINS   comma-separated, default http://127.0.0.1:8080,http://localhost:8080
//                 each origin O gets redirect URIs O/callback and O/app/callback
//                 and post-logout redirect URIs O/ and O/app/; only these
//                 origins may read the provider's answers cross-origin (CORS).
//   ACCESS_TOKEN_TTL  access token lifetime in seconds, default 60 (so that
//                 `make dev` shows a refresh within a minute; the end-to-end
//                 tests use 6). ID tokens keep living 3600 s.
//   TEST_MISBEHAVE  "1" only in the end-to-end tests: enables POST
//                 /__test/misbehave, a switch that makes the provider answer
//                 wrongly on purpose (see misbehave.mjs). Unset (or "0") for
//                 development: then that path does not exist.
//
// Sessions: every code exchange for the client also issues a refresh token
// (no offline_access needed), rotated on every use; a rotated refresh token
// used again is refused with invalid_grant and ends the whole grant (every
// token of that sign-in). Revocation (root layout: /token/revocation) works
// with just client_id, and logs "dev-provider: revoked <token type>". GET
// /api/hello is a small protected API (Bearer access token). RP-initiated
// logout (root layout: /session/end) confirms itself and returns to
// post_logout_redirect_uri with the state.

import { commonSettings, createDevProvider, parsePort } from './dev-provider.mjs';

let instance;
try {
  const port = parsePort(process.env.PORT ?? '9400');
  instance = await createDevProvider({
    port,
    layout: process.env.LAYOUT || 'root',
    issuer: process.env.ISSUER || undefined,
    ...commonSettings(process.env),
  });
} catch (err) {
  console.error(`dev-provider: ${err.message}`);
  process.exit(2);
}

try {
  await instance.listen();
} catch (err) {
  console.error(`dev-provider: ${err.message}`);
  process.exit(1);
}

function shutdown(signal) {
  console.log(`dev-provider: ${signal}, shutting down`);
  instance.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
