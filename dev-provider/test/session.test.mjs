// The session rules the end-to-end session tests stand on: a refresh token
// with every code exchange, rotated on every refresh, a reused one ends the
// grant, revocation with client_id only (logged), the demo API, and CORS for
// the app origin only. The root layout is DPoP-bound: every sign-in gets a
// DPoP key of its own, and its token requests and API calls carry proofs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createLocalJWKSet, jwtVerify } from 'jose';

import { dpopFetch, dpopKey } from '../dpop-proof.mjs';
import { APP_ORIGIN, CLIENT_ID, OTHER_ORIGIN, post, refresh, signIn, startProvider } from './client.mjs';

const TTL = 5;
let provider;
let endpoints;
/** The demo API with `token` and a proof of `key`; without a key, as Bearer (or nothing). */
const api = (token, key, origin = APP_ORIGIN) => (key
  ? dpopFetch(key, `${provider.origin}/api/hello`, { headers: { origin } }, { accessToken: token })
  : fetch(`${provider.origin}/api/hello`, {
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), origin },
  }));
const revoke = (token, hint = 'refresh_token') => post(endpoints.revocation_endpoint,
  { token, token_type_hint: hint, client_id: CLIENT_ID });

before(async () => {
  provider = await startProvider({ accessTokenTtl: TTL });
  endpoints = await (await fetch(`${provider.origin}/.well-known/openid-configuration`)).json();
});
after(() => provider.close());

/** A sign-in with a new DPoP key; `refresh(token)` with that key. */
async function signInHere(options) {
  const key = await dpopKey();
  const flow = await signIn({
    authorizationEndpoint: endpoints.authorization_endpoint,
    tokenEndpoint: endpoints.token_endpoint,
    dpop: key,
    ...options,
  });
  return Object.assign(flow, { key, refresh: (token) => refresh(endpoints.token_endpoint, token, APP_ORIGIN, key) });
}

describe('refresh tokens', () => {
  test('the code exchange issues one without offline_access, readable from the app origin', async () => {
    const flow = await signInHere();
    assert.equal(flow.tokenStatus, 200);
    assert.equal(typeof flow.tokens.refresh_token, 'string');
    assert.equal(flow.tokens.expires_in, TTL);
    assert.equal(flow.tokenHeaders.get('access-control-allow-origin'), APP_ORIGIN);
  });

  test('every refresh rotates it and brings an ID token about the same person', async () => {
    const flow = await signInHere();
    const first = await flow.refresh(flow.tokens.refresh_token);
    assert.equal(first.status, 200);
    assert.notEqual(first.body.refresh_token, flow.tokens.refresh_token);
    assert.notEqual(first.body.access_token, flow.tokens.access_token);
    assert.equal(first.headers.get('access-control-allow-origin'), APP_ORIGIN);
    const jwks = await (await fetch(endpoints.jwks_uri)).json();
    const { payload } = await jwtVerify(first.body.id_token, createLocalJWKSet(jwks), {
      issuer: provider.issuer, audience: CLIENT_ID, algorithms: ['RS256'],
    });
    assert.equal(payload.sub, 'alice');
    const second = await flow.refresh(first.body.refresh_token);
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.body.refresh_token);
  });

  test('a rotated one used again is refused, and the whole grant ends', async () => {
    const flow = await signInHere();
    const rotated = await flow.refresh(flow.tokens.refresh_token);
    assert.equal(rotated.status, 200);
    const reuse = await flow.refresh(flow.tokens.refresh_token);
    assert.deepEqual([reuse.status, reuse.body.error], [400, 'invalid_grant']);
    const newest = await flow.refresh(rotated.body.refresh_token);
    assert.deepEqual([newest.status, newest.body.error], [400, 'invalid_grant']);
  });
});

describe('revocation', () => {
  test('with client_id only: 200 for the app origin, logged, the grant\'s tokens dead', async () => {
    const flow = await signInHere();
    const res = await revoke(flow.tokens.refresh_token);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
    assert.equal(provider.lines.filter((l) => l === 'dev-provider: revoked refresh_token').length, 1);
    const dead = await flow.refresh(flow.tokens.refresh_token);
    assert.deepEqual([dead.status, dead.body.error], [400, 'invalid_grant']);
    assert.equal((await api(flow.tokens.access_token, flow.key)).status, 401);
  });

  test('of an already rotated refresh token: the newest one ends too', async () => {
    const flow = await signInHere();
    const rotated = await flow.refresh(flow.tokens.refresh_token);
    assert.equal((await revoke(flow.tokens.refresh_token)).status, 200);
    const newest = await flow.refresh(rotated.body.refresh_token);
    assert.deepEqual([newest.status, newest.body.error], [400, 'invalid_grant']);
  });
});

describe('the demo API', () => {
  test('200 with a valid access token, for the app origin', async () => {
    const flow = await signInHere();
    const res = await api(flow.tokens.access_token, flow.key);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
    assert.deepEqual(await res.json(), { message: 'Hello, alice', sub: 'alice', scope: 'openid profile', jkt: flow.key.thumbprint });
    assert.equal((await api(flow.tokens.access_token, flow.key, OTHER_ORIGIN)).headers.get('access-control-allow-origin'), null);
  });

  test('401 without a token and with an unknown one, WWW-Authenticate readable', async () => {
    const none = await api(undefined);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer, DPoP algs="ES256 Ed25519 EdDSA"');
    const bogus = await api('not-a-token');
    assert.equal(bogus.status, 401);
    assert.equal(bogus.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal(bogus.headers.get('access-control-expose-headers'), 'WWW-Authenticate, DPoP-Nonce');
  });

  test('the preflight: allowed for the app origin, refused for another', async () => {
    const preflight = (origin) => fetch(`${provider.origin}/api/hello`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,dpop' },
    });
    const good = await preflight(APP_ORIGIN);
    assert.equal(good.status, 204);
    assert.equal(good.headers.get('access-control-allow-origin'), APP_ORIGIN);
    assert.match(good.headers.get('access-control-allow-headers'), /\bauthorization\b/i);
    assert.match(good.headers.get('access-control-allow-headers'), /\bdpop\b/i);
    const bad = await preflight(OTHER_ORIGIN);
    assert.equal(bad.status, 403);
    assert.equal(bad.headers.get('access-control-allow-origin'), null);
  });
});

test('another origin reads nothing: no CORS header on discovery, token or revocation', async () => {
  const discovery = await fetch(`${provider.origin}/.well-known/openid-configuration`, { headers: { origin: OTHER_ORIGIN } });
  assert.equal(discovery.headers.get('access-control-allow-origin'), null);
  const token = await post(endpoints.token_endpoint, { grant_type: 'refresh_token', refresh_token: 'whatever', client_id: CLIENT_ID }, OTHER_ORIGIN, await dpopKey());
  assert.equal(token.headers.get('access-control-allow-origin'), null);
  const revocation = await post(endpoints.revocation_endpoint, { token: 'whatever', client_id: CLIENT_ID }, OTHER_ORIGIN);
  assert.equal(revocation.headers.get('access-control-allow-origin'), null);
});
