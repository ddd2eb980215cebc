// End-to-end tests: the provider check view (/check). The local provider
// passes every item; the layouts broken on purpose (nocors, plainonly) fail
// exactly the broken one; a provider that cannot be loaded can still be
// checked from the alert; a mistyped preset field is named.
import { expect, test } from '@playwright/test';

import { NOCORS_ISSUER, NO_DPOP_ISSUER, PAR_REQUIRED_ISSUER, PLAINONLY_ISSUER, PRESETS } from '../provider-layouts.mjs';
import {
  APP_ORIGIN,
  errorAlert,
  errorCode,
  expectRefused,
  failOnCspViolations,
  resetAppConfig,
  setAppConfig,
  signInButton,
} from './helpers.mjs';

const REQUIRED = ['discovery', 'issuer', 'response_type_code', 'pkce_s256', 'token_auth_none', 'token_endpoint_cors'];
const WARN_WHEN_ABSENT = ['iss_parameter', 'refresh_token', 'userinfo', 'revocation', 'end_session'];
const ALL_PASS = 'All required checks pass.';
const ONE_FAILS = /^\s*1 required check(\(s\)|s)? fails?\.\s*$/;

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
});

function checkList(page) {
  return page.locator('ul[data-section="provider-check"]');
}

function checkItem(page, id) {
  return checkList(page).locator(`li[data-check="${id}"]`);
}

function summary(page) {
  return page.locator('[data-field="check-summary"]');
}

function checkLink(scope) {
  return scope.getByRole('link', { name: 'Check provider', exact: true });
}

/** The check page has finished: heading, list, summary. */
async function expectCheckDone(page) {
  await expect(page.getByRole('heading', { name: 'Provider check' })).toBeVisible();
  await expect(summary(page)).toHaveText(/\S/, { timeout: 15_000 });
  await expect(checkList(page)).toBeVisible();
}

/** Every item's status, by id (for failure messages). */
async function statuses(page) {
  return checkList(page).locator('li[data-check]').evaluateAll((items) => Object.fromEntries(
    items.map((li) => [li.dataset.check, li.dataset.status]),
  ));
}

async function expectStatuses(page, expected) {
  const all = await statuses(page);
  for (const [id, status] of Object.entries(expected)) {
    await expect(checkItem(page, id), `${id} (all: ${JSON.stringify(all)})`).toHaveAttribute('data-status', status);
  }
}

test('the local provider passes every check, from the signed-out page\'s link', async ({ page }) => {
  await page.goto('/');
  await expect(signInButton(page)).toBeVisible();
  await checkLink(page).click();
  await expect(page).toHaveURL(`${APP_ORIGIN}/check`);
  await expectCheckDone(page);

  await expect(summary(page)).toHaveText(ALL_PASS);
  await expectStatuses(page, Object.fromEntries([...REQUIRED, ...WARN_WHEN_ABSENT].map((id) => [id, 'pass'])));
  // Each item holds its label and a sentence.
  for (const id of [...REQUIRED, ...WARN_WHEN_ABSENT]) {
    await expect(checkItem(page, id)).toHaveCount(1);
    await expect(checkItem(page, id)).toHaveText(/\S+\s+\S+/);
  }
  await expect(errorAlert(page)).toHaveCount(0);
});

test('DPoP, PAR and the clock: offered and usable from this origin at the local provider', async ({ page }) => {
  await page.goto('/check');
  await expectCheckDone(page);
  // (The local provider lets the app origins read its Date header.)
  await expectStatuses(page, { dpop: 'pass', par: 'pass', clock: 'pass' });
  await expect(checkItem(page, 'dpop')).toContainText('invalid_dpop_proof');
});

test('without DPoP the item says so; `dpop: true` makes it a failure; PAR required without CORS would fail', async ({ page, request }) => {
  await setAppConfig(request, { issuer: NO_DPOP_ISSUER });
  await page.goto('/check');
  await expectCheckDone(page);
  await expectStatuses(page, { dpop: 'info', par: 'pass' });
  await expect(summary(page)).toHaveText(ALL_PASS);

  await setAppConfig(request, { issuer: NO_DPOP_ISSUER, dpop: true });
  await page.goto('/check');
  await expectCheckDone(page);
  await expectStatuses(page, { dpop: 'fail' });
  await expect(summary(page)).toHaveText(ONE_FAILS);

  await setAppConfig(request, { issuer: PAR_REQUIRED_ISSUER });
  await page.goto('/check');
  await expectCheckDone(page);
  await expectStatuses(page, { dpop: 'pass', par: 'pass' });
});

test('the check under the subpath: /app/check', async ({ page }) => {
  await page.goto('/app/check');
  await expectCheckDone(page);
  await expect(summary(page)).toHaveText(ALL_PASS);
  await expectStatuses(page, Object.fromEntries(REQUIRED.map((id) => [id, 'pass'])));
});

test('a token endpoint without CORS for this origin fails token_endpoint_cors', async ({ page, request }) => {
  await setAppConfig(request, { issuer: NOCORS_ISSUER });
  await page.goto('/');
  await expect(signInButton(page)).toBeVisible();
  await checkLink(page).click();
  await expect(page).toHaveURL(`${APP_ORIGIN}/check`);
  await expectCheckDone(page);

  await expect(checkItem(page, 'token_endpoint_cors')).toHaveAttribute('data-status', 'fail');
  await expectStatuses(page, Object.fromEntries(REQUIRED.filter((id) => id !== 'token_endpoint_cors').map((id) => [id, 'pass'])));
  await expect(summary(page)).toHaveText(ONE_FAILS);
});

test('a provider offering only PKCE plain: refused, and the alert offers the check, where pkce_s256 fails', async ({ page, request }) => {
  await setAppConfig(request, { issuer: PLAINONLY_ISSUER });
  // The app reads the provider at start: refused before any sign-in.
  await page.goto('/');
  await expectRefused(page, 'pkce_s256_unsupported');
  await expect(signInButton(page)).toHaveCount(0);

  // The alert offers the check.
  await checkLink(page).first().click();
  await expect(page).toHaveURL(`${APP_ORIGIN}/check`);
  await expectCheckDone(page);

  await expect(checkItem(page, 'pkce_s256')).toHaveAttribute('data-status', 'fail');
  await expectStatuses(page, Object.fromEntries(REQUIRED.filter((id) => id !== 'pkce_s256').map((id) => [id, 'pass'])));
  await expect(summary(page)).toHaveText(ONE_FAILS);
});

test('a provider whose discovery cannot be read: the alert offers the check, where discovery fails', async ({ page, request }) => {
  // An issuer with no discovery document (404) on an origin the CSP allows.
  await setAppConfig(request, { issuer: `${NOCORS_ISSUER}/no-such-issuer` });
  await page.goto('/');
  await expectRefused(page, 'discovery_failed');
  await expect(signInButton(page)).toHaveCount(0);

  // The alert offers the check.
  await checkLink(page).first().click();
  await expect(page).toHaveURL(`${APP_ORIGIN}/check`);
  await expectCheckDone(page);
  await expect(checkItem(page, 'discovery')).toHaveAttribute('data-status', 'fail');
  await expect(summary(page)).not.toHaveText(ALL_PASS);
});

test('Entra (common): the issuer template passes the issuer check', async ({ page, request }) => {
  const entra = PRESETS.find((p) => p.name === 'entra');
  await setAppConfig(request, entra.config);
  await page.goto('/check');
  await expectCheckDone(page);

  await expectStatuses(page, Object.fromEntries(REQUIRED.map((id) => [id, 'pass'])));
  // Like Entra: no iss in the authorization response, no revocation endpoint.
  await expectStatuses(page, { iss_parameter: 'warn', revocation: 'warn' });
  await expect(summary(page)).toHaveText(ALL_PASS);
});

test('Adobe IMS (no discovery): metadata unknown, the token endpoint still checked', async ({ page, request }) => {
  const adobe = PRESETS.find((p) => p.name === 'adobe_ims');
  await setAppConfig(request, adobe.config);
  await page.goto('/check');
  await expectCheckDone(page);

  await expectStatuses(page, {
    discovery: 'info',
    response_type_code: 'info',
    pkce_s256: 'info',
    token_auth_none: 'info',
    // The preset names Adobe's UserInfo endpoint; the others stay unknown.
    userinfo: 'pass',
    revocation: 'info',
    token_endpoint_cors: 'pass',
  });
  await expect(summary(page)).toHaveText(ALL_PASS);
});

test('a mistyped preset field is named in config_invalid', async ({ page, request }) => {
  await setAppConfig(request, { issuer: null, provider: { name: 'pingone', environment_idd: 'x' } });
  await page.goto('/');
  await expect(errorAlert(page)).toHaveCount(1);
  await expect(errorCode(page)).toHaveText('config_invalid');
  await expect(errorAlert(page)).toContainText('provider.environment_idd');
  await expect(errorAlert(page)).toContainText('did you mean `environment_id`?');
});
