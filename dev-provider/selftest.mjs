// Self-test of the test-only misbehave switch (misbehave.mjs), without a
// browser: starts server.mjs on a free port (once without TEST_MISBEHAVE, once
// with it), signs in as `alice` with plain HTTP requests (authorization request,
// login form, automatic consent, callback redirect, token request with PKCE)
// and checks, for every mode, that exactly the one thing under test is wrong:
// every other check on the callback, the token response and the ID token
// (signature against the provider's /jwks included) still passes.
//
//   node selftest.mjs          (npm run selftest)
//
// Prints one line per mode and exits non-zero on any mismatch.

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
} from 'jose';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_ID = 'pkce-spa-dev';
const APP_ORIGIN = 'http://127.0.0.1:8181';
const REDIRECT_URI = `${APP_ORIGIN}/callback`;
const USER = 'alice';

// mode -> the checks that must fail (all others must pass).
const EXPECTED = {
  none: [],
  id_token_signature: ['signature'],
  id_token_alg_none: ['alg', 'signature'],
  id_token_hs256: ['alg', 'signature'],
  id_token_jku: ['header'],
  id_token_unknown_kid: ['kid', 'signature'],
  id_token_iss: ['iss'],
  id_token_aud: ['aud'],
  id_token_azp: ['azp'],
  id_token_expired: ['exp'],
  id_token_iat_future: ['iat'],
  id_token_nbf_future: ['nbf'],
  id_token_nonce: ['nonce'],
  id_token_no_sub: ['sub'],
  id_token_at_hash: ['at_hash'],
  id_token_missing: ['id_token'],
  token_type: ['token_type'],
  iss_wrong: ['callback_iss'],
  iss_missing: ['callback_iss'],
  state_tampered: ['callback_state'],
};

// For jose's jwtVerify: options that leave out exactly the broken check.
function verifyOptions(mode, issuer, payload) {
  const options = { issuer, audience: CLIENT_ID, algorithms: ['RS256'] };
  if (mode === 'id_token_iss') delete options.issuer;
  if (mode === 'id_token_aud') delete options.audience;
  if (mode === 'id_token_expired') options.currentDate = new Date((payload.iat + 60) * 1000);
  if (mode === 'id_token_nbf_future') options.currentDate = new Date((payload.nbf + 60) * 1000);
  return options;
}

// ---------------------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startProvider(extraEnv) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(HERE, 'server.mjs')], {
    env: { ...process.env, PORT: String(port), APP_ORIGINS: APP_ORIGIN, TEST_MISBEHAVE: '', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server.mjs exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (res.ok) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) throw new Error(`server.mjs did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    issuer,
    output: () => output,
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

// A minimal cookie jar (name -> value; the provider's cookies do not collide).
function cookieJar() {
  const jar = new Map();
  return {
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    store(res) {
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attrs] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const expired = attrs.some((a) => /^\s*expires=/i.test(a) && new Date(a.split('=')[1]) < new Date());
        if (expired || value === '') jar.delete(name);
        else jar.set(name, value);
      }
    },
  };
}

async function request(jar, url, init = {}) {
  const res = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers ?? {}), cookie: jar.header() },
  });
  jar.store(res);
  return res;
}

/** The whole sign-in; returns the callback Location and the token response. */
async function signIn(issuer) {
  const jar = cookieJar();
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const state = crypto.randomBytes(16).toString('base64url');
  const nonce = crypto.randomBytes(16).toString('base64url');
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();

  let res = await request(jar, authorize.href);
  let location;
  for (let hop = 0; hop < 10; hop += 1) {
    if (res.status < 300 || res.status >= 400) {
      throw new Error(`unexpected ${res.status} at hop ${hop}: ${(await res.text()).slice(0, 300)}`);
    }
    location = new URL(res.headers.get('location'), issuer);
    if (location.href.startsWith(REDIRECT_URI)) break;
    await res.arrayBuffer();
    if (/^\/interaction\/[^/]+$/.test(location.pathname)) {
      const page = await request(jar, location.href);
      if (page.status === 200) {
        // The login page: post the user name.
        await page.text();
        res = await request(jar, `${location.href}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ login: USER }).toString(),
        });
      } else {
        res = page; // consent is granted at once: another redirect
      }
    } else {
      res = await request(jar, location.href);
    }
  }
  if (!location?.href.startsWith(REDIRECT_URI)) throw new Error('never reached the redirect_uri');

  const result = { state, nonce, verifier, callbackStatus: res.status, location, callbackBody: await res.text() };
  const code = location.searchParams.get('code');
  const tokenRes = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      code_verifier: verifier,
    }).toString(),
  });
  result.tokenStatus = tokenRes.status;
  result.tokens = await tokenRes.json();
  return result;
}

function atHash(accessToken) {
  const digest = crypto.createHash('sha256').update(accessToken).digest();
  return digest.subarray(0, 16).toString('base64url');
}

/** name -> boolean for every check. */
async function runChecks(flow, issuer, jwks) {
  const now = Math.floor(Date.now() / 1000);
  const { tokens, location } = flow;
  const checks = {
    callback_iss: location.searchParams.get('iss') === issuer,
    callback_state: location.searchParams.get('state') === flow.state,
    callback_code: !!location.searchParams.get('code'),
    token_http: flow.tokenStatus === 200,
    token_type: tokens.token_type === 'Bearer',
    access_token: typeof tokens.access_token === 'string' && tokens.access_token.length > 0,
    id_token: typeof tokens.id_token === 'string',
  };
  if (!checks.id_token) return { checks };

  const header = decodeProtectedHeader(tokens.id_token);
  const payload = decodeJwt(tokens.id_token);
  const kids = new Set(jwks.keys.map((k) => k.kid));
  checks.alg = header.alg === 'RS256';
  checks.kid = kids.has(header.kid);
  checks.header = Object.keys(header).every((k) => ['alg', 'kid', 'typ'].includes(k));
  try {
    await compactVerify(tokens.id_token, createLocalJWKSet(jwks), { algorithms: ['RS256'] });
    checks.signature = true;
  } catch {
    checks.signature = false;
  }
  checks.iss = payload.iss === issuer;
  checks.aud = payload.aud === CLIENT_ID || (Array.isArray(payload.aud) && payload.aud.includes(CLIENT_ID));
  checks.azp = (Array.isArray(payload.aud) && payload.aud.length > 1) || payload.azp !== undefined
    ? payload.azp === CLIENT_ID
    : true;
  checks.exp = Number.isInteger(payload.exp) && payload.exp > now;
  checks.iat = Number.isInteger(payload.iat) && payload.iat <= now + 60;
  checks.nbf = payload.nbf === undefined || payload.nbf <= now + 60;
  checks.nonce = payload.nonce === flow.nonce;
  checks.sub = payload.sub === USER;
  checks.at_hash = payload.at_hash === undefined || payload.at_hash === atHash(tokens.access_token);
  return { checks, header, payload };
}

// ---------------------------------------------------------------------------
const failures = [];
function fail(message) {
  failures.push(message);
  console.log(`FAIL ${message}`);
}

// 1. Without TEST_MISBEHAVE the control path does not exist.
{
  const provider = await startProvider({});
  try {
    const res = await fetch(`${provider.issuer}/__test/misbehave`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'iss_wrong' }),
    });
    await res.arrayBuffer();
    if (res.status !== 404) fail(`without TEST_MISBEHAVE: POST /__test/misbehave answered ${res.status}, not 404`);
    else console.log('ok   without TEST_MISBEHAVE: POST /__test/misbehave -> 404');
    const flow = await signIn(provider.issuer);
    if (flow.location.searchParams.get('iss') !== provider.issuer) fail('without TEST_MISBEHAVE: callback iss is not the issuer');
  } finally {
    await provider.stop();
  }
}

// 2. With TEST_MISBEHAVE=1: the control endpoint and every mode.
const provider = await startProvider({ TEST_MISBEHAVE: '1' });
try {
  const { issuer } = provider;
  const control = (body, contentType = 'application/json') => fetch(`${issuer}/__test/misbehave`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  for (const [label, body, type, status] of [
    ['unknown mode', { mode: 'no_such_mode' }, undefined, 400],
    ['no mode member', {}, undefined, 400],
    ['mode not a string', { mode: 1 }, undefined, 400],
    ['not JSON', 'mode=iss_wrong', undefined, 400],
    ['form content type', 'mode=iss_wrong', 'application/x-www-form-urlencoded', 415],
    ['reset', { mode: null }, undefined, 204],
  ]) {
    const res = await control(body, type);
    await res.arrayBuffer();
    if (res.status !== status) fail(`control: ${label}: ${res.status}, expected ${status}`);
    else console.log(`ok   control: ${label} -> ${status}`);
  }
  {
    const res = await fetch(`${issuer}/__test/misbehave`);
    await res.arrayBuffer();
    if (res.status !== 405) fail(`control: GET answered ${res.status}, expected 405`);
    else console.log('ok   control: GET -> 405');
  }

  const jwks = await (await fetch(`${issuer}/jwks`)).json();
  const JWKS = createLocalJWKSet(jwks);

  for (const [mode, mustFail] of Object.entries(EXPECTED)) {
    const res = await control({ mode: mode === 'none' ? null : mode });
    await res.arrayBuffer();
    if (res.status !== 204) {
      fail(`${mode}: control answered ${res.status}`);
      continue;
    }
    const flow = await signIn(issuer);
    const { checks, header, payload } = await runChecks(flow, issuer, jwks);
    const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
    const same = failed.length === mustFail.length && mustFail.every((name) => failed.includes(name));
    if (!same) {
      fail(`${mode}: failed checks [${failed}], expected [${mustFail}]`);
      continue;
    }

    // jose's jwtVerify with every check that was not broken on purpose.
    let verified = '';
    if (checks.id_token && checks.signature) {
      try {
        const { payload: p } = await jwtVerify(flow.tokens.id_token, JWKS, verifyOptions(mode, issuer, payload));
        if (p.nonce !== flow.nonce && mode !== 'id_token_nonce') throw new Error('nonce');
        verified = ', jwtVerify ok';
      } catch (err) {
        fail(`${mode}: jwtVerify failed: ${err.code ?? ''} ${err.message}`);
        continue;
      }
    } else if (checks.id_token) {
      try {
        await jwtVerify(flow.tokens.id_token, JWKS, { issuer, audience: CLIENT_ID });
        fail(`${mode}: jwtVerify accepted a token whose signature must not verify`);
        continue;
      } catch (err) {
        verified = `, jwtVerify refuses: ${err.code}`;
      }
    }

    let detail = '';
    if (header) {
      const shown = { ...header };
      detail = ` header=${JSON.stringify(shown)}`;
      for (const claim of ['iss', 'aud', 'azp', 'nonce', 'sub', 'at_hash']) {
        if (mode.endsWith(claim) || (mode === 'id_token_azp' && claim === 'aud')
          || (mode === 'id_token_no_sub' && claim === 'sub')) {
          detail += ` ${claim}=${JSON.stringify(payload[claim])}`;
        }
      }
      if (mode === 'id_token_expired' || mode === 'id_token_iat_future') {
        const now = Math.floor(Date.now() / 1000);
        detail += ` iat=now${payload.iat - now >= 0 ? '+' : ''}${payload.iat - now} exp=now${payload.exp - now >= 0 ? '+' : ''}${payload.exp - now}`;
      }
      if (mode === 'id_token_nbf_future') {
        const now = Math.floor(Date.now() / 1000);
        detail += ` nbf=now+${payload.nbf - now} exp=now+${payload.exp - now}`;
      }
      if (mode === 'id_token_signature') detail += ` signature part ${flow.tokens.id_token.split('.')[2].length} chars`;
      if (mode === 'id_token_alg_none') detail += ` signature part "${flow.tokens.id_token.split('.')[2]}"`;
    }
    if (mode === 'token_type') detail += ` token_type=${flow.tokens.token_type}`;
    if (mode === 'id_token_missing') detail += ` token response members: ${Object.keys(flow.tokens).join(',')}`;
    if (mode === 'state_tampered') {
      const got = flow.location.searchParams.get('state');
      detail += ` callback state differs, same length: ${got.length === flow.state.length}`;
    }
    if (mode.startsWith('iss_')) {
      detail += ` callback query members: ${[...flow.location.searchParams.keys()].join(',')}`
        + ` iss=${JSON.stringify(flow.location.searchParams.get('iss'))}`;
    }
    console.log(`ok   ${mode}: broken [${failed}]${verified};${detail}`);

    if (mode === 'none') {
      const redacted = new URL(flow.location.href);
      for (const key of ['code', 'state']) redacted.searchParams.set(key, `<${key}>`);
      console.log(`     facts: callback ${flow.callbackStatus} Location: ${redacted.href}`);
      console.log(`     facts: token response members: ${Object.keys(flow.tokens).join(', ')}; token_type ${flow.tokens.token_type}`);
      console.log(`     facts: ID token header ${JSON.stringify(header)}; claims: ${Object.keys(payload).join(', ')}`);
      console.log(`     facts: at_hash ${payload.at_hash === undefined ? 'absent' : 'present'}; jwks: ${jwks.keys.map((k) => `${k.kty}/${k.alg}/${k.use}/${k.kid}`).join(', ')}`);
    }
  }
  await (await control({ mode: null })).arrayBuffer();
} finally {
  await provider.stop();
}

if (failures.length) {
  console.log(`\n${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('\nall misbehave modes behave as specified');
