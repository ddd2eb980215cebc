// End-to-end tests: the provider's answers taken wherever config.json puts
// them (issue 21, defect 1): a `redirect_uri` at another path than
// `<base>callback` completes the sign-in there, a `post_logout_redirect_uri`
// at a page of its own checks and removes the sign-out's `state` there, and a
// path the relative build cannot start at is refused at start, with what to do.
// The provider has `<base>signin-return` and `<base>signed-out` registered
// (dev-provider/settings.mjs).
import { expect, test } from '@playwright/test';

import {
  APP_ORIGIN,
  errorAlert,
  errorCode,
  expectCleanAddressBar,
  expectRefused,
  failOnCspViolations,
  field,
  flowAuthorizationParams,
  pendingKeys,
  providerMetadata,
  readStorage,
  recordFlow,
  recordSignOutTrip,
  resetAppConfig,
  setAppConfig,
  signInButton,
  signInFully,
  signOutButton,
  signedInHeading,
  startSignIn,
  submitLogin,
} from './helpers.mjs';

const LOGOUT_PREFIX = 'pkce-spa.logout.';

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
});

async function logoutKeys(page) {
  const { session } = await readStorage(page);
  return session.map(([key]) => key).filter((key) => key.startsWith(LOGOUT_PREFIX));
}

test('a redirect_uri at another path completes the sign-in there', async ({ page, request }) => {
  const redirectUri = `${APP_ORIGIN}/signin-return`;
  await setAppConfig(request, { redirect_uri: redirectUri });
  const flow = recordFlow(page);
  const callbacks = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.url().startsWith(`${redirectUri}?`)) callbacks.push(r.url());
  });
  await page.goto('/');
  await startSignIn(page);
  expect(flowAuthorizationParams(flow).get('redirect_uri')).toBe(redirectUri);

  // The answer leaves the address bar and its pending sign-in leaves storage
  // before config.json is read: config.json is held back until both are gone.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(`${APP_ORIGIN}/config.json`, async (route) => {
    await held;
    await route.continue();
  });
  await submitLogin(page, 'alice');
  await expect.poll(() => callbacks.length, { message: 'the provider sent the person to /signin-return' }).toBe(1);
  expect(new URL(callbacks[0]).searchParams.has('code')).toBe(true);
  await expect.poll(() => page.evaluate(() => `${location.pathname}${location.search}`).catch(() => null),
    { message: 'the answer out of the address bar, config.json still held' }).toBe('/signin-return');
  await expect.poll(() => pendingKeys(page).catch(() => null), { message: 'the pending sign-in consumed' }).toEqual([]);
  release();

  // Signed in, through one token request that sent the same redirect_uri.
  await expect(signedInHeading(page)).toBeVisible({ timeout: 15_000 });
  await expect(field(page, 'sub')).toHaveText('alice');
  expect(flow.tokenRequests).toHaveLength(1);
  expect(new URLSearchParams(flow.tokenRequests[0].postData() ?? '').get('redirect_uri')).toBe(redirectUri);
  expect((await flow.tokenRequests[0].response())?.status()).toBe(200);
  // The callback's history entry now holds the app's root, without the code.
  await expect(page).toHaveURL(`${APP_ORIGIN}/`);
  await expectCleanAddressBar(page);
  expect(await pendingKeys(page)).toEqual([]);
  await expect(errorAlert(page)).toHaveCount(0);
});

test('a forged answer at the configured redirect_uri is refused', async ({ page, request }) => {
  await setAppConfig(request, { redirect_uri: `${APP_ORIGIN}/signin-return` });
  await page.goto('/signin-return?code=forged&state=never-sent');
  await expectRefused(page, 'state_mismatch');
  await expectCleanAddressBar(page);
});

test('a post_logout_redirect_uri at another path shows the signed-out page there', async ({ page, request }) => {
  const target = `${APP_ORIGIN}/signed-out`;
  await setAppConfig(request, { post_logout_redirect_uri: target });
  const { end_session_endpoint: endSessionEndpoint } = await providerMetadata(request);
  const { endSessionUrls, returnUrls } = recordSignOutTrip(page, endSessionEndpoint, target);

  await signInFully(page);
  await signOutButton(page).click();

  await expect(field(page, 'signed-out-notice')).toHaveText('You are signed out, here and at the provider.', { timeout: 15_000 });
  await expect(signInButton(page)).toBeVisible();
  await expect(signedInHeading(page)).toHaveCount(0);
  await expect(errorAlert(page)).toHaveCount(0);
  // Back at that path, the state checked and gone from the address bar and storage.
  await expect(page).toHaveURL(target);
  expect(endSessionUrls).toHaveLength(1);
  const sent = endSessionUrls[0].searchParams;
  expect(sent.get('post_logout_redirect_uri')).toBe(target);
  expect(returnUrls.map((url) => url.searchParams.get('state'))).toEqual([sent.get('state')]);
  expect(await logoutKeys(page)).toEqual([]);
});

test('a foreign state at the configured post_logout_redirect_uri is refused', async ({ page, request }) => {
  await setAppConfig(request, { post_logout_redirect_uri: `${APP_ORIGIN}/signed-out` });
  await page.goto('/signed-out?state=never-sent');
  await expectRefused(page, 'logout_state_mismatch');
  await expect(signInButton(page)).toBeVisible();
  await expect(page).toHaveURL(`${APP_ORIGIN}/signed-out`);
});

test('a redirect_uri the relative build cannot start at is refused at start', async ({ page, request }) => {
  await setAppConfig(request, { redirect_uri: `${APP_ORIGIN}/oauth/callback` });
  await page.goto('/');
  await expect(errorCode(page)).toHaveText('config_invalid');
  await expect(errorAlert(page)).toHaveCount(1);
  await expect(errorAlert(page)).toContainText('redirect_uri');
  await expect(errorAlert(page)).toContainText('--public-url');
  await expect(signInButton(page)).toHaveCount(0);
});
