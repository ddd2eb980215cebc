// End-to-end: a refresh whose ID token speaks of someone else ends the
// session (OpenID Connect Core §12.2). The test provider's misbehave mode
// id_token_other_sub (fixtures/misbehave.mjs), set after sign-in, re-signs
// the refreshed ID token with another sub.
import { expect, test } from '@playwright/test';

import { MODES } from '../fixtures/misbehave.mjs';
import {
  errorCode,
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
  });
}
