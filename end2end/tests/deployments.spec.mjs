// End-to-end tests: two deployments of the same build on one origin (issue
// 21, defect 6). serve.mjs serves the very same dist/ at / and at /pr/42/;
// here each gets its own config.json and provider: / the test provider,
// /pr/42/ the local provider under the Okta layout. Web storage, IndexedDB,
// Web Locks and BroadcastChannel are one per origin: every name the app
// gives them is its deployment's (src/core/names.rs), so one tab holds a
// session of each, and neither is restored, refreshed or swept by the other.
import { expect, test } from '@playwright/test';

import { PRESETS } from '../provider-layouts.mjs';
import {
  TOKEN_URL,
  appNames,
  errorAlert,
  failOnCspViolations,
  field,
  formOf,
  readStorage,
  resetAppConfig,
  setAppConfig,
  signInButton,
  signInFully,
  signedInHeading,
  submitLogin,
} from './helpers.mjs';

const OKTA = PRESETS.find((p) => p.name === 'okta');
const OKTA_TOKEN_URL = `${OKTA.origin}${OKTA.tokenPath}`;
const PR = '/pr/42/';

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
});

test('the same build at / and /pr/42/ with two providers keeps one session each in one tab', async ({ page, request }) => {
  failOnCspViolations(page);
  await setAppConfig(request, { token_storage: 'session' });
  await setAppConfig(request, { ...OKTA.config, token_storage: 'session' }, PR);
  // Every token request (code or refresh), with the deployment whose page sent it.
  const sent = [];
  page.on('request', (r) => {
    if (r.method() !== 'POST' || !formOf(r).has('grant_type')) return;
    const from = new URL(r.frame().url()).pathname.startsWith(PR) ? PR : '/';
    sent.push({ from, to: r.url().split('?')[0], grant: formOf(r).get('grant_type') });
  });

  // Signed in at / with the test provider.
  await signInFully(page, 'alice', '/');

  // The same tab at /pr/42/: signed out there, not the other's session.
  await page.goto(PR);
  await expect(signInButton(page)).toBeVisible();
  await expect(signedInHeading(page)).toHaveCount(0);
  await expect(errorAlert(page)).toHaveCount(0);

  // Signed in there too, with its own provider.
  await signInButton(page).click();
  await expect(page).toHaveURL((url) => url.origin === OKTA.origin);
  await submitLogin(page, 'bob');
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText('bob');
  await expect(page).toHaveURL((url) => url.pathname.startsWith(PR));

  // Back at /: still the first session, which goes on refreshing at its own
  // provider (the test provider's access tokens live 6 s).
  await page.goto('/');
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText('alice');
  await expect.poll(() => sent.filter((s) => s.from === '/' && s.grant === 'refresh_token').length,
    { message: 'a refresh at /', timeout: 15_000 }).toBeGreaterThan(0);
  await expect(errorAlert(page)).toHaveCount(0);

  // And /pr/42/ still has its own.
  await page.goto(PR);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText('bob');

  // No request of one deployment went to the other's token endpoint.
  expect(sent.filter((s) => s.from === '/').map((s) => s.to), 'token requests from /').not.toContain(OKTA_TOKEN_URL);
  expect(sent.filter((s) => s.from === PR).map((s) => s.to), 'token requests from /pr/42/').not.toContain(TOKEN_URL);
  // (The code may go twice: once more with a DPoP nonce the endpoint asks for.)
  expect([...new Set(sent.filter((s) => s.from === PR && s.grant === 'authorization_code').map((s) => s.to))]).toEqual([OKTA_TOKEN_URL]);

  // Each deployment's entries under its own names, and nothing unscoped.
  const { session, local } = await readStorage(page);
  const keys = [...session, ...local].map(([key]) => key);
  expect(keys.filter((k) => !k.startsWith(`${appNames('/')}.`) && !k.startsWith(`${appNames(PR)}.`)), 'keys of no deployment').toEqual([]);
  expect(keys).toContain(`${appNames('/')}.session`);
  expect(keys).toContain(`${appNames(PR)}.session`);
});
