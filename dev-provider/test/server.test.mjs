// The development provider's entry points cannot reach the tests' misbehave
// switch: they refuse to start when it is asked for, and no module of
// dev-provider/ imports anything from outside it. And by default it
// registers the origins `make dev` and `make example` serve from.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createDevProvider } from '../provider.mjs';
import { DEV_APP_ORIGINS } from '../settings.mjs';
import { CLIENT_ID, post, startProvider } from './client.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);

for (const script of ['server.mjs', 'layouts.mjs']) {
  test(`${script} refuses to start with TEST_MISBEHAVE set`, () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, script)], {
      env: { ...process.env, TEST_MISBEHAVE: '1', PORT: '1', BASE_PORT: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /TEST_MISBEHAVE is set, but the misbehave switch exists only in the end-to-end tests/);
  });
}

test('no module of dev-provider/ imports from outside it', () => {
  for (const file of readdirSync(ROOT).filter((f) => f.endsWith('.mjs'))) {
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    const specifiers = [...source.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
    for (const specifier of specifiers) {
      assert.ok(!specifier.startsWith('..') && !specifier.startsWith('/'), `${file} imports ${specifier}`);
    }
  }
});

test('a development provider has no /__test/misbehave', async () => {
  const provider = await startProvider();
  try {
    const res = await fetch(`${provider.origin}/__test/misbehave`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'iss_wrong' }),
    });
    assert.equal(res.status, 404);
    // And it still answers as a provider.
    const probe = await post(`${provider.origin}/token`, { grant_type: 'authorization_code', code: 'x', client_id: CLIENT_ID, redirect_uri: 'http://127.0.0.1:8181/callback', code_verifier: 'a'.repeat(43) });
    assert.equal(probe.body.error, 'invalid_grant');
  } finally {
    await provider.close();
  }
});

test('the development provider registers `make dev`\'s app origins and `make example`\'s (:8081)', async () => {
  assert.deepEqual(DEV_APP_ORIGINS, ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://127.0.0.1:8081']);
  // Made, not started: only the client's registration is looked at.
  const dev = await createDevProvider({ port: 1, log: () => {} });
  for (const origin of DEV_APP_ORIGINS) {
    assert.ok(dev.redirectUris.includes(`${origin}/callback`), origin);
  }
});
