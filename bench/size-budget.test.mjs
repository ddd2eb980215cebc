// The size budget of `make test` (node:test): the release build in dist/ (or
// SIZE_BUDGET_DIST) within BUDGET_GZIP, its precompressed copies in place.
// The rules are size-budget.mjs's.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BUDGET_GZIP, describe, firstLoad, kb } from './size-budget.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(HERE, '..', process.env.SIZE_BUDGET_DIST || 'dist');
const load = firstLoad(dist);

test('a .gz and a .br beside every asset of the first load, each decompressing to it', () => {
  assert.deepEqual(load.missing, []);
});

test(`the first load is within ${kb(BUDGET_GZIP)} gzip -9`, (t) => {
  t.diagnostic(describe(dist, load));
  assert.equal(load.overBudget, null, describe(dist, load));
});
