// End-to-end tests: what DPoP leaves in the browser (issue 21, defect 8),
// against the test provider's own DPoP (ES256, its own nonces). The key of
// a sign-in that failed at the callback leaves IndexedDB at once; the key of
// a sign-in abandoned at the provider is swept at a start once it is older
// than a pending sign-in may be (ten minutes); the servers' nonces are this
// deployment's, read back only in a nonce's syntax, and go with the session.
import { expect, test } from '@playwright/test';

import { decodeJwt } from '../../dev-provider/dpop-proof.mjs';
import {
  PROVIDER,
  TOKEN_URL,
  appNames,
  expectRefused,
  failOnCspViolations,
  field,
  isTokenRequest,
  readStorage,
  resetAppConfig,
  setAppConfig,
  setMisbehave,
  signInButton,
  signInFully,
  signOutButton,
  startSignIn,
  storedProofKeys,
  submitLogin,
} from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await setMisbehave(request, null);
  await resetAppConfig(request);
});

test('the DPoP key of a failed callback goes at once, of an abandoned sign-in at a later start', async ({ page, request }) => {
  // Abandoned: at the provider's login page, the person comes back without signing in.
  await page.goto('/');
  await startSignIn(page);
  await page.goto('/');
  await expect(signInButton(page)).toBeVisible();
  await expect.poll(() => storedProofKeys(page), { message: 'the abandoned sign-in\'s key, still young' }).toHaveLength(1);
  const [abandoned] = await storedProofKeys(page);

  // Failed: the ID token's signature is broken at the callback.
  await setMisbehave(request, 'id_token_signature');
  await startSignIn(page);
  await submitLogin(page, 'alice');
  await expectRefused(page, 'id_token_signature_invalid');
  await expect.poll(() => storedProofKeys(page), { message: 'the failed sign-in\'s key is gone' }).toEqual([abandoned]);

  // Eleven minutes later, a fresh start: the abandoned sign-in's key is swept.
  await page.clock.setFixedTime(Date.now() + 11 * 60 * 1000);
  await page.goto('/');
  await expect(signInButton(page)).toBeVisible();
  await expect.poll(() => storedProofKeys(page), { message: 'the abandoned sign-in\'s key is swept' }).toEqual([]);
});

test('a DPoP nonce another page of the origin wrote is never sent, and the nonces go with the session', async ({ page, request }) => {
  await setAppConfig(request, { token_storage: 'session' });
  const proofs = [];
  page.on('request', (r) => {
    if (isTokenRequest(r)) proofs.push(r.allHeaders().then((h) => h.dpop));
  });
  const ours = `${appNames('/')}.dpop-nonce.`;
  // Another page of the origin writes nonces where an older version read
  // them (no deployment's name), and under this deployment's own names, but
  // not in a nonce's syntax (RFC 9449 §8.1).
  const HOSTILE = 'nonce-from-another-page';
  const MALFORMED = 'not "a" nonce';
  await page.goto('/');
  await page.evaluate(({ slots, ours, hostile, malformed }) => {
    for (const slot of slots) {
      window.localStorage.setItem(`pkce-spa.dpop-nonce.${slot}`, hostile);
      window.localStorage.setItem(`${ours}${slot}`, malformed);
    }
  }, { slots: [TOKEN_URL, PROVIDER], ours, hostile: HOSTILE, malformed: MALFORMED });

  await signInFully(page);
  await expect(field(page, 'binding')).toContainText('thumbprint');
  const nonces = (await Promise.all(proofs)).map((proof) => decodeJwt(proof).nonce);
  expect(nonces.length, 'token requests with a proof').toBeGreaterThan(0);
  expect(nonces, 'no proof carries the other page\'s nonce').not.toContain(HOSTILE);
  expect(nonces, 'no proof carries a malformed nonce').not.toContain(MALFORMED);

  // The provider's own nonce is kept under this deployment's names.
  const kept = async () => (await readStorage(page)).local.filter(([key]) => key.startsWith(ours));
  await expect.poll(async () => (await kept()).filter(([, value]) => value !== MALFORMED).length,
    { message: 'the provider\'s nonce, kept for the session\'s tabs' }).toBeGreaterThan(0);

  // Signed out: this deployment's nonces are gone with the session.
  await signOutButton(page).click();
  await expect(field(page, 'signed-out-notice')).toBeVisible({ timeout: 15_000 });
  expect(await kept(), 'this deployment\'s DPoP nonces after sign-out').toEqual([]);
});
