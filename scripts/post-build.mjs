// trunk post_build hook: makes the built index.html work under a strict
// Content-Security-Policy and tells the app where it is served from.
//
// 1. trunk writes its wasm loader as an inline <script type="module">, which
//    `script-src 'self'` forbids: move it to a file of its own.
// 2. `base-uri 'none'` forbids <base>, so the app reads its public URL from
//    <meta name="pkce-spa-public-url">. With a relative public URL (`./`,
//    Trunk.toml: one build for any path) the loader writes it there at run
//    time, from its own address (import.meta.url), and fetches the wasm
//    relative to itself; with an absolute one (`/`, `/app/`) it is written
//    here.
// 3. A local config.json (made by `make dev`, ignored by git) is copied
//    beside index.html; config is read at run time, never built in.
// 4. Two builds, one loader: the sign-in page alone (src/signin.rs, built by
//    trunk as a "worker" so that it gets no loader of its own; renamed here
//    with a hash of its wasm) and the whole app (src/main.rs). The loader
//    starts the sign-in page at the app's root with no query when this tab
//    keeps no session, the whole app anywhere else (CHOICE below), and
//    fetches that build's wasm at once (an app of one build, like
//    examples/notes, always starts that one). trunk's <link rel=preload> of
//    the whole app's wasm and glue go: on the sign-in page they would load
//    what it does not run.
//    The loader also starts the GETs the app makes first while the wasm is
//    still on its way (EARLY below): config.json, and at any page but the
//    callback (`/callback`, or config.json's `redirect_uri`) the discovery
//    document it names. The app's fetch takes them by
//    URL (src/browser/http.rs); the app reads and checks them as always.
//    <link rel=preload> cannot do it: it cannot send the app's
//    `credentials: 'omit'` and `cache: 'no-store'`, so fetch would not match.
// 5. Release builds: wasm-bindgen's JS glue and the loader minified with
//    esbuild (trunk's own minifier fails on the glue and leaves it as is).
// 6. Release builds: a `.br` (brotli 11) and a `.gz` (gzip -9) beside every
//    asset, for hosts that serve precompressed files (nginx gzip_static /
//    brotli_static, most CDNs). Not for config.json: it is edited after the
//    build, and a stale compressed copy would win over it.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const staging = process.env.TRUNK_STAGING_DIR;
const publicUrl = process.env.TRUNK_PUBLIC_URL || '/';
if (!publicUrl.endsWith('/')) throw new Error(`the public URL must end in /, not ${publicUrl}`);
if (!staging) throw new Error('post-build.mjs runs as a trunk hook (TRUNK_STAGING_DIR is not set)');

// esbuild from tools/ (npm, pinned), like wasm-opt.
function minify(code, target) {
  const { transformSync } = createRequire(import.meta.url)('../tools/node_modules/esbuild');
  return transformSync(code, { minify: true, format: 'esm', target }).code;
}

const htmlPath = join(staging, 'index.html');
let html = readFileSync(htmlPath, 'utf8');

// Kept small and plain: a guess that misses only costs a request the app
// does not take. Same request as the app's fetch (browser/http.rs), same
// discovery URL (core/discovery.rs), none when config.json names a preset or
// both endpoints (the app then reads no discovery document).
const EARLY = `let earlyStarted;
{
  const early = new Map();
  window.pkceSpaEarly = (url) => { const e = early.get(url); early.delete(url); return e; };
  const options = (controller) => ({ credentials: 'omit', cache: 'no-store', headers: { Accept: 'application/json' }, signal: controller.signal });
  const get = (url, then = (r) => r) => {
    const controller = new AbortController();
    const response = then(fetch(url, options(controller)));
    early.set(url, { response, controller });
    return response.catch(() => {}); // a failure is the app's to report, if it takes it
  };
  // Not at the callback (/callback or config.json's redirect_uri): it uses
  // the document kept when the sign-in started.
  const atCallback = (c) => {
    if (/\\/callback\\/?$/.test(location.pathname)) return true;
    try {
      const r = new URL(c.redirect_uri, base);
      return r.origin === location.origin && r.pathname === location.pathname;
    } catch {
      return false;
    }
  };
  // config.json reaches the app only once the discovery request has started.
  earlyStarted = get(new URL('config.json', base).href, (response) => response
    .then((r) => (r.ok ? r.clone().json() : null))
    .then((c) => {
      if (c && !atCallback(c) && typeof c.issuer === 'string' && !c.provider && !(c.authorization_endpoint && c.token_endpoint)) {
        get(c.issuer.replace(/\\/+$/, '') + '/.well-known/openid-configuration');
      }
    })
    .catch(() => {})
    .then(() => response));
}
`;
// The wasm's instantiation runs the app's start on the main thread for tens
// of milliseconds, and any promise callback waits behind it: the step from
// config.json's answer to the discovery request must not. So the wasm's
// response goes to wasm-bindgen's init (streaming compile, instantiation)
// only once the early GETs have started, or after 200 ms at most: a hung
// config.json must not keep the app from starting and saying so.
// The sign-in page alone needs no session, callback or check: it starts at
// the root (core::route: the base path itself), with no query (the return
// from the provider's sign-out carries one), when this tab keeps no session
// (core::names: `pkce-spa{<base path>}.session`, this deployment's: the base
// path as the app reads it, from <meta name="pkce-spa-public-url">; a test
// of core::names checks this formula). Anything else, or no sessionStorage at all
// (the whole app then says what is wrong), starts the whole app.
// Once the sign-in page has run a second and the browser is idle, it
// prefetches the whole app's glue and wasm for the next page (`/callback`
// after the provider, or `/check`), unless the browser asks to save data:
// after the first load, so that load stays the sign-in page's alone, and
// before the click: a prefetch still on its way when the page leaves for the
// provider was not used by the callback in Chromium here (bench, slow 4G).
const CHOICE = (signIn, whole) => `
${signIn ? `let signInOnly = false;
try {
  const meta = document.querySelector('meta[name="pkce-spa-public-url"]')?.getAttribute('content') ?? '';
  const scopePath = meta.startsWith('/') && meta.endsWith('/') ? meta : base.pathname;
  const sessionKey = 'pkce-spa{' + scopePath.replace(/[{}]/g, (c) => (c === '{' ? '%7B' : '%7D')) + '}.session';
  signInOnly = location.pathname === base.pathname && !location.search && sessionStorage.getItem(sessionKey) === null;
} catch {}
const [glue, wasm] = signInOnly ? ${JSON.stringify(signIn)} : ${JSON.stringify(whole)};
const prefetchWhole = () => {
  if (!signInOnly || navigator.connection?.saveData) return;
  for (const name of ${JSON.stringify(whole)}) {
    const link = document.createElement('link');
    link.rel = 'prefetch';
    link.href = new URL(name, base).href;
    document.head.append(link);
  }
};` : `const [glue, wasm] = ${JSON.stringify(whole)};`}
const response = fetch(new URL(wasm, base));
const glueModule = import(new URL(glue, base).href);
`;
// After EARLY: the build starts once the early GETs have (see above).
const START = (signIn) => `
const { default: init } = await glueModule;
await init({ module_or_path: Promise.all([response, Promise.race([earlyStarted, new Promise((r) => setTimeout(r, 200))])]).then(([r]) => r) });
${signIn ? "setTimeout(() => (window.requestIdleCallback ?? setTimeout)(prefetchWhole), 1000);\n" : ''}`;

// The sign-in page's build, named like trunk's: name-<16 hex>.js / _bg.wasm;
// null for an app with one build (examples/notes).
const SIGN_IN = 'pkce-spa-signin';
function hashSignIn() {
  if (!existsSync(join(staging, `${SIGN_IN}_bg.wasm`))) return null;
  const wasmBytes = readFileSync(join(staging, `${SIGN_IN}_bg.wasm`));
  const hashed = `${SIGN_IN}-${createHash('sha256').update(wasmBytes).digest('hex').slice(0, 16)}`;
  renameSync(join(staging, `${SIGN_IN}_bg.wasm`), join(staging, `${hashed}_bg.wasm`));
  renameSync(join(staging, `${SIGN_IN}.js`), join(staging, `${hashed}.js`));
  return [`${hashed}.js`, `${hashed}_bg.wasm`];
}

const inlineModule = /<script type="module">([\s\S]*?)<\/script>/;
const loader = html.match(inlineModule);
if (!loader) throw new Error('index.html lacks trunk\'s inline loader');
{
  // Only the file names: both builds sit beside the loader, whatever the public URL.
  const glue = loader[1].match(/from '[^']*?([\w-]+\.js)'/);
  const wasm = loader[1].match(/module_or_path: '[^']*?([\w-]+\.wasm)'/);
  if (!glue || !wasm) throw new Error('trunk\'s loader does not name its glue and wasm as expected');
  const signIn = hashSignIn();
  // The app's base: the loader's own folder, whatever the public URL.
  let code = "const base = new URL('./', import.meta.url);\n";
  if (!publicUrl.startsWith('/')) {
    code += 'document.querySelector(\'meta[name="pkce-spa-public-url"]\').setAttribute(\'content\', base.pathname);\n';
  }
  // The wasm, the largest and the longest to start, is asked for first.
  code += CHOICE(signIn, [glue[1], wasm[1]]) + EARLY + START(signIn);
  if (process.env.TRUNK_PROFILE === 'release') code = minify(code, 'es2022'); // top-level await
  const name = `loader-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`;
  writeFileSync(join(staging, name), code);
  html = html.replace(inlineModule, `<script type="module" src="${publicUrl}${name}"></script>`);
  const preloads = /<link rel="(modulepreload|preload)" href="[^"]*"[^>]*>/g;
  if ((html.match(preloads) || []).length !== 2) throw new Error('index.html lacks trunk\'s preload of the glue and the wasm');
  html = html.replace(preloads, '');
}

if (process.env.TRUNK_PROFILE === 'release') {
  for (const name of readdirSync(staging).filter((n) => /^[\w-]+-[0-9a-f]{8,16}\.js$/.test(n) && !n.startsWith('loader-'))) {
    const file = join(staging, name);
    writeFileSync(file, minify(readFileSync(file, 'utf8'), 'es2020'));
  }
}

const meta = /<meta name="pkce-spa-public-url" content="[^"]*"\s*\/?>/;
if (!meta.test(html)) throw new Error('index.html lacks <meta name="pkce-spa-public-url">');
// data-relative: the app then knows it starts only in its own folder
// (src/browser/page.rs relative_build, core::route::ReturnPaths::check).
const relative = publicUrl.startsWith('/') ? '' : ' data-relative';
html = html.replace(meta, `<meta name="pkce-spa-public-url" content="${publicUrl}"${relative} />`);
// The comments of index.html are for its readers, not for every visitor.
html = html.replace(/<!--[\s\S]*?-->\s*/g, '');
writeFileSync(htmlPath, html);

if (existsSync('config.json')) copyFileSync('config.json', join(staging, 'config.json'));

if (process.env.TRUNK_PROFILE === 'release') {
  for (const name of readdirSync(staging)) {
    if (/\.(br|gz)$/.test(name) || name === 'config.json' || !statSync(join(staging, name)).isFile()) continue;
    const bytes = readFileSync(join(staging, name));
    writeFileSync(join(staging, `${name}.gz`), gzipSync(bytes, { level: 9 }));
    writeFileSync(join(staging, `${name}.br`), brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }));
  }
}
