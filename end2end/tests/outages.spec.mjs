// End-to-end: the session where deployments differ from our defaults. A
// provider that issues no refresh token (the session ends with the access
// token, in every tab, and is never restored), a token endpoint that hangs
// for longer than the request timeout and the access token's life (the
// session reconnects, then goes on), and another page of the origin that
// takes the session's refresh lock and never gives it back (the session
// never sits on an expired token). Against the real local provider: its
// 6-second access tokens (playwright.config.mjs) and the misbehave switch.
import { expect, test } from '@playwright/test';

import {
  API_URL,
  APP_ORIGIN,
  callApiButton,
  duplicateTab,
  errorAlert,
  errorCode,
  expectNoRefreshTokenSentTwice,
  expectRefused,
  failOnCspViolationsInEveryTab,
  field,
  recordTokenExchanges,
  resetAppConfig,
  setAppConfig,
  setMisbehave,
  signInButton,
  signInFully,
  signedInHeading,
  TOKEN_URL,
} from './helpers.mjs';

// The access token lives 6 s; a refresh is due ~4.5 s after each answer.
const PAST_EXPIRY = { timeout: 20_000 };

test.beforeEach(async ({ page, context }) => {
  failOnCspViolationsInEveryTab(page, context);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
  await setMisbehave(request, null);
});

function reconnecting(page) {
  return field(page, 'reconnecting');
}

test('without a refresh token the session ends at expiry in every tab, and is never restored', async ({ page, context, browser, request }) => {
  await setAppConfig(request, { token_storage: 'session' });
  await setMisbehave(request, 'no_refresh_token');
  const tokens = recordTokenExchanges(context);
  await signInFully(page);
  expect(tokens.codeExchanges()[0].body?.refresh_token, 'the provider issued no refresh token').toBeUndefined();
  const second = await duplicateTab(page, context);

  // Both tabs end it by their own clock when the access token expires.
  for (const tab of [page, second]) {
    await expect(errorCode(tab)).toHaveText('session_expired', PAST_EXPIRY);
    await expectRefused(tab, 'session_expired');
    await expect(signInButton(tab)).toBeVisible();
  }
  expect(tokens.refreshes(), 'nothing to refresh with').toHaveLength(0);

  // A tab that was away while the token expired comes back to it: the
  // session it kept in sessionStorage is not restored.
  // (A new browser: the provider's login session would skip its page.)
  const other = await browser.newContext();
  const third = await other.newPage();
  failOnCspViolationsInEveryTab(third, other);
  await signInFully(third);
  await third.goto(`${APP_ORIGIN}/config.json`);
  await third.waitForTimeout(7_000); // past the 6 s access token
  await third.goto(`${APP_ORIGIN}/`);
  await expectRefused(third, 'session_expired');
  await expect(signInButton(third)).toBeVisible();
  await other.close();
});

test('a token endpoint that hangs past the request timeout and the token\'s life: reconnecting, then the session goes on', async ({ page, request }) => {
  await setAppConfig(request, { request_timeout_s: 2, api_url: API_URL });
  const tokens = recordTokenExchanges(page);
  // The first three refreshes hang until the app gives up on them (2 s
  // each, with 1 s and 2 s between): about 9 s, past the 6 s token.
  let hung = 0;
  await page.route(TOKEN_URL, async (route) => {
    const form = new URLSearchParams(route.request().postData() ?? '');
    if (form.get('grant_type') === 'refresh_token' && hung < 3) {
      hung += 1;
      return; // never answered: the app aborts it
    }
    return route.fallback();
  });
  await signInFully(page);

  await expect(reconnecting(page)).toBeVisible(PAST_EXPIRY);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);
  // Once the access token has expired, an API call waits for the renewal,
  // then refuses to send the expired token.
  await expect.poll(() => hung, { message: 'all three refreshes hung', ...PAST_EXPIRY }).toBe(3);
  const signedInAt = tokens.codeExchanges()[0];
  expect(signedInAt.status).toBe(200);
  await callApiButton(page).click();
  await expect(page.locator('[data-section="api"] code[data-code]')).toHaveText('session_reconnecting', PAST_EXPIRY);

  // The fourth try goes through with the same, never answered, refresh token.
  await expect.poll(() => tokens.okRefreshes().length, { message: 'a refresh answered 200', ...PAST_EXPIRY }).toBeGreaterThanOrEqual(1);
  await expect(reconnecting(page)).toHaveCount(0);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'refreshed')).not.toHaveText('not yet');
  const sent = tokens.refreshes().map((e) => e.form.get('refresh_token'));
  const first = tokens.codeExchanges()[0].body.refresh_token;
  expect(sent.slice(0, 4).every((t) => t === first), 'the hung refreshes and the retry carried the same token').toBe(true);
  expect(tokens.okRefreshes()[0].form.get('refresh_token') === first).toBe(true);
  // And the session goes on refreshing normally afterwards.
  await expect.poll(() => tokens.okRefreshes().length, PAST_EXPIRY).toBeGreaterThanOrEqual(2);
  const answered = tokens.okRefreshes().map((e) => e.form.get('refresh_token'));
  expect(new Set(answered).size, 'a refresh token answered 200 is never sent again').toBe(answered.length);
});

test('another page holding the refresh lock for ever: the session ends at expiry instead of hanging', async ({ page, context, request }) => {
  await setAppConfig(request, { token_storage: 'session', request_timeout_s: 2 });
  const tokens = recordTokenExchanges(page);
  await signInFully(page);

  // A page of the same origin queues for every lock it sees and keeps it.
  const hostile = await context.newPage();
  await hostile.goto(`${APP_ORIGIN}/config.json`);
  await hostile.evaluate(() => {
    const taken = new Set();
    window.__taken = taken;
    setInterval(async () => {
      const { held, pending } = await navigator.locks.query();
      for (const { name } of [...held, ...pending]) {
        if (taken.has(name)) continue;
        taken.add(name);
        navigator.locks.request(name, () => new Promise(() => {}));
      }
    }, 5);
  });

  // The first refresh still gets the lock (the hostile page queues behind
  // it, and holds the lock from then on).
  await expect.poll(() => tokens.okRefreshes().length, PAST_EXPIRY).toBeGreaterThanOrEqual(1);
  await expect.poll(() => hostile.evaluate(() => window.__taken.size), PAST_EXPIRY).toBeGreaterThanOrEqual(1);
  // The next refresh cannot have it: the app shows it, and ends the session
  // once the access token has expired, with a code that says why.
  await expect(errorCode(page)).toHaveText('refresh_lock_unavailable', { timeout: 30_000 });
  await expectRefused(page, 'refresh_lock_unavailable');
  await expect(signInButton(page)).toBeVisible();
  expectNoRefreshTokenSentTwice(tokens);
});
