// Playwright configuration for the pkce-spa end-to-end tests.
//
// Uses the system (Debian) Chromium at /usr/bin/chromium; no browser is ever
// downloaded. Starts the local development provider on :9411 (with its
// test-only misbehave switch, and 6-second access tokens), the same provider
// under every provider layout on :9421..:9429 (dev-provider/layouts.mjs;
// provider-layouts.mjs lists them) and a static server for the release
// builds (../dist and ../dist-app) on :8181, which sends them under a strict
// CSP (connect-src: every provider origin) and lets a test override
// config.json (POST /__test/config).
import { defineConfig } from '@playwright/test';

import { LAYOUTS_BASE_PORT, LAYOUTS_READY_URL, LAYOUT_ORIGINS } from './provider-layouts.mjs';

const PROVIDER_PORT = 9411;
const APP_PORT = 8181;
const PROVIDER_ISSUER = `http://127.0.0.1:${PROVIDER_PORT}`;
const APP_ORIGIN = `http://127.0.0.1:${APP_PORT}`;

export default defineConfig({
  testDir: 'tests',
  workers: 1,
  retries: 0,
  reporter: 'list',
  // The session tests wait for real refreshes (a few seconds each).
  timeout: 60_000,
  forbidOnly: !!process.env.CI,
  use: {
    baseURL: APP_ORIGIN,
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
  webServer: [
    {
      command: 'node ../dev-provider/server.mjs',
      env: {
        PORT: String(PROVIDER_PORT),
        APP_ORIGINS: APP_ORIGIN,
        // Test-only: POST /__test/misbehave makes the provider answer wrongly
        // on purpose (dev-provider/misbehave.mjs; tests/trust.spec.mjs).
        TEST_MISBEHAVE: '1',
        // Access tokens live 6 s, so the app refreshes about 4.5 s after
        // sign-in (three quarters of a short lifetime; tests/session.spec.mjs).
        ACCESS_TOKEN_TTL: '6',
      },
      url: `${PROVIDER_ISSUER}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // One provider per layout (pingone, okta, keycloak, auth0, adobe_ims,
      // cloudentity, entra, and the broken nocors and plainonly), each on
      // LAYOUTS_BASE_PORT + its offset; they start in port order, so the
      // last one answering means all do (tests/presets.spec.mjs,
      // tests/check.spec.mjs).
      command: 'node ../dev-provider/layouts.mjs',
      env: {
        BASE_PORT: String(LAYOUTS_BASE_PORT),
        APP_ORIGINS: APP_ORIGIN,
      },
      url: LAYOUTS_READY_URL,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node serve.mjs',
      env: {
        APP_PORT: String(APP_PORT),
        PROVIDER_ISSUER,
        // connect-src of the CSP: the root provider and every layout.
        PROVIDER_ORIGINS: LAYOUT_ORIGINS.join(','),
      },
      url: `${APP_ORIGIN}/config.json`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
