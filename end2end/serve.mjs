// The static server of the end-to-end tests (node:http only): the one
// release build of DIST_DIR (../dist), the very same files at / and under
// each subpath of APP_BASES (/app/, /pr/42/), index.html for unknown paths,
// every HTML page under the strict CSP of the README (connect-src:
// PROVIDER_ISSUER's origin and PROVIDER_ORIGINS) with Referrer-Policy:
// no-referrer. Each base's config.json is generated: {"issuer",
// "client_id"} and the fields of EXTRA_CONFIG (a JSON object), plus the
// test-only override POST /__test/config {fields} (null removes one, {}
// resets every base; 204); POST /__test/config?base=/pr/42/ {fields}: the
// same for that base only, over the one of every base (two deployments on
// one origin with two providers).
// NO_APP_MOUNT=1: the build at / only (the notes example): no subpath
// mounts, config.json or redirects; those paths are the SPA's like any.
// Defaults from addresses.mjs: APP_PORT, PROVIDER_ISSUER, CLIENT_ID.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { readBody } from '../dev-provider/html.mjs';
import { APP_BASES, APP_PORT, CLIENT_ID as DEFAULT_CLIENT_ID, PROVIDER } from './addresses.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.APP_PORT ?? String(APP_PORT), 10);
const PROVIDER_ISSUER = process.env.PROVIDER_ISSUER || PROVIDER;
const CLIENT_ID = process.env.CLIENT_ID || DEFAULT_CLIENT_ID;
const DIST_DIR = path.resolve(HERE, process.env.DIST_DIR || '../dist');
// A build at / only: its own /app/... paths (say a page of that app) are
// its own pages.
const APP_MOUNT = process.env.NO_APP_MOUNT !== '1';
const SUBPATHS = APP_MOUNT ? APP_BASES.filter((base) => base !== '/') : [];

if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error(`serve: invalid APP_PORT ${JSON.stringify(process.env.APP_PORT)}`);
  process.exit(2);
}

// Longest prefix first.
const MOUNTS = [
  ...SUBPATHS.map((prefix) => ({ prefix, root: DIST_DIR })),
  { prefix: '/', root: DIST_DIR },
].sort((a, b) => b.prefix.length - a.prefix.length);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** EXTRA_CONFIG's fields (e.g. {"api_url": ...}), or exits. */
function extraConfig(text) {
  if (text === undefined || text.trim() === '') return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    console.error(`serve: EXTRA_CONFIG is not a JSON object: ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

const BASE_CONFIG = Object.freeze({ issuer: PROVIDER_ISSUER, client_id: CLIENT_ID, ...extraConfig(process.env.EXTRA_CONFIG) });
// The current test override (POST /__test/config); {} = none.
let configOverride = {};
// The overrides of one base each (POST /__test/config?base=...).
const baseOverrides = new Map();

function configBody(base) {
  const config = { ...BASE_CONFIG };
  for (const override of [configOverride, baseOverrides.get(base) ?? {}]) {
    for (const [key, value] of Object.entries(override)) {
      if (value === null) delete config[key];
      else config[key] = value;
    }
  }
  return JSON.stringify(config);
}

const CONFIG_CONTROL_PATH = '/__test/config';

function originOf(value, name) {
  try {
    return new URL(value).origin;
  } catch {
    console.error(`serve: ${name} is not a URL: ${JSON.stringify(value)}`);
    process.exit(2);
  }
}

// Every origin the app may fetch from, besides its own (connect-src).
const PROVIDER_ORIGINS = [...new Set([
  originOf(PROVIDER_ISSUER, 'PROVIDER_ISSUER'),
  ...(process.env.PROVIDER_ORIGINS ?? '').split(',').map((value) => value.trim()).filter(Boolean)
    .map((value) => originOf(value, 'a PROVIDER_ORIGINS entry')),
])];

// Headers for every HTML document this server sends.
const HTML_HEADERS = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    `connect-src 'self' ${PROVIDER_ORIGINS.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'Referrer-Policy': 'no-referrer',
};

function plain(res, status, text, extraHeaders = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  res.end(text);
}

async function isFile(file) {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function sendFile(req, res, file) {
  const info = await stat(file);
  const extension = path.extname(file).toLowerCase();
  res.writeHead(200, {
    'Content-Type': TYPES[extension] || 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(extension === '.html' ? HTML_HEADERS : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

// POST /__test/config (see the top of this file).
async function handleConfigControl(req, res) {
  if (req.method !== 'POST') {
    plain(res, 405, 'method not allowed\n', { Allow: 'POST' });
    return;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    plain(res, 415, 'send Content-Type: application/json\n');
    return;
  }
  let input;
  try {
    input = JSON.parse(await readBody(req));
  } catch (err) {
    plain(res, err.status ?? 400, `${err.status ? err.message : 'request body is not JSON'}\n`);
    return;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    plain(res, 400, 'expected a JSON object, e.g. {"token_storage": "session"} or {}\n');
    return;
  }
  const base = new URL(req.url, `http://${HOST}`).searchParams.get('base');
  if (base !== null && base !== '/' && !SUBPATHS.includes(base)) {
    plain(res, 400, `no app at ${JSON.stringify(base)}; one of: /, ${SUBPATHS.join(', ')}\n`);
    return;
  }
  if (base === null) {
    configOverride = input;
    baseOverrides.clear();
  } else {
    baseOverrides.set(base, input);
  }
  console.log(`serve: config override${base === null ? '' : ` at ${base}`} ${JSON.stringify(input)}`);
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}

async function handle(req, res) {
  if (req.url === CONFIG_CONTROL_PATH || req.url.startsWith(`${CONFIG_CONTROL_PATH}?`)) {
    await handleConfigControl(req, res);
    return;
  }

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    plain(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    return;
  }

  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, `http://${HOST}`).pathname);
  } catch {
    plain(res, 400, 'bad request\n');
    return;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) {
    plain(res, 400, 'bad request\n');
    return;
  }

  // The runtime configuration the app fetches at start.
  if (pathname === '/config.json' || SUBPATHS.some((base) => pathname === `${base}config.json`)) {
    const body = configBody(pathname.slice(0, -'config.json'.length));
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }

  // `/app` without the trailing slash belongs to the /app/ mount.
  if (SUBPATHS.includes(`${pathname}/`)) {
    res.writeHead(308, { Location: `${pathname}/`, 'Cache-Control': 'no-store' });
    res.end();
    return;
  }

  const mount = MOUNTS.find((m) => pathname.startsWith(m.prefix));
  const relative = pathname.slice(mount.prefix.length);
  const file = path.resolve(mount.root, relative);
  // Refuse anything that would leave the mount's root (e.g. /%2e%2e/...).
  if (file !== mount.root && !file.startsWith(mount.root + path.sep)) {
    plain(res, 403, 'forbidden\n');
    return;
  }

  if (relative !== '' && await isFile(file)) {
    await sendFile(req, res, file);
    return;
  }

  // SPA fallback: the mount's index.html.
  const index = path.join(mount.root, 'index.html');
  if (await isFile(index)) {
    await sendFile(req, res, index);
    return;
  }
  plain(res, 404, `not found (no ${index}; build the app first)\n`);
}

const server = http.createServer((req, res) => {
  res.on('finish', () => {
    let pathname = req.url;
    try {
      pathname = new URL(req.url, `http://${HOST}`).pathname;
    } catch {
      // keep the raw url
    }
    console.log(`${req.method} ${pathname} ${res.statusCode}`);
  });
  handle(req, res).catch((err) => {
    console.error(`serve: ${req.method} ${req.url}: ${err.message}`);
    if (!res.headersSent) plain(res, 500, 'internal error\n');
    else res.destroy();
  });
});

server.on('error', (err) => {
  console.error(`serve: ${err.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  const also = SUBPATHS.length ? ` (also at ${SUBPATHS.join(', ')})` : '';
  console.log(`serve: http://${HOST}:${PORT}/ from ${DIST_DIR}${also}, config ${JSON.stringify(BASE_CONFIG)}, connect-src ${PROVIDER_ORIGINS.join(' ')}`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
