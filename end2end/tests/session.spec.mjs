// End-to-end tests: the session after sign-in. Refresh with rotation (also
// across two tabs of one session), where the session is kept, UserInfo, the
// protected API, the provider refusing a refresh, a refresh without an answer
// (retried, then the session ends), and sign-out with
// revocation and RP-initiated logout.
//
// The provider issues 6-second access tokens (playwright.config.mjs), so the
// app refreshes about 4.5 s after sign-in and then every ~4.5 s; a refresh
// token is issued with every code exchange and rotated on every use, and a
// rotated one presented again ends the whole grant (dev-provider/server.mjs).
// serve.mjs's POST /__test/config changes config.json for one test.
import { expect, test } from '@playwright/test';

import { dpopKey, dpopProof } from '../../dev-provider/dpop-proof.mjs';

import {
  API_URL,
  APP_ORIGIN,
  CLIENT_ID,
  callApiButton,
  capturedTokens,
  errorAlert,
  errorCode,
  expectNoRefreshTokenSentTwice,
  expectRefused,
  expectSecretsNotStored,
  failOnCspViolationsInEveryTab,
  field,
  providerMetadata,
  readStorage,
  recordRevocations,
  recordSignOutTrip,
  recordTokenExchanges,
  refreshAtProvider,
  resetAppConfig,
  revokeAtProvider,
  sessionKeys,
  setAppConfig,
  setMisbehave,
  signIn,
  signInButton,
  signOutButton,
  signedInHeading,
  signInFully,
  startSignIn,
  TOKEN_URL,
  userinfoClaim,
  SESSION_PREFIX,
} from './helpers.mjs';

// Generous: a refresh is due ~4.5 s after the previous token response.
const NEXT_REFRESH = { timeout: 15_000 };
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/;

test.beforeEach(async ({ page, context }) => {
  failOnCspViolationsInEveryTab(page, context);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
  await setMisbehave(request, null);
});

test('refreshes on its own and stays signed in', async ({ page }) => {
  const tokens = recordTokenExchanges(page);
  // Refreshes are held until the view before the first one has been checked.
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  await page.route(TOKEN_URL, async (route) => {
    const form = new URLSearchParams(route.request().postData() ?? '');
    if (form.get('grant_type') === 'refresh_token') await released;
    return route.fallback();
  });
  await signInFully(page);
  await expect(field(page, 'refreshed')).toHaveText('not yet');
  release();
  // Without api_url in the config there is no API button.
  await expect(callApiButton(page)).toHaveCount(0);

  // The first refresh, about 4.5 s after sign-in.
  await expect.poll(() => tokens.okRefreshes().length, { message: 'a refresh answered 200', ...NEXT_REFRESH })
    .toBeGreaterThanOrEqual(1);
  await expect(field(page, 'refreshed')).not.toHaveText('not yet');
  await expect(field(page, 'refreshed')).toHaveText(ISO_TIME);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);

  const [code] = tokens.codeExchanges();
  expect(code.status).toBe(200);
  expect(typeof code.body?.refresh_token, 'the code exchange issued a refresh token').toBe('string');
  const [first] = tokens.refreshes();
  expect(first.form.get('grant_type')).toBe('refresh_token');
  expect(first.form.get('client_id')).toBe(CLIENT_ID);
  expect(first.form.has('client_secret')).toBe(false);
  expect(first.form.get('refresh_token') === code.body.refresh_token,
    'the first refresh sends the refresh token of the code exchange').toBe(true);
  const headers = await first.request.allHeaders();
  expect(headers['content-type']).toMatch(/^application\/x-www-form-urlencoded\b/);
  expect(headers).not.toHaveProperty('authorization');
  expect(headers).not.toHaveProperty('cookie');
  expect(typeof first.body.refresh_token).toBe('string');
  expect(first.body.refresh_token === code.body.refresh_token, 'the provider rotated the refresh token').toBe(false);

  // The second refresh uses the NEW refresh token (rotation), never the old one.
  await expect.poll(() => tokens.okRefreshes().length, { message: 'a second refresh answered 200', ...NEXT_REFRESH })
    .toBeGreaterThanOrEqual(2);
  const second = tokens.refreshes()[1];
  expect(second.form.get('refresh_token') === first.body.refresh_token,
    'the second refresh sends the refresh token of the first refresh response').toBe(true);
  expectNoRefreshTokenSentTwice(tokens);
  for (const exchange of tokens.refreshes().filter((e) => e.done)) {
    expect(exchange.status, 'every refresh answered 200').toBe(200);
  }

  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText('alice');
  await expect(field(page, 'refreshed')).toHaveText(ISO_TIME);
  await expect(errorAlert(page)).toHaveCount(0);
  // token_storage "memory" (the default): no token in web storage.
  await expectSecretsNotStored(page, capturedTokens(tokens));
});

test('memory storage forgets on reload, session storage keeps', async ({ page, context, request }) => {
  const tokens = recordTokenExchanges(page);
  // Default (memory): a reload asks to sign in again.
  await signInFully(page);
  expect(await sessionKeys(page), 'sessionStorage keys of a kept session').toEqual([]);
  await page.reload();
  await expect(signInButton(page)).toBeVisible();
  await expect(signedInHeading(page)).toHaveCount(0);

  // token_storage "session": the same tab stays signed in across a reload.
  await setAppConfig(request, { token_storage: 'session' });
  await context.clearCookies(); // a new provider session: its login page again
  await signInFully(page);
  expect((await sessionKeys(page)).length, `a sessionStorage key starting with ${JSON.stringify(SESSION_PREFIX)}`)
    .toBeGreaterThanOrEqual(1);
  await page.reload();
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText('alice');
  await expect(errorAlert(page)).toHaveCount(0);
  // localStorage holds only the session's sealed mark (generation and a
  // hash of the refresh token, encrypted) and the provider's latest DPoP
  // nonce (which it gives anyone): no token, no claim.
  const { local } = await readStorage(page);
  for (const [key, value] of local) {
    expect(key).toMatch(/^pkce-spa\{\/\}\.(mark\.|dpop-nonce\.)/);
    expect(value).not.toContain('alice');
    const secrets = capturedTokens(tokens);
    expect(secrets.some((secret) => value.includes(secret)), `localStorage[${JSON.stringify(key)}] holds a token`).toBe(false);
  }
});

/**
 * Records which build each page load starts (the loader's choice,
 * scripts/post-build.mjs): 'sign-in page' or 'whole app', by the wasm it
 * fetches, and the sign-in page's prefetches of the whole app apart.
 * (Routing also turns the page's HTTP cache off, so every load fetches its
 * wasm.) Returns { started, prefetched }: functions that take what was
 * recorded since they were last called.
 */
async function recordBuilds(page) {
  const loads = [];
  const prefetches = [];
  await page.route(/_bg\.wasm$/, async (route) => {
    const build = new URL(route.request().url()).pathname.split('/').pop().startsWith('pkce-spa-signin-') ? 'sign-in page' : 'whole app';
    const purpose = (await route.request().allHeaders())['sec-purpose'] ?? '';
    (purpose.includes('prefetch') ? prefetches : loads).push(build);
    await route.continue();
  });
  return { started: () => loads.splice(0), prefetched: () => prefetches.splice(0) };
}

test('the root starts the sign-in page alone; its links, the callback, a query and a kept session start the whole app', async ({ page, request }) => {
  await setAppConfig(request, { token_storage: 'session' });
  const { started, prefetched } = await recordBuilds(page);
  await page.goto('/');
  await expect(signInButton(page)).toBeEnabled();
  expect(started()).toEqual(['sign-in page']);

  // Its link to the provider check loads the check, with the whole app.
  await page.getByRole('link', { name: 'Check provider' }).click();
  await expect(page.getByRole('heading', { name: 'Provider check' })).toBeVisible();
  expect(started()).toEqual(['whole app']);

  // Any query at the root (e.g. the return from the provider's sign-out).
  await page.goto('/?from=elsewhere');
  await expect(signInButton(page)).toBeEnabled();
  expect(started()).toEqual(['whole app']);

  await page.goto('/');
  await expect(signInButton(page)).toBeEnabled();
  expect(started()).toEqual(['sign-in page']);
  // A second after it started, the sign-in page prefetches the whole app for the next page.
  prefetched(); // (any of the first visit's)
  const prefetches = [];
  await expect.poll(() => prefetches.push(...prefetched()) && prefetches, { timeout: 10_000 }).toEqual(['whole app']);
  await signIn(page, 'alice');
  await expect(signedInHeading(page)).toBeVisible();
  expect(started(), 'the callback').toEqual(['whole app']);

  // The session kept in this tab: a reload of the root runs it.
  await page.reload();
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText('alice');
  expect(started(), 'a kept session').toEqual(['whole app']);

  // Signed out (back from the provider's sign-out, with its query: the
  // whole app checks its state), the root is the sign-in page again.
  await signOutButton(page).click();
  await expect(field(page, 'signed-out-notice')).toHaveText('You are signed out, here and at the provider.', { timeout: 15_000 });
  expect(started(), 'the return from the provider\'s sign-out').toEqual(['whole app']);
  await page.goto('/');
  await expect(signInButton(page)).toBeEnabled();
  expect(started()).toEqual(['sign-in page']);
});

test('two tabs of one session refresh once and both keep working', async ({ page: pageA, context, request }) => {
  await setAppConfig(request, { token_storage: 'session', api_url: API_URL });
  // Every token request of every tab of this context.
  const tokens = recordTokenExchanges(context);

  await signInFully(pageA);
  // A second tab of the same session: window.open copies sessionStorage.
  const [tabB] = await Promise.all([
    context.waitForEvent('page'),
    pageA.evaluate(() => { window.open(window.location.href); }),
  ]);
  await tabB.waitForLoadState();
  await expect(signedInHeading(tabB)).toBeVisible();
  await expect(field(tabB, 'sub')).toHaveText('alice');
  await expect(signedInHeading(pageA)).toBeVisible();

  // At least two refresh rounds (~4.5 s apart).
  await expect.poll(() => tokens.okRefreshes().length, { message: 'two refreshes answered 200', timeout: 25_000 })
    .toBeGreaterThanOrEqual(2);
  await expect.poll(() => tokens.allDone(), { message: 'every token request answered' }).toBe(true);

  // Single flight across the tabs: no refresh token was ever sent twice (a
  // second use would be refused and end the whole grant), and every refresh
  // succeeded.
  expectNoRefreshTokenSentTwice(tokens);
  for (const exchange of tokens.refreshes()) {
    expect(exchange.failure, 'a refresh request failed in the browser').toBeNull();
    expect(exchange.status, `refresh answered ${exchange.status} ${exchange.body?.error ?? ''}`).toBe(200);
  }

  for (const [name, tab] of [['tab A', pageA], ['tab B', tabB]]) {
    await expect(signedInHeading(tab), name).toBeVisible();
    await expect(errorAlert(tab), name).toHaveCount(0);
    await callApiButton(tab).click();
    await expect(field(tab, 'api-status'), name).toHaveText('200');
    await expect(field(tab, 'api-body'), name).toContainText('Hello, alice');
  }
});

test('a refresh token revoked at the provider ends the session', async ({ page, request }) => {
  const tokens = recordTokenExchanges(page);
  await signInFully(page);
  await expect.poll(() => tokens.latestRefreshToken(), { message: 'a refresh token from the token endpoint' })
    .toBeTruthy();

  // Revoke it (the newest one, in case the app refreshed already; revoking a
  // refresh token ends its whole grant either way).
  const revoked = await revokeAtProvider(request, tokens.latestRefreshToken(), 'refresh_token');
  expect(revoked.status(), await revoked.text()).toBe(200);

  // The app's next refresh is refused.
  await expect.poll(
    () => tokens.refreshes().some((e) => e.status === 400 && e.body?.error === 'invalid_grant'),
    { message: 'a refresh refused with invalid_grant', ...NEXT_REFRESH },
  ).toBe(true);
  await expectRefused(page, 'invalid_grant');
  await expect(signInButton(page)).toBeVisible();

  // No retry loop.
  const count = tokens.refreshes().length;
  await page.waitForTimeout(8_000);
  expect(tokens.refreshes().length, 'refresh requests after the refusal').toBe(count);
  await expectRefused(page, 'invalid_grant');
  await expect(signInButton(page)).toBeVisible();
});

/**
 * Drops the browser's refresh requests as a lost network would (no answer at
 * all), while `failing()` says so; every other token request goes through.
 */
async function dropRefreshes(page, failing) {
  await page.route(TOKEN_URL, (route) => {
    const form = new URLSearchParams(route.request().postData() ?? '');
    if (form.get('grant_type') === 'refresh_token' && failing()) return route.abort('internetdisconnected');
    return route.fallback();
  });
}

test('a refresh that gets no answer is tried again, and the session goes on', async ({ page }) => {
  const tokens = recordTokenExchanges(page);
  let dropped = 0;
  await dropRefreshes(page, () => (dropped += 1) === 1);
  await signInFully(page);

  await expect.poll(() => tokens.okRefreshes().length, { message: 'a refresh answered 200 after the lost one', ...NEXT_REFRESH })
    .toBeGreaterThanOrEqual(1);
  const [lost, retried] = tokens.refreshes();
  expect(lost.failure, 'the first refresh got no answer').toBeTruthy();
  expect(retried.status).toBe(200);
  // The provider never saw the lost request, so its refresh token is still the current one.
  expect(retried.form.get('refresh_token') === lost.form.get('refresh_token'),
    'the retry sends the refresh token the lost request carried').toBe(true);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'refreshed')).toHaveText(ISO_TIME);
  await expect(errorAlert(page)).toHaveCount(0);
});

test('a provider unreachable for longer than reconnect_limit_s ends the session, saying so', async ({ page, request }) => {
  await setAppConfig(request, { reconnect_limit_s: 8 });
  const tokens = recordTokenExchanges(page);
  await dropRefreshes(page, () => true);
  await signInFully(page);

  await expect(errorCode(page)).toHaveText('refresh_network_error', NEXT_REFRESH);
  await expectRefused(page, 'refresh_network_error');
  await expect(errorAlert(page)).toContainText(TOKEN_URL);
  await expect(signInButton(page)).toBeVisible();
  expect(tokens.refreshes().length, 'the refresh and at least one retry').toBeGreaterThanOrEqual(2);
  expect(tokens.okRefreshes()).toHaveLength(0);
});

test('UserInfo shows the claims', async ({ page, request }) => {
  await setAppConfig(request, { scope: 'openid profile email' });
  const { userinfo_endpoint: userinfoEndpoint } = await providerMetadata(request);
  const userinfoRequest = page.waitForRequest(
    (r) => r.url().split('?')[0] === userinfoEndpoint && r.method() !== 'OPTIONS',
  );

  await signInFully(page);

  // The root provider binds tokens to the page's key (RFC 9449 §7.1).
  const sent = await userinfoRequest;
  const headers = await sent.allHeaders();
  expect(headers.authorization).toMatch(/^DPoP \S+$/);
  expect(headers.dpop).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect((await sent.response())?.status()).toBe(200);
  await expect(userinfoClaim(page, 'sub')).toHaveText('alice');
  await expect(userinfoClaim(page, 'name')).toHaveText('alice');
  await expect(userinfoClaim(page, 'email')).toHaveText('alice@example.test');
  await expect(page.locator('[data-section="userinfo"] dl')).toHaveCount(1);
});

test('the API answers with a token and refuses without one', async ({ page, request }) => {
  await setAppConfig(request, { api_url: API_URL });
  await signInFully(page);

  const apiRequest = page.waitForRequest((r) => r.url() === API_URL && r.method() === 'GET');
  await callApiButton(page).click();
  const sent = await apiRequest;
  const headers = await sent.allHeaders();
  expect(headers.authorization).toMatch(/^DPoP \S+$/);
  expect(headers.dpop).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  await expect(field(page, 'api-status')).toHaveText('200');
  await expect(field(page, 'api-body')).toContainText('Hello, alice');
  await expect(errorAlert(page)).toHaveCount(0);

  // From the test: no token, and a token the provider never issued.
  const anonymous = await request.get(API_URL);
  expect(anonymous.status()).toBe(401);
  expect(anonymous.headers()['www-authenticate']).toMatch(/^Bearer\b/);
  const bogus = await request.get(API_URL, { headers: { Authorization: 'Bearer not-a-real-token' } });
  expect(bogus.status()).toBe(401);
  expect(bogus.headers()['www-authenticate']).toBe('Bearer error="invalid_token"');
});

test('sign-out revokes and ends the provider session', async ({ page, request }) => {
  const { revocation_endpoint: revocationEndpoint, end_session_endpoint: endSessionEndpoint } = await providerMetadata(request);
  const tokens = recordTokenExchanges(page);
  const revocations = recordRevocations(page, revocationEndpoint);
  const { endSessionUrls, returnUrls } = recordSignOutTrip(page, endSessionEndpoint, `${APP_ORIGIN}/`);

  await signInFully(page);
  await expect.poll(() => tokens.latestRefreshToken(), { message: 'a refresh token from the token endpoint' })
    .toBeTruthy();
  const initialRefreshToken = tokens.codeExchanges()[0].body.refresh_token;

  await signOutButton(page).click();

  // The app revoked at the provider (public client: client_id, no secret).
  await expect.poll(() => revocations.filter((r) => r.status === 200).length,
    { message: 'a revocation request answered 200', timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  for (const revocation of revocations) {
    expect(revocation.form.get('token')).toBeTruthy();
    expect(revocation.form.get('client_id')).toBe(CLIENT_ID);
    expect(revocation.form.has('client_secret')).toBe(false);
    expect(await revocation.request.allHeaders()).not.toHaveProperty('authorization');
  }

  // Back from the provider's logout, signed out, the state gone from the address bar.
  await expect(field(page, 'signed-out-notice')).toBeVisible({ timeout: 15_000 });
  await expect(signInButton(page)).toBeVisible();
  await expect(signedInHeading(page)).toHaveCount(0);
  await expect(errorAlert(page)).toHaveCount(0);
  expect(new URL(page.url()).searchParams.has('state'), 'state= in the address bar').toBe(false);
  expect(page.url()).not.toContain('state=');

  // It went through RP-initiated logout and came back with its own state.
  expect(endSessionUrls.length, 'navigations to the end_session_endpoint').toBe(1);
  const logout = endSessionUrls[0].searchParams;
  expect(logout.get('post_logout_redirect_uri')).toBe(`${APP_ORIGIN}/`);
  expect(logout.get('state')).toBeTruthy();
  expect(returnUrls.map((url) => url.searchParams.get('state'))).toEqual([logout.get('state')]);

  // The grant is gone at the provider. Its tokens are bound to the page's
  // key, which the test cannot have, so it asks the demo API, which checks
  // that the access token is alive before it looks at the proof.
  expect(initialRefreshToken).toBeTruthy();
  const accessToken = tokens.exchanges.filter((e) => e.status === 200 && e.body?.access_token).at(-1).body.access_token;
  const key = await dpopKey();
  const dead = await request.get(API_URL, {
    headers: { Authorization: `DPoP ${accessToken}`, DPoP: await dpopProof(key, { htm: 'GET', htu: API_URL, accessToken }) },
  });
  expect(dead.status()).toBe(401);
  expect((await dead.json()).error_description).toBe('the access token is invalid, expired or revoked');

  // And the provider session is over: signing in asks for the user name again.
  await startSignIn(page);
});

test('a wrong state on the way back from sign-out is refused', async ({ page }) => {
  await page.goto('/?state=never-sent');
  await expectRefused(page, 'logout_state_mismatch');
  await expect(signInButton(page)).toBeVisible();
});
