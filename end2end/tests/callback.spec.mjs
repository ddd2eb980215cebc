// End-to-end tests: whatever goes wrong on /callback, the response leaves the
// address bar and the history entry first, and its pending sign-in (verifier,
// nonce) leaves storage (issue 9, defect 5); the exchange's own failures and
// its progress status.
import { expect, test } from '@playwright/test';

import {
  APP_CONFIG_URL,
  APP_ORIGIN,
  DISCOVERY_URL,
  TOKEN_URL,
  expectCleanAddressBar,
  expectNoSecretInStorage,
  expectNothingStored,
  expectRefused,
  failOnCspViolations,
  pendingKeys,
  recordFlow,
  signIn,
  signedInHeading,
  startSignIn,
  startSignInWithoutLeaving,
  submitLogin,
  appNames,
} from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

// Malformed responses that name the real state of a pending sign-in.
const MALFORMED = [
  ['a repeated code', (state) => `code=a&code=b&state=${state}`],
  ['a code with an error', (state) => `code=a&error=access_denied&state=${state}`],
  ['an empty code', (state) => `code=&state=${state}`],
];

for (const [what, query] of MALFORMED) {
  test(`${what} consumes the pending sign-in it names`, async ({ page }) => {
    const flow = recordFlow(page);
    await page.goto('/');
    const secrets = await startSignInWithoutLeaving(page);
    expect(secrets.verifier, 'the pending sign-in holds a verifier').toBeTruthy();

    await page.goto(`/callback?${query(encodeURIComponent(secrets.state))}`);

    await expectRefused(page, 'callback_invalid');
    await expectCleanAddressBar(page);
    expect(flow.tokenRequests.length, 'token requests').toBe(0);
    await expectNoSecretInStorage(page, { state: secrets.state, nonce: secrets.nonce, verifier: secrets.verifier });
  });
}

test('the callback uses the discovery document read when the sign-in started', async ({ page }) => {
  const reads = [];
  const configReads = [];
  page.on('request', (r) => { if (r.url() === DISCOVERY_URL) reads.push(new URL(page.url()).pathname); });
  page.on('request', (r) => { if (r.url() === APP_CONFIG_URL) configReads.push(new URL(page.url()).pathname); });
  await page.goto('/');
  await startSignIn(page);
  // Once each: the loader starts them while the wasm loads, and the app
  // takes those answers instead of asking again.
  expect(reads, 'discovery read on /').toHaveLength(1);
  expect(configReads, 'config.json read on /').toEqual(['/']);
  await submitLogin(page, 'alice');
  await expect(signedInHeading(page)).toBeVisible();
  expect(reads, 'no second read on /callback, seconds later').toHaveLength(1);
  expect(configReads, 'config.json read once more, on /callback').toHaveLength(2);
});

test('discovery failing on /callback leaves no code in the address bar and no pending sign-in', async ({ page }) => {
  const flow = recordFlow(page);
  await page.goto('/');
  await startSignIn(page);
  // On the way back, the provider's discovery document cannot be read, and
  // the one read at the start is gone (as after ten minutes).
  await page.addInitScript((key) => window.sessionStorage.removeItem(key), `${appNames('/')}.discovery`);
  await page.route(DISCOVERY_URL, (route) => route.abort('connectionrefused'));
  await submitLogin(page, 'alice');

  await expectRefused(page, 'discovery_failed');
  expect(flow.callbackUrls.length, 'callback navigations').toBe(1);
  expect(new URL(flow.callbackUrls[0]).searchParams.get('code'), 'the provider sent a code').toBeTruthy();
  await expect(page).toHaveURL(`${APP_ORIGIN}/callback`);
  await expectCleanAddressBar(page);
  expect(flow.tokenRequests.length, 'token requests').toBe(0);
  expect(await pendingKeys(page)).toEqual([]);
  await expectNothingStored(page, flow);
});

test('config.json failing on /callback leaves no code in the address bar and no pending sign-in', async ({ page }) => {
  const flow = recordFlow(page);
  await page.goto('/');
  await startSignIn(page);
  await page.route(APP_CONFIG_URL, (route) => route.fulfill({ status: 500, body: 'down', headers: { 'Cache-Control': 'no-store' } }));
  await submitLogin(page, 'alice');

  await expectRefused(page, 'config_missing');
  expect(flow.callbackUrls.length, 'callback navigations').toBe(1);
  await expect(page).toHaveURL(`${APP_ORIGIN}/callback`);
  await expectCleanAddressBar(page);
  expect(flow.tokenRequests.length, 'token requests').toBe(0);
  await expectNothingStored(page, flow);
});

test('a code exchange without an answer shows network_error and keeps nothing', async ({ page }) => {
  const flow = recordFlow(page);
  await page.route(TOKEN_URL, (route) => route.abort('connectionreset'));
  await page.goto('/');
  await signIn(page, 'alice');

  await expectRefused(page, 'network_error');
  expect(flow.tokenRequests.length, 'token requests').toBe(1);
  await expectCleanAddressBar(page);
  await expectNothingStored(page, flow);
});

test('the exchange shows its progress as a status', async ({ page }) => {
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  let held = false;
  await page.route(TOKEN_URL, async (route) => {
    held = true;
    await released;
    await route.continue();
  });
  await page.goto('/');
  await signIn(page, 'alice');

  await expect.poll(() => held, { message: 'the token request was sent' }).toBe(true);
  await expect(page.getByRole('status')).toHaveText(/exchanging the authorization code/);
  await expectCleanAddressBar(page);
  release();
  await expect(signedInHeading(page)).toBeVisible();
});
