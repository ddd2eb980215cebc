// The oidc-provider (v9) configuration: one public client (no secret, auth
// method "none", PKCE S256 required, code flow only), any user name is an
// account, a refresh token with every code exchange, rotated on every use (a
// rotated one used again is refused and ends the whole grant), revocation
// and UserInfo, RP-initiated logout that confirms itself, in-memory storage.
// Per layout (provider-layouts.mjs): DPoP (RFC 9449) with nonces required
// and the client DPoP-bound, or none; PAR (RFC 9126) offered, required, or
// none.

import * as crypto from 'node:crypto';

import { escapeHtml, page } from './html.mjs';
import { interactionUrl } from './login.mjs';
import { layoutClaims } from './provider-layouts.mjs';
import { APP_BASES, CALLBACK_PAGES, SIGNED_OUT_PAGES } from './settings.mjs';

/** Every account's claims, derived from its name (plus the layout's, e.g. Entra's tid). */
function accounts(layout) {
  return async function findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: id, preferred_username: id, email: `${id}@example.test`, ...layoutClaims(layout, id) };
      },
    };
  };
}

// The logout confirmation clicks its own button (no CSP is sent, so the
// inline script runs): the provider session ends, its grants are revoked and
// a 303 goes to post_logout_redirect_uri with the state. Without a provider
// session oidc-provider sends a self-posting form of its own instead.
async function logoutSource(ctx, form) {
  ctx.type = 'html';
  ctx.body = page('Signing out', `<main>
<h1>Signing out</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<script>document.querySelector('button[name="logout"]').click();</script>
</main>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<main><h1>Signed out</h1><p>You are signed out of the local development provider.</p></main>');
}

// Error pages without the default page's external web font.
async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Local development provider: error', `<main>
<h1>Something went wrong</h1>
${Object.entries(out).map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`).join('\n')}
</main>`);
}

/**
 * The DPoP proof algorithms the provider and the demo API accept: asymmetric
 * only (oidc-provider 9's default list; the app signs with ES256).
 */
export const DPOP_ALGS = Object.freeze(['ES256', 'Ed25519', 'EdDSA']);

/** The client's redirect URIs for the app origins: O + each of APP_BASES + each of CALLBACK_PAGES. */
export function redirectUris(appOrigins) {
  return appOrigins.flatMap((o) => APP_BASES.flatMap((base) => CALLBACK_PAGES.map((page) => `${o}${base}${page}`)));
}

/**
 * The configuration for one provider instance. `name`/`layout`: the layout
 * (provider-layouts.mjs); `appOrigins`: each origin O gets redirect URIs
 * O<base>callback and O<base>signin-return, and post-logout redirect URIs
 * O<base> and O<base>signed-out, for each of APP_BASES.
 */
export function configuration({ name, layout, clientId, appOrigins, accessTokenTtl, signingKey }) {
  const allowed = new Set(appOrigins);
  const extraClaims = layout.extraIdClaims ?? {};
  const dpop = layout.dpop !== false;
  return {
    clients: [{
      client_id: clientId,
      client_name: 'pkce-spa (development)',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris(appOrigins),
      post_logout_redirect_uris: appOrigins.flatMap((o) => APP_BASES.flatMap((base) => SIGNED_OUT_PAGES.map((page) => `${o}${base}${page}`))),
      // Every token request must carry a DPoP proof (RFC 9449 section 5.2):
      // a public client's tokens are then worth nothing without its key.
      ...(dpop ? { dpop_bound_access_tokens: true } : {}),
    }],
    // v9 implements S256 only; required for every client.
    pkce: { required: () => true },
    responseTypes: ['code'],
    clientAuthMethods: ['none'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub', ...Object.keys(extraClaims)],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    // The scope's claims in the ID token too, not only at UserInfo.
    conformIdTokenClaims: false,
    findAccount: accounts(layout),
    // A refresh token with every code exchange (no offline_access needed); it
    // is bound to the provider session, so RP-initiated logout ends it too.
    async issueRefreshToken(ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    // `true`, not oidc-provider's default function: that one stops rotating
    // a public client's refresh tokens once they are sender-constrained
    // (DPoP-bound); the app's session rules (rotation, reuse ends the grant)
    // hold with and without DPoP.
    rotateRefreshToken: true,
    jwks: signingKey.jwks,
    ...(layout.routes ? { routes: layout.routes } : {}),
    cookies: {
      // Fixed keys: development only.
      keys: ['pkce-spa-dev-provider-cookie-key-1', 'pkce-spa-dev-provider-cookie-key-2'],
      // Cookies are not kept apart by port: each layout but root has names of
      // its own, so providers on other ports of 127.0.0.1 never collide.
      ...(name === 'root' ? {} : {
        names: { session: `_session_${name}`, interaction: `_interaction_${name}`, resume: `_interaction_resume_${name}` },
      }),
    },
    // CORS for the client-bound endpoints: our client, from the app origins.
    clientBasedCORS(ctx, origin, client) {
      return client.clientId === clientId && allowed.has(origin);
    },
    interactions: { url: interactionUrl },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: layout.endSession !== false, logoutSource, postLogoutSuccessSource },
      // Nonces required (RFC 9449 section 8): a proof is only good for the
      // nonce window, not for as long as a stolen one would be replayed. The
      // secret is random per process: nothing to keep in the repository, and
      // after a restart a client's old nonce is answered with a fresh one
      // (use_dpop_nonce), which it must handle anyway.
      dPoP: dpop
        ? { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true }
        : { enabled: false },
      // On by default in v9; `par: 'required'` refuses plain authorization
      // requests (discovery says require_pushed_authorization_requests).
      pushedAuthorizationRequests: layout.par === false
        ? { enabled: false }
        : { enabled: true, requirePushedAuthorizationRequests: layout.par === 'required' },
    },
    dPoPSigningAlgValues: [...DPOP_ALGS],
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      RefreshToken: 24 * 60 * 60,
      Interaction: 60 * 60,
      Session: 24 * 60 * 60,
      Grant: 24 * 60 * 60,
    },
    renderError,
  };
}
