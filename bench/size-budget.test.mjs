// The size budget of `make test` (node:test): the release build in dist/ (or
// SIZE_BUDGET_DIST): its first load within BUDGET_GZIP, the whole app's
// within BUDGET_APP_GZIP, its precompressed copies in place. The rules are
// size-budget.mjs's.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BUDGET_APP_GZIP, BUDGET_GZIP, describe, kb, loads } from './size-budget.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(HERE, '..', process.env.SIZE_BUDGET_DIST || 'dist');
const all = loads(dist);

test('a .gz and a .br beside every asset, each decompressing to it', () => {
  assert.deepEqual(all.missing, []);
});

test(`the first load (the root, signed out) is within ${kb(BUDGET_GZIP)} gzip -9`, (t) => {
  const table = describe('first load', all.firstLoad, BUDGET_GZIP);
  t.diagnostic(table);
  assert.equal(all.firstLoad.overBudget, null, table);
});

test(`the whole app's load (/callback, /check, a kept session) is within ${kb(BUDGET_APP_GZIP)} gzip -9`, (t) => {
  const table = describe('the whole app', all.app, BUDGET_APP_GZIP);
  t.diagnostic(table);
  assert.equal(all.app.overBudget, null, table);
});
