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
// Then, with ACCESS_TOKEN_TTL=3 and without TEST_MISBEHAVE, the session
// features: a refresh token with every code exchange, rotation on every
// refresh (twice), reuse of a rotated refresh token refused with invalid_grant
// (and the whole grant gone), access token expiry, revocation with client_id
// only (logged), GET /api/hello (200 / 401, WWW-Authenticate), UserInfo, CORS
// for the app origin only (token, revocation, UserInfo, API, preflights), and
// RP-initiated logout back to O/ and O/app/ with the state.
//
// Then every provider layout (provider-layouts.mjs; LAYOUT=<name>): the
// discovery document at the provider's path (and nowhere else), every
// endpoint at the provider's path, the key set, a whole code + PKCE sign-in
// through the layout's endpoints (ID token verified with the layout's own key
// set), a refresh, UserInfo, revocation, end session, and CORS for the app
// origin (none on the nocors layout's token endpoint; plainonly's discovery
// offers only "plain"); and layouts.mjs starting all of them at once.
//
// Prints one line per check and exits non-zero on any mismatch.

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

async function startProvider(extraEnv, {
  script = 'server.mjs', port: fixedPort, ready = '/.well-known/openid-configuration', readyStatus = 200,
  startTimeout = 20_000,
} = {}) {
  const port = fixedPort ?? await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(HERE, script)], {
    env: { ...process.env, PORT: String(port), APP_ORIGINS: APP_ORIGIN, TEST_MISBEHAVE: '', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  const deadline = Date.now() + startTimeout;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${issuer}${ready}`);
      await res.arrayBuffer();
      if (res.status === readyStatus) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`${script} did not answer ${ready} on port ${port} within ${startTimeout / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    issuer,
    port,
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
async function signIn(issuer, {
  scope = 'openid profile',
  user = USER,
  jar = cookieJar(),
  authorizationEndpoint = `${issuer}/auth`,
  tokenEndpoint = `${issuer}/token`,
} = {}) {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const state = crypto.randomBytes(16).toString('base64url');
  const nonce = crypto.randomBytes(16).toString('base64url');
  const authorize = new URL(authorizationEndpoint);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope,
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
          body: new URLSearchParams({ login: user }).toString(),
        });
      } else {
        res = page; // consent is granted at once: another redirect
      }
    } else {
      res = await request(jar, location.href);
    }
  }
  if (!location?.href.startsWith(REDIRECT_URI)) throw new Error('never reached the redirect_uri');

  const result = { jar, state, nonce, verifier, callbackStatus: res.status, location, callbackBody: await res.text() };
  const code = location.searchParams.get('code');
  const tokenRes = await fetch(tokenEndpoint, {
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
  result.tokenHeaders = tokenRes.headers;
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

// 3. Sessions (no TEST_MISBEHAVE, short-lived access tokens): refresh tokens
// with every code exchange, rotation, reuse detection, revocation, the
// protected API, UserInfo, CORS for the app origin only, RP-initiated logout.
function check(label, ok, detail = '') {
  if (ok) console.log(`ok   ${label}${detail ? `: ${detail}` : ''}`);
  else fail(`${label}${detail ? `: ${detail}` : ''}`);
  return ok;
}

const EVIL_ORIGIN = 'http://evil.example';
const SESSION_TTL = 3;
const session = await startProvider({ ACCESS_TOKEN_TTL: String(SESSION_TTL) });
try {
  const { issuer } = session;
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const revocationEndpoint = discovery.revocation_endpoint;
  const apiUrl = `${issuer}/api/hello`;
  check('discovery: revocation, userinfo and end_session endpoints',
    revocationEndpoint === `${issuer}/token/revocation`
      && discovery.userinfo_endpoint === `${issuer}/me`
      && discovery.end_session_endpoint === `${issuer}/session/end`
      && discovery.grant_types_supported.includes('refresh_token'),
    `revocation_endpoint ${revocationEndpoint}, userinfo_endpoint ${discovery.userinfo_endpoint}, end_session_endpoint ${discovery.end_session_endpoint}`);

  const form = (fields) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN },
    body: new URLSearchParams(fields).toString(),
  });
  const refresh = async (refreshToken, origin = APP_ORIGIN) => {
    const res = await fetch(`${issuer}/token`, {
      ...form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    });
    return { status: res.status, headers: res.headers, body: await res.json() };
  };
  const revoke = async (fields, origin = APP_ORIGIN) => {
    const res = await fetch(revocationEndpoint, {
      ...form(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const api = async (token, origin) => {
    const headers = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (origin !== undefined) headers.origin = origin;
    const res = await fetch(apiUrl, { headers });
    const text = await res.text();
    let body;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: res.status, headers: res.headers, body };
  };
  const preflight = async (url, origin, method, requestHeaders) => {
    const headers = { origin, 'access-control-request-method': method };
    if (requestHeaders) headers['access-control-request-headers'] = requestHeaders;
    const res = await fetch(url, { method: 'OPTIONS', headers });
    await res.arrayBuffer();
    return res;
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const logged = (line) => session.output().split('\n').filter((l) => l === line).length;

  // 3a. The code exchange issues a refresh token (scope without offline_access).
  const flow = await signIn(issuer, { scope: 'openid profile email' });
  const t0 = flow.tokens;
  check('code exchange: refresh token without offline_access',
    flow.tokenStatus === 200 && typeof t0.refresh_token === 'string' && t0.refresh_token.length > 0,
    `members ${Object.keys(t0).join(', ')}; expires_in ${t0.expires_in}; scope "${t0.scope}"`);
  check(`code exchange: expires_in is ACCESS_TOKEN_TTL (${SESSION_TTL})`, t0.expires_in === SESSION_TTL);
  check('code exchange: CORS for the app origin',
    flow.tokenHeaders.get('access-control-allow-origin') === APP_ORIGIN);

  // 3b. Refresh twice: a new refresh token each time (rotation).
  const r1 = await refresh(t0.refresh_token);
  check('refresh 1: 200 with a new refresh token and a new access token',
    r1.status === 200 && typeof r1.body.refresh_token === 'string'
      && r1.body.refresh_token !== t0.refresh_token && r1.body.access_token !== t0.access_token,
    `members ${Object.keys(r1.body).join(', ')}; expires_in ${r1.body.expires_in}; scope "${r1.body.scope}"`);
  check('refresh 1: CORS for the app origin', r1.headers.get('access-control-allow-origin') === APP_ORIGIN);
  if (typeof r1.body.id_token === 'string') {
    const first = decodeJwt(t0.id_token);
    const again = decodeJwt(r1.body.id_token);
    const jwks = await (await fetch(`${issuer}/jwks`)).json();
    let signed = true;
    try {
      await jwtVerify(r1.body.id_token, createLocalJWKSet(jwks), { issuer, audience: CLIENT_ID, algorithms: ['RS256'] });
    } catch {
      signed = false;
    }
    check('refresh 1: a new ID token, same iss/aud/sub, nonce of the original sign-in',
      signed && again.sub === first.sub && again.nonce === flow.nonce && again.iat >= first.iat,
      `claims ${Object.keys(again).join(', ')}; nonce ${again.nonce === flow.nonce ? 'same as sent at sign-in' : JSON.stringify(again.nonce)}; at_hash ${again.at_hash === undefined ? 'absent' : 'present'}; sid ${again.sid === undefined ? 'absent' : 'present'}; auth_time ${again.auth_time === undefined ? 'absent' : 'present'}; exp-iat ${again.exp - again.iat} s`);
  } else {
    check('refresh 1: a new ID token', false, 'no id_token in the refresh response');
  }
  const r2 = await refresh(r1.body.refresh_token);
  check('refresh 2 (with the rotated token): 200, rotated again',
    r2.status === 200 && r2.body.refresh_token !== r1.body.refresh_token && r2.body.refresh_token !== t0.refresh_token);

  // 3c. The protected API with the newest access token.
  {
    const ok = await api(r2.body.access_token, APP_ORIGIN);
    check('API: 200 with a valid access token, JSON, CORS for the app origin',
      ok.status === 200 && ok.body.message === `Hello, ${USER}` && ok.body.sub === USER
        && /^application\/json\b/.test(ok.headers.get('content-type') ?? '')
        && ok.headers.get('access-control-allow-origin') === APP_ORIGIN,
      JSON.stringify(ok.body));
    const evil = await api(r2.body.access_token, EVIL_ORIGIN);
    check('API: no CORS header for another origin', evil.headers.get('access-control-allow-origin') === null);
    const none = await api(undefined, APP_ORIGIN);
    check('API: 401 without a token, WWW-Authenticate: Bearer',
      none.status === 401 && none.headers.get('www-authenticate') === 'Bearer'
        && typeof none.body === 'object' && none.body.error !== undefined,
      JSON.stringify(none.body));
    const bogus = await api('not-a-token', APP_ORIGIN);
    check('API: 401 invalid_token for an unknown token',
      bogus.status === 401 && bogus.headers.get('www-authenticate') === 'Bearer error="invalid_token"'
        && bogus.body.error === 'invalid_token'
        && bogus.headers.get('access-control-expose-headers') === 'WWW-Authenticate');
    const good = await preflight(apiUrl, APP_ORIGIN, 'GET', 'authorization');
    check('API: preflight from the app origin allowed (GET, Authorization)',
      good.status === 204 && good.headers.get('access-control-allow-origin') === APP_ORIGIN
        && /\bauthorization\b/i.test(good.headers.get('access-control-allow-headers') ?? '')
        && good.headers.get('access-control-allow-methods') === 'GET');
    const bad = await preflight(apiUrl, EVIL_ORIGIN, 'GET', 'authorization');
    check(`API: preflight from ${EVIL_ORIGIN} refused`,
      bad.status === 403 && bad.headers.get('access-control-allow-origin') === null);
  }

  // 3d. UserInfo with the access token.
  {
    const res = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${r2.body.access_token}`, origin: APP_ORIGIN },
    });
    const claims = await res.json();
    check('UserInfo: 200 with the scope\'s claims, CORS for the app origin',
      res.status === 200 && claims.sub === USER && claims.email === `${USER}@example.test`
        && res.headers.get('access-control-allow-origin') === APP_ORIGIN,
      `claims ${Object.keys(claims).join(', ')}; content-type ${res.headers.get('content-type')}`);
    const good = await preflight(discovery.userinfo_endpoint, APP_ORIGIN, 'GET', 'authorization');
    const bad = await preflight(discovery.userinfo_endpoint, EVIL_ORIGIN, 'GET', 'authorization');
    check('UserInfo: preflight allowed for the app origin only',
      good.status === 204 && good.headers.get('access-control-allow-origin') === APP_ORIGIN
        && bad.headers.get('access-control-allow-origin') === null);
  }

  // 3e. Access tokens expire after ACCESS_TOKEN_TTL.
  {
    const accessToken = r2.body.access_token;
    await sleep((SESSION_TTL + 1) * 1000);
    const late = await api(accessToken, APP_ORIGIN);
    check(`API: 401 invalid_token once the access token is older than ${SESSION_TTL} s`,
      late.status === 401 && late.body.error === 'invalid_token');
  }

  // 3f. Reuse of a rotated refresh token: invalid_grant, and the whole grant
  // is gone (the newest refresh token too).
  {
    const reuse = await refresh(t0.refresh_token);
    check('reuse of a rotated refresh token: 400 invalid_grant',
      reuse.status === 400 && reuse.body.error === 'invalid_grant',
      `${reuse.body.error}: ${reuse.body.error_description}`);
    const after = await refresh(r2.body.refresh_token);
    check('after that reuse, the newest refresh token is revoked too (whole grant)',
      after.status === 400 && after.body.error === 'invalid_grant',
      `${after.body.error}: ${after.body.error_description}`);
  }

  // 3g. Revocation of a refresh token by the public client: client_id only.
  {
    const again = await signIn(issuer, { jar: flow.jar });
    check('second sign-in in the same provider session: no login page needed, tokens issued',
      again.tokenStatus === 200 && typeof again.tokens.refresh_token === 'string');
    const good = await preflight(revocationEndpoint, APP_ORIGIN, 'POST', 'content-type');
    const bad = await preflight(revocationEndpoint, EVIL_ORIGIN, 'POST', 'content-type');
    check('revocation: preflight allowed for the app origin only',
      good.status === 204 && good.headers.get('access-control-allow-origin') === APP_ORIGIN
        && bad.headers.get('access-control-allow-origin') === null);
    const noClient = await revoke({ token: again.tokens.refresh_token, token_type_hint: 'refresh_token' });
    check('revocation without client_id: refused',
      noClient.status === 400 && JSON.parse(noClient.text).error === 'invalid_request', `${noClient.status} ${noClient.text}`);
    const before = logged('dev-provider: revoked refresh_token');
    const res = await revoke({ token: again.tokens.refresh_token, token_type_hint: 'refresh_token', client_id: CLIENT_ID });
    check('revocation of a refresh token with client_id only: 200, CORS for the app origin',
      res.status === 200 && res.headers.get('access-control-allow-origin') === APP_ORIGIN, `${res.status} "${res.text}"`);
    const evil = await revoke({ token: 'whatever', client_id: CLIENT_ID }, EVIL_ORIGIN);
    check(`revocation from ${EVIL_ORIGIN}: refused, no CORS header`,
      evil.status === 400 && evil.headers.get('access-control-allow-origin') === null, `${evil.status} ${evil.text}`);
    await sleep(100);
    check('revocation: the provider logged "dev-provider: revoked refresh_token"',
      logged('dev-provider: revoked refresh_token') === before + 1);
    const dead = await refresh(again.tokens.refresh_token);
    check('a revoked refresh token: 400 invalid_grant', dead.status === 400 && dead.body.error === 'invalid_grant');
    const at = await api(again.tokens.access_token, APP_ORIGIN);
    check('revoking the refresh token revokes the access token of the same grant', at.status === 401,
      `API ${at.status}`);
    const unknown = await revoke({ token: again.tokens.refresh_token, token_type_hint: 'refresh_token', client_id: CLIENT_ID });
    check('revoking it again: still 200 (RFC 7009), nothing logged as revoked',
      unknown.status === 200 && logged('dev-provider: revoked refresh_token') === before + 1);
  }

  // 3h. Revocation of an access token: the refresh token of the grant too.
  {
    const third = await signIn(issuer, { jar: flow.jar });
    const res = await revoke({ token: third.tokens.access_token, token_type_hint: 'access_token', client_id: CLIENT_ID });
    await sleep(100);
    const rt = await refresh(third.tokens.refresh_token);
    check('revocation of an access token: 200, logged',
      res.status === 200 && logged('dev-provider: revoked access_token') === 1);
    console.log(`     facts: after revoking the access token, a refresh with the refresh token of the same grant answers ${rt.status}${rt.body.error ? ` ${rt.body.error}` : ''}`);
  }

  // 3h'. Revoking a refresh token that was already rotated still ends the
  // grant (the newest refresh token too): a revocation never races a refresh.
  {
    const fourth = await signIn(issuer, { jar: flow.jar });
    const rotated = await refresh(fourth.tokens.refresh_token);
    const before = logged('dev-provider: revoked refresh_token');
    const res = await revoke({ token: fourth.tokens.refresh_token, token_type_hint: 'refresh_token', client_id: CLIENT_ID });
    await sleep(100);
    const newest = await refresh(rotated.body.refresh_token);
    check('revoking an already rotated refresh token ends the grant (the newest refresh token too)',
      rotated.status === 200 && res.status === 200 && newest.status === 400 && newest.body.error === 'invalid_grant'
        && logged('dev-provider: revoked refresh_token') === before + 1);
  }

  // 3i. RP-initiated logout, as the browser does it: GET /session/end, the
  // page posts its form (logout=yes) to /session/end/confirm, 303 back to the
  // post_logout_redirect_uri with the state. The provider session ends and
  // the refresh token bound to it is revoked.
  for (const path of ['/', '/app/']) {
    const fresh = await signIn(issuer); // a new provider session (new cookie jar)
    const target = `${APP_ORIGIN}${path}`;
    const state = crypto.randomBytes(12).toString('base64url');
    const endUrl = new URL(discovery.end_session_endpoint);
    endUrl.search = new URLSearchParams({ client_id: CLIENT_ID, post_logout_redirect_uri: target, state }).toString();
    const page = await request(fresh.jar, endUrl.href);
    const html = await page.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    const autoSubmits = /<script>[^<]*button\[name="logout"\][^<]*\.click\(\)/.test(html);
    const csp = page.headers.get('content-security-policy');
    check(`logout ${path}: the confirmation page submits itself`,
      page.status === 200 && !!xsrf && autoSubmits && csp === null,
      `${page.status}, inline script ${autoSubmits ? 'clicks "logout"' : 'missing'}, CSP header ${csp === null ? 'none' : csp}`);
    const confirm = await request(fresh.jar, `${issuer}/session/end/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    await confirm.arrayBuffer();
    const location = confirm.headers.get('location');
    check(`logout ${path}: 303 to the post_logout_redirect_uri with the state`,
      confirm.status === 303 && location === `${target}?state=${state}`, `${confirm.status} Location ${location?.replace(state, '<state>')}`);
    const dead = await refresh(fresh.tokens.refresh_token);
    const deadAt = await api(fresh.tokens.access_token, APP_ORIGIN);
    check(`logout ${path}: the session's refresh and access tokens are revoked`,
      dead.status === 400 && dead.body.error === 'invalid_grant' && deadAt.status === 401);
  }
  {
    // id_token_hint instead of client_id, and an unregistered URI.
    const fresh = await signIn(issuer);
    const hinted = new URL(discovery.end_session_endpoint);
    hinted.search = new URLSearchParams({ id_token_hint: fresh.tokens.id_token, post_logout_redirect_uri: `${APP_ORIGIN}/`, state: 's' }).toString();
    const page = await request(fresh.jar, hinted.href);
    const html = await page.text();
    check('logout with id_token_hint instead of client_id: confirmation page', page.status === 200 && html.includes('op.logoutForm'));
    // (No provider session here: oidc-provider answers with a self-posting
    // form_post page instead of logoutSource.)
    const bare = new URL(discovery.end_session_endpoint);
    bare.search = new URLSearchParams({ post_logout_redirect_uri: `${APP_ORIGIN}/`, state: 's' }).toString();
    const jar = cookieJar();
    const bareRes = await request(jar, bare.href);
    const bareHtml = await bareRes.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(bareHtml)?.[1];
    const bareConfirm = await request(jar, `${issuer}/session/end/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    await bareConfirm.arrayBuffer();
    const bareLocation = bareConfirm.headers.get('location') ?? '';
    check('logout without client_id or id_token_hint: post_logout_redirect_uri ignored',
      !!xsrf && bareConfirm.status === 303 && bareLocation.startsWith(`${issuer}/session/end/success`),
      `Location ${bareLocation}`);
    const wrong = new URL(discovery.end_session_endpoint);
    wrong.search = new URLSearchParams({ client_id: CLIENT_ID, post_logout_redirect_uri: `${APP_ORIGIN}/elsewhere`, state: 's' }).toString();
    const wrongRes = await request(cookieJar(), wrong.href);
    const wrongHtml = await wrongRes.text();
    check('logout to an unregistered post_logout_redirect_uri: 400 error page',
      wrongRes.status === 400 && wrongHtml.includes('post_logout_redirect_uri not registered'));
  }
} finally {
  await session.stop();
}

// 4. Provider layouts (provider-layouts.mjs): server.mjs with LAYOUT=<name>
// on a free port, for each layout: the discovery document where the
// layout's provider has it (and nowhere else), every endpoint at the
// provider's path, the key set, a whole code + PKCE sign-in through the
// layout's endpoints with the ID token verified against the layout's key set,
// a refresh, UserInfo, and CORS for the app origin (the nocors layout: none
// on the token endpoint). Paths are written out here as the real providers
// have them, independent of provider-layouts.mjs.
const ENTRA_TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const ROOT_ENDPOINTS = {
  authorization_endpoint: '/auth',
  token_endpoint: '/token',
  jwks_uri: '/jwks',
  userinfo_endpoint: '/me',
  revocation_endpoint: '/token/revocation',
  end_session_endpoint: '/session/end',
};
const LAYOUT_EXPECTATIONS = {
  pingone: {
    issuer: '/env-1234/as',
    discovery: '/env-1234/as/.well-known/openid-configuration',
    endpoints: {
      authorization_endpoint: '/env-1234/as/authorize',
      token_endpoint: '/env-1234/as/token',
      jwks_uri: '/env-1234/as/jwks',
      userinfo_endpoint: '/env-1234/as/userinfo',
      revocation_endpoint: '/env-1234/as/revoke',
      end_session_endpoint: '/env-1234/as/signoff',
    },
  },
  okta: {
    issuer: '/oauth2/default',
    discovery: '/oauth2/default/.well-known/openid-configuration',
    endpoints: {
      authorization_endpoint: '/oauth2/default/v1/authorize',
      token_endpoint: '/oauth2/default/v1/token',
      jwks_uri: '/oauth2/default/v1/keys',
      userinfo_endpoint: '/oauth2/default/v1/userinfo',
      revocation_endpoint: '/oauth2/default/v1/revoke',
      end_session_endpoint: '/oauth2/default/v1/logout',
    },
  },
  keycloak: {
    issuer: '/realms/demo',
    discovery: '/realms/demo/.well-known/openid-configuration',
    endpoints: {
      authorization_endpoint: '/realms/demo/protocol/openid-connect/auth',
      token_endpoint: '/realms/demo/protocol/openid-connect/token',
      jwks_uri: '/realms/demo/protocol/openid-connect/certs',
      userinfo_endpoint: '/realms/demo/protocol/openid-connect/userinfo',
      revocation_endpoint: '/realms/demo/protocol/openid-connect/revoke',
      end_session_endpoint: '/realms/demo/protocol/openid-connect/logout',
    },
  },
  auth0: {
    issuer: '/',
    discovery: '/.well-known/openid-configuration',
    endpoints: {
      authorization_endpoint: '/authorize',
      token_endpoint: '/oauth/token',
      jwks_uri: '/.well-known/jwks.json',
      userinfo_endpoint: '/userinfo',
      revocation_endpoint: '/oauth/revoke',
      end_session_endpoint: '/oidc/logout',
    },
  },
  adobe_ims: {
    issuer: '',
    discovery: null,
    endpoints: {
      authorization_endpoint: '/ims/authorize/v2',
      token_endpoint: '/ims/token/v3',
      jwks_uri: '/ims/keys',
    },
  },
  cloudentity: {
    issuer: '/acme/default',
    discovery: '/acme/default/.well-known/openid-configuration',
    endpoints: {
      authorization_endpoint: '/acme/default/oauth2/authorize',
      token_endpoint: '/acme/default/oauth2/token',
      jwks_uri: '/acme/default/.well-known/jwks.json',
      userinfo_endpoint: '/acme/default/userinfo',
      revocation_endpoint: '/acme/default/oauth2/revoke',
    },
    absent: ['end_session_endpoint'],
  },
  entra: {
    issuer: `/${ENTRA_TENANT}/v2.0`,
    discoveryIssuer: '/{tenantid}/v2.0',
    discovery: '/common/v2.0/.well-known/openid-configuration',
    endpoints: {
      authorization_endpoint: '/common/oauth2/v2.0/authorize',
      token_endpoint: '/common/oauth2/v2.0/token',
      jwks_uri: '/common/discovery/v2.0/keys',
      userinfo_endpoint: '/common/oidc/userinfo',
      end_session_endpoint: '/common/oauth2/v2.0/logout',
    },
    absent: ['revocation_endpoint', 'authorization_response_iss_parameter_supported'],
    notFound: ['/common/.well-known/openid-configuration', '/.well-known/openid-configuration'],
    callbackIss: false,
    claims: { tid: ENTRA_TENANT },
  },
  nocors: {
    issuer: '',
    discovery: '/.well-known/openid-configuration',
    endpoints: ROOT_ENDPOINTS,
    tokenCors: false,
  },
  plainonly: {
    issuer: '',
    discovery: '/.well-known/openid-configuration',
    endpoints: ROOT_ENDPOINTS,
    pkceMethods: ['plain'],
  },
};

for (const [name, expected] of Object.entries(LAYOUT_EXPECTATIONS)) {
  const instance = await startProvider({ LAYOUT: name }, { ready: '/api/hello', readyStatus: 401 });
  const origin = instance.issuer;
  const issuer = `${origin}${expected.issuer}`;
  const url = (p) => `${origin}${p}`;
  const endpoints = Object.fromEntries(Object.entries(expected.endpoints).map(([k, p]) => [k, url(p)]));
  const tokenCors = expected.tokenCors !== false;
  const label = (what) => `layout ${name}: ${what}`;
  try {
    // The discovery document.
    if (expected.discovery) {
      const res = await fetch(url(expected.discovery), { headers: { origin: APP_ORIGIN } });
      const doc = res.ok ? await res.json() : {};
      const wrong = Object.entries(endpoints).filter(([key, value]) => doc[key] !== value)
        .map(([key]) => `${key}=${JSON.stringify(doc[key])}`);
      const present = (expected.absent ?? []).filter((key) => doc[key] !== undefined);
      const docIssuer = url(expected.discoveryIssuer ?? expected.issuer);
      check(label(`discovery at ${expected.discovery}: issuer ${docIssuer}, endpoints at the provider's paths`),
        res.status === 200 && doc.issuer === docIssuer && wrong.length === 0 && present.length === 0
          && res.headers.get('access-control-allow-origin') === APP_ORIGIN,
        wrong.length || present.length ? `wrong: ${wrong.join(', ')} present: ${present.join(', ')}` : `issuer ${doc.issuer}`);
      check(label(`discovery: code_challenge_methods_supported ${JSON.stringify(expected.pkceMethods ?? ['S256'])}, response_types code, auth method none`),
        JSON.stringify(doc.code_challenge_methods_supported) === JSON.stringify(expected.pkceMethods ?? ['S256'])
          && doc.response_types_supported?.includes('code')
          && doc.token_endpoint_auth_methods_supported?.includes('none'));
      if (expected.callbackIss === false) {
        check(label('discovery: no authorization_response_iss_parameter_supported'),
          doc.authorization_response_iss_parameter_supported === undefined);
      }
    }
    // No discovery document anywhere else (a mounted layout's root has none).
    const elsewhere = [...(expected.notFound ?? [])];
    if (expected.discovery !== '/.well-known/openid-configuration') elsewhere.push('/.well-known/openid-configuration');
    for (const p of new Set(elsewhere)) {
      const res = await fetch(url(p));
      await res.arrayBuffer();
      check(label(`no discovery document at ${p}`), res.status === 404, `${res.status}`);
    }
    if (expected.issuer !== '' && expected.issuer !== '/') {
      // The root layout's paths are not there either.
      const res = await fetch(url('/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code',
      });
      await res.arrayBuffer();
      check(label('POST /token (the root layout\'s path): 404'), res.status === 404, `${res.status}`);
    }
    if (name === 'entra') {
      const res = await fetch(url(`/${ENTRA_TENANT}/v2.0/.well-known/openid-configuration`));
      const doc = await res.json();
      check(label('the tenant\'s own discovery names the tenant issuer and /<tenant>/ endpoints'),
        res.status === 200 && doc.issuer === issuer
          && doc.token_endpoint === url(`/${ENTRA_TENANT}/oauth2/v2.0/token`)
          && doc.authorization_endpoint === url(`/${ENTRA_TENANT}/oauth2/v2.0/authorize`),
        `issuer ${doc.issuer}`);
      for (const [tenant, docIssuer] of [['organizations', url('/{tenantid}/v2.0')], ['consumers', url(`/${CONSUMERS_TENANT}/v2.0`)]]) {
        const res = await fetch(url(`/${tenant}/v2.0/.well-known/openid-configuration`));
        const doc = await res.json();
        check(label(`/${tenant} discovery names ${docIssuer} and /${tenant}/ endpoints`),
          res.status === 200 && doc.issuer === docIssuer && doc.token_endpoint === url(`/${tenant}/oauth2/v2.0/token`),
          `issuer ${doc.issuer}`);
      }
      const personalFlow = await signIn(origin, {
        user: 'pat@outlook.com',
        authorizationEndpoint: url('/consumers/oauth2/v2.0/authorize'),
        tokenEndpoint: url('/consumers/oauth2/v2.0/token'),
      });
      const keysRes = await fetch(url('/consumers/discovery/v2.0/keys'));
      let personal = {};
      try {
        ({ payload: personal } = await jwtVerify(personalFlow.tokens.id_token, createLocalJWKSet(await keysRes.json()), {
          issuer: url(`/${CONSUMERS_TENANT}/v2.0`), audience: CLIENT_ID, algorithms: ['RS256'],
        }));
      } catch (err) {
        personal = { error: `${err.code} ${err.message}` };
      }
      check(label('a personal account (…@outlook.com) gets tid and iss of the consumers tenant, signed with the layout\'s key'),
        personal.tid === CONSUMERS_TENANT && personal.sub === 'pat@outlook.com', personal.error ?? `tid ${personal.tid}`);
    }

    // The key set.
    const jwksRes = await fetch(endpoints.jwks_uri, { headers: { origin: APP_ORIGIN } });
    const jwks = jwksRes.ok ? await jwksRes.json() : { keys: [] };
    check(label(`key set at ${expected.endpoints.jwks_uri}, readable from the app origin`),
      jwksRes.status === 200 && jwks.keys.length === 1 && !!jwks.keys[0].kid && jwks.keys[0].d === undefined
        && jwksRes.headers.get('access-control-allow-origin') === APP_ORIGIN,
      `kid ${jwks.keys[0]?.kid}`);

    // A whole sign-in through the layout's endpoints.
    const flow = await signIn(origin, {
      authorizationEndpoint: endpoints.authorization_endpoint,
      tokenEndpoint: endpoints.token_endpoint,
    });
    const callbackIss = flow.location.searchParams.get('iss');
    check(label(expected.callbackIss === false ? 'authorization response without iss' : `authorization response iss ${issuer}`),
      flow.location.searchParams.get('state') === flow.state && !!flow.location.searchParams.get('code')
        && (expected.callbackIss === false ? callbackIss === null : callbackIss === issuer),
      `iss ${JSON.stringify(callbackIss)}`);
    check(label(`code + PKCE exchange at ${expected.endpoints.token_endpoint}: 200 Bearer, ${tokenCors ? 'CORS for the app origin' : 'NO CORS header'}`),
      flow.tokenStatus === 200 && flow.tokens.token_type === 'Bearer' && typeof flow.tokens.refresh_token === 'string'
        && (tokenCors
          ? flow.tokenHeaders.get('access-control-allow-origin') === APP_ORIGIN
          : [...flow.tokenHeaders.keys()].every((h) => !h.startsWith('access-control-'))),
      `${flow.tokenStatus}, access-control-allow-origin ${flow.tokenHeaders.get('access-control-allow-origin')}`);
    let payload = {};
    try {
      ({ payload } = await jwtVerify(flow.tokens.id_token, createLocalJWKSet(jwks), {
        issuer, audience: CLIENT_ID, algorithms: ['RS256'],
      }));
    } catch (err) {
      payload = { error: `${err.code} ${err.message}` };
    }
    const claimsOk = Object.entries(expected.claims ?? {}).every(([k, v]) => payload[k] === v);
    check(label(`ID token verified with the layout's key set: iss ${issuer}${expected.claims ? `, ${JSON.stringify(expected.claims)}` : ''}`),
      payload.sub === USER && payload.nonce === flow.nonce && claimsOk,
      payload.error ?? `iss ${payload.iss}`);

    // A refresh at the same token endpoint.
    const refreshRes = await fetch(endpoints.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: flow.tokens.refresh_token, client_id: CLIENT_ID }).toString(),
    });
    const refreshed = await refreshRes.json();
    check(label('refresh at the token endpoint: 200, rotated'),
      refreshRes.status === 200 && typeof refreshed.refresh_token === 'string' && refreshed.refresh_token !== flow.tokens.refresh_token);

    // The provider check's probe: a made-up code comes back as a readable
    // OAuth error (or, for nocors, without any CORS header).
    const probe = await fetch(endpoints.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'made-up-code',
        redirect_uri: REDIRECT_URI,
        client_id: CLIENT_ID,
        code_verifier: crypto.randomBytes(32).toString('base64url'),
      }).toString(),
    });
    const probeBody = await probe.json();
    check(label(`a made-up code: 400 invalid_grant, ${tokenCors ? 'readable from the app origin' : 'NO CORS header'}`),
      probe.status === 400 && probeBody.error === 'invalid_grant'
        && (tokenCors
          ? probe.headers.get('access-control-allow-origin') === APP_ORIGIN
          : probe.headers.get('access-control-allow-origin') === null),
      `${probe.status} ${probeBody.error}`);
    const pre = await fetch(endpoints.token_endpoint, {
      method: 'OPTIONS',
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    await pre.arrayBuffer();
    check(label(`token endpoint preflight: ${tokenCors ? 'allowed' : 'no CORS header'} for the app origin`),
      tokenCors
        ? pre.headers.get('access-control-allow-origin') === APP_ORIGIN
        : pre.headers.get('access-control-allow-origin') === null);

    // UserInfo.
    if (endpoints.userinfo_endpoint) {
      const res = await fetch(endpoints.userinfo_endpoint, {
        headers: { authorization: `Bearer ${refreshed.access_token}`, origin: APP_ORIGIN },
      });
      const claims = res.ok ? await res.json() : {};
      check(label(`UserInfo at ${expected.endpoints.userinfo_endpoint}`),
        res.status === 200 && claims.sub === USER && res.headers.get('access-control-allow-origin') === APP_ORIGIN,
        `${res.status}`);
    }
    // Revocation (where the layout lists it).
    if (endpoints.revocation_endpoint) {
      const res = await fetch(endpoints.revocation_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN },
        body: new URLSearchParams({ token: refreshed.refresh_token, token_type_hint: 'refresh_token', client_id: CLIENT_ID }).toString(),
      });
      await res.arrayBuffer();
      check(label(`revocation at ${expected.endpoints.revocation_endpoint}: 200`), res.status === 200, `${res.status}`);
    }
    // The end-session endpoint answers (its page posts itself, as at the root).
    if (endpoints.end_session_endpoint) {
      const end = new URL(endpoints.end_session_endpoint);
      end.search = new URLSearchParams({ client_id: CLIENT_ID, post_logout_redirect_uri: `${APP_ORIGIN}/`, state: 's' }).toString();
      const res = await request(flow.jar, end.href);
      const html = await res.text();
      const action = /action="([^"]+)"/.exec(html)?.[1];
      check(label(`end session at ${expected.endpoints.end_session_endpoint}: the form posts to ${expected.endpoints.end_session_endpoint}/confirm`),
        res.status === 200 && action === `${endpoints.end_session_endpoint}/confirm`, `${res.status} action ${action}`);
    }
  } catch (err) {
    fail(label(`${err.message}`));
  } finally {
    await instance.stop();
  }
}

// 5. layouts.mjs: every layout at once, each on BASE_PORT + its offset.
{
  const offsets = Object.keys(LAYOUT_EXPECTATIONS).length;
  let base;
  for (let attempt = 0; attempt < 20 && base === undefined; attempt += 1) {
    const candidate = await freePort();
    if (candidate + offsets > 65535) continue;
    const free = await Promise.all(Array.from({ length: offsets }, (_, i) => new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(candidate + 1 + i, '127.0.0.1', () => srv.close(() => resolve(true)));
    })));
    if (free.every(Boolean)) base = candidate;
  }
  const names = Object.keys(LAYOUT_EXPECTATIONS);
  const all = await startProvider({ BASE_PORT: String(base) }, {
    script: 'layouts.mjs',
    port: base + names.length, // the last one (plainonly) starts last
    startTimeout: 60_000, // nine RSA keys and nine providers
  });
  check('layouts.mjs: ports in the order of the table', names.at(-1) === 'plainonly');
  try {
    const seen = [];
    for (const [i, name] of names.entries()) {
      const expected = LAYOUT_EXPECTATIONS[name];
      const origin = `http://127.0.0.1:${base + 1 + i}`;
      const res = await fetch(`${origin}${expected.discovery ?? expected.endpoints.jwks_uri}`);
      const body = await res.json();
      const ok = res.status === 200 && (expected.discovery
        ? body.issuer === `${origin}${expected.discoveryIssuer ?? expected.issuer}`
        : Array.isArray(body.keys));
      if (!ok) fail(`layouts.mjs: ${name} on port BASE_PORT+${i + 1}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      else seen.push(`${name}@+${i + 1}`);
    }
    check('layouts.mjs: every layout on BASE_PORT + its offset', seen.length === names.length, seen.join(' '));
  } finally {
    await all.stop();
  }
}

if (failures.length) {
  console.log(`\n${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('\nall misbehave modes, session checks and provider layouts behave as specified');
