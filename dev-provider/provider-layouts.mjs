// The endpoint layouts of real providers: the one table of where each
// provider kind has its issuer, discovery document and endpoints. The local
// provider serves a layout (provider.mjs); the provider tests
// (dev-provider/test/) and the end-to-end tests (end2end/provider-layouts.mjs)
// read their expectations from here.
//
// A layout:
//   issuerPath      the issuer is the origin + this (ID token and RFC 9207 `iss`)
//   routes          oidc-provider's endpoint paths, relative to a mount
//   mounts          where oidc-provider is reachable: a request under `prefix`
//                   reaches it with the prefix removed, and its answers carry
//                   the prefix again. `discovery`: the discovery document's
//                   path for this mount (false: none); `issuerPath`: the
//                   issuer that document names, when not the layout's (Entra's
//                   `{tenantid}` template, its consumers tenant). Any other
//                   path answers 404. Without mounts: the root, as is.
//   discoveryOmits  members removed from every discovery document
//   pkceMethods     code_challenge_methods_supported as the document says it
//   noCorsEndpoints endpoints whose answers never carry Access-Control-* headers
//   omitAuthorizationIss  no `iss` in the authorization response
//   endSession      false: no RP-initiated logout endpoint
//   extraIdClaims   claims of every account (and of the `openid` scope)
//   personalAccounts { pattern, tid, issuerPath, example }: accounts whose
//                   name matches get this `tid` instead, and ID tokens whose
//                   `iss` is the origin + issuerPath, signed with the layout's
//                   key (Entra's personal Microsoft accounts)
//   dpop            false: no DPoP (RFC 9449) at all: discovery lists no
//                   dpop_signing_alg_values_supported, tokens are Bearer.
//                   Otherwise DPoP with nonces required at every endpoint
//                   (token, UserInfo, PAR) and the client registered
//                   dpop_bound_access_tokens: every token request needs a
//                   proof, and its refresh tokens are bound to that key
//   par             PAR (RFC 9126) at routes.pushed_authorization_request:
//                   'required': every authorization request must come
//                   through it (discovery: require_pushed_authorization_requests);
//                   false: no PAR endpoint; otherwise offered, optional
//   portOffset      its port in layouts.mjs: BASE_PORT + offset (root: none)

import * as crypto from 'node:crypto';

/** Entra: the made-up tenant of the Entra layout, and a domain name of it. */
export const ENTRA_TENANT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const ENTRA_TENANT_DOMAIN = 'contoso.onmicrosoft.com';
/** Entra: the tenant of Microsoft personal accounts (what `consumers` resolves to). */
export const ENTRA_CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
/** Entra: the issuer template of its multi-tenant discovery documents. */
const ENTRA_TEMPLATE_PATH = '/{tenantid}/v2.0';
const ENTRA_CONSUMERS_PATH = `/${ENTRA_CONSUMERS_TENANT_ID}/v2.0`;

const ROOT_ROUTES = {
  authorization: '/auth',
  token: '/token',
  jwks: '/jwks',
  userinfo: '/me',
  revocation: '/token/revocation',
  end_session: '/session/end',
  pushed_authorization_request: '/request',
};

const ENTRA_ROUTES = {
  authorization: '/oauth2/v2.0/authorize',
  token: '/oauth2/v2.0/token',
  jwks: '/discovery/v2.0/keys',
  userinfo: '/oidc/userinfo',
  revocation: '/oauth2/v2.0/revoke',
  end_session: '/oauth2/v2.0/logout',
};

// Like Entra: no `iss` in the authorization response, no revocation
// endpoint in discovery, neither RFC 9449 DPoP nor PAR.
const ENTRA = {
  routes: ENTRA_ROUTES,
  omitAuthorizationIss: true,
  discoveryOmits: ['authorization_response_iss_parameter_supported', 'revocation_endpoint'],
  dpop: false,
  par: false,
};

const entraMount = (segment, extra = {}) => ({ prefix: `/${segment}`, discovery: `/${segment}/v2.0/.well-known/openid-configuration`, ...extra });

export const LAYOUTS = Object.freeze({
  // oidc-provider's own layout (`make dev`, the end-to-end tests' :9411):
  // DPoP with nonces, the client DPoP-bound, PAR offered.
  root: { issuerPath: '', routes: ROOT_ROUTES, portOffset: null },

  // PingOne: https://auth.pingone.<region>/<envID>/as
  pingone: {
    issuerPath: '/env-1234/as',
    mounts: [{ prefix: '/env-1234/as', discovery: '/env-1234/as/.well-known/openid-configuration' }],
    routes: { authorization: '/authorize', token: '/token', jwks: '/jwks', userinfo: '/userinfo', revocation: '/revoke', end_session: '/signoff', pushed_authorization_request: '/par' },
    portOffset: 1,
  },

  // Okta, custom authorization server "default": https://<domain>/oauth2/default
  okta: {
    issuerPath: '/oauth2/default',
    mounts: [{ prefix: '/oauth2/default', discovery: '/oauth2/default/.well-known/openid-configuration' }],
    routes: { authorization: '/v1/authorize', token: '/v1/token', jwks: '/v1/keys', userinfo: '/v1/userinfo', revocation: '/v1/revoke', end_session: '/v1/logout', pushed_authorization_request: '/v1/par' },
    portOffset: 2,
  },

  // Keycloak, realm "demo": <base>/realms/demo
  keycloak: {
    issuerPath: '/realms/demo',
    mounts: [{ prefix: '/realms/demo', discovery: '/realms/demo/.well-known/openid-configuration' }],
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      jwks: '/protocol/openid-connect/certs',
      userinfo: '/protocol/openid-connect/userinfo',
      revocation: '/protocol/openid-connect/revoke',
      end_session: '/protocol/openid-connect/logout',
      pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
    },
    portOffset: 3,
  },

  // Auth0: issuer https://<domain>/ (with the trailing slash)
  auth0: {
    issuerPath: '/',
    mounts: [{ prefix: '', discovery: '/.well-known/openid-configuration' }],
    routes: { authorization: '/authorize', token: '/oauth/token', jwks: '/.well-known/jwks.json', userinfo: '/userinfo', revocation: '/oauth/revoke', end_session: '/oidc/logout', pushed_authorization_request: '/oauth/par' },
    portOffset: 4,
  },

  // Adobe IMS: issuer https://<host>, fixed endpoints, no discovery, neither
  // DPoP nor PAR (nor could an app without discovery learn of them).
  adobe_ims: {
    issuerPath: '',
    mounts: [{ prefix: '', discovery: false }],
    routes: { authorization: '/ims/authorize/v2', token: '/ims/token/v3', jwks: '/ims/keys', userinfo: '/ims/userinfo/v2', revocation: '/ims/revoke', end_session: '/ims/logout/v1' },
    dpop: false,
    par: false,
    portOffset: 5,
  },

  // Cloudentity: <tenant_url>/<tenant_id>/<server_id>, no end-session endpoint
  cloudentity: {
    issuerPath: '/acme/default',
    mounts: [{ prefix: '/acme/default', discovery: '/acme/default/.well-known/openid-configuration' }],
    routes: { authorization: '/oauth2/authorize', token: '/oauth2/token', jwks: '/.well-known/jwks.json', userinfo: '/userinfo', revocation: '/oauth2/revoke', end_session: '/oidc/logout', pushed_authorization_request: '/par' },
    endSession: false,
    portOffset: 6,
  },

  // Microsoft Entra ID, one host for every tenant class. A work tenant
  // (ENTRA_TENANT_ID, ID tokens with its tid and issuer) reached as `common`
  // and `organizations` (discovery names the template .../{tenantid}/v2.0),
  // by its GUID and by its domain (discovery names the tenant's issuer); and
  // Microsoft personal accounts: any user name ending in @outlook.com,
  // @hotmail.com or @live.com gets the consumers tenant's tid and issuer,
  // reached as `consumers` or by that tenant's GUID. As at Entra, any account
  // can sign in at any of them: the app decides which tenants it accepts.
  entra: {
    ...ENTRA,
    issuerPath: `/${ENTRA_TENANT_ID}/v2.0`,
    mounts: [
      entraMount('common', { issuerPath: ENTRA_TEMPLATE_PATH }),
      entraMount('organizations', { issuerPath: ENTRA_TEMPLATE_PATH }),
      entraMount('consumers', { issuerPath: ENTRA_CONSUMERS_PATH }),
      entraMount(ENTRA_TENANT_ID),
      entraMount(ENTRA_TENANT_DOMAIN),
      entraMount(ENTRA_CONSUMERS_TENANT_ID, { issuerPath: ENTRA_CONSUMERS_PATH }),
    ],
    extraIdClaims: { tid: ENTRA_TENANT_ID },
    personalAccounts: {
      pattern: /@(outlook|hotmail|live)\.com$/i,
      tid: ENTRA_CONSUMERS_TENANT_ID,
      issuerPath: ENTRA_CONSUMERS_PATH,
      example: 'pat@outlook.com',
    },
    portOffset: 7,
  },

  // Broken on purpose (the provider check): root, token endpoint without CORS.
  nocors: { issuerPath: '', routes: ROOT_ROUTES, noCorsEndpoints: ['token'], portOffset: 8 },

  // Broken on purpose: root, discovery offers only PKCE "plain" (oidc-provider
  // itself still requires S256).
  plainonly: { issuerPath: '', routes: ROOT_ROUTES, pkceMethods: ['plain'], portOffset: 9 },

  // Root, but every authorization request must be pushed first (RFC 9126
  // section 5): a plain one is refused.
  'par-required': { issuerPath: '', routes: ROOT_ROUTES, par: 'required', portOffset: 10 },

  // Root without DPoP: Bearer tokens, as before RFC 9449 (the app's path for
  // providers that do not offer it).
  'no-dpop': { issuerPath: '', routes: ROOT_ROUTES, dpop: false, portOffset: 11 },

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

const ROOT_MOUNT = Object.freeze({ prefix: '', discovery: '/.well-known/openid-configuration', root: true });

/** The layout's mounts (a root layout: one, the whole origin). */
export function mountsOf(layout) {
  return layout.mounts ?? [ROOT_MOUNT];
}

const METADATA = {
  authorization: 'authorization_endpoint',
  token: 'token_endpoint',
  jwks: 'jwks_uri',
  userinfo: 'userinfo_endpoint',
  revocation: 'revocation_endpoint',
  end_session: 'end_session_endpoint',
  pushed_authorization_request: 'pushed_authorization_request_endpoint',
};

/**
 * What a mount looks like from outside: { discoveryPath (null: none),
 * issuerPath (as its discovery names it), endpoints: {metadata name: path}
 * for those its discovery lists }.
 */
export function describeMount(layout, mount = mountsOf(layout)[0]) {
  const endpoints = {};
  for (const [route, member] of Object.entries(METADATA)) {
    if (route === 'end_session' && layout.endSession === false) continue;
    if (route === 'pushed_authorization_request' && layout.par === false) continue;
    if (layout.discoveryOmits?.includes(member)) continue;
    endpoints[member] = `${mount.prefix}${layout.routes[route]}`;
  }
  return {
    discoveryPath: mount.discovery || null,
    issuerPath: mount.issuerPath ?? layout.issuerPath,
    endpoints,
  };
}

/** The path of `route` (a key of `routes`) under `mount`. */
export function routePath(layout, route, mount = mountsOf(layout)[0]) {
  return `${mount.prefix}${layout.routes[route]}`;
}

/**
 * Where a request for `pathname` goes: { mount, internal } with the path
 * oidc-provider sees, or null (404).
 */
export function resolvePath(layout, pathname) {
  if (!layout.mounts) return { mount: ROOT_MOUNT, internal: pathname };
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

/** The claims of the account `id` under `layout` beyond its name: extraIdClaims, or a personal account's tid. */
export function layoutClaims(layout, id) {
  const personal = layout.personalAccounts;
  if (personal?.pattern.test(id)) return { ...layout.extraIdClaims, tid: personal.tid };
  return { ...layout.extraIdClaims };
}

/**
 * Makes `provider` (oidc-provider) answer as the layout's provider: its
 * discovery documents, no `iss` in the authorization response where the
 * layout says so, and personal accounts' ID tokens with their own issuer,
 * signed again with `signingKey` (keys.mjs). Routing itself is resolvePath's
 * (provider.mjs).
 */
export function installLayout(provider, layout, origin, signingKey) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'discovery' || ctx.status !== 200 || !ctx.body || typeof ctx.body !== 'object') return;
    const mount = ctx.req.devProviderMount ?? ROOT_MOUNT;
    const doc = { ...ctx.body };
    if (mount.issuerPath !== undefined) doc.issuer = `${origin}${mount.issuerPath}`;
    for (const member of layout.discoveryOmits ?? []) delete doc[member];
    if (layout.pkceMethods) doc.code_challenge_methods_supported = layout.pkceMethods;
    ctx.body = doc;
  });
  if (layout.omitAuthorizationIss) {
    provider.on('authorization.success', (ctx, out) => {
      if (out) delete out.iss;
    });
  }
  if (layout.personalAccounts) {
    // Token responses (code exchange and refresh); ctx.body is still the
    // plain object here.
    const { tid, issuerPath } = layout.personalAccounts;
    provider.use(async (ctx, next) => {
      await next();
      const idToken = ctx.oidc?.route === 'token' && ctx.status === 200 ? ctx.body?.id_token : undefined;
      if (typeof idToken !== 'string') return;
      const [header, body] = idToken.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      if (payload.tid !== tid) return;
      payload.iss = `${origin}${issuerPath}`;
      ctx.body.id_token = signJws(header, payload, signingKey);
    });
  }
}

/** A compact JWS with the encoded protected `header` as is and `payload`, RS256 with `signingKey`. */
function signJws(header, payload, signingKey) {
  if (signingKey.alg !== 'RS256') throw new Error(`cannot sign ${signingKey.alg}`);
  const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), signingKey.privateKey).toString('base64url')}`;
}
