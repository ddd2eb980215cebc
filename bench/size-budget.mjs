// The size budget of a release build, in gzip -9, for its two loads:
// - the first load: what the browser fetches to show the app's root to
//   someone signed out (index.html, the loader, the CSS, the sign-in page's
//   JS glue and wasm), within BUDGET_GZIP;
// - the whole app: what `/callback`, `/check` and a kept session load
//   instead (the same, with the whole app's glue and wasm), within
//   BUDGET_APP_GZIP;
// and the precompressed `.gz` and `.br` that scripts/post-build.mjs writes
// beside every asset, each decompressing to it. Size is deterministic, so this
// may fail a build (size-budget.test.mjs, run by `make test` on dist/);
// timings never do (`make bench` only reports them).
//
// Lower the numbers as the work goes (issue 10's target: a first load of at
// most 150 KB gzip, 120 KB brotli).
//
//   node bench/size-budget.mjs [dist]    prints the tables, exits 1 when over
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { brotli, gzip } from './compress.mjs';

export const BUDGET_GZIP = 133 * 1024;
export const BUDGET_APP_GZIP = 218 * 1024;

export const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// Which build a glue or wasm file belongs to (src/signin.rs, src/main.rs).
const SIGN_IN = /^pkce-spa-signin-[0-9a-f]{8,16}(\.js|_bg\.wasm)$/;
const APP = /^pkce-spa-[0-9a-f]{8,16}(\.js|_bg\.wasm)$/;

function sum(files) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of files) for (const kind of ['raw', 'gzip', 'brotli']) total[kind] += file[kind];
  return { files, total };
}

function overBudget(what, total, budget) {
  return total.gzip > budget
    ? `${what} is ${kb(total.gzip)} gzip, over the budget of ${kb(budget)}: find what grew (bench/README.md)`
    : null;
}

/**
 * The loads of the build in `dist`: { firstLoad, app } (each { files: [{
 * name, raw, gzip, brotli }], total: { raw, gzip, brotli }, overBudget:
 * null or a sentence }), and missing: [problems with the precompressed
 * copies of any asset].
 */
export function loads(dist) {
  const assets = readdirSync(dist).filter((name) => /\.(html|js|css|wasm)$/.test(name)).sort();
  const shared = assets.filter((name) => !SIGN_IN.test(name) && !APP.test(name));
  const signIn = assets.filter((name) => SIGN_IN.test(name));
  const app = assets.filter((name) => APP.test(name));
  if (signIn.length !== 2 || app.length !== 2) {
    throw new Error(`${dist} lacks the glue and wasm of the sign-in page or of the app: build the release first`);
  }
  // Each asset read and compressed once; the shared ones count in both loads.
  const missing = [];
  const file = {};
  for (const name of assets) {
    const bytes = readFileSync(path.join(dist, name));
    file[name] = { name, raw: bytes.length, gzip: gzip(bytes).length, brotli: brotli(bytes).length };
    for (const [ext, inflate] of [['gz', gunzipSync], ['br', brotliDecompressSync]]) {
      const copy = path.join(dist, `${name}.${ext}`);
      if (!existsSync(copy)) missing.push(`${name}.${ext} is missing (scripts/post-build.mjs writes it in release builds)`);
      else if (!inflate(readFileSync(copy)).equals(bytes)) missing.push(`${name}.${ext} does not decompress to ${name}`);
    }
  }
  const firstLoad = sum([...shared, ...signIn].map((name) => file[name]));
  firstLoad.overBudget = overBudget('the first load', firstLoad.total, BUDGET_GZIP);
  const whole = sum([...shared, ...app].map((name) => file[name]));
  whole.overBudget = overBudget('the whole app\'s load', whole.total, BUDGET_APP_GZIP);
  return { firstLoad, app: whole, missing };
}

/** The table of one load of `loads(dist)`, one line per file and the total. */
export function describe(title, { files, total }, budget) {
  const row = (name, sizes) => `  ${name.padEnd(44)}${sizes.map((s) => kb(s).padStart(10)).join('')}`;
  return [
    `${title}: raw / gzip -9 / brotli 11`,
    ...files.map((f) => row(f.name, [f.raw, f.gzip, f.brotli])),
    row('total', [total.raw, total.gzip, total.brotli]),
    `budget: ${kb(budget)} gzip (bench/size-budget.mjs)`,
  ].join('\n');
}

/** Both tables. */
export function describeAll(dist, { firstLoad, app }) {
  const where = path.relative(process.cwd(), dist) || '.';
  return [
    describe(`first load of ${where} (the root, signed out)`, firstLoad, BUDGET_GZIP),
    describe(`the whole app, ${where} (/callback, /check, a kept session)`, app, BUDGET_APP_GZIP),
  ].join('\n\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] || 'dist');
  const all = loads(dist);
  console.log(describeAll(dist, all));
  const problems = [...all.missing, all.firstLoad.overBudget, all.app.overBudget].filter(Boolean);
  for (const p of problems) console.error(`size budget: ${p}`);
  if (problems.length) process.exit(1);
  console.log('size budget: ok');
}
