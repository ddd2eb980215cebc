// End-to-end tests: the provider presets of config.json. Each preset is
// pointed at the local provider under that provider's layout
// (provider-layouts.mjs); the app must sign in through the layout's own
// discovery, authorize, token and UserInfo paths, and never ask the default
// provider anything.
import { expect, test } from '@playwright/test';

import { PRESETS } from '../provider-layouts.mjs';
import {
  APP_ORIGIN,
  AUTH_URL,
  CLIENT_ID,
  PROVIDER,
  errorAlert,
  expectRefused,
  failOnCspViolations,
  field,
  formOf,
  isNonceChallenge,
  resetAppConfig,
  setAppConfig,
  signInButton,
  signedInHeading,
  submitLogin,
  userinfoClaim,
} from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
});

/**
 * Records every request the page makes (navigations, redirect hops and
 * fetches), with the status of its answer when there is one.
 */
function recordRequests(page) {
  const requests = [];
  const byRequest = new Map();
  page.on('request', (request) => {
    const url = new URL(request.url());
    const entry = {
      request,
      method: request.method(),
      url: request.url(),
      origin: url.origin,
      pathname: url.pathname,
      query: url.searchParams,
      navigation: request.isNavigationRequest(),
      status: null,
      failure: null,
    };
    requests.push(entry);
    byRequest.set(request, entry);
  });
  page.on('response', (response) => {
    const entry = byRequest.get(response.request());
    if (!entry) return;
    entry.status = response.status();
    if (entry.method === 'POST') response.json().then((body) => { entry.body = body; }, () => {});
  });
  page.on('requestfailed', (request) => {
    const entry = byRequest.get(request);
    if (entry) entry.failure = request.failure()?.errorText ?? 'failed';
  });
  return requests;
}

/**
 * The top-level authorization requests among `requests`, each with the
 * parameters it carried: its query, or the body of the PAR request it names
 * (RFC 9126: then the URL holds only client_id and request_uri).
 */
function authorizationRequests(requests, matches) {
  const pushed = requests.filter((r) => r.method === 'POST' && formOf(r.request).has('code_challenge'));
  return requests
    .filter((r) => r.navigation && r.query.has('client_id') && (r.query.has('code_challenge') || r.query.has('request_uri')) && matches(r))
    .map((r) => ({ ...r, params: r.query.has('request_uri') ? formOf(pushed.at(-1).request) : r.query }));
}

/** Lines "METHOD origin+path status" of `requests`, for failure messages. */
function describe(requests) {
  return requests.map((r) => `${r.method} ${r.origin}${r.pathname} ${r.status ?? r.failure ?? '(no answer)'}`).join('\n');
}

/**
 * From the app's signed-out view: Sign in, the login page of the provider
 * at `providerOrigin`, Continue as `name`, and the signed-in view.
 */
async function signInThere(page, providerOrigin, name) {
  await page.goto('/');
  await signInButton(page).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(`${providerOrigin}/interaction/`));
  await expect(page.getByRole('heading', { name: 'Local development provider' })).toBeVisible();
  await submitLogin(page, name);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText(name);
  await expect(page).toHaveURL(`${APP_ORIGIN}/`);
}

for (const preset of PRESETS) {
  test(`${preset.label} preset: signs in at the provider's own endpoints`, async ({ page, request }) => {
    await setAppConfig(request, preset.config);
    const requests = recordRequests(page);

    await signInThere(page, preset.origin, preset.user);

    const toLayout = requests.filter((r) => r.origin === preset.origin);
    const all = describe(toLayout);

    // The authorization request: once, top level, at the layout's path.
    const authorize = authorizationRequests(toLayout, () => true);
    expect(authorize.map((r) => r.pathname), `authorization requests to ${preset.origin}:\n${all}`)
      .toEqual([preset.authorizePath]);
    const query = authorize[0].params;
    expect(query.get('response_type')).toBe('code');
    expect(query.get('client_id')).toBe(CLIENT_ID);
    expect(query.get('redirect_uri')).toBe(`${APP_ORIGIN}/callback`);
    expect(query.get('code_challenge_method')).toBe('S256');
    if (preset.authorizeUrlContains) {
      expect(authorize[0].params.toString()).toContain(preset.authorizeUrlContains);
    }

    // The code exchange: once, at the layout's token path, answered 200
    // (after a DPoP nonce challenge, where the layout has DPoP).
    const exchanges = toLayout.filter((r) => r.method === 'POST'
      && formOf(r.request).get('grant_type') === 'authorization_code' && !isNonceChallenge(r.status, r.body));
    expect(exchanges.map((r) => r.pathname), `code exchanges at ${preset.origin}:\n${all}`).toEqual([preset.tokenPath]);
    expect(exchanges[0].status).toBe(200);

    // Discovery where the provider has it; none for a preset without it.
    const discovery = toLayout.filter((r) => r.pathname.endsWith('/.well-known/openid-configuration'));
    if (preset.discoveryPath) {
      expect(discovery.length, `discovery requests:\n${all}`).toBeGreaterThan(0);
      expect([...new Set(discovery.map((r) => r.pathname))]).toEqual([preset.discoveryPath]);
      expect(discovery.every((r) => r.status === 200), `discovery answers:\n${describe(discovery)}`).toBe(true);
    } else {
      expect(discovery, `no discovery for ${preset.name}:\n${all}`).toEqual([]);
    }

    // UserInfo from the layout's own endpoint (Adobe IMS: the preset's,
    // as there is no discovery).
    await expect(userinfoClaim(page, 'sub')).toHaveText(preset.user);
    expect(toLayout.filter((r) => r.method === 'GET' && r.pathname === preset.userinfoPath && r.status === 200),
      `UserInfo requests:\n${all}`).toHaveLength(1);

    // Nothing went to the default provider of config.json.
    expect(describe(requests.filter((r) => r.origin === PROVIDER)), 'requests to the default provider').toBe('');
  });
}

test('extra_authorize_params are added to the authorization request', async ({ page, request }) => {
  await setAppConfig(request, { extra_authorize_params: { ui_locales: 'fr' } });
  const requests = recordRequests(page);

  await signInThere(page, PROVIDER, 'alice');

  const authorize = authorizationRequests(requests, (r) => `${r.origin}${r.pathname}` === AUTH_URL);
  expect(authorize).toHaveLength(1);
  expect(authorize[0].params.getAll('ui_locales')).toEqual(['fr']);
  expect(authorize[0].params.get('code_challenge_method')).toBe('S256');
});

test('extra_authorize_params with a preset', async ({ page, request }) => {
  const keycloak = PRESETS.find((p) => p.name === 'keycloak');
  await setAppConfig(request, { ...keycloak.config, extra_authorize_params: { ui_locales: 'fr', kc_idp_hint: 'local' } });
  const requests = recordRequests(page);

  await signInThere(page, keycloak.origin, 'alice');

  const authorize = authorizationRequests(requests, (r) => r.origin === keycloak.origin && r.pathname === keycloak.authorizePath);
  expect(authorize).toHaveLength(1);
  expect(authorize[0].params.getAll('ui_locales')).toEqual(['fr']);
  expect(authorize[0].params.getAll('kc_idp_hint')).toEqual(['local']);
});

test('extra_authorize_params cannot override the protocol\'s own parameters', async ({ page, request }) => {
  // The config is refused by name; no authorization request is ever made.
  await setAppConfig(request, {
    extra_authorize_params: { code_challenge_method: 'plain', state: 'fixed', redirect_uri: 'https://evil.example/' },
  });
  const requests = recordRequests(page);
  await page.goto('/');
  await expectRefused(page, 'config_invalid');
  await expect(errorAlert(page)).toContainText('extra_authorize_params.code_challenge_method');
  await expect(signInButton(page)).toHaveCount(0);
  expect(requests.filter((r) => `${r.origin}${r.pathname}` === AUTH_URL), 'authorization requests').toEqual([]);
});
