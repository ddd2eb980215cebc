// End-to-end tests of the hosting recipes: the release builds served by real
// nginx and real Caddy with docs/hosting/nginx.conf and docs/hosting/Caddyfile
// (hosting-server.mjs templates only the port, the build folders and the
// provider origin), the one release build (dist/) at / and at /app/. Through
// each: the sign-in, deep links loaded directly, no CSP violation, and the
// headers the recipes promise (the README's CSP and Referrer-Policy, caching,
// the precompressed .br and .gz).
import { readFileSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from '@playwright/test';

import { CADDY_ORIGIN, NGINX_ORIGIN } from '../addresses.mjs';
import {
  PROVIDER,
  expectRefused,
  failOnCspViolations,
  field,
  signIn,
  signedInHeading,
  waitForTokenResponse,
} from './helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const SERVERS = [
  { name: 'nginx', origin: NGINX_ORIGIN },
  { name: 'caddy', origin: CADDY_ORIGIN },
];
const MOUNTS = [
  { base: '/', dist: path.join(ROOT, 'dist') },
  // The same build, copied to the recipe's dist-app/ by hosting-server.mjs.
  { base: '/app/', dist: path.join(ROOT, 'dist') },
];

/** The README's header line `name: value` (Hosting), with the provider's origin put in. */
function readmeHeader(name) {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith(`${name}: `));
  expect(line, `README.md has a "${name}: " line`).toBeTruthy();
  return line.slice(name.length + 2).replace('https://YOUR-PROVIDER-ORIGIN', new URL(PROVIDER).origin);
}
const CSP = readmeHeader('Content-Security-Policy');
const REFERRER_POLICY = readmeHeader('Referrer-Policy');

/** The build's hashed assets (name-<8 to 16 hex>.js, .css, _bg.wasm). */
const HASHED = /-[0-9a-f]{8,16}(_bg)?\.(js|css|wasm)$/;
function hashedAssets(dist) {
  return readdirSync(dist).filter((name) => HASHED.test(name));
}
/** The two builds' wasm: the sign-in page's (the root's first load) and the whole app's. */
function wasmsOf(dist) {
  const wasms = readdirSync(dist).filter((name) => name.endsWith('_bg.wasm'));
  const signIn = wasms.find((name) => name.startsWith('pkce-spa-signin-'));
  const app = wasms.find((name) => !name.startsWith('pkce-spa-signin-'));
  expect(signIn, `the sign-in page's _bg.wasm in ${dist}`).toBeTruthy();
  expect(app, `the app's _bg.wasm in ${dist}`).toBeTruthy();
  return { signIn, app };
}

/** A GET with node:http, which leaves the body as sent: { status, headers, body }. */
function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** index.html's headers: the README's CSP and Referrer-Policy, never cached. */
function expectPageHeaders(headers, what) {
  expect(headers['content-type'], `${what}: Content-Type`).toMatch(/^text\/html/);
  expect(headers['content-security-policy'], `${what}: Content-Security-Policy`).toBe(CSP);
  expect(headers['referrer-policy'], `${what}: Referrer-Policy`).toBe(REFERRER_POLICY);
  expect(headers['cache-control'], `${what}: Cache-Control`).toMatch(/^(no-cache|no-store)$/);
}

test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

for (const server of SERVERS) {
  test.describe(server.name, () => {
    for (const { base, dist } of MOUNTS) {
      test(`signs in at ${base}, the wasm precompressed`, async ({ page }) => {
        const app = `${server.origin}${base}`;
        // The first wasm answer the page gets (later loads may come from
        // cache): at the root, signed out, the sign-in page's.
        const wasm = page.waitForResponse((r) => r.url() === `${app}${wasmsOf(dist).signIn}`);
        const navigation = await page.goto(app);
        expect(navigation.status(), `GET ${base}`).toBe(200);
        expectPageHeaders(await navigation.allHeaders(), `GET ${base}`);

        const wasmResponse = await wasm;
        const accepted = (await wasmResponse.request().allHeaders())['accept-encoding'] ?? '';
        const encoding = (await wasmResponse.allHeaders())['content-encoding'];
        expect(['br', 'gzip'], `the wasm's Content-Encoding (the browser accepts "${accepted}")`).toContain(encoding);
        expect(accepted.split(',').map((v) => v.trim())).toContain(encoding);

        const tokenResponse = waitForTokenResponse(page);
        await signIn(page, 'alice');
        const response = await tokenResponse;
        expect(response.status()).toBe(200);
        expect(new URLSearchParams(response.request().postData() ?? '').get('redirect_uri')).toBe(`${app}callback`);
        await expect(signedInHeading(page)).toBeVisible();
        await expect(page).toHaveURL(app);
        await expect(field(page, 'sub')).toHaveText('alice');
      });

      test(`deep links at ${base}: /callback and /check loaded directly`, async ({ page }) => {
        const app = `${server.origin}${base}`;
        // /callback without a response: the app runs and refuses it.
        const callback = await page.goto(`${app}callback`);
        expect(callback.status()).toBe(200);
        expectPageHeaders(await callback.allHeaders(), `GET ${base}callback`);
        await expectRefused(page, 'callback_invalid');

        // /check: the provider check runs from this origin (CORS, connect-src).
        const check = await page.goto(`${app}check`);
        expect(check.status()).toBe(200);
        expectPageHeaders(await check.allHeaders(), `GET ${base}check`);
        await expect(page.getByRole('heading', { name: 'Provider check' })).toBeVisible();
        await expect(page.locator('[data-field="check-summary"]')).toHaveText('All required checks pass.', { timeout: 15_000 });
      });
    }

    test('headers: caching of index.html, config.json and the hashed assets', async ({ request }) => {
      for (const { base, dist } of MOUNTS) {
        for (const route of ['', 'index.html', 'callback', 'check', 'a/deep/link']) {
          const response = await request.get(`${server.origin}${base}${route}`);
          expect(response.status(), `GET ${base}${route}`).toBe(200);
          expectPageHeaders(response.headers(), `GET ${base}${route}`);
        }

        const config = await request.get(`${server.origin}${base}config.json`);
        expect(config.status()).toBe(200);
        expect((await config.json()).issuer).toBe(PROVIDER);
        expect(config.headers()['cache-control'], `GET ${base}config.json: Cache-Control`).toMatch(/^(no-cache|no-store)$/);

        const assets = hashedAssets(dist);
        expect(assets.filter((name) => name.endsWith('.wasm')), `${dist}: the sign-in page's wasm and the app's`).toHaveLength(2);
        for (const name of assets) {
          const asset = await request.get(`${server.origin}${base}${name}`);
          expect(asset.status(), `GET ${base}${name}`).toBe(200);
          const cacheControl = asset.headers()['cache-control'] ?? '';
          expect(cacheControl, `GET ${base}${name}: Cache-Control`).toContain('max-age=31536000');
          expect(cacheControl, `GET ${base}${name}: Cache-Control`).toContain('immutable');
        }
      }

      // /app without its slash goes to /app/.
      const bare = await request.get(`${server.origin}/app`, { maxRedirects: 0 });
      expect(bare.status()).toBe(308);
      expect(bare.headers().location).toBe('/app/');
    });

    test('the .br and .gz the build wrote are what is sent, as the client accepts', async () => {
      for (const { base, dist } of MOUNTS) for (const name of Object.values(wasmsOf(dist))) {
        const url = `${server.origin}${base}${name}`;
        for (const [accept, encoding, file] of [
          ['br, gzip', 'br', `${name}.br`],
          ['gzip', 'gzip', `${name}.gz`],
          ['identity', undefined, name],
        ]) {
          const response = await rawGet(url, { 'Accept-Encoding': accept });
          const what = `GET ${base}${name} with Accept-Encoding: ${accept}`;
          expect(response.status, what).toBe(200);
          expect(response.headers['content-type'], what).toBe('application/wasm');
          expect(response.headers['content-encoding'], what).toBe(encoding);
          if (encoding) expect(response.headers.vary ?? '', what).toMatch(/accept-encoding/i);
          // Byte for byte the file the build wrote: precompressed, not compressed on the fly.
          expect(response.body.equals(readFileSync(path.join(dist, file))), `${what}: the body is ${file}`).toBe(true);
        }
      }
    });
  });
}
