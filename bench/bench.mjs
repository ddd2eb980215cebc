// `make bench`: pkce-spa (port 8291) side by side with a minimal
// oidc-client-ts SPA (the reference, 8292), a hand-written PKCE page (the
// floor, 8293) and the same flow in Leptos (the Leptos floor, 8294), in
// headless Chromium against the local oidc-provider (9491). Every app runs in
// turn within each round (the order rotates), so the noise of a shared
// machine hits all alike: read the ratios, not the absolute times. See
// bench/README.md.
//
//   node bench.mjs [--runs 7] [--throttled-runs 1] [--app ../dist] [--brotli] [--think-ms 0]
//
// Expects the release build in --app and the Leptos floor's build in
// build/leptos (bench.sh makes both; this precompresses the latter); builds
// the reference and the floor itself (esbuild) into build/.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { LAYOUTS, routePath } from '../dev-provider/provider-layouts.mjs';
import { HOST } from '../dev-provider/settings.mjs';
import { brotli, gzip } from './compress.mjs';
import { loads } from './size-budget.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('runs', process.env.BENCH_RUNS || 7));
const THROTTLED_RUNS = Number(arg('throttled-runs', process.env.BENCH_THROTTLED_RUNS || 1));
const APP_DIST = path.resolve(HERE, arg('app', 'build/app'));
// --trace: print the requests of pkce-spa's last run, with their offsets.
const TRACE = process.argv.includes('--trace') || process.env.BENCH_TRACE === '1';
const BROTLI = process.argv.includes('--brotli') || process.env.BENCH_BROTLI === '1';
// How long the person looks at the page between "Sign in" enabled and the
// click (default 0: at once). A page may fetch what its next page needs
// meanwhile; the first load's bytes are counted before the pause.
const THINK_MS = Number(arg('think-ms', process.env.BENCH_THINK_MS ?? 0));
const PROVIDER_PORT = 9491;
// The local provider of `make dev` (dev-provider/server.mjs, root layout).
const PROVIDER = `http://${HOST}:${PROVIDER_PORT}`;
const AUTHORIZE_URL = `${PROVIDER}${routePath(LAYOUTS.root, 'authorization')}`;
const TOKEN_URL = `${PROVIDER}${routePath(LAYOUTS.root, 'token')}`;
const REF_VERSION = JSON.parse(readFileSync(path.join(HERE, 'node_modules/oidc-client-ts/package.json'), 'utf8')).version;

const APPS = [
  { key: 'app', name: 'pkce-spa', port: 8291, root: APP_DIST },
  { key: 'ref', name: `oidc-client-ts ${REF_VERSION}`, port: 8292, root: path.join(HERE, 'build/ref') },
  { key: 'floor', name: 'hand-written floor', port: 8293, root: path.join(HERE, 'build/floor') },
  { key: 'leptos', name: 'Leptos floor', port: 8294, root: path.join(HERE, 'build/leptos') },
];
for (const app of APPS) app.origin = `http://${HOST}:${app.port}`;

// Lighthouse's mobile profile ("Slow 4G").
const SLOW_4G = { label: 'slow 4G: 150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up', latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };

// Runs in every document before the page's own scripts: notes when "Sign in"
// is an enabled button and when the "Signed in" heading appears (epoch ms,
// the same clock as the DevTools wall times), and adds up layout shifts.
const INIT = `(() => {
  const b = window.__bench = { signInReady: null, signInReadyRel: null, signedIn: null, cls: 0 };
  const now = () => performance.timeOrigin + performance.now();
  const check = () => {
    if (b.signInReady === null) {
      for (const el of document.querySelectorAll('button')) {
        if (el.textContent.trim() === 'Sign in' && !el.disabled) { b.signInReadyRel = performance.now(); b.signInReady = now(); break; }
      }
    }
    if (b.signedIn === null) {
      for (const h of document.querySelectorAll('h1, h2')) {
        if (h.textContent.trim() === 'Signed in') { b.signedIn = now(); break; }
      }
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) b.cls += e.value; })
      .observe({ type: 'layout-shift', buffered: true });
  } catch {}
})();`;

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// The files of a build's first load (everything but config.json and the
// precompressed copies), with their raw, gzip -9 and brotli 11 sizes.
function fileSizes(root) {
  return readdirSync(root)
    .filter((name) => !/\.(gz|br)$/.test(name) && name !== 'config.json')
    .sort()
    .map((name) => {
      const bytes = readFileSync(path.join(root, name));
      return { name, raw: bytes.length, gzip: gzip(bytes).length, brotli: brotli(bytes).length };
    });
}

function precompress(root) {
  for (const name of readdirSync(root)) {
    if (/\.(gz|br)$/.test(name) || name === 'config.json') continue;
    const bytes = readFileSync(path.join(root, name));
    writeFileSync(path.join(root, `${name}.gz`), gzip(bytes));
    writeFileSync(path.join(root, `${name}.br`), brotli(bytes));
  }
}

async function buildReferences() {
  for (const key of ['ref', 'floor']) {
    const out = path.join(HERE, 'build', key);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    await esbuild.build({
      entryPoints: [path.join(HERE, key, 'main.js')],
      bundle: true, minify: true, format: 'esm', target: 'es2022', legalComments: 'none',
      outfile: path.join(out, 'main.js'), logLevel: 'warning',
    });
    cpSync(path.join(HERE, key, 'index.html'), path.join(out, 'index.html'));
    precompress(out);
  }
  // Built by bench.sh (cargo, wasm-bindgen, wasm-opt, esbuild).
  const leptos = path.join(HERE, 'build/leptos');
  if (!existsSync(path.join(leptos, 'index.html'))) throw new Error(`${leptos} is missing: run bench.sh without BENCH_SKIP_BUILD`);
  precompress(leptos);
}

function start(command, args, env, cwd) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (chunk) => {
    const lines = chunk.toString().split('\n').filter((l) => l && !l.startsWith('oidc-provider WARNING'));
    if (lines.length) process.stderr.write(`${lines.join('\n')}\n`);
  });
  child.on('exit', (code) => { if (code && !stopping) console.error(`${args.join(' ')} exited with ${code}`); });
  return child;
}
let stopping = false;

async function waitFor(url) {
  for (let i = 0; i < 150; i += 1) {
    try { if ((await fetch(url)).ok) return; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

async function throttle(cdp, profile) {
  const conditions = { latency: profile.latency, downloadThroughput: profile.downloadThroughput, uploadThroughput: profile.uploadThroughput };
  try {
    await cdp.send('Network.emulateNetworkConditionsByRule', { matchedNetworkConditions: [{ urlPattern: '', ...conditions }] });
  } catch {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...conditions });
  }
}

// One sign-in from a fresh profile: load, click, sign in at the provider,
// back on /callback until the signed-in view.
async function measure(browser, app, profile) {
  const context = await browser.newContext();
  await context.addInitScript(INIT);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (profile) await throttle(cdp, profile);
  const sends = []; // every request sent (redirect hops included), in order
  const requests = new Map(); // requestId -> the latest hop
  cdp.on('Network.requestWillBeSent', (e) => {
    const r = { id: e.requestId, url: e.request.url, method: e.request.method, type: e.type, sent: e.wallTime * 1000, clock: e.wallTime - e.timestamp };
    sends.push(r);
    requests.set(e.requestId, r);
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (r) {
      r.status = e.response.status;
      r.encoding = e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || '';
    }
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) { r.done = (e.timestamp + r.clock) * 1000; r.wire = e.encodedDataLength; }
  });

  // 1. Navigation -> "Sign in" enabled.
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => window.__bench && window.__bench.signInReady !== null, null, { timeout: 60_000 });
  const load = await page.evaluate(() => ({
    ...window.__bench,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
  }));
  const firstLoad = [...requests.values()]
    .filter((r) => r.url.startsWith(app.origin) && r.wire !== undefined && r.status === 200)
    .map((r) => ({ name: new URL(r.url).pathname, wire: r.wire, encoding: r.encoding }));

  if (THINK_MS > 0) await page.waitForTimeout(THINK_MS);

  // 2. Click -> the authorization request leaves.
  const clickAt = await page.evaluate(() => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Sign in');
    const t = performance.timeOrigin + performance.now();
    button.click();
    return t;
  });
  await page.waitForURL((url) => url.href.startsWith(`${PROVIDER}/interaction/`), { timeout: 30_000 });
  const authorize = sends.find((r) => r.method === 'GET' && r.url.startsWith(`${AUTHORIZE_URL}?`));

  // 3. Sign in at the provider -> /callback -> the signed-in view.
  await page.getByLabel('User name').fill('bench');
  const mark = sends.length;
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByRole('heading', { name: 'Signed in', exact: true }).waitFor({ timeout: 60_000 });
  const signedIn = await page.evaluate(() => window.__bench.signedIn);
  const after = sends.slice(mark);
  const callback = after.find((r) => r.url.startsWith(`${app.origin}/callback?`));
  const fromCallback = after.slice(after.indexOf(callback) + 1);
  const token = fromCallback.find((r) => r.method === 'POST' && r.url === TOKEN_URL);
  const tokenDone = token && requests.get(token.id).done;
  const providerCalls = fromCallback
    .filter((r) => r.url.startsWith(PROVIDER) && r.sent <= signedIn && r.method !== 'OPTIONS')
    .map((r) => new URL(r.url).pathname);
  await context.close();
  // Every request of the two waits, as offsets from their start (ms).
  const timeline = (list, from, until) => list
    .filter((r) => r.sent <= until && r.method !== 'OPTIONS')
    .map((r) => `${lpad(Math.round(r.sent - from), 5)} → ${lpad(r.done ? Math.round(r.done - from) : '?', 5)}  ${r.method} ${r.url.replace(/\?.*/, '')}`);
  const home = sends.find((r) => r.url === `${app.origin}/`);
  return {
    trace: {
      load: [...timeline(sends.slice(0, sends.indexOf(authorize)), home.sent, load.signInReady), `${lpad(Math.round(load.signInReady - home.sent), 5)}  "Sign in" enabled`],
      callback: [...timeline(fromCallback, callback.sent, signedIn), `${lpad(Math.round(signedIn - callback.sent), 5)}  signed-in view`],
    },
    fcp: load.fcp,
    ready: load.signInReadyRel,
    cls: load.cls,
    firstLoad,
    wire: firstLoad.reduce((s, f) => s + f.wire, 0),
    click: authorize ? authorize.sent - clickAt : null,
    callback: signedIn - callback.sent,
    untilToken: token ? token.sent - callback.sent : null,
    tokenRequest: token && tokenDone ? tokenDone - token.sent : null,
    afterToken: tokenDone ? signedIn - tokenDone : null,
    providerCalls,
  };
}

const METRICS = [
  ['fcp', 'navigation → first contentful paint'],
  ['ready', 'navigation → "Sign in" enabled'],
  ['click', 'click → authorization request sent'],
  ['callback', 'callback → signed-in view'],
  ['untilToken', '  callback → token request sent'],
  ['tokenRequest', '  token request (sent → answered)'],
  ['afterToken', '  token answered → signed-in view'],
];

function summarize(runs) {
  const out = {};
  for (const app of APPS) {
    const mine = runs.filter((r) => r.app === app.key);
    out[app.key] = Object.fromEntries(METRICS.map(([k]) => [k, median(mine.map((r) => r[k]))]));
    out[app.key].cls = Math.max(...mine.map((r) => r.cls));
    out[app.key].wire = median(mine.map((r) => r.wire));
    out[app.key].providerCalls = mine[0]?.providerCalls ?? [];
  }
  return out;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n) => (n === null ? '—' : `${Math.round(n)} ms`);
const ratio = (a, b) => (a === null || b === null || b === 0 ? '' : `${(a / b).toFixed(2)}×`);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

// pkce-spa, ratio, oidc-ts, floor, ratio, Leptos floor, ratio
const WIDTHS = [11, 8, 11, 11, 8, 14, 8];
function row(label, cells) {
  return `${pad(label, 38)}${cells.map((c, i) => lpad(c, WIDTHS[i])).join('')}`;
}

function table(title, sizes, summary, runs) {
  const lines = [`${title}`, row('', ['pkce-spa', 'ratio', 'oidc-ts', 'floor', 'ratio', 'Leptos floor', 'ratio'])];
  const cells = (of, fmt) => {
    const [a, r, f, l] = ['app', 'ref', 'floor', 'leptos'].map(of);
    return [fmt(a), ratio(a, r), fmt(r), fmt(f), ratio(f, r), fmt(l), ratio(l, r)];
  };
  if (sizes) {
    for (const kind of ['raw', 'gzip', 'brotli']) {
      const total = (key) => sizes[key].reduce((s, f) => s + f[kind], 0);
      lines.push(row(`first load, ${kind === 'raw' ? 'raw' : kind === 'gzip' ? 'gzip -9' : 'brotli 11'}`, cells(total, kb)));
    }
  }
  lines.push(row('first load on the wire (with headers)', cells((key) => summary[key].wire, kb)));
  for (const [k, label] of METRICS) lines.push(row(label, cells((key) => summary[key][k], ms)));
  const cls = (key) => summary[key].cls.toFixed(3);
  lines.push(row('layout shift while loading (CLS, max)', [cls('app'), '', cls('ref'), cls('floor'), '', cls('leptos'), '']));
  lines.push(`provider requests from /callback to the signed-in view (run 1):`);
  for (const app of APPS) lines.push(`  ${pad(app.name, 24)} ${summary[app.key].providerCalls.join(', ')}`);
  lines.push(`medians of ${runs} run(s) per app; ratio = / oidc-client-ts`);
  return lines.join('\n');
}

async function main() {
  await buildReferences();
  // pkce-spa's first load is its sign-in page's build; /callback, /check and a
  // kept session load the whole app instead (size-budget.mjs). A build of
  // one wasm (before be8e998) is its own first load.
  const appLoads = readdirSync(APP_DIST).some((name) => name.startsWith('pkce-spa-signin-')) ? loads(APP_DIST) : null;
  const sizes = Object.fromEntries(APPS.map((app) => [app.key, app.key === 'app' && appLoads ? appLoads.firstLoad.files : fileSizes(app.root)]));
  const origins = APPS.map((a) => a.origin).join(',');
  const children = [
    // The no-dpop layout: the references do plain PKCE with Bearer tokens,
    // so pkce-spa is measured doing the same (its config.json also says
    // `par: false`, see serve.mjs); DPoP's nonce round trip is its own cost.
    start('node', ['../dev-provider/server.mjs'], { PORT: String(PROVIDER_PORT), APP_ORIGINS: origins, LAYOUT: 'no-dpop' }, HERE),
    start('node', ['serve.mjs'], { SITES: APPS.map((a) => `${a.port}=${a.root}`).join(','), PROVIDER_ISSUER: PROVIDER, BROTLI: BROTLI ? '1' : '0' }, HERE),
  ];
  const stop = () => { stopping = true; for (const c of children) c.kill('SIGTERM'); };
  process.on('SIGINT', () => { stop(); process.exit(130); });
  let browser;
  try {
    await waitFor(`${PROVIDER}/.well-known/openid-configuration`);
    for (const app of APPS) await waitFor(`${app.origin}/config.json`);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const rounds = async (n, profile, label) => {
      const results = [];
      for (const app of APPS) await measure(browser, app, profile); // warm-up, not counted
      for (let i = 0; i < n; i += 1) {
        const order = APPS.map((_, j) => APPS[(i + j) % APPS.length]);
        for (const app of order) {
          const r = await measure(browser, app, profile);
          results.push({ app: app.key, round: i, ...r });
          process.stderr.write(`${label} ${i + 1}/${n} ${pad(app.key, 6)} ready ${ms(r.ready)}  click ${ms(r.click)}  callback ${ms(r.callback)}\n`);
        }
      }
      return results;
    };
    const runs = await rounds(RUNS, null, 'run');
    if (TRACE) {
      // The requests of pkce-spa's last unthrottled run: what waits for what.
      const last = runs.filter((r) => r.app === 'app').at(-1);
      console.log(`pkce-spa, last run: navigation → "Sign in" enabled\n  ${last.trace.load.join('\n  ')}`);
      console.log(`pkce-spa, last run: /callback → signed-in view\n  ${last.trace.callback.join('\n  ')}\n`);
    }
    const throttledRuns = THROTTLED_RUNS > 0 ? await rounds(THROTTLED_RUNS, SLOW_4G, 'slow') : [];
    const summary = summarize(runs);
    const throttled = THROTTLED_RUNS > 0 ? summarize(throttledRuns) : null;

    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: HERE }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '..'], { cwd: HERE }).toString().trim() !== '';
    const chromiumVersion = browser.version();
    const date = new Date().toISOString();
    const header = `pkce-spa bench, ${date.slice(0, 16).replace('T', ' ')} UTC, commit ${commit}${dirty ? ' (with local changes)' : ''}, Chromium ${chromiumVersion}, served ${BROTLI ? 'brotli' : 'gzip'}${THINK_MS > 0 ? `, ${THINK_MS} ms on the page before the click` : ''}`;
    let text = `${header}\n\n${table('unthrottled', sizes, summary, RUNS)}\n`;
    if (throttled) text += `\n${table(`throttled (${SLOW_4G.label})`, null, throttled, THROTTLED_RUNS)}\n`;
    text += '\nfirst-load files (raw / gzip -9 / brotli 11):\n';
    for (const app of APPS) {
      for (const f of sizes[app.key]) text += `  ${pad(app.key, 7)}${pad(f.name, 44)}${lpad(kb(f.raw), 10)}${lpad(kb(f.gzip), 10)}${lpad(kb(f.brotli), 10)}\n`;
    }
    if (appLoads) {
      const whole = appLoads.app.total;
      text += `pkce-spa's whole app instead (/callback, /check, a kept session): ${kb(whole.raw)} raw, ${kb(whole.gzip)} gzip -9, ${kb(whole.brotli)} brotli 11\n`;
    }
    console.log(text);
    mkdirSync(path.join(HERE, 'results'), { recursive: true });
    const file = path.join(HERE, 'results', `bench-${date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify({
      date, commit, dirty, chromium: chromiumVersion, encoding: BROTLI ? 'br' : 'gzip', runs: RUNS, throttledRuns: THROTTLED_RUNS, thinkMs: THINK_MS,
      apps: APPS.map(({ key, name, origin }) => ({ key, name, origin })),
      sizes, wholeApp: appLoads?.app ?? null, summary, throttled, throttleProfile: SLOW_4G, raw: { runs, throttledRuns },
    }, null, 2)}\n`);
    writeFileSync(path.join(HERE, 'results', 'latest.txt'), `${text}\n`);
    console.log(`written: ${path.relative(process.cwd(), file)} and bench/results/latest.txt`);
  } finally {
    if (browser) await browser.close();
    stop();
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; stopping = true; });
