// For the provider tests (node:test): a provider on a free port in this
// process, and an OAuth client over plain HTTP (cookie jar, the login form,
// code + PKCE, refresh, revocation), as the app's requests look; with a
// DPoP key (../dpop-proof.mjs) every token request carries a proof, and an
// authorization request can be pushed first (PAR).

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as net from 'node:net';

import { dpopFetch, dpopKey } from '../dpop-proof.mjs';
import { createDevProvider } from '../provider.mjs';
import { CLIENT_ID } from '../settings.mjs';

export { CLIENT_ID };
export const APP_ORIGIN = 'http://127.0.0.1:8181';
export const OTHER_ORIGIN = 'http://evil.example';
export const REDIRECT_URI = `${APP_ORIGIN}/callback`;

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A started provider (createDevProvider options) whose log lines are kept in `lines`. */
export async function startProvider(options = {}) {
  const lines = [];
  const instance = await createDevProvider({
    port: await freePort(),
    appOrigins: [APP_ORIGIN],
    log: (line) => lines.push(line),
    ...options,
  });
  await instance.listen();
  return Object.assign(instance, { lines });
}

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
  const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: jar.header() } });
  jar.store(res);
  return res;
}

/**
 * A form POST from the app origin (or `origin`), with a DPoP proof when
 * `dpop` is a key of dpop-proof.mjs (and a second one with the nonce when
 * asked): { status, headers, body (JSON or text) }.
 */
export async function post(url, fields, origin = APP_ORIGIN, dpop = undefined) {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams(fields).toString(),
  };
  const res = await (dpop ? dpopFetch(dpop, url, init) : fetch(url, init));
  const text = await res.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body };
}

export function refresh(tokenEndpoint, refreshToken, origin = APP_ORIGIN, dpop = undefined) {
  return post(tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }, origin, dpop);
}

/**
 * A whole sign-in as `user`: the authorization request, the login form,
 * automatic consent, the redirect to REDIRECT_URI, the code exchange (with a
 * proof of `dpop`, a dpop-proof.mjs key, when given). With `par` (the PAR
 * endpoint) the parameters are pushed first, with a proof of `dpop` too,
 * and the authorization request carries only client_id and request_uri.
 * Returns { state, nonce, location (URL of the callback), tokenStatus, tokenHeaders, tokens }.
 */
export async function signIn({ authorizationEndpoint, tokenEndpoint, par, dpop, scope = 'openid profile', user = 'alice' }) {
  const jar = cookieJar();
  const verifier = crypto.randomBytes(32).toString('base64url');
  const state = crypto.randomBytes(16).toString('base64url');
  const nonce = crypto.randomBytes(16).toString('base64url');
  const authorize = new URL(authorizationEndpoint);
  const params = {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    nonce,
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  if (par) {
    const pushed = await post(par, params, APP_ORIGIN, dpop);
    if (pushed.status !== 201) throw new Error(`PAR answered ${pushed.status}: ${JSON.stringify(pushed.body)}`);
    authorize.search = new URLSearchParams({ client_id: CLIENT_ID, request_uri: pushed.body.request_uri }).toString();
  } else {
    authorize.search = new URLSearchParams(params).toString();
  }

  let res = await request(jar, authorize.href);
  let location;
  for (let hop = 0; hop < 10; hop += 1) {
    if (res.status < 300 || res.status >= 400) {
      throw new Error(`unexpected ${res.status} at hop ${hop}: ${(await res.text()).slice(0, 300)}`);
    }
    location = new URL(res.headers.get('location'), authorize);
    await res.arrayBuffer();
    if (location.href.startsWith(REDIRECT_URI)) break;
    res = await request(jar, location.href);
    if (res.status === 200 && /^\/interaction\/[^/]+$/.test(location.pathname)) {
      await res.text(); // the login page: post the user name
      res = await request(jar, `${location.href}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: user }).toString(),
      });
    }
  }
  if (!location?.href.startsWith(REDIRECT_URI)) throw new Error('never reached the redirect_uri');
  const exchange = await post(tokenEndpoint, {
    grant_type: 'authorization_code',
    code: location.searchParams.get('code') ?? '',
    redirect_uri: REDIRECT_URI,
    client_id: CLIENT_ID,
    code_verifier: verifier,
  }, APP_ORIGIN, dpop);
  return { state, nonce, location, tokenStatus: exchange.status, tokenHeaders: exchange.headers, tokens: exchange.body };
}

/**
 * A provider on a free port and a DPoP-bound access token of `user` from it,
 * for the tests of its protected APIs. Returns { provider, key, token }.
 */
export async function startWithDpopToken({ user } = {}) {
  const provider = await startProvider();
  const key = await dpopKey();
  const flow = await signIn({ authorizationEndpoint: `${provider.origin}/auth`, tokenEndpoint: `${provider.origin}/token`, dpop: key, user });
  assert.equal(flow.tokens.token_type, 'DPoP');
  return { provider, key, token: flow.tokens.access_token };
}
