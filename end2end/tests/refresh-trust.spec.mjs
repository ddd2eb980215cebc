// End-to-end: a refresh answered 200 whose answer the app must refuse ends
// the session, and the refresh token it sent is never sent again (the
// provider has rotated it: RFC 9700 §4.14.2). The test provider's refresh
// modes (fixtures/misbehave.mjs), set after sign-in, re-sign the refreshed
// ID token with another sub, another auth_time or nonce (OpenID Connect Core
// §12.2), or with a key the provider never published.
import { expect, test } from '@playwright/test';

import { MODES } from '../fixtures/misbehave.mjs';
import {
  errorCode,
  expectNoRefreshTokenSentTwice,
  expectRefused,
  failOnCspViolations,
  field,
  recordTokenExchanges,
  setMisbehave,
  signIn,
  signInButton,
  signedInHeading,
} from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await setMisbehave(request, null);
});

for (const [mode, { shows }] of Object.entries(MODES).filter(([, m]) => m.when === 'refresh')) {
  test(`${mode}: the next refresh ends the session with ${shows}`, async ({ page, request }) => {
    const tokens = recordTokenExchanges(page);
    await page.goto('/');
    await signIn(page, 'alice');
    await expect(signedInHeading(page)).toBeVisible();
    await expect(field(page, 'sub')).toHaveText('alice');

    const before = tokens.refreshes().length;
    await setMisbehave(request, mode);
    // The provider answers the next refresh 200, with an ID token about someone else.
    await expect(errorCode(page)).toHaveText(shows, { timeout: 15_000 });
    await expect.poll(() => tokens.okRefreshes().length, { message: 'refreshes answered 200 after the mode was set' })
      .toBeGreaterThan(before);
    await expectRefused(page, shows);
    await expect(signInButton(page)).toBeVisible();
    // The refused answer's refresh token (rotated at the provider) was the
    // last one sent: no retry, no second use of any refresh token. The
    // window: 6 s after the session ended, more than a refresh period
    // (~4.5 s) and than the first retry's backoff (1 s).
    const sent = tokens.refreshes().length;
    await page.waitForTimeout(6_000);
    expect(tokens.refreshes().length, 'refreshes after the session ended').toBe(sent);
    expectNoRefreshTokenSentTwice(tokens);
  });
}
