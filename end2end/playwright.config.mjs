// Playwright configuration: the system (Debian) Chromium, never a
// downloaded one; the servers from addresses.mjs: the test provider
// (fixtures/provider.mjs: the local provider plus the misbehave switch), the
// local provider under every layout (dev-provider/layouts.mjs), serve.mjs
// with the release builds under a strict CSP, serve.mjs again with the notes
// example's release build (examples/notes/dist/, tests/example.spec.mjs), and
// the release builds through real nginx and Caddy with the recipes of
// docs/hosting/ (hosting-server.mjs).
import { defineConfig } from '@playwright/test';

import {
  ACCESS_TOKEN_TTL,
  APP_ORIGIN,
  APP_PORT,
  CADDY_ORIGIN,
  CADDY_PORT,
  CLIENT_ID,
  EXAMPLE_ORIGIN,
  EXAMPLE_PORT,
  LAYOUTS_BASE_PORT,
  NGINX_ORIGIN,
  NGINX_PORT,
  PROVIDER,
  PROVIDER_PORT,
} from './addresses.mjs';
import { LAYOUTS_READY_URL, LAYOUT_ORIGINS } from './provider-layouts.mjs';

/** The hosting recipes' servers (tests/hosting.spec.mjs): one per port. */
const HOSTING_SERVERS = [['nginx', NGINX_PORT, NGINX_ORIGIN], ['caddy', CADDY_PORT, CADDY_ORIGIN]];

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
      command: 'node fixtures/provider.mjs',
      env: {
        PORT: String(PROVIDER_PORT),
        // The client's redirect URIs and CORS (token endpoint and demo API):
        // serve.mjs, nginx, Caddy and the notes example.
        APP_ORIGINS: [APP_ORIGIN, NGINX_ORIGIN, CADDY_ORIGIN, EXAMPLE_ORIGIN].join(','),
        CLIENT_ID,
        ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL),
      },
      url: `${PROVIDER}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // They start in port order: the last one answering means all do.
      command: 'node ../dev-provider/layouts.mjs',
      env: {
        BASE_PORT: String(LAYOUTS_BASE_PORT),
        APP_ORIGINS: APP_ORIGIN,
        CLIENT_ID,
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
        PROVIDER_ISSUER: PROVIDER,
        CLIENT_ID,
        // connect-src of the CSP: the test provider and every layout.
        PROVIDER_ORIGINS: LAYOUT_ORIGINS.join(','),
      },
      url: `${APP_ORIGIN}/config.json`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The notes example at the root of its own origin; its pages behind
      // sign-in read the test provider's notes (dev-provider/api.mjs).
      command: 'node serve.mjs',
      env: {
        APP_PORT: String(EXAMPLE_PORT),
        DIST_DIR: '../examples/notes/dist',
        NO_APP_MOUNT: '1',
        PROVIDER_ISSUER: PROVIDER,
        CLIENT_ID,
        EXTRA_CONFIG: JSON.stringify({ api_url: `${PROVIDER}/api/notes` }),
      },
      url: `${EXAMPLE_ORIGIN}/config.json`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    ...HOSTING_SERVERS.map(([server, port, origin]) => ({
      command: `node hosting-server.mjs ${server}`,
      env: { PORT: String(port), PROVIDER_ISSUER: PROVIDER, CLIENT_ID },
      url: `${origin}/config.json`,
      reuseExistingServer: false,
      timeout: 30_000,
      // SIGTERM lets hosting-server.mjs stop the server and remove its folder.
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
      stdout: 'ignore',
      stderr: 'pipe',
    })),
  ],
});
