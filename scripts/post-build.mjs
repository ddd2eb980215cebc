// trunk post_build hook: makes the built index.html work under a strict
// Content-Security-Policy and tells the app where it is served from.
//
// 1. trunk writes its wasm loader as an inline <script type="module">, which
//    `script-src 'self'` forbids: move it to a file of its own.
// 2. `base-uri 'none'` forbids <base>, so the public URL (`/` or `/app/`)
//    goes into <meta name="pkce-spa-public-url"> for the app to read.
// 3. A local config.json (made by `make dev`, ignored by git) is copied
//    beside index.html; config is read at run time, never built in.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
const publicUrl = process.env.TRUNK_PUBLIC_URL || '/';
if (!staging) throw new Error('post-build.mjs runs as a trunk hook (TRUNK_STAGING_DIR is not set)');

const htmlPath = join(staging, 'index.html');
let html = readFileSync(htmlPath, 'utf8');

const inlineModule = /<script type="module">([\s\S]*?)<\/script>/;
const loader = html.match(inlineModule);
if (loader) {
  const code = loader[1].trim() + '\n';
  const name = `loader-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`;
  writeFileSync(join(staging, name), code);
  html = html.replace(inlineModule, `<script type="module" src="${publicUrl}${name}"></script>`);
}

const meta = /<meta name="pkce-spa-public-url" content="[^"]*"\s*\/?>/;
if (!meta.test(html)) throw new Error('index.html lacks <meta name="pkce-spa-public-url">');
html = html.replace(meta, `<meta name="pkce-spa-public-url" content="${publicUrl}" />`);
writeFileSync(htmlPath, html);

if (existsSync('config.json')) copyFileSync('config.json', join(staging, 'config.json'));
