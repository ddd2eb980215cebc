// What is big in a wasm: code size per function (by the name section) and
// per crate, the data segments, and a few families (fmt/Debug, serde, panics).
// Needs a wasm with its name section: `bench/analyze.sh` makes one (release
// profile, not stripped, through wasm-bindgen and wasm-opt -Oz -g, so the
// sizes are those of the shipped code).
//
//   node bench/wasm-size.mjs file.wasm [--top 40] [--json out.json]
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const argOf = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const TOP = Number(argOf('top', 40));
// --only ours: just pkce_spa's functions by module (e.g. before wasm-opt,
// whose inlining folds our functions into the futures that call them).
const ONLY = argOf('only', null);
const buf = readFileSync(file);

let pos = 8;
const u32 = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return result;
    shift += 7;
  }
};
const name = () => {
  const len = u32();
  const s = buf.toString('utf8', pos, pos + len);
  pos += len;
  return s;
};

const sections = [];
let importedFunctions = 0;
let bodies = [];
const names = new Map();
let dataBytes = 0;
let dataRange = [0, 0];
const SECTION = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];
while (pos < buf.length) {
  const id = buf[pos++];
  const size = u32();
  const start = pos;
  const end = pos + size;
  let label = SECTION[id] ?? `section ${id}`;
  if (id === 0) {
    label = `custom "${name()}"`;
    if (label === 'custom "name"') {
      while (pos < end) {
        const sub = buf[pos++];
        const subSize = u32();
        const subEnd = pos + subSize;
        if (sub === 1) {
          const count = u32();
          for (let i = 0; i < count; i += 1) {
            const index = u32();
            names.set(index, name());
          }
        }
        pos = subEnd;
      }
    }
  } else if (id === 2) {
    const count = u32();
    for (let i = 0; i < count; i += 1) {
      name();
      name();
      const kind = buf[pos++];
      if (kind === 0) { u32(); importedFunctions += 1; } else if (kind === 1) { pos += 1; const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 3) { pos += 2; } else if (kind === 4) { pos += 1; u32(); }
    }
  } else if (id === 10) {
    const count = u32();
    for (let i = 0; i < count; i += 1) {
      const bodySize = u32();
      bodies.push({ index: importedFunctions + i, size: bodySize });
      pos += bodySize;
    }
  } else if (id === 11) {
    dataBytes = size;
    dataRange = [start, end];
  }
  sections.push({ label, size });
  pos = end;
}

// Rust's legacy mangling (_ZN...E) to a path; v0 (_R...) names are left as
// they are but for the crate, which is guessed from the first identifier.
const ESCAPES = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };
function demangle(s) {
  if (!s.startsWith('_ZN')) {
    const v0 = s.startsWith('_R') && s.match(/C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_]\w*)/);
    return v0 ? `${v0[2].slice(0, Number(v0[1]))}::${s}` : s;
  }
  let i = 3;
  const parts = [];
  while (i < s.length && s[i] !== 'E') {
    let n = 0;
    while (/[0-9]/.test(s[i])) n = n * 10 + Number(s[i++]);
    if (n === 0) break;
    parts.push(s.slice(i, i + n));
    i += n;
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts.map((p) => p
    .replace(/^_\$/, '$')
    .replace(/\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{1,6})\$/g, (m, k) => (k[0] === 'u' ? String.fromCodePoint(parseInt(k.slice(1), 16)) : ESCAPES[k]))
    .replace(/\.\./g, '::')).join('::');
}
// Without the hashes and crate disambiguators (`::h0123…`, `core[0123…]`).
const tidy = (n) => n.replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, '').replace(/^<(char|str|\[u8\]|u8|usize)>::/, 'core::$1::');
const functions = bodies.map((b) => ({ ...b, name: tidy(demangle(names.get(b.index) ?? `func[${b.index}]`)) }));
const codeTotal = functions.reduce((s, f) => s + f.size, 0);

// The crate a function belongs to: the first path segment, looking through
// `<T as Trait>` to T, and `&`, `mut`, `dyn`, `[`, `(`.
function crateOf(n) {
  const generic = n.match(/^<[A-Za-z_]\w* as ([a-z_]\w*)::/);
  if (generic) return generic[1];
  const m = n.replace(/^[<&\[( ]+|^(mut|dyn|const) /g, '').replace(/^[<&\[( ]+|^(mut|dyn|const) /g, '').match(/^([A-Za-z_][A-Za-z0-9_]*)::/);
  if (m) return m[1];
  if (/^(wasm_bindgen|__wbg|__wbindgen|__externref)/.test(n)) return 'wasm_bindgen (glue)';
  if (/^(memcpy|memmove|memset|memcmp|bcmp|__rust|rust_|dlmalloc|__rdl|__rg)/.test(n)) return 'runtime (alloc, mem*)';
  return '(unnamed)';
}

const byCrate = new Map();
for (const f of functions) {
  const c = crateOf(f.name);
  const entry = byCrate.get(c) ?? { crate: c, size: 0, count: 0 };
  entry.size += f.size;
  entry.count += 1;
  byCrate.set(c, entry);
}
const crates = [...byCrate.values()].sort((a, b) => b.size - a.size);

const FAMILIES = [
  ['core::fmt machinery and fmt impls', (n) => /core::fmt|::fmt::|as core::fmt::(Debug|Display)>|Formatter/.test(n)],
  ['Debug impls', (n) => /as core::fmt::Debug>::fmt/.test(n)],
  ['serde and serde_json', (n) => /serde/.test(n)],
  ['panic and unwind paths', (n) => /panic|unwrap_failed|expect_failed|core::result::unwrap|assert_failed/.test(n)],
  ['instantiated for pkce_spa types (anywhere in the name)', (n) => /pkce_spa::/.test(n)],
  ['closures ({{closure}})', (n) => /\{\{closure\}\}/.test(n)],
  ['drop_in_place glue', (n) => /drop_in_place/.test(n)],
];
const families = FAMILIES.map(([label, test]) => {
  const hit = functions.filter((f) => test(f.name));
  return { family: label, size: hit.reduce((s, f) => s + f.size, 0), count: hit.length };
});

// pkce_spa's own functions, grouped by module (first two segments).
const ours = new Map();
for (const f of functions.filter((g) => crateOf(g.name) === 'pkce_spa')) {
  const mod = f.name.replace(/^[<&]+/, '').split('::').slice(0, 3).join('::').replace(/[<{].*$/, '');
  const e = ours.get(mod) ?? { module: mod, size: 0, count: 0 };
  e.size += f.size;
  e.count += 1;
  ours.set(mod, e);
}
const modules = [...ours.values()].sort((a, b) => b.size - a.size);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(9);
const pct = (n, of) => `${((100 * n) / of).toFixed(1)}%`.padStart(6);
const short = (n) => (n.length > 110 ? `${n.slice(0, 107)}...` : n);
if (ONLY === 'ours') {
  console.log(`${file}: pkce_spa by module (code ${kb(codeTotal).trim()})`);
  for (const m of modules.slice(0, 30)) console.log(`${kb(m.size)} ${pct(m.size, codeTotal)}  ${String(m.count).padStart(5)} fns  ${m.module}`);
  const mine = functions.filter((f) => crateOf(f.name) === 'pkce_spa').sort((a, b) => b.size - a.size).slice(0, TOP);
  console.log(`largest ${mine.length} of ours:`);
  for (const f of mine) console.log(`${kb(f.size)} ${pct(f.size, codeTotal)}  ${short(f.name)}`);
  process.exit(0);
}
console.log(`${file}: ${kb(buf.length)} total, ${functions.length} functions (${importedFunctions} imported)`);
console.log('\nsections:');
for (const s of sections.sort((a, b) => b.size - a.size).slice(0, 10)) console.log(`${kb(s.size)} ${pct(s.size, buf.length)}  ${s.label}`);
console.log(`\ncode by crate (shallow size of the functions whose path starts with it; % of code ${kb(codeTotal).trim()}):`);
for (const c of crates.slice(0, 30)) console.log(`${kb(c.size)} ${pct(c.size, codeTotal)}  ${String(c.count).padStart(5)} fns  ${c.crate}`);
console.log('\nfamilies (overlapping):');
for (const f of families) console.log(`${kb(f.size)} ${pct(f.size, codeTotal)}  ${String(f.count).padStart(5)} fns  ${f.family}`);
console.log('\npkce_spa by module:');
for (const m of modules.slice(0, 30)) console.log(`${kb(m.size)} ${pct(m.size, codeTotal)}  ${String(m.count).padStart(5)} fns  ${m.module}`);
console.log(`\nlargest ${TOP} functions:`);
for (const f of [...functions].sort((a, b) => b.size - a.size).slice(0, TOP)) console.log(`${kb(f.size)} ${pct(f.size, codeTotal)}  ${short(f.name)}`);
console.log(`\ndata segments: ${kb(dataBytes).trim()} (string literals, tables, vtables)`);
// Text in the data: runs of 12+ printable characters (messages, names, paths).
const text = buf.toString('latin1', dataRange[0], dataRange[1]).match(/[\x20-\x7e\u00a0-\u00ff]{12,}/g) ?? [];
const textBytes = text.reduce((s, t) => s + t.length, 0);
console.log(`${kb(textBytes)} of it in ${text.length} runs of text; the kinds:`);
const kinds = [
  ['source paths (panic locations)', (t) => /\.rs|\/rustc\/|\.cargo\/registry/.test(t)],
  ['sentences (contain ". " or end with ".")', (t) => /[a-z]\. |[a-z]\.$/.test(t)],
];
for (const [label, test] of kinds) {
  const hit = text.filter(test);
  console.log(`${kb(hit.reduce((s, t) => s + t.length, 0))}  ${String(hit.length).padStart(5)} runs  ${label}`);
}

const out = argOf('json', null);
if (out) writeFileSync(out, `${JSON.stringify({ file, total: buf.length, codeTotal, dataBytes, sections, crates, families, modules, functions: [...functions].sort((a, b) => b.size - a.size) }, null, 1)}\n`);
