// Static server for `make bench`, like a CDN: one folder per port, SPA
// fallback to index.html, the precompressed `.br` / `.gz` beside a file when
// the browser accepts it (else gzip -9 made on the fly), and a generated
// config.json pointing at the bench's provider. HTML goes out under the CSP
// the README asks hosts to send, for every app alike.
//
// Brotli only with BROTLI=1: by default the browser gets gzip, like most
// CDNs serve a file they did not compress themselves.
//
// Caching as docs/hosting/ sets it for a build with hashed names: the HTML
// `no-cache`, every other file `immutable` for a year, for every app alike
// (the references' main.js included, as a bundler would name it by its
// hash). Each round starts from an empty cache; its `/callback` finds in it
// what `/` loaded (or prefetched).
//
//   SITES="8291=../dist,8292=build/ref"  PROVIDER_ISSUER=http://127.0.0.1:9491
import { readFile, stat } from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { CLIENT_ID as DEFAULT_CLIENT_ID, HOST } from '../dev-provider/settings.mjs';
import { gzip } from './compress.mjs';

const ISSUER = process.env.PROVIDER_ISSUER;
const CLIENT_ID = process.env.CLIENT_ID || DEFAULT_CLIENT_ID;
const BROTLI = process.env.BROTLI === '1';
const SITES = (process.env.SITES || '').split(',').filter(Boolean).map((entry) => {
  const [port, root] = entry.split('=');
  return { port: Number(port), root: path.resolve(root) };
});
if (SITES.length === 0) throw new Error('serve.mjs: set SITES="port=folder,..."');
if (!ISSUER) throw new Error('serve.mjs: set PROVIDER_ISSUER (bench.mjs does)');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  `connect-src 'self' ${new URL(ISSUER).origin}`,
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

async function isFile(file) {
  try { return (await stat(file)).isFile(); } catch { return false; }
}

async function handle(root, req, res) {
  const pathname = decodeURIComponent(new URL(req.url, `http://${HOST}`).pathname);
  if (pathname === '/config.json') {
    // (`par` is pkce-spa's own field; the references ignore config.json's
    // other fields.)
    const body = JSON.stringify({ issuer: ISSUER, client_id: CLIENT_ID, par: false });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(body);
    return;
  }
  let file = path.join(root, path.normalize(pathname));
  if (!file.startsWith(root) || pathname.endsWith('/') || !(await isFile(file))) {
    // SPA fallback for page paths; a missing file (favicon.ico) is a 404.
    if (/\.[a-z0-9]+$/i.test(pathname)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    file = path.join(root, 'index.html');
  }
  const type = TYPES[path.extname(file)] || 'application/octet-stream';
  const accept = String(req.headers['accept-encoding'] || '');
  const cacheControl = type.startsWith('text/html') ? 'no-cache' : 'public, max-age=31536000, immutable';
  const headers = { 'Content-Type': type, 'Cache-Control': cacheControl, Vary: 'Accept-Encoding' };
  if (type.startsWith('text/html')) Object.assign(headers, { 'Content-Security-Policy': CSP, 'Referrer-Policy': 'no-referrer' });
  let body;
  if (BROTLI && /\bbr\b/.test(accept) && await isFile(`${file}.br`)) {
    body = await readFile(`${file}.br`);
    headers['Content-Encoding'] = 'br';
  } else if (/\bgzip\b/.test(accept)) {
    body = await isFile(`${file}.gz`) ? await readFile(`${file}.gz`) : gzip(await readFile(file));
    headers['Content-Encoding'] = 'gzip';
  } else {
    body = await readFile(file);
  }
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

for (const { port, root } of SITES) {
  http.createServer((req, res) => {
    handle(root, req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err.message));
    });
  }).listen(port, HOST, () => console.log(`bench serve: http://${HOST}:${port}/ from ${root}`));
}
