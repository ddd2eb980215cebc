// The size budget: the first load of a release build (every file the browser
// fetches to show the app: index.html, the loader, the wasm-bindgen JS, the
// wasm, the CSS), in gzip -9, must stay within BUDGET_GZIP, and the
// precompressed `.gz` and `.br` that scripts/post-build.mjs writes must be
// beside every asset and decompress to it. Size is deterministic, so this may
// fail a build (size-budget.test.mjs, run by `make test` on dist/); timings
// never do (`make bench` only reports them).
//
// Lower the number as the work goes (issue 10's target: 150 KB gzip).
//
//   node bench/size-budget.mjs [dist]    prints the table, exits 1 when over
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { brotli, gzip } from './compress.mjs';

export const BUDGET_GZIP = 202 * 1024;

export const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/**
 * The first load of the build in `dist`: { files: [{ name, raw, gzip,
 * brotli }], total: { raw, gzip, brotli }, missing: [problems with the
 * precompressed copies], overBudget: null or a sentence }.
 */
export function firstLoad(dist) {
  const names = readdirSync(dist).filter((name) => /\.(html|js|css|wasm)$/.test(name)).sort();
  if (!names.some((name) => name.endsWith('.wasm'))) throw new Error(`no .wasm in ${dist}: build the release first`);
  const files = [];
  const total = { raw: 0, gzip: 0, brotli: 0 };
  const missing = [];
  for (const name of names) {
    const bytes = readFileSync(path.join(dist, name));
    const file = { name, raw: bytes.length, gzip: gzip(bytes).length, brotli: brotli(bytes).length };
    files.push(file);
    for (const kind of ['raw', 'gzip', 'brotli']) total[kind] += file[kind];
    for (const [ext, inflate] of [['gz', gunzipSync], ['br', brotliDecompressSync]]) {
      const copy = path.join(dist, `${name}.${ext}`);
      if (!existsSync(copy)) missing.push(`${name}.${ext} is missing (scripts/post-build.mjs writes it in release builds)`);
      else if (!inflate(readFileSync(copy)).equals(bytes)) missing.push(`${name}.${ext} does not decompress to ${name}`);
    }
  }
  const overBudget = total.gzip > BUDGET_GZIP
    ? `the first load is ${kb(total.gzip)} gzip, over the budget of ${kb(BUDGET_GZIP)}: find what grew (bench/README.md)`
    : null;
  return { files, total, missing, overBudget };
}

/** The table of `firstLoad(dist)`, one line per file and the total. */
export function describe(dist, { files, total }) {
  const row = (name, sizes) => `  ${name.padEnd(44)}${sizes.map((s) => kb(s).padStart(10)).join('')}`;
  return [
    `first load of ${path.relative(process.cwd(), dist) || '.'}: raw / gzip -9 / brotli 11`,
    ...files.map((f) => row(f.name, [f.raw, f.gzip, f.brotli])),
    row('total', [total.raw, total.gzip, total.brotli]),
    `budget: ${kb(BUDGET_GZIP)} gzip (bench/size-budget.mjs)`,
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] || 'dist');
  const load = firstLoad(dist);
  console.log(describe(dist, load));
  const problems = [...load.missing, ...(load.overBudget ? [load.overBudget] : [])];
  for (const p of problems) console.error(`size budget: ${p}`);
  if (problems.length) process.exit(1);
  console.log('size budget: ok');
}
