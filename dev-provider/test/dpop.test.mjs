// The provider's DPoP (RFC 9449) and PAR (RFC 9126), as the app meets them:
// root requires a proof with the provider's nonce at the token endpoint and
// binds the tokens (token_type DPoP, cnf.jkt) and the refresh tokens to the
// key (still rotated on every use); PAR hands out a request_uri;
// par-required refuses a plain authorization request; no-dpop offers no
// DPoP. And CORS: the app origin may send DPoP to the token, UserInfo,
// revocation and PAR endpoints and read DPoP-Nonce and WWW-Authenticate.

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { DPOP_ALGS } from '../configuration.mjs';
import { dpopFetch, dpopKey, dpopProof } from '../dpop-proof.mjs';
import { APP_ORIGIN, CLIENT_ID, OTHER_ORIGIN, REDIRECT_URI, post, refresh, signIn, startProvider } from './client.mjs';

const NONCE = /^[A-Za-z0-9_-]{43}$/;

/** A started provider of `layout` and its discovery document, for a describe block. */
function withProvider(layout) {
  const context = {};
  before(async () => {
    context.provider = await startProvider({ layout });
    context.doc = await (await fetch(`${context.provider.origin}/.well-known/openid-configuration`)).json();
  });
  after(() => context.provider.close());
  return context;
}

/** Authorization request parameters for REDIRECT_URI (a made-up challenge). */
function authorizationParams() {
  return {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: crypto.randomBytes(8).toString('base64url'),
    code_challenge: crypto.randomBytes(32).toString('base64url'),
    code_challenge_method: 'S256',
  };
}

describe('root: DPoP with nonces, the client DPoP-bound', () => {
  const ctx = withProvider('root');
  const flow = (key) => signIn({ authorizationEndpoint: ctx.doc.authorization_endpoint, tokenEndpoint: ctx.doc.token_endpoint, dpop: key });

  test('discovery offers DPoP (the asymmetric algs) and PAR, not required', () => {
    assert.deepEqual(ctx.doc.dpop_signing_alg_values_supported, DPOP_ALGS);
    assert.equal(ctx.doc.pushed_authorization_request_endpoint, `${ctx.provider.origin}/request`);
    assert.equal(ctx.doc.require_pushed_authorization_requests, undefined);
  });

  test('a proof without a nonce: 400 use_dpop_nonce with a DPoP-Nonce header, readable from the app origin', async () => {
    const key = await dpopKey();
    const res = await fetch(ctx.doc.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: APP_ORIGIN,
        dpop: await dpopProof(key, { htm: 'POST', htu: ctx.doc.token_endpoint }),
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up', client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, code_verifier: 'a'.repeat(43) }),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error, 'use_dpop_nonce');
    assert.match(res.headers.get('dpop-nonce'), NONCE);
    assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
    // (Date: added for the app origins, for the provider check's clock item.)
    assert.deepEqual(res.headers.get('access-control-expose-headers').split(',').map((h) => h.trim()).sort(), ['DPoP-Nonce', 'Date', 'WWW-Authenticate']);
  });

  test('the code exchange with a proof and the nonce: token_type DPoP, the access token bound to the key', async () => {
    const key = await dpopKey();
    const { tokenStatus, tokens } = await flow(key);
    assert.equal(tokenStatus, 200, JSON.stringify(tokens));
    assert.equal(tokens.token_type, 'DPoP');
    assert.equal(typeof tokens.refresh_token, 'string');
    const stored = await ctx.provider.provider.AccessToken.find(tokens.access_token);
    assert.equal(stored.jkt, key.thumbprint);
    assert.ok(key.nonces.has(ctx.provider.origin), 'the nonce came back and was kept');
  });

  test('a code exchange without a proof is refused', async () => {
    const { tokenStatus, tokens } = await flow(undefined);
    assert.deepEqual([tokenStatus, tokens.error], [400, 'invalid_grant']);
  });

  test('the refresh token: refused without a proof and with another key; then rotated with its own, and reuse ends the grant', async () => {
    const key = await dpopKey();
    const { tokens } = await flow(key);
    const noProof = await refresh(ctx.doc.token_endpoint, tokens.refresh_token);
    assert.deepEqual([noProof.status, noProof.body.error], [400, 'invalid_grant']);
    const otherKey = await refresh(ctx.doc.token_endpoint, tokens.refresh_token, APP_ORIGIN, await dpopKey());
    assert.deepEqual([otherKey.status, otherKey.body.error], [400, 'invalid_grant']);
    // Neither attempt used the token up: its own key still refreshes, and
    // rotates it (rotateRefreshToken: true, DPoP-bound or not).
    const good = await refresh(ctx.doc.token_endpoint, tokens.refresh_token, APP_ORIGIN, key);
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.body.token_type, 'DPoP');
    assert.notEqual(good.body.refresh_token, tokens.refresh_token);
    assert.equal((await ctx.provider.provider.AccessToken.find(good.body.access_token)).jkt, key.thumbprint);
    const reuse = await refresh(ctx.doc.token_endpoint, tokens.refresh_token, APP_ORIGIN, key);
    assert.deepEqual([reuse.status, reuse.body.error], [400, 'invalid_grant']);
    const newest = await refresh(ctx.doc.token_endpoint, good.body.refresh_token, APP_ORIGIN, key);
    assert.deepEqual([newest.status, newest.body.error], [400, 'invalid_grant']);
  });

  test('UserInfo: the bound token with a proof and the nonce; as Bearer refused', async () => {
    const key = await dpopKey();
    const { tokens } = await flow(key);
    const res = await dpopFetch(key, ctx.doc.userinfo_endpoint, { headers: { origin: APP_ORIGIN } }, { accessToken: tokens.access_token });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).sub, 'alice');
    const bearer = await fetch(ctx.doc.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(bearer.status, 401);
  });

  test('PAR: 201 with a request_uri, and a sign-in through it with proofs', async () => {
    const key = await dpopKey();
    const pushed = await post(ctx.doc.pushed_authorization_request_endpoint, authorizationParams(), APP_ORIGIN, key);
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    assert.match(pushed.body.request_uri, /^urn:ietf:params:oauth:request_uri:/);
    assert.equal(typeof pushed.body.expires_in, 'number');
    const { tokenStatus, tokens } = await signIn({
      authorizationEndpoint: ctx.doc.authorization_endpoint,
      tokenEndpoint: ctx.doc.token_endpoint,
      par: ctx.doc.pushed_authorization_request_endpoint,
      dpop: key,
    });
    assert.equal(tokenStatus, 200, JSON.stringify(tokens));
    assert.equal(tokens.token_type, 'DPoP');
  });
});

describe('par-required', () => {
  const ctx = withProvider('par-required');

  test('discovery says require_pushed_authorization_requests', () => {
    assert.equal(ctx.doc.require_pushed_authorization_requests, true);
    assert.equal(ctx.doc.pushed_authorization_request_endpoint, `${ctx.provider.origin}/request`);
  });

  test('a plain authorization request is refused (back to the redirect_uri with invalid_request)', async () => {
    const url = new URL(ctx.doc.authorization_endpoint);
    url.search = new URLSearchParams(authorizationParams()).toString();
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location'));
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description'), /Pushed Authorization Request must be used/);
  });

  test('a sign-in through PAR', async () => {
    const { tokenStatus, tokens } = await signIn({
      authorizationEndpoint: ctx.doc.authorization_endpoint,
      tokenEndpoint: ctx.doc.token_endpoint,
      par: ctx.doc.pushed_authorization_request_endpoint,
      dpop: await dpopKey(),
    });
    assert.equal(tokenStatus, 200, JSON.stringify(tokens));
    assert.equal(tokens.token_type, 'DPoP');
  });
});

describe('no-dpop', () => {
  const ctx = withProvider('no-dpop');

  test('discovery offers no DPoP; a sign-in without proofs gets Bearer tokens', async () => {
    assert.equal(ctx.doc.dpop_signing_alg_values_supported, undefined);
    const { tokenStatus, tokens } = await signIn({ authorizationEndpoint: ctx.doc.authorization_endpoint, tokenEndpoint: ctx.doc.token_endpoint });
    assert.equal(tokenStatus, 200, JSON.stringify(tokens));
    assert.equal(tokens.token_type, 'Bearer');
    const refreshed = await refresh(ctx.doc.token_endpoint, tokens.refresh_token);
    assert.deepEqual([refreshed.status, refreshed.body.token_type], [200, 'Bearer']);
  });
});

describe('CORS for DPoP', () => {
  const ctx = withProvider('root');
  const endpoints = () => ({
    token: ['POST', ctx.doc.token_endpoint],
    userinfo: ['GET', ctx.doc.userinfo_endpoint],
    revocation: ['POST', ctx.doc.revocation_endpoint],
    par: ['POST', ctx.doc.pushed_authorization_request_endpoint],
  });

  for (const name of ['token', 'userinfo', 'revocation', 'par']) {
    test(`${name}: a preflight asking for the DPoP header succeeds for the app origin only`, async () => {
      const [method, url] = endpoints()[name];
      const preflight = (origin) => fetch(url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type,dpop' },
      });
      const good = await preflight(APP_ORIGIN);
      assert.equal(good.status, 204);
      assert.equal(good.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.ok(good.headers.get('access-control-allow-headers').split(',').map((h) => h.trim().toLowerCase()).includes('dpop'));
      assert.ok(good.headers.get('access-control-allow-methods').split(',').includes(method));
      assert.equal((await preflight(OTHER_ORIGIN)).headers.get('access-control-allow-origin'), null);
    });
  }

  for (const name of ['token', 'par']) {
    test(`${name}: its use_dpop_nonce answer exposes DPoP-Nonce and WWW-Authenticate`, async () => {
      const [method, url] = endpoints()[name];
      const key = await dpopKey();
      const fields = name === 'token'
        ? { grant_type: 'refresh_token', refresh_token: 'made-up', client_id: CLIENT_ID }
        : authorizationParams();
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN, dpop: await dpopProof(key, { htm: method, htu: url }) },
        body: new URLSearchParams(fields),
      });
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error, 'use_dpop_nonce');
      assert.match(res.headers.get('dpop-nonce'), NONCE);
      assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
      const exposed = res.headers.get('access-control-expose-headers').split(',').map((h) => h.trim().toLowerCase());
      assert.ok(exposed.includes('dpop-nonce') && exposed.includes('www-authenticate'), exposed.join());
    });
  }

  test('userinfo: its use_dpop_nonce 401 exposes DPoP-Nonce and WWW-Authenticate', async () => {
    const key = await dpopKey();
    const { tokens } = await signIn({ authorizationEndpoint: ctx.doc.authorization_endpoint, tokenEndpoint: ctx.doc.token_endpoint, dpop: key });
    const res = await fetch(ctx.doc.userinfo_endpoint, {
      headers: {
        origin: APP_ORIGIN,
        authorization: `DPoP ${tokens.access_token}`,
        dpop: await dpopProof(key, { htm: 'GET', htu: ctx.doc.userinfo_endpoint, accessToken: tokens.access_token }),
      },
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate'), /^DPoP .*error="use_dpop_nonce"/);
    assert.match(res.headers.get('dpop-nonce'), NONCE);
    assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
    const exposed = res.headers.get('access-control-expose-headers').split(',').map((h) => h.trim().toLowerCase());
    assert.ok(exposed.includes('dpop-nonce') && exposed.includes('www-authenticate'), exposed.join());
  });
});
