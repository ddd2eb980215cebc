// Endpoint layouts of real providers, for the local development provider.
//
// Each layout makes one oidc-provider instance (dev-provider.mjs) look like a
// provider of that kind from the outside: its issuer, the paths of its
// endpoints, where its discovery document is (if anywhere), and what that
// document says. Everything else (the client pkce-spa-dev, the login page,
// automatic consent, CORS for the app origins, refresh tokens) is the same
// for every layout.
//
// A layout:
//   issuer(origin)    the issuer oidc-provider runs with (ID token `iss`,
//                     RFC 9207 `iss`); origin is http://127.0.0.1:PORT
//   passthrough       true: every path goes to oidc-provider unchanged (the
//                     root layout of `make dev` and the existing tests).
//   mounts            otherwise: where oidc-provider is reachable. A request
//                     under `prefix` reaches oidc-provider with the prefix
//                     removed, and the URLs it puts into its answers (the
//                     discovery document, redirects) carry the prefix again.
//                     `discovery`: the path of the discovery document for
//                     this mount (false: none). Any other path answers 404, so
//                     an app using the wrong path fails loudly.
//   routes            oidc-provider's `routes` option (relative to the mount).
//   rewriteDiscovery(doc, {origin, mount})  edits the discovery document.
//   noCorsPaths(origin) paths whose answers never carry Access-Control-* headers.
//   omitAuthorizationIss  no `iss` in the authorization response (RFC 9207).
//   endSession        false: no RP-initiated logout endpoint.
//   extraIdClaims     claims added to every account (and to the `openid` scope).
//   personalAccounts  { pattern, tid, issuer(origin) }: accounts whose name
//                     matches get this `tid` and ID tokens with this `iss`
//                     (Entra's personal Microsoft accounts).
//   portOffset        the port of the layout in layouts.mjs: BASE_PORT + offset.

/** The tenant of the Entra layout: a fixed, made-up GUID. */
export const ENTRA_TENANT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
/** Entra's tenant of personal Microsoft accounts (the real, fixed GUID). */
export const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

const ENTRA_ROUTES = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  jwks: '/discovery/v2.0/keys',
  userinfo: '/oidc/userinfo',
  revocation: '/oauth2/v2.0/revoke',
  end_session: '/oauth2/v2.0/logout',
};

export const LAYOUTS = Object.freeze({
  // Today's layout: issuer = origin, oidc-provider's own paths
  // (/auth, /token, /jwks, /me, /token/revocation, /session/end).
  root: {
    description: 'oidc-provider\'s own layout at the root (make dev, the existing tests)',
    issuer: (origin) => origin,
    passthrough: true,
    portOffset: null,
  },

  pingone: {
    description: 'PingOne: https://auth.pingone.<region>/<envID>/as',
    issuer: (origin) => `${origin}/env-1234/as`,
    mounts: [{ prefix: '/env-1234/as', discovery: '/env-1234/as/.well-known/openid-configuration' }],
    routes: {
      authorization: '/authorize',
      token: '/token',
      jwks: '/jwks',
      userinfo: '/userinfo',
      revocation: '/revoke',
      end_session: '/signoff',
    },
    portOffset: 1,
  },

  okta: {
    description: 'Okta custom authorization server "default": https://<domain>/oauth2/default',
    issuer: (origin) => `${origin}/oauth2/default`,
    mounts: [{ prefix: '/oauth2/default', discovery: '/oauth2/default/.well-known/openid-configuration' }],
    routes: {
      authorization: '/v1/authorize',
      token: '/v1/token',
      jwks: '/v1/keys',
      userinfo: '/v1/userinfo',
      revocation: '/v1/revoke',
      end_session: '/v1/logout',
    },
    portOffset: 2,
  },

  keycloak: {
    description: 'Keycloak realm "demo": <base>/realms/demo',
    issuer: (origin) => `${origin}/realms/demo`,
    mounts: [{ prefix: '/realms/demo', discovery: '/realms/demo/.well-known/openid-configuration' }],
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      jwks: '/protocol/openid-connect/certs',
      userinfo: '/protocol/openid-connect/userinfo',
      revocation: '/protocol/openid-connect/revoke',
      end_session: '/protocol/openid-connect/logout',
    },
    portOffset: 3,
  },

  auth0: {
    description: 'Auth0: issuer https://<domain>/ (with the trailing slash)',
    issuer: (origin) => `${origin}/`,
    mounts: [{ prefix: '', discovery: '/.well-known/openid-configuration' }],
    routes: {
      authorization: '/authorize',
      token: '/oauth/token',
      jwks: '/.well-known/jwks.json',
      userinfo: '/userinfo',
      revocation: '/oauth/revoke',
      end_session: '/oidc/logout',
    },
    portOffset: 4,
  },

  adobe_ims: {
    description: 'Adobe IMS: issuer https://<host>, fixed endpoints, no discovery',
    issuer: (origin) => origin,
    mounts: [{ prefix: '', discovery: false }],
    routes: {
      authorization: '/ims/authorize/v2',
      token: '/ims/token/v3',
      jwks: '/ims/keys',
      userinfo: '/ims/userinfo/v2',
      revocation: '/ims/revoke',
      end_session: '/ims/logout/v1',
    },
    portOffset: 5,
  },

  cloudentity: {
    description: 'Cloudentity: <tenant_url>/<tenant_id>/<server_id> (acme/default)',
    issuer: (origin) => `${origin}/acme/default`,
    mounts: [{ prefix: '/acme/default', discovery: '/acme/default/.well-known/openid-configuration' }],
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/token',
      jwks: '/.well-known/jwks.json',
      userinfo: '/userinfo',
      revocation: '/oauth2/revoke',
      end_session: '/oidc/logout', // unused: endSession is false
    },
    endSession: false,
    portOffset: 6,
  },

  // Microsoft Entra ID, multi-tenant ("common"). oidc-provider runs with the
  // tenant's real issuer (ID tokens: iss http://H/<GUID>/v2.0, tid <GUID>);
  // the common endpoints are a mount at /common whose discovery document
  // names the issuer template http://H/{tenantid}/v2.0, as Entra's does. The
  // tenant-specific endpoints (/<GUID>/...) are served too, their discovery
  // names the real issuer. Like Entra: no `iss` in the authorization
  // response (and authorization_response_iss_parameter_supported absent), no
  // revocation endpoint in discovery.
  entra: {
    description: 'Microsoft Entra ID, tenant "common" (issuer template {tenantid})',
    issuer: (origin) => `${origin}/${ENTRA_TENANT_ID}/v2.0`,
    // /organizations has the template too; /consumers names the personal
    // account tenant's issuer. Accounts named like a personal Microsoft
    // account (…@outlook.com, …@hotmail.com, …@live.com) belong to that
    // tenant: tid 9188040d-…, iss http://H/9188040d-…/v2.0 (their ID tokens
    // are re-signed with the layout's key with that iss).
    mounts: [
      { prefix: '/common', discovery: '/common/v2.0/.well-known/openid-configuration', issuerTemplate: true },
      { prefix: '/organizations', discovery: '/organizations/v2.0/.well-known/openid-configuration', issuerTemplate: true },
      { prefix: '/consumers', discovery: '/consumers/v2.0/.well-known/openid-configuration', consumersIssuer: true },
      { prefix: `/${ENTRA_TENANT_ID}`, discovery: `/${ENTRA_TENANT_ID}/v2.0/.well-known/openid-configuration` },
    ],
    routes: ENTRA_ROUTES,
    omitAuthorizationIss: true,
    extraIdClaims: { tid: ENTRA_TENANT_ID },
    personalAccounts: {
      pattern: /@(outlook|hotmail|live)\.com$/i,
      tid: CONSUMERS_TENANT_ID,
      issuer: (origin) => `${origin}/${CONSUMERS_TENANT_ID}/v2.0`,
    },
    rewriteDiscovery(doc, { origin, mount }) {
      const out = { ...doc };
      if (mount.issuerTemplate) out.issuer = `${origin}/{tenantid}/v2.0`;
      if (mount.consumersIssuer) out.issuer = `${origin}/${CONSUMERS_TENANT_ID}/v2.0`;
      delete out.authorization_response_iss_parameter_supported;
      delete out.revocation_endpoint;
      return out;
    },
    portOffset: 7,
  },

  // Broken on purpose (the provider check view): the root layout, but the
  // token endpoint answers the app origin without any CORS header (discovery
  // and the key set stay readable cross-origin).
  nocors: {
    description: 'root layout, token endpoint without CORS (broken on purpose)',
    issuer: (origin) => origin,
    passthrough: true,
    noCorsPaths: () => ['/token'],
    portOffset: 8,
  },

  // Broken on purpose: the root layout, discovery offers only PKCE "plain".
  // (oidc-provider itself still requires S256; only the document says plain.)
  plainonly: {
    description: 'root layout, discovery says code_challenge_methods_supported ["plain"] (broken on purpose)',
    issuer: (origin) => origin,
    passthrough: true,
    rewriteDiscovery(doc) {
      return { ...doc, code_challenge_methods_supported: ['plain'] };
    },
    portOffset: 9,
  },
});

/** Every layout with a port of its own in layouts.mjs, in port order. */
export const PORTED_LAYOUTS = Object.freeze(Object.entries(LAYOUTS)
  .filter(([, layout]) => layout.portOffset !== null)
  .sort(([, a], [, b]) => a.portOffset - b.portOffset)
  .map(([name]) => name));

/** The layout named `name`, or throws with the list of names. */
export function layoutFor(name) {
  if (!Object.hasOwn(LAYOUTS, name)) {
    throw new Error(`unknown layout ${JSON.stringify(name)}; one of: ${Object.keys(LAYOUTS).join(', ')}`);
  }
  return LAYOUTS[name];
}

/**
 * Where a request for `pathname` goes in `layout`: { mount, internal } with
 * the path oidc-provider sees, or null (404). Passthrough layouts: always the
 * path itself.
 */
export function resolvePath(layout, pathname) {
  if (layout.passthrough) return { mount: { prefix: '' }, internal: pathname };
  for (const mount of layout.mounts) {
    if (mount.discovery && pathname === mount.discovery) {
      return { mount, internal: '/.well-known/openid-configuration' };
    }
  }
  const mounts = [...layout.mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  for (const mount of mounts) {
    if (mount.prefix !== '' && !pathname.startsWith(`${mount.prefix}/`)) continue;
    const internal = pathname.slice(mount.prefix.length);
    // The discovery documents only where the layout has them.
    if (internal === '/.well-known/openid-configuration' || internal === '/.well-known/oauth-authorization-server') {
      return null;
    }
    return { mount, internal };
  }
  return null;
}
