// The local development OpenID provider of pkce-spa, as a module:
// createDevProvider() makes one oidc-provider (v9) instance with one PUBLIC
// client (no secret, token_endpoint_auth_method "none") that must use
// Authorization Code + PKCE (S256), behind a node:http server. Any user name
// signs in; consent is granted automatically.
//
// Used by server.mjs (one instance, `make dev` and the end-to-end tests) and
// layouts.mjs (one instance per provider layout, on its own port). The
// layout (provider-layouts.mjs) decides the issuer and where the endpoints
// are; everything else is the same for every layout.
//
// For development and end-to-end tests only: keys are generated in memory at
// every start, cookie keys are fixed, storage is oidc-provider's in-memory
// adapter, and the server listens on 127.0.0.1 only.
//
// Sessions: every code exchange for the client also issues a refresh token
// (no offline_access needed), rotated on every use; a rotated refresh token
// used again is refused with invalid_grant and ends the whole grant (every
// token of that sign-in). Revocation works with just client_id, and logs
// "<tag>: revoked <token type>". GET /api/hello is a small protected API
// (Bearer access token). RP-initiated logout confirms itself and returns to
// post_logout_redirect_uri with the state.

import * as http from 'node:http';

import { CompactSign, decodeJwt, decodeProtectedHeader } from 'jose';
import Provider from 'oidc-provider';

import { generateSigningKey, signingKey as defaultSigningKey } from './keys.mjs';
import { layoutFor, resolvePath } from './provider-layouts.mjs';

export const HOST = '127.0.0.1';
export const DEFAULT_APP_ORIGINS = 'http://127.0.0.1:8080,http://localhost:8080';

/**
 * Reads and checks the settings every entry script shares, from `env`:
 * CLIENT_ID, APP_ORIGINS, ACCESS_TOKEN_TTL, TEST_MISBEHAVE (see server.mjs).
 * Throws an Error whose message says what is wrong.
 */
export function commonSettings(env = process.env) {
  const clientId = env.CLIENT_ID || 'pkce-spa-dev';
  const appOrigins = (env.APP_ORIGINS ?? DEFAULT_APP_ORIGINS)
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
  const accessTokenTtl = ttlRaw === '' ? 60 : (/^[0-9]+$/.test(ttlRaw) ? Number(ttlRaw) : Number.NaN);
  if (!Number.isInteger(accessTokenTtl) || accessTokenTtl <= 0 || accessTokenTtl > 24 * 60 * 60) {
    throw new Error(`ACCESS_TOKEN_TTL must be a whole number of seconds (1..86400), not ${JSON.stringify(env.ACCESS_TOKEN_TTL)}`);
  }
  const misbehave = env.TEST_MISBEHAVE ?? '';
  if (!['', '0', '1'].includes(misbehave)) {
    throw new Error(`TEST_MISBEHAVE must be "1" or unset, not ${JSON.stringify(misbehave)}`);
  }
  return { clientId, appOrigins, accessTokenTtl, testMisbehave: misbehave === '1' };
}

/** A port number from a string, or throws. */
export function parsePort(value, name = 'PORT') {
  const port = /^[0-9]+$/.test(value ?? '') ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`invalid ${name} ${JSON.stringify(value)}`);
  }
  return port;
}

// ---------------------------------------------------------------------------
// Small HTML helpers.
// ---------------------------------------------------------------------------
function escapeHtml(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 26rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.4; }
  label { display: block; margin-bottom: .25rem; font-weight: 600; }
  input[type=text] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  .buttons { display: flex; gap: .5rem; margin-top: 1rem; }
  button { padding: .5rem 1rem; font-size: 1rem; cursor: pointer; }
  .message { color: #a00; }
  .note { color: #555; font-size: .9rem; }
</style>
</head>
<body>
${body}
</body>
</html>`;
}

function loginPage(uid, { message, login = '' } = {}) {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  return page('Local development provider', `<main>
<h1>Local development provider</h1>
<p class="note">Any user name signs in. This provider is for local development only.</p>
${message ? `<p class="message" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}/login" autocomplete="off">
  <label for="login">User name</label>
  <input type="text" id="login" name="login" value="${escapeHtml(login)}" autofocus>
  <div class="buttons">
    <button type="submit">Continue</button>
    <button type="submit" formaction="${escapeHtml(action)}/abort">Cancel</button>
  </div>
</form>
</main>`);
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

async function readForm(req, limit = 16 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) {
      throw Object.assign(new Error('request body too large'), { status: 413 });
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// ---------------------------------------------------------------------------
// Response post-processing at the node:http level.
// ---------------------------------------------------------------------------

// Runs fn(res) once, just before the status line and headers are written
// (Koa and interactionFinished both end up in res.writeHead, explicitly or
// through res.end()'s implicit header).
function beforeHeaders(res, fn) {
  const writeHead = res.writeHead;
  let done = false;
  res.writeHead = function patchedWriteHead(...args) {
    if (!done) {
      done = true;
      fn(res, args);
    }
    return writeHead.apply(this, args);
  };
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The bearer token of an Authorization header, '' when there is none. */
function bearerToken(header) {
  if (typeof header !== 'string') return '';
  const match = /^Bearer +(\S*) *$/i.exec(header);
  return match ? match[1] : '';
}

// ---------------------------------------------------------------------------
// One provider instance.
// ---------------------------------------------------------------------------

/**
 * Makes (does not start) one provider:
 *   port            where it will listen (on 127.0.0.1); the issuer's origin
 *   layout          a name from provider-layouts.mjs, default "root"
 *   issuer          root layout only: another issuer (server.mjs's ISSUER)
 *   clientId, appOrigins, accessTokenTtl, testMisbehave: commonSettings()
 *   tag             the prefix of its log lines, default "dev-provider"
 * Returns { name, layout, issuer, origin, port, provider, server, listen(), close() }.
 */
export async function createDevProvider({
  port,
  layout: name = 'root',
  issuer: issuerOverride,
  clientId = 'pkce-spa-dev',
  appOrigins = DEFAULT_APP_ORIGINS.split(','),
  accessTokenTtl = 60,
  testMisbehave = false,
  tag = 'dev-provider',
}) {
  const layout = layoutFor(name);
  const origin = `http://${HOST}:${port}`;
  if (issuerOverride && name !== 'root') {
    throw new Error(`an ISSUER of its own is for the root layout only, not ${name}`);
  }
  const ISSUER = issuerOverride ? issuerOverride.replace(/\/+$/, '') : layout.issuer(origin);
  const CLIENT_ID = clientId;
  const APP_ORIGINS = appOrigins;
  const ALLOWED_ORIGINS = new Set(APP_ORIGINS);
  const ACCESS_TOKEN_TTL = accessTokenTtl;
  // The root layout keeps the key of keys.mjs (the misbehave switch re-signs
  // with it); every other layout has a key (and kid) of its own, so an app
  // that reads the wrong key set fails.
  const signingKey = name === 'root' ? defaultSigningKey : generateSigningKey();
  const log = (line) => console.log(`${tag}: ${line}`);
  const noCorsPaths = new Set(layout.noCorsPaths?.(origin) ?? []);

  // ---------------------------------------------------------------------------
  // Accounts: any user name is an account whose claims are derived from it.
  // ---------------------------------------------------------------------------
  async function findAccount(ctx, id) {
    return {
      accountId: id,
      async claims(/* use, scope, claims, rejected */) {
        return {
          sub: id,
          name: id,
          preferred_username: id,
          email: `${id}@example.test`,
          ...layout.extraIdClaims,
          ...(layout.personalAccounts?.pattern.test(id) ? { tid: layout.personalAccounts.tid } : {}),
        };
      },
    };
  }

  // ---------------------------------------------------------------------------
  // Provider configuration.
  // ---------------------------------------------------------------------------
  const redirectUris = APP_ORIGINS.flatMap((origin) => [`${origin}/callback`, `${origin}/app/callback`]);
  const postLogoutRedirectUris = APP_ORIGINS.flatMap((origin) => [`${origin}/`, `${origin}/app/`]);

  const configuration = {
    clients: [{
      client_id: CLIENT_ID,
      client_name: 'pkce-spa (development)',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
    }],

    // PKCE is mandatory for every client. oidc-provider v9 only implements
    // S256 (discovery advertises code_challenge_methods_supported: ["S256"]).
    pkce: {
      required: () => true,
    },

    // Only what this app uses: the code flow, and public clients.
    responseTypes: ['code'],
    clientAuthMethods: ['none'],

    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      // (Entra: tid as well, from layout.extraIdClaims.)
      openid: ['sub', ...Object.keys(layout.extraIdClaims ?? {})],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    // Put the scope-requested claims (name, email, ...) into the ID token as
    // well, not only at the userinfo endpoint (oidc-provider's default, true,
    // keeps them out of the ID token whenever an access token is issued).
    conformIdTokenClaims: false,

    findAccount,

    // Refresh tokens: one with every code exchange of a client that may use the
    // refresh_token grant (ours), without offline_access or prompt=consent.
    // (oidc-provider's default issues one only for the offline_access scope.)
    // Such a refresh token is bound to the provider's session
    // (expiresWithSession: no offline_access), so RP-initiated logout ends it too.
    async issueRefreshToken(ctx, client /* , code */) {
      return client.grantTypeAllowed('refresh_token');
    },
    // Rotate on every use. (v9's default function already rotates for public
    // clients whose refresh tokens are not sender-constrained, except after a
    // year of total lifetime; this says it outright.) A rotated refresh token
    // presented again is refused with invalid_grant ("refresh token already
    // used") and oidc-provider then revokes the whole grant: every access and
    // refresh token of that sign-in.
    rotateRefreshToken: true,

    // A fresh RSA key per start (keys.mjs).
    jwks: signingKey.jwks,

    // Where the endpoints are, relative to the mount (provider-layouts.mjs).
    ...(layout.routes ? { routes: layout.routes } : {}),

    // Fixed keys for signing the provider's own cookies: development only.
    cookies: {
      keys: ['pkce-spa-dev-provider-cookie-key-1', 'pkce-spa-dev-provider-cookie-key-2'],
      // Cookies are not kept apart by port: every layout but the root one has
      // cookie names of its own, so providers on other ports of 127.0.0.1 never
      // overwrite each other's sessions.
      ...(name === 'root' ? {} : {
        names: {
          session: `_session_${name}`,
          interaction: `_interaction_${name}`,
          resume: `_interaction_resume_${name}`,
        },
      }),
    },

    // CORS for the client-bound endpoints (token, userinfo, revocation, ...):
    // only the configured app origins, and only for our client. (The v9 default
    // allows a public client's redirect_uri origins; this is the same idea but
    // explicit.) Preflights and the open endpoints (discovery, jwks) are
    // additionally limited to the same origins by restrictCors() below.
    clientBasedCORS(ctx, origin, client) {
      return client.clientId === CLIENT_ID && ALLOWED_ORIGINS.has(origin);
    },

    interactions: {
      url(ctx, interaction) {
        return `/interaction/${interaction.uid}`;
      },
    },

    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: layout.endSession !== false,
        // Confirm the logout automatically (development convenience), without
        // the default page's external web font. oidc-provider v9's default
        // page waits for a click on "Yes, sign me out"; this one clicks its own
        // button (the provider sends no CSP, so the inline script runs), which
        // posts logout=yes to /session/end/confirm: the provider session ends,
        // its grants are revoked, and a 303 goes to post_logout_redirect_uri
        // with ?state=... (only when client_id or id_token_hint identifies the
        // client). Checked by selftest.mjs and end2end/tests/provider.spec.mjs.
        // Without a provider session oidc-provider skips this page and sends a
        // self-posting form of its own.
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = page('Signing out', `<main>
<h1>Signing out</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<script>document.querySelector('button[name="logout"]').click();</script>
</main>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = page('Signed out', '<main><h1>Signed out</h1><p>You are signed out of the local development provider.</p></main>');
        },
      },
    },

    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      RefreshToken: 24 * 60 * 60,
      Interaction: 60 * 60,
      Session: 24 * 60 * 60,
      Grant: 24 * 60 * 60,
    },

    // Error pages without the default page's external web font.
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Local development provider: error', `<main>
<h1>Something went wrong</h1>
${Object.entries(out).map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`).join('\n')}
</main>`);
    },
  };

  const provider = new Provider(ISSUER, configuration);

  // ---------------------------------------------------------------------------
  // Interactions (login page, automatic consent, cancel).
  // ---------------------------------------------------------------------------
  async function grantConsent(details) {
    const { prompt: { details: missing }, params, session } = details;
    let { grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });

    if (missing.missingOIDCScope) {
      grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    }
    if (missing.missingOIDCClaims) {
      grant.addOIDCClaims(missing.missingOIDCClaims);
    }
    if (missing.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    grantId = await grant.save();

    // An existing grant is modified in place; a new one is handed over.
    return details.grantId ? {} : { grantId };
  }

  async function handleInteraction(req, res, uid, action) {
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (err) {
      // SessionNotFound and friends: the interaction cookie is missing/expired.
      send(res, 400, page('Local development provider: error', `<main>
<h1>Sign-in session not found</h1>
<p>${escapeHtml(err.error_description || err.message)}</p>
<p>Start the sign-in again from the application.</p>
</main>`));
      return;
    }
    if (details.uid !== uid) {
      send(res, 400, page('Local development provider: error', '<main><h1>Sign-in session mismatch</h1><p>Start the sign-in again from the application.</p></main>'));
      return;
    }

    const promptName = details.prompt.name;

    if (req.method === 'GET' && action === undefined) {
      if (promptName === 'login') {
        send(res, 200, loginPage(uid));
        return;
      }
      if (promptName === 'consent') {
        const consent = await grantConsent(details);
        await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
        return;
      }
      send(res, 400, page('Local development provider: error', `<main><h1>Unsupported prompt</h1><p>${escapeHtml(promptName)}</p></main>`));
      return;
    }

    if (req.method === 'POST' && action === 'login') {
      if (promptName !== 'login') {
        send(res, 400, page('Local development provider: error', '<main><h1>Not expecting a sign-in here</h1></main>'));
        return;
      }
      const form = await readForm(req);
      const login = (form.get('login') ?? '').trim();
      if (!login) {
        send(res, 400, loginPage(uid, { message: 'Enter a user name.' }));
        return;
      }
      if (login.length > 200) {
        send(res, 400, loginPage(uid, { message: 'That user name is too long.', login: login.slice(0, 200) }));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return;
    }

    if (req.method === 'POST' && action === 'abort') {
      await readForm(req);
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'The person cancelled the sign-in',
      }, { mergeWithLastSubmission: false });
      return;
    }

    res.statusCode = 405;
    res.setHeader('Allow', 'GET, POST');
    res.end();
  }

  // oidc-provider answers preflights, discovery and jwks for ANY Origin, and
  // its client-based check only runs once a client is identified. Drop every
  // Access-Control-* header when the request's Origin is not an app origin, so
  // other origins can never read the provider's answers.
  function restrictCors(req, res) {
    const origin = req.headers.origin;
    if (origin === undefined || ALLOWED_ORIGINS.has(origin)) return;
    dropCors(res);
  }

  // Removes every Access-Control-* header of the response. Also used for a
  // layout broken on purpose (nocors): none at all on its token endpoint,
  // whatever the Origin.
  function dropCors(res) {
    beforeHeaders(res, () => {
      for (const name of res.getHeaderNames()) {
        if (name.startsWith('access-control-')) res.removeHeader(name);
      }
    });
  }

  // ---------------------------------------------------------------------------
  // Revocation: one log line per token really revoked (its type, never its
  // value). oidc-provider v9 emits no "revocation.success" event, and it answers
  // 200 whether or not the token existed (RFC 7009 §2.2), so this looks at what
  // the endpoint found (ctx.oidc.entities) and whether it is gone afterwards.
  // Revoking a refresh token or an access token also removes every other token
  // of the same grant (oidc-provider's revoke(): revokeByGrantId).
  // ---------------------------------------------------------------------------
  const TOKEN_TYPES = {
    AccessToken: 'access_token',
    RefreshToken: 'refresh_token',
    ClientCredentials: 'client_credentials',
  };

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'revocation' || ctx.status !== 200) return;
    const token = Object.keys(TOKEN_TYPES)
      .map((kind) => ctx.oidc.entities[kind])
      .find(Boolean);
    if (!token) {
      log('revocation: unknown, expired or already revoked token (nothing to revoke)');
      return;
    }
    if (await token.adapter.find(token.jti)) {
      log(`revocation: ${TOKEN_TYPES[token.kind]} of another client not revoked`);
      return;
    }
    log(`revoked ${TOKEN_TYPES[token.kind]}`);
  });

  // ---------------------------------------------------------------------------
  // TEST-ONLY: the misbehave switch (misbehave.mjs), a Koa middleware on the
  // provider. Never installed unless TEST_MISBEHAVE=1.
  // ---------------------------------------------------------------------------
  let misbehavePath = null;
  if (testMisbehave) {
    const { installMisbehave, CONTROL_PATH } = await import('./misbehave.mjs');
    installMisbehave(provider, { issuer: ISSUER, redirectUris, key: signingKey.privateKey, log });
    misbehavePath = CONTROL_PATH;
    log(`TEST_MISBEHAVE=1: POST ${CONTROL_PATH} is enabled (end-to-end tests only)`);
  }

  // ---------------------------------------------------------------------------
  // The layout: the discovery document as the layout's provider writes it, and
  // (Entra) no `iss` in the authorization response.
  // ---------------------------------------------------------------------------
  if (layout.rewriteDiscovery) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.oidc?.route !== 'discovery' || ctx.status !== 200 || !ctx.body || typeof ctx.body !== 'object') return;
      ctx.body = layout.rewriteDiscovery(ctx.body, { origin, mount: ctx.req.devProviderMount ?? { prefix: '' } });
    });
  }
  if (layout.personalAccounts) {
    // A personal account's ID token names its own tenant's issuer (Entra):
    // re-signed with this layout's key. Token responses only (code exchange
    // and refresh); ctx.body is still the plain object here.
    const { tid, issuer: personalIssuer } = layout.personalAccounts;
    provider.use(async (ctx, next) => {
      await next();
      const idToken = ctx.oidc?.route === 'token' && ctx.status === 200 ? ctx.body?.id_token : undefined;
      if (typeof idToken !== 'string') return;
      const payload = decodeJwt(idToken);
      if (payload.tid !== tid) return;
      payload.iss = personalIssuer(origin);
      ctx.body.id_token = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader(decodeProtectedHeader(idToken))
        .sign(signingKey.privateKey);
    });
  }
  if (layout.omitAuthorizationIss) {
    // Emitted with the response parameters just before they are sent.
    provider.on('authorization.success', (ctx, out) => {
      if (out) delete out.iss;
    });
  }


  // ---------------------------------------------------------------------------
  // A protected API: GET /api/hello with "Authorization: Bearer <access token>".
  // The token must be one of this provider's access tokens, not expired, not
  // revoked, still bound to a live provider session (oidc-provider's
  // AccessToken.find checks all that), and not sender-constrained (DPoP/mTLS).
  // CORS only for the app origins: the preflight (GET, header Authorization)
  // and the GET itself; any other origin gets no Access-Control-* header.
  // ---------------------------------------------------------------------------
  const API_PATH = '/api/hello';

  async function handleApi(req, res) {
    const origin = req.headers.origin;
    const corsAllowed = origin !== undefined && ALLOWED_ORIGINS.has(origin);
    const cors = corsAllowed ? { 'Access-Control-Allow-Origin': origin } : {};
    res.setHeader('Vary', 'Origin');

    if (req.method === 'OPTIONS') {
      const requestMethod = req.headers['access-control-request-method'];
      if (!corsAllowed || requestMethod === undefined) {
        // Not a preflight from an app origin: nothing allowed.
        res.writeHead(403, { 'Cache-Control': 'no-store', 'Content-Length': '0' });
        res.end();
        return;
      }
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Authorization',
        'Access-Control-Max-Age': '600',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }

    // The 401's WWW-Authenticate is readable by the app.
    const headers = { ...cors, ...(corsAllowed ? { 'Access-Control-Expose-Headers': 'WWW-Authenticate' } : {}) };

    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method_not_allowed', error_description: 'only GET' }, { ...headers, Allow: 'GET, OPTIONS' });
      return;
    }

    const value = bearerToken(req.headers.authorization);
    if (!value) {
      sendJson(res, 401, { error: 'unauthorized', error_description: 'send Authorization: Bearer <access token>' }, {
        ...headers,
        'WWW-Authenticate': 'Bearer',
      });
      return;
    }

    const token = await provider.AccessToken.find(value);
    if (!token || !token.isValid || token.isSenderConstrained()) {
      sendJson(res, 401, { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' }, {
        ...headers,
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
      return;
    }

    sendJson(res, 200, {
      message: `Hello, ${token.accountId}`,
      sub: token.accountId,
      scope: token.scope ?? '',
    }, headers);
  }

  // ---------------------------------------------------------------------------
  // HTTP server.
  // ---------------------------------------------------------------------------
  const providerCallback = provider.callback();
  const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/;

  const server = http.createServer(async (req, res) => {
    let pathname = '/';
    let search = '';
    try {
      ({ pathname, search } = new URL(req.url, origin));
    } catch {
      // leave '/'
    }
    // One line per request: method and path only (no query, no bodies, no tokens).
    res.on('finish', () => {
      console.log(`${tag === 'dev-provider' ? '' : `${tag}: `}${req.method} ${pathname} ${res.statusCode}`);
    });

    restrictCors(req, res);
    if (noCorsPaths.has(pathname)) dropCors(res);

    try {
      if (pathname === API_PATH) {
        await handleApi(req, res);
        return;
      }
      const match = INTERACTION_PATH.exec(pathname);
      if (match) {
        await handleInteraction(req, res, match[1], match[2]);
        return;
      }
      if (pathname === misbehavePath) {
        providerCallback(req, res);
        return;
      }
      // The layout: which path reaches oidc-provider, as which of its paths.
      // oidc-provider builds its URLs from the part of req.originalUrl before
      // req.url (its mount path), so both are set.
      const target = resolvePath(layout, pathname);
      if (target === null) {
        sendJson(res, 404, { error: 'not_found', error_description: `no ${pathname} on this provider (layout ${name})` });
        return;
      }
      if (!layout.passthrough) {
        req.devProviderMount = target.mount;
        req.url = `${target.internal}${search}`;
        req.originalUrl = `${target.mount.prefix}${target.internal}${search}`;
      }
      providerCallback(req, res);
    } catch (err) {
      console.error(`${tag}: error handling ${req.method} ${pathname}: ${err.message}`);
      if (!res.headersSent) {
        send(res, err.status || 500, page('Local development provider: error', '<main><h1>Internal error</h1></main>'));
      } else {
        res.destroy();
      }
    }
  });

  function listen() {
    return new Promise((resolve, reject) => {
      const onError = (err) => reject(err);
      server.once('error', onError);
      server.listen(port, HOST, () => {
        server.off('error', onError);
        log(`issuer ${ISSUER}, client ${CLIENT_ID}${name === 'root' ? '' : `, layout ${name}`}`);
        log(`listening on ${origin}, app origins ${APP_ORIGINS.join(', ') || '(none)'}`);
        resolve();
      });
    });
  }

  function close() {
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  }

  return {
    name,
    layout,
    issuer: ISSUER,
    origin,
    port,
    provider,
    server,
    signingKey,
    listen,
    close,
  };
}
