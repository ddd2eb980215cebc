// End-to-end tests: Microsoft Entra ID's tenant classes (issue 9, defect 7),
// against the local provider under Entra's layout (provider-layouts.mjs: one
// host with /common, /organizations and /consumers; personal accounts such as
// ENTRA_PERSONAL_ACCOUNT get the consumers tenant's tid and issuer).
import { expect, test } from '@playwright/test';

import { LAYOUTS, routePath } from '../../dev-provider/provider-layouts.mjs';
import {
  ENTRA_CONSUMERS_TENANT_ID,
  ENTRA_PERSONAL_ACCOUNT,
  ENTRA_TENANT_ID,
  layoutOrigin,
} from '../provider-layouts.mjs';
import {
  APP_ORIGIN,
  expectNothingStored,
  expectRefused,
  failOnCspViolations,
  field,
  recordFlow,
  resetAppConfig,
  setAppConfig,
  signInButton,
  signedInHeading,
  submitLogin,
} from './helpers.mjs';

const ENTRA_ORIGIN = layoutOrigin('entra');
const OTHER_TENANT = '00000000-0000-0000-0000-000000000001';
const WORK = 'alice';
const PERSONAL = ENTRA_PERSONAL_ACCOUNT;

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
});

function entraConfig(provider) {
  return { issuer: null, provider: { name: 'entra', base_url: ENTRA_ORIGIN, ...provider } };
}

/**
 * Sign in at the Entra layout as `name`, starting from the app; resolves
 * with the URL of the authorization request (at the tenant's endpoint).
 */
async function signInAtEntra(page, name) {
  let authorizeUrl = null;
  page.on('request', (r) => {
    if (authorizeUrl === null && r.isNavigationRequest() && r.url().startsWith(ENTRA_ORIGIN) && r.url().includes('code_challenge=')) {
      authorizeUrl = r.url();
    }
  });
  await page.goto('/');
  await signInButton(page).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(`${ENTRA_ORIGIN}/interaction/`));
  await submitLogin(page, name);
  return authorizeUrl;
}

const CASES = [
  // [title, provider fields, account, expected: 'signed in' or an error code]
  ['organizations refuses a personal account', { tenant: 'organizations' }, PERSONAL, 'tenant_not_allowed'],
  ['organizations accepts a work account', { tenant: 'organizations' }, WORK, 'signed in'],
  ['consumers accepts a personal account', { tenant: 'consumers' }, PERSONAL, 'signed in'],
  ['consumers refuses a work account', { tenant: 'consumers' }, WORK, 'tenant_not_allowed'],
  ['common with allowed_tenants refuses another tenant', { tenant: 'common', allowed_tenants: [OTHER_TENANT] }, WORK, 'tenant_not_allowed'],
  ['common with allowed_tenants accepts a listed tenant', { tenant: 'common', allowed_tenants: [ENTRA_TENANT_ID] }, WORK, 'signed in'],
  ['common accepts a personal account', { tenant: 'common' }, PERSONAL, 'signed in'],
];

for (const [title, provider, account, expected] of CASES) {
  test(title, async ({ page, request }) => {
    await setAppConfig(request, entraConfig(provider));
    const flow = recordFlow(page);

    const authorizeUrl = await signInAtEntra(page, account);
    const mount = LAYOUTS.entra.mounts.find((m) => m.prefix === `/${provider.tenant}`);
    expect(new URL(authorizeUrl).pathname).toBe(routePath(LAYOUTS.entra, 'authorization', mount));

    if (expected === 'signed in') {
      await expect(signedInHeading(page)).toBeVisible();
      await expect(field(page, 'sub')).toHaveText(account);
      await expect(page).toHaveURL(`${APP_ORIGIN}/`);
    } else {
      await expectRefused(page, expected);
      await expectNothingStored(page, flow, { names: ['code_verifier', 'access_token', 'refresh_token', 'state'] });
    }
  });
}

test('allowed_tenants with organizations cannot list the personal-account tenant', async ({ page, request }) => {
  await setAppConfig(request, entraConfig({ tenant: 'organizations', allowed_tenants: [ENTRA_CONSUMERS_TENANT_ID] }));
  await page.goto('/');
  await expectRefused(page, 'config_invalid');
});
