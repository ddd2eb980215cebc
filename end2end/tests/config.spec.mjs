// End-to-end tests: config.json absent, URLs that only look like loopback
// refused (issue 9, defect 6: the browser's URL parser decides), and extra
// authorization parameters that would change the protocol.
import { expect, test } from '@playwright/test';

import {
  APP_CONFIG_URL,
  errorAlert,
  expectRefused,
  failOnCspViolations,
  resetAppConfig,
  setAppConfig,
  signInButton,
} from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
});

test('config.json absent: config_missing', async ({ page }) => {
  await page.route(APP_CONFIG_URL, (route) => route.fulfill({ status: 404, body: 'not found', headers: { 'Cache-Control': 'no-store' } }));
  await page.goto('/');

  await expectRefused(page, 'config_missing');
  await expect(errorAlert(page)).toContainText('404');
  await expect(signInButton(page)).toHaveCount(0);
});

// Plain http that is not loopback, dressed up as loopback.
const BYPASSES = [
  // A domain that starts like 127.0.0.1.
  ['token_endpoint', 'http://127.0.0.1.nip.io/token'],
  // A backslash is a path separator to the URL parser: the host is evil.example.
  ['token_endpoint', 'http://evil.example\\.localhost/token'],
  ['authorization_endpoint', 'http://evil.example\\.localhost/authorize'],
  ['jwks_uri', 'http://127.0.0.1.nip.io/keys'],
];

for (const [field, url] of BYPASSES) {
  test(`${field} ${url} is not loopback: config_invalid`, async ({ page, request }) => {
    await setAppConfig(request, { [field]: url });
    const asked = [];
    page.on('request', (r) => {
      const { hostname } = new URL(r.url());
      if (hostname !== '127.0.0.1') asked.push(r.url());
    });
    await page.goto('/');

    await expectRefused(page, 'config_invalid');
    await expect(errorAlert(page)).toContainText(field);
    await expect(signInButton(page)).toHaveCount(0);
    expect(asked, 'requests off loopback').toEqual([]);
  });
}

// Issue 21, defect 10: a parameter that changes where or how the response
// comes back is refused by name before anything is sent.
for (const [name, value] of [['response_mode', 'fragment'], ['request', 'eyJhbGciOiJub25lIn0.e30.']]) {
  test(`extra_authorize_params.${name}: config_invalid names it`, async ({ page, request }) => {
    await setAppConfig(request, { extra_authorize_params: { [name]: value } });
    await page.goto('/');

    await expectRefused(page, 'config_invalid');
    await expect(errorAlert(page)).toContainText(`extra_authorize_params.${name}`);
    await expect(signInButton(page)).toHaveCount(0);
  });
}
