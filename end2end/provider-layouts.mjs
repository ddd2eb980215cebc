// The provider layouts as the end-to-end tests reach them (paths and issuers
// from dev-provider/provider-layouts.mjs, ports from addresses.mjs), and
// PRESETS: one config.json per preset (the issue 5 contract) pointing the app
// at a layout through `base_url`, with where its requests must go.

import {
  ENTRA_CONSUMERS_TENANT_ID,
  ENTRA_TENANT_DOMAIN,
  ENTRA_TENANT_ID,
  LAYOUTS,
  PORTED_LAYOUTS,
  describeMount,
  mountsOf,
} from '../dev-provider/provider-layouts.mjs';
import { LAYOUTS_BASE_PORT } from './addresses.mjs';

export { ENTRA_CONSUMERS_TENANT_ID, ENTRA_TENANT_ID, LAYOUTS_BASE_PORT };
/** Entra: a user name the Entra layout treats as a Microsoft personal account. */
export const ENTRA_PERSONAL_ACCOUNT = LAYOUTS.entra.personalAccounts.example;

/** http://127.0.0.1:<port of the layout>. */
export function layoutOrigin(name) {
  return `http://127.0.0.1:${LAYOUTS_BASE_PORT + LAYOUTS[name].portOffset}`;
}

/**
 * A preset's test case: `config` (merged into config.json), the layout's
 * origin, the ID tokens' issuer, and the paths of discovery (null: none),
 * the authorization, token and UserInfo requests, at the layout mount
 * `prefix` (default: its first); `user`: who signs in (default alice).
 */
function preset(name, label, layoutName, config, prefix, user = 'alice') {
  const layout = LAYOUTS[layoutName];
  const origin = layoutOrigin(layoutName);
  const mount = mountsOf(layout).find((m) => prefix === undefined || m.prefix === prefix);
  const { discoveryPath, endpoints } = describeMount(layout, mount);
  const provider = typeof config === 'function' ? config(origin) : config;
  return {
    name,
    label,
    user,
    origin,
    config: { issuer: null, provider },
    issuer: `${origin}${layout.personalAccounts?.pattern.test(user) ? layout.personalAccounts.issuerPath : layout.issuerPath}`,
    discoveryPath,
    authorizePath: endpoints.authorization_endpoint,
    tokenPath: endpoints.token_endpoint,
    userinfoPath: endpoints.userinfo_endpoint,
  };
}

export const PRESETS = [
  preset('pingone', 'pingone', 'pingone', (o) => ({ name: 'pingone', environment_id: 'env-1234', region: 'eu', base_url: o })),
  // authorization_server left out: its default is "default".
  preset('okta', 'okta', 'okta', (o) => ({ name: 'okta', base_url: o })),
  preset('keycloak', 'keycloak', 'keycloak', (o) => ({ name: 'keycloak', base_url: o, realm: 'demo' })),
  {
    ...preset('auth0', 'auth0', 'auth0', (o) => ({ name: 'auth0', base_url: o, audience: 'https://api.example' })),
    // The audience goes into the authorization request as is.
    authorizeUrlContains: 'audience=https%3A%2F%2Fapi.example',
  },
  preset('adobe_ims', 'adobe_ims', 'adobe_ims', (o) => ({ name: 'adobe_ims', base_url: o })),
  preset('cloudentity', 'cloudentity', 'cloudentity', (o) => ({ name: 'cloudentity', tenant_url: o, tenant_id: 'acme', server_id: 'default' })),
  // Discovery names the template .../{tenantid}/v2.0; the ID token's iss is
  // the template with its tid put in.
  preset('entra', 'entra (common)', 'entra', (o) => ({ name: 'entra', tenant: 'common', base_url: o }), '/common'),
  preset('entra', 'entra (a tenant GUID)', 'entra', (o) => ({ name: 'entra', tenant: ENTRA_TENANT_ID, base_url: o }), `/${ENTRA_TENANT_ID}`),
  preset('entra', 'entra (a tenant domain)', 'entra', (o) => ({ name: 'entra', tenant: ENTRA_TENANT_DOMAIN, base_url: o }), `/${ENTRA_TENANT_DOMAIN}`),
  // consumers: a personal account, whose ID token names the consumers tenant.
  preset('entra', 'entra (consumers)', 'entra', (o) => ({ name: 'entra', tenant: 'consumers', base_url: o }), '/consumers', ENTRA_PERSONAL_ACCOUNT),
  preset('generic', 'generic', 'okta', (o) => ({ name: 'generic', issuer: `${o}${LAYOUTS.okta.issuerPath}` })),
];

/** Root layout, but the token endpoint sends no CORS headers. */
export const NOCORS_ISSUER = layoutOrigin('nocors');
/** Root layout, but discovery offers only PKCE "plain". */
export const PLAINONLY_ISSUER = layoutOrigin('plainonly');
/** Root layout (DPoP), but every authorization request must go through PAR. */
export const PAR_REQUIRED_ISSUER = layoutOrigin('par-required');
/** Root layout without DPoP: Bearer tokens. */
export const NO_DPOP_ISSUER = layoutOrigin('no-dpop');

/** Every origin of the layouts (for the CSP's connect-src). */
export const LAYOUT_ORIGINS = PORTED_LAYOUTS.map(layoutOrigin);

/** The URL Playwright waits for: the discovery of the layout started last. */
const LAST = PORTED_LAYOUTS.at(-1);
export const LAYOUTS_READY_URL = `${layoutOrigin(LAST)}${describeMount(LAYOUTS[LAST]).discoveryPath}`;
