// The size budget, a test of `make test` (scripts/test.sh): the first load of
// the release build (every file of dist/ the browser fetches to show the app:
// index.html, the loader, the wasm-bindgen JS, the wasm, the CSS), in gzip -9,
// must stay within BUDGET_GZIP. Size is deterministic, so this may fail a
// build; timings never do (`make bench` only reports them).
//
// Lower the number as the work goes (issue 10's target: 150 KB gzip).
//
//   node bench/size-budget.mjs [dist]
//
// Also checks that the release build wrote the precompressed `.gz` and `.br`
// beside every asset (scripts/post-build.mjs), and that they decompress to it.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { brotli, gzip } from './compress.mjs';

export const BUDGET_GZIP = 270 * 1024;

const dist = path.resolve(process.argv[2] || 'dist');
const files = readdirSync(dist)
  .filter((name) => /\.(html|js|css|wasm)$/.test(name))
  .sort();
if (!files.some((f) => f.endsWith('.wasm'))) throw new Error(`no .wasm in ${dist}: build the release first`);

let raw = 0;
let gz = 0;
let br = 0;
const problems = [];
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`first load of ${path.relative(process.cwd(), dist) || '.'}: raw / gzip -9 / brotli 11`);
for (const name of files) {
  const bytes = readFileSync(path.join(dist, name));
  const sizes = [bytes.length, gzip(bytes).length, brotli(bytes).length];
  [raw, gz, br] = [raw + sizes[0], gz + sizes[1], br + sizes[2]];
  console.log(`  ${name.padEnd(44)}${sizes.map((s) => kb(s).padStart(10)).join('')}`);
  for (const [ext, inflate] of [['gz', gunzipSync], ['br', brotliDecompressSync]]) {
    const copy = path.join(dist, `${name}.${ext}`);
    if (!existsSync(copy)) problems.push(`${name}.${ext} is missing (scripts/post-build.mjs writes it in release builds)`);
    else if (!inflate(readFileSync(copy)).equals(bytes)) problems.push(`${name}.${ext} does not decompress to ${name}`);
  }
}
console.log(`  ${'total'.padEnd(44)}${[raw, gz, br].map((s) => kb(s).padStart(10)).join('')}`);
console.log(`budget: ${kb(BUDGET_GZIP)} gzip (bench/size-budget.mjs)`);
if (gz > BUDGET_GZIP) problems.push(`the first load is ${kb(gz)} gzip, over the budget of ${kb(BUDGET_GZIP)}: find what grew (bench/README.md)`);
for (const p of problems) console.error(`size budget: ${p}`);
if (problems.length) process.exit(1);
console.log('size budget: ok');
