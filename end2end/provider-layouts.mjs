// The local provider's layouts as the end-to-end tests see them: one
// oidc-provider per layout, started by playwright.config.mjs with
// dev-provider/layouts.mjs on BASE_PORT + offset, and the config.json
// override (serve.mjs's POST /__test/config) that points the app's preset
// at each one through `base_url` (docs: the issue 5 contract).
//
// The paths are written out here as the real providers have them, on
// purpose independent of dev-provider/provider-layouts.mjs (which
// dev-provider/selftest.mjs checks against the same paths).

export const LAYOUTS_BASE_PORT = 9420;

const origin = (offset) => `http://127.0.0.1:${LAYOUTS_BASE_PORT + offset}`;

/** The fixed tenant GUID of the Entra layout (its ID tokens' tid). */
export const ENTRA_TENANT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

/**
 * One entry per preset: its layout's origin, the config override, where the
 * authorization request, the token request, the UserInfo request and the
 * discovery request (null: no discovery) must go.
 */
export const PRESETS = [
  {
    name: 'pingone',
    origin: origin(1),
    config: { issuer: null, provider: { name: 'pingone', environment_id: 'env-1234', region: 'eu', base_url: origin(1) } },
    issuer: `${origin(1)}/env-1234/as`,
    discoveryPath: '/env-1234/as/.well-known/openid-configuration',
    authorizePath: '/env-1234/as/authorize',
    tokenPath: '/env-1234/as/token',
    userinfoPath: '/env-1234/as/userinfo',
  },
  {
    name: 'okta',
    origin: origin(2),
    // authorization_server left out: its default is "default".
    config: { issuer: null, provider: { name: 'okta', base_url: origin(2) } },
    issuer: `${origin(2)}/oauth2/default`,
    discoveryPath: '/oauth2/default/.well-known/openid-configuration',
    authorizePath: '/oauth2/default/v1/authorize',
    tokenPath: '/oauth2/default/v1/token',
    userinfoPath: '/oauth2/default/v1/userinfo',
  },
  {
    name: 'keycloak',
    origin: origin(3),
    config: { issuer: null, provider: { name: 'keycloak', base_url: origin(3), realm: 'demo' } },
    issuer: `${origin(3)}/realms/demo`,
    discoveryPath: '/realms/demo/.well-known/openid-configuration',
    authorizePath: '/realms/demo/protocol/openid-connect/auth',
    tokenPath: '/realms/demo/protocol/openid-connect/token',
    userinfoPath: '/realms/demo/protocol/openid-connect/userinfo',
  },
  {
    name: 'auth0',
    origin: origin(4),
    config: { issuer: null, provider: { name: 'auth0', base_url: origin(4), audience: 'https://api.example' } },
    issuer: `${origin(4)}/`,
    discoveryPath: '/.well-known/openid-configuration',
    authorizePath: '/authorize',
    tokenPath: '/oauth/token',
    userinfoPath: '/userinfo',
    // The audience goes into the authorization request as is.
    authorizeUrlContains: 'audience=https%3A%2F%2Fapi.example',
  },
  {
    name: 'adobe_ims',
    origin: origin(5),
    config: { issuer: null, provider: { name: 'adobe_ims', base_url: origin(5) } },
    issuer: origin(5),
    discoveryPath: null,
    authorizePath: '/ims/authorize/v2',
    tokenPath: '/ims/token/v3',
    userinfoPath: '/ims/userinfo/v2',
  },
  {
    name: 'cloudentity',
    origin: origin(6),
    config: {
      issuer: null,
      provider: { name: 'cloudentity', tenant_url: origin(6), tenant_id: 'acme', server_id: 'default' },
    },
    issuer: `${origin(6)}/acme/default`,
    discoveryPath: '/acme/default/.well-known/openid-configuration',
    authorizePath: '/acme/default/oauth2/authorize',
    tokenPath: '/acme/default/oauth2/token',
    userinfoPath: '/acme/default/userinfo',
  },
  {
    name: 'entra',
    origin: origin(7),
    config: { issuer: null, provider: { name: 'entra', tenant: 'common', base_url: origin(7) } },
    // Discovery names the template http://127.0.0.1:9427/{tenantid}/v2.0;
    // the ID token's iss is the template with its tid put in.
    issuer: `${origin(7)}/${ENTRA_TENANT_ID}/v2.0`,
    discoveryPath: '/common/v2.0/.well-known/openid-configuration',
    authorizePath: '/common/oauth2/v2.0/authorize',
    tokenPath: '/common/oauth2/v2.0/token',
    userinfoPath: '/common/oidc/userinfo',
  },
];

/** Root layout, but the token endpoint sends no CORS headers. */
export const NOCORS_ISSUER = origin(8);
/** Root layout, but discovery offers only PKCE "plain". */
export const PLAINONLY_ISSUER = origin(9);

/** Every origin of the layouts (for the CSP's connect-src). */
export const LAYOUT_ORIGINS = Array.from({ length: 9 }, (_, i) => origin(i + 1));

/** The URL Playwright waits for: the layout started last (plainonly). */
export const LAYOUTS_READY_URL = `${PLAINONLY_ISSUER}/.well-known/openid-configuration`;
