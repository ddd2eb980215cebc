// End-to-end tests: faults the session rides out, and the ones that end it.
// A refresh answered 5xx or `temporarily_unavailable`, or hanging past the
// request timeout, is retried while the access token is valid; an API call
// never waits on a hung refresh; without Web Locks a tab's timer refresh and
// API refresh never overlap; a revocation that fails never keeps the person
// signed in at the provider; a provider without revocation and end-session
// endpoints signs out here only; UserInfo about someone else is refused.
//
// Faults are made with Playwright's routing of the app's own requests: the
// provider itself stays the real one (dev-provider on :9411).
import { expect, test } from '@playwright/test';

import {
  API_URL,
  APP_ORIGIN,
  PROVIDER,
  TOKEN_URL,
  callApiButton,
  errorAlert,
  errorCode,
  expectNoRefreshTokenSentTwice,
  expectRefused,
  failOnCspViolations,
  field,
  formOf,
  providerMetadata,
  recordRevocations,
  recordTokenExchanges,
  resetAppConfig,
  setAppConfig,
  signInButton,
  signInFully,
  signOutButton,
  signedInHeading,
  startSignIn,
} from './helpers.mjs';

const NEXT_REFRESH = { timeout: 15_000 };
const CORS = { 'access-control-allow-origin': APP_ORIGIN };

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
});

function isRefresh(request) {
  return request.method() === 'POST' && formOf(request).get('grant_type') === 'refresh_token';
}

/** Answers the first `count` refreshes with `answer` (a route handler); the rest reach the provider. */
async function failRefreshes(page, count, answer) {
  let failed = 0;
  await page.route(TOKEN_URL, (route) => {
    if (!isRefresh(route.request()) || failed >= count) return route.fallback();
    failed += 1;
    return answer(route);
  });
}

/** The refresh after a failed one sent the same refresh token, and succeeded. */
function expectRetriedWithSameToken(tokens) {
  const [failed, retried] = tokens.refreshes();
  expect(retried.status).toBe(200);
  expect(retried.form.get('refresh_token') === failed.form.get('refresh_token'),
    'the retry sends the refresh token the failed request carried').toBe(true);
}

const TRANSIENT = [
  { name: '503 temporarily_unavailable', status: 503, body: { error: 'temporarily_unavailable' } },
  { name: '400 temporarily_unavailable', status: 400, body: { error: 'temporarily_unavailable' } },
  { name: '500 server_error', status: 500, body: { error: 'server_error' } },
  { name: '502 with an HTML page', status: 502, body: '<html><body>Bad gateway</body></html>' },
];

for (const fault of TRANSIENT) {
  test(`a refresh answered ${fault.name} is retried, and the session goes on`, async ({ page }) => {
    const tokens = recordTokenExchanges(page);
    await failRefreshes(page, 1, (route) => route.fulfill({
      status: fault.status,
      headers: CORS,
      contentType: typeof fault.body === 'string' ? 'text/html' : 'application/json',
      body: typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body),
    }));
    await signInFully(page);

    await expect.poll(() => tokens.okRefreshes().length, { message: 'a refresh answered 200 after the failed one', ...NEXT_REFRESH })
      .toBeGreaterThanOrEqual(1);
    expect(tokens.refreshes()[0].status).toBe(fault.status);
    expectRetriedWithSameToken(tokens);
    await expect(signedInHeading(page)).toBeVisible();
    await expect(field(page, 'sub')).toHaveText('alice');
    await expect(errorAlert(page)).toHaveCount(0);
  });
}

test('a hung refresh is cut off by request_timeout_s and retried, and an API call does not wait on it', async ({ page, request }) => {
  await setAppConfig(request, { request_timeout_s: 1, api_url: API_URL });
  const tokens = recordTokenExchanges(page);
  const held = [];
  await failRefreshes(page, 1, (route) => { held.push(route); });
  await signInFully(page);

  // Six-second tokens: the call asks for a refresh first, which hangs; after
  // the one-second timeout the call goes out with the token that is still
  // valid, and the refresh is retried a second later.
  await callApiButton(page).click();
  await expect(field(page, 'api-status')).toHaveText('200', { timeout: 4_000 });
  expect(held, 'the refresh the API call asked for').toHaveLength(1);
  await expect.poll(() => tokens.okRefreshes().length, { message: 'a refresh answered 200 after the hung one', ...NEXT_REFRESH })
    .toBeGreaterThanOrEqual(1);
  expect(tokens.refreshes()[0].failure, 'the hung refresh was aborted by the app').toBeTruthy();
  expectRetriedWithSameToken(tokens);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);
});

test('without Web Locks, a tab\'s timer refresh and API refreshes never overlap', async ({ page, request }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
  await setAppConfig(request, { api_url: API_URL });
  const tokens = recordTokenExchanges(page);
  await signInFully(page);
  expect(await page.evaluate(() => navigator.locks)).toBeUndefined();

  // Every call wants a fresh token (six-second tokens), and the timer
  // refreshes in between: clicks every 700 ms across two refresh periods.
  for (let i = 0; i < 14; i += 1) {
    await callApiButton(page).click();
    await page.waitForTimeout(700);
  }
  await expect(field(page, 'api-status')).toHaveText('200');
  await expect.poll(() => tokens.allDone(), { message: 'every token request answered' }).toBe(true);
  expect(tokens.okRefreshes().length).toBeGreaterThanOrEqual(2);
  expectNoRefreshTokenSentTwice(tokens);
  for (const exchange of tokens.refreshes()) {
    expect(exchange.status, `refresh answered ${exchange.status} ${exchange.body?.error ?? ''}`).toBe(200);
  }
  await expect(signedInHeading(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);
});

const REVOCATION_FAULTS = [
  {
    name: 'refused with 400 unsupported_token_type',
    answer: (route) => route.fulfill({
      status: 400, headers: CORS, contentType: 'application/json', body: '{"error":"unsupported_token_type"}',
    }),
  },
  { name: 'without an answer', answer: (route) => route.abort('connectionrefused') },
];

for (const fault of REVOCATION_FAULTS) {
  test(`a revocation ${fault.name} still ends the provider session`, async ({ page, request }) => {
    const { revocation_endpoint: revocationEndpoint, end_session_endpoint: endSessionEndpoint } = await providerMetadata(request);
    const revocations = recordRevocations(page, revocationEndpoint);
    await page.route(revocationEndpoint, fault.answer);
    const endSessions = [];
    page.on('request', (r) => {
      if (r.isNavigationRequest() && r.url().split('?')[0] === endSessionEndpoint) endSessions.push(r.url());
    });
    await signInFully(page);

    await signOutButton(page).click();
    // Back from the provider's sign-out, signed out; the failure is said.
    await expect(signInButton(page)).toBeVisible({ timeout: 15_000 });
    await expect(signedInHeading(page)).toHaveCount(0);
    await expectRefused(page, 'revocation_failed');
    expect(endSessions, 'navigations to the end_session_endpoint').toHaveLength(1);
    // Both tokens were tried, the access token too.
    const hints = revocations.map((r) => r.form.get('token_type_hint'));
    expect(hints).toEqual(expect.arrayContaining(['refresh_token', 'access_token']));

    // The provider's session is over: "Sign in" shows its login form.
    await page.unroute(revocationEndpoint);
    await startSignIn(page);
  });
}

test('a provider without revocation and end-session endpoints signs out here only', async ({ page, request }) => {
  const metadata = await providerMetadata(request);
  // Named endpoints: no discovery, so no revocation or end-session endpoint
  // (and no word on DPoP, which this provider requires: `dpop: true`).
  await setAppConfig(request, {
    authorization_endpoint: metadata.authorization_endpoint,
    token_endpoint: metadata.token_endpoint,
    jwks_uri: metadata.jwks_uri,
    dpop: true,
  });
  const left = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.url().startsWith(PROVIDER)) left.push(r.url());
  });
  await signInFully(page);
  const trips = left.length;

  await signOutButton(page).click();
  await expect(field(page, 'signed-out-notice')).toBeVisible();
  await expect(signInButton(page)).toBeVisible();
  await expect(signedInHeading(page)).toHaveCount(0);
  await expect(errorAlert(page)).toHaveCount(0);
  expect(left.length, 'navigations to the provider after Sign out').toBe(trips);
});

test('UserInfo about someone else is refused with userinfo_sub_mismatch', async ({ page, request }) => {
  const { userinfo_endpoint: userinfoEndpoint } = await providerMetadata(request);
  await page.route(userinfoEndpoint, async (route) => {
    if (route.request().method() === 'OPTIONS') return route.fallback();
    const response = await route.fetch();
    const claims = await response.json();
    return route.fulfill({ response, json: { ...claims, sub: 'mallory' } });
  });
  await signInFully(page);
  await expect(errorCode(page)).toHaveText('userinfo_sub_mismatch');
  await expect(page.locator('[data-section="userinfo"] dd[data-claim="sub"]')).toHaveCount(0);
  await expect(page.getByText('mallory')).toHaveCount(0);
});
