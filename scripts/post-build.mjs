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
// 4. The wasm is fetched before the loader script runs (<link rel=preload>).
//    The loader starts the GETs the app makes first while the wasm is still
//    on its way (EARLY below): config.json, and at any page but the callback
//    the discovery document it names. The app's fetch takes them by URL
//    (src/browser/http.rs); the app reads and checks them as always.
//    <link rel=preload> cannot do it: it cannot send the app's
//    `credentials: 'omit'` and `cache: 'no-store'`, so fetch would not match.
// 5. Release builds: wasm-bindgen's JS glue and the loader minified with
//    esbuild (trunk's own minifier fails on the glue and leaves it as is),
//    the glue's integrity in index.html updated.
// 6. Release builds: a `.br` (brotli 11) and a `.gz` (gzip -9) beside every
//    asset, for hosts that serve precompressed files (nginx gzip_static /
//    brotli_static, most CDNs). Not for config.json: it is edited after the
//    build, and a stale compressed copy would win over it.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
const EARLY = `{
  const early = new Map();
  window.pkceSpaEarly = (url) => { const e = early.get(url); early.delete(url); return e; };
  const options = (controller) => ({ credentials: 'omit', cache: 'no-store', headers: { Accept: 'application/json' }, signal: controller.signal });
  const get = (url, then = (r) => r) => {
    const controller = new AbortController();
    const response = then(fetch(url, options(controller)));
    response.catch(() => {}); // a failure is the app's to report, if it takes it
    early.set(url, { response, controller });
  };
  // config.json reaches the app only once the discovery request has started.
  get(new URL('config.json', new URL('./', import.meta.url)).href, (response) => response
    .then((r) => (r.ok && !/\\/callback\\/?$/.test(location.pathname) ? r.clone().json() : null))
    .then((c) => {
      if (c && typeof c.issuer === 'string' && !c.provider && !(c.authorization_endpoint && c.token_endpoint)) {
        get(c.issuer.replace(/\\/+$/, '') + '/.well-known/openid-configuration');
      }
    })
    .catch(() => {})
    .then(() => response));
}
`;

const inlineModule = /<script type="module">([\s\S]*?)<\/script>/;
const loader = html.match(inlineModule);
if (loader) {
  let code = EARLY + loader[1].trim() + '\n';
  if (!publicUrl.startsWith('/')) {
    const wasmPath = /module_or_path: '(\.\/[^']+\.wasm)'/;
    if (!wasmPath.test(code)) throw new Error('the loader does not name its wasm as module_or_path: \'./….wasm\'');
    code = code.replace(wasmPath, "module_or_path: new URL('$1', import.meta.url)");
    code = 'document.querySelector(\'meta[name="pkce-spa-public-url"]\')'
      + '.setAttribute(\'content\', new URL(\'./\', import.meta.url).pathname);\n' + code;
  }
  if (process.env.TRUNK_PROFILE === 'release') code = minify(code, 'es2022'); // top-level await
  const name = `loader-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`;
  writeFileSync(join(staging, name), code);
  html = html.replace(inlineModule, `<script type="module" src="${publicUrl}${name}"></script>`);
}

if (process.env.TRUNK_PROFILE === 'release') {
  for (const name of readdirSync(staging).filter((n) => /^[\w-]+-[0-9a-f]{8,16}\.js$/.test(n) && !n.startsWith('loader-'))) {
    const file = join(staging, name);
    const code = minify(readFileSync(file, 'utf8'), 'es2020');
    writeFileSync(file, code);
    const integrity = `sha384-${createHash('sha384').update(code).digest('base64')}`;
    const preload = new RegExp(`(<link rel="modulepreload" href="[^"]*${name}"[^>]*integrity=")[^"]*(")`);
    if (!preload.test(html)) throw new Error(`index.html lacks the modulepreload of ${name}`);
    html = html.replace(preload, `$1${integrity}$2`);
  }
}

const meta = /<meta name="pkce-spa-public-url" content="[^"]*"\s*\/?>/;
if (!meta.test(html)) throw new Error('index.html lacks <meta name="pkce-spa-public-url">');
html = html.replace(meta, `<meta name="pkce-spa-public-url" content="${publicUrl}" />`);
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
