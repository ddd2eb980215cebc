// End-to-end tests: the app refuses everything wrong. The test provider's
// misbehave switch (fixtures/misbehave.mjs) breaks one thing of the
// authorization response, the token response or the ID token; each sign-in
// must end in exactly one alert with the mode's code, signed out, with
// nothing of the sign-in left in web storage.
import { expect, test } from '@playwright/test';

import { MODES } from '../fixtures/misbehave.mjs';
import {
  APP_ORIGIN,
  AUTH_URL,
  errorAlert,
  expectNothingStored,
  expectRefused,
  failOnCspViolations,
  flowAuthorizationParams,
  flowSecrets,
  pendingKeys,
  readStorage,
  recordFlow,
  setMisbehave,
  signIn,
  signInButton,
  signedInHeading,
  submitLogin,
  PENDING_PREFIX,
} from './helpers.mjs';

// mode -> the code the app shows at sign-in (state_tampered has its own
// test; a mode that shows nothing, a key rotation, too).
const CASES = Object.entries(MODES)
  .filter(([mode, { when, shows }]) => when === 'sign-in' && shows !== null && mode !== 'state_tampered')
  .map(([mode, { shows }]) => [mode, shows]);

// What must never be kept after a sign-in that succeeded.
const TOKEN_SECRETS = ['access_token', 'refresh_token', 'code_verifier'];

// Wrong authorization responses: refused before the code is exchanged.
const REFUSED_BEFORE_TOKEN_REQUEST = new Set(Object.keys(MODES).filter((mode) => MODES[mode].callback));

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await setMisbehave(request, null);
});

for (const [mode, code] of CASES) {
  test(`${mode}: refused with ${code}`, async ({ page, request }) => {
    await setMisbehave(request, mode);
    const flow = recordFlow(page);

    await page.goto('/');
    await signIn(page, 'alice');

    await expectRefused(page, code);
    // The storage check below looks for every secret the flow really had.
    const found = Object.keys(await flowSecrets(flow));
    if (REFUSED_BEFORE_TOKEN_REQUEST.has(mode)) {
      expect(flow.tokenRequests.length, 'token requests').toBe(0);
      expect(found.sort()).toEqual(['nonce', 'state']);
    } else {
      expect(flow.tokenRequests.length, 'token requests').toBe(1);
      // (The provider issues a refresh token with every code exchange.)
      expect(found.sort()).toEqual(['access_token', 'code_verifier', 'nonce', 'refresh_token', 'state']);
    }
    await expectNothingStored(page, flow);
  });
}

test('a tampered state is refused without a token request', async ({ page, request }) => {
  // The provider sends the browser back with another state of the same shape
  // (so it is not refused as malformed). Done by the provider because
  // Playwright's page.route() never sees redirect hops, and /callback is one.
  await setMisbehave(request, 'state_tampered');
  const flow = recordFlow(page);

  await page.goto('/');
  await signIn(page, 'alice');

  await expectRefused(page, 'state_mismatch');
  expect(flow.callbackUrls.length, 'callback navigations').toBe(1);
  const sent = flowAuthorizationParams(flow).get('state');
  const received = new URL(flow.callbackUrls[0]).searchParams.get('state');
  expect(received, 'the callback carried another state').not.toBe(sent);
  expect(received.length).toBe(sent.length);
  expect(flow.tokenRequests.length, 'token requests').toBe(0);
  const { local } = await readStorage(page);
  expect(local).toEqual([]);
});

test('a reload of the callback does not exchange the code twice', async ({ page }) => {
  const flow = recordFlow(page);

  await page.goto('/');
  await signIn(page, 'alice');
  await expect(signedInHeading(page)).toBeVisible();
  expect(flow.callbackUrls.length, 'callback navigations').toBe(1);
  expect(flow.tokenRequests.length, 'token requests').toBe(1);
  const [callbackUrl] = flow.callbackUrls;
  expect(new URL(callbackUrl).searchParams.get('code')).toBeTruthy();

  // The same callback URL again, e.g. a reload or the back button.
  await page.goto(callbackUrl);

  await expectRefused(page, 'callback_already_handled');
  expect(flow.tokenRequests.length, 'token requests in total').toBe(1);
  // (How the app remembers a handled callback is its own business: only the
  // tokens and the verifier must not be kept.)
  await expectNothingStored(page, flow, { names: TOKEN_SECRETS });
});

test('an error for a sign-in this tab never started is not echoed', async ({ page }) => {
  const flow = recordFlow(page);

  await page.goto('/callback?error=access_denied&error_description=%3Cimg%20src%3Dx%3EEvil%20text&state=never-issued');

  await expectRefused(page, 'unsolicited_error_response');
  await expect(page.locator('body')).not.toContainText('Evil text');
  await expect(errorAlert(page).locator('img')).toHaveCount(0);
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(flow.tokenRequests.length, 'token requests').toBe(0);
});

test('a pending sign-in older than ten minutes has expired', async ({ page }) => {
  const flow = recordFlow(page);
  await page.goto('/');

  // Let the app start the sign-in (pending entry written, navigation to the
  // provider), but answer that first navigation with 204 No Content: the
  // browser then stays on the app's page, sessionStorage and all.
  let authorizeUrl = null;
  const isAuthorize = (url) => `${url.origin}${url.pathname}` === AUTH_URL;
  const stopAtProvider = async (route) => {
    authorizeUrl ??= route.request().url();
    await route.fulfill({ status: 204, headers: { 'Cache-Control': 'no-store' } });
  };
  await page.route(isAuthorize, stopAtProvider);
  await signInButton(page).click();
  await expect.poll(() => authorizeUrl, { message: 'the app navigated to the authorization endpoint' }).not.toBeNull();
  await expect(page).toHaveURL(`${APP_ORIGIN}/`);
  await expect.poll(() => pendingKeys(page), { message: 'one pending sign-in' }).toHaveLength(1);

  // Make it eleven minutes old.
  const aged = await page.evaluate(({ prefix, ageMs }) => {
    const keys = Object.keys(window.sessionStorage).filter((key) => key.startsWith(prefix));
    if (keys.length !== 1) return `expected one pending sign-in, found ${keys.length}`;
    let pending;
    try {
      pending = JSON.parse(window.sessionStorage.getItem(keys[0]));
    } catch {
      return 'the pending sign-in is not JSON';
    }
    if (pending === null || typeof pending !== 'object' || typeof pending.created_at_ms !== 'number') {
      return 'the pending sign-in has no numeric created_at_ms';
    }
    pending.created_at_ms = Date.now() - ageMs;
    window.sessionStorage.setItem(keys[0], JSON.stringify(pending));
    return 'aged';
  }, { prefix: PENDING_PREFIX, ageMs: 11 * 60 * 1000 });
  expect(aged).toBe('aged');

  // Now really go to the provider with that same authorization request.
  await page.unroute(isAuthorize, stopAtProvider);
  await page.goto(authorizeUrl);
  await expect(page.getByRole('heading', { name: 'Local development provider' })).toBeVisible();
  await submitLogin(page, 'alice');

  await expectRefused(page, 'sign_in_expired');
  expect(flow.callbackUrls.length, 'callback navigations').toBe(1);
  expect(flow.tokenRequests.length, 'token requests').toBe(0);
  expect(await pendingKeys(page), 'pending sign-ins left').toEqual([]);
  await expectNothingStored(page, flow);
});

test('the success path still works', async ({ page }) => {
  const flow = recordFlow(page);

  await page.goto('/');
  await signIn(page, 'alice');

  await expect(signedInHeading(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);
  expect(flow.tokenRequests.length, 'token requests').toBe(1);
  expect(await pendingKeys(page), 'pending sign-ins left').toEqual([]);
  await expectNothingStored(page, flow, { names: TOKEN_SECRETS });
});

/** The GETs of the provider's key set this page makes, as they are made. */
async function keySetFetches(page, request) {
  const { jwks_uri: jwksUri } = await (await request.get(`${new URL(AUTH_URL).origin}/.well-known/openid-configuration`)).json();
  const fetches = [];
  page.on('request', (r) => { if (r.method() === 'GET' && r.url() === jwksUri) fetches.push(r.url()); });
  return fetches;
}

test('an unknown kid fetches the key set once more, not in a loop', async ({ page, request }) => {
  // The key set is fetched in parallel with the code exchange, so before
  // the token response arrived: the provider may have published a new key
  // since. An unknown kid fetches it once more; a key the provider never
  // publishes is then refused, without further fetches.
  const fetches = await keySetFetches(page, request);
  await setMisbehave(request, 'id_token_unknown_kid');
  await page.goto('/');
  await signIn(page, 'alice');
  await expectRefused(page, 'id_token_key_not_found');
  await expect(errorAlert(page)).toContainText('even after fetching the set again');
  expect(fetches, 'GETs of the key set: the one in parallel with the exchange, and one more').toHaveLength(2);
});

test('a key published at the token response: signed in after one more fetch of the key set', async ({ page, request }) => {
  // Issue 21, defect 5. The provider signs the ID token with a new key and
  // publishes it at that moment; the set fetched in parallel with the code
  // exchange was served before (the fixture waits for it), so only a fetch
  // after the token response has the key.
  const fetches = await keySetFetches(page, request);
  await setMisbehave(request, 'id_token_key_rotated');
  await page.goto('/');
  await signIn(page, 'alice');
  await expect(signedInHeading(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);
  expect(fetches, 'GETs of the key set: the one in parallel with the exchange, and one more').toHaveLength(2);
});
