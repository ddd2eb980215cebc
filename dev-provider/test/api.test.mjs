// The demo API's DPoP checks (RFC 9449 sections 4.3, 7 and 9), with real
// DPoP-bound tokens from the real provider: each check refuses a proof that
// is wrong in that one way only, and a sound proof with the API's nonce
// passes. Plus Bearer: refused for a bound token, accepted for an unbound
// one (the no-dpop layout), and the nonce's rotation under a set clock.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { API_PATH, IAT_WINDOW, NONCE_SLOT, createApi } from '../api.mjs';
import { dpopFetch, dpopKey, dpopProof } from '../dpop-proof.mjs';
import { APP_ORIGIN, freePort, signIn, startProvider, startWithDpopToken } from './client.mjs';

let provider;
let key;
let token;
let apiUrl;

before(async () => {
  ({ provider, key, token } = await startWithDpopToken());
  apiUrl = `${provider.origin}${API_PATH}`;
});
after(() => provider.close());

/** The API's current nonce: asked for with a proof that has none. */
async function apiNonce(url = apiUrl) {
  const res = await call({ nonce: undefined }, { url });
  assert.equal(res.status, 401);
  return res.headers.get('dpop-nonce');
}

/**
 * GET the API with "Authorization: <scheme> <token>" and a proof of `key`
 * for it (dpopProof options in `proof`, the nonce by default the API's
 * current one); `proof: null` sends no DPoP header.
 */
async function call(proof = {}, { scheme = 'DPoP', accessToken = token, signer = key, url = apiUrl, origin = APP_ORIGIN } = {}) {
  const headers = { authorization: `${scheme} ${accessToken}`, origin };
  if (proof !== null) {
    const nonce = Object.hasOwn(proof, 'nonce') ? proof.nonce : await apiNonce(url);
    headers.dpop = await dpopProof(signer, { htm: 'GET', htu: url, accessToken, ...proof, nonce });
  }
  return fetch(url, { headers });
}

/** The WWW-Authenticate error of a 401. */
async function refusal(res) {
  assert.equal(res.status, 401);
  const body = await res.json();
  const header = res.headers.get('www-authenticate');
  assert.match(header, new RegExp(`error="${body.error}"`));
  return { error: body.error, header, description: body.error_description };
}

describe('a DPoP-bound token with a proof', () => {
  test('a sound proof with the API\'s nonce: 200, and the next nonce with it, readable from the app origin', async () => {
    const res = await call();
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { message: 'Hello, alice', sub: 'alice', scope: 'openid profile', jkt: key.thumbprint });
    assert.match(res.headers.get('dpop-nonce'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
    assert.equal(res.headers.get('access-control-expose-headers'), 'WWW-Authenticate, DPoP-Nonce');
  });

  test('dpopFetch: the first answer asks for the nonce, the second proof carries it', async () => {
    const fresh = { ...key, nonces: new Map() };
    const res = await dpopFetch(fresh, apiUrl, {}, { accessToken: token });
    assert.equal(res.status, 200);
  });

  test('no nonce: 401 use_dpop_nonce with a DPoP-Nonce header (section 9)', async () => {
    const res = await call({ nonce: undefined });
    const { error, header } = await refusal(res);
    assert.equal(error, 'use_dpop_nonce');
    assert.match(header, /^DPoP error="use_dpop_nonce", error_description="[^"]+", algs="ES256 Ed25519 EdDSA", Bearer$/);
    assert.match(res.headers.get('dpop-nonce'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.headers.get('access-control-expose-headers'), 'WWW-Authenticate, DPoP-Nonce');
  });

  test('a nonce the API never issued: use_dpop_nonce', async () => {
    assert.equal((await refusal(await call({ nonce: 'made-up' }))).error, 'use_dpop_nonce');
  });

  test('a bad signature: invalid_dpop_proof', async () => {
    const other = await dpopKey();
    // Signed by `key`, but the header names another public key.
    const { error, description } = await refusal(await call({ header: { jwk: other.publicJwk } }));
    assert.equal(error, 'invalid_dpop_proof');
    assert.match(description, /does not verify/);
  });

  test('not typ dpop+jwt: invalid_dpop_proof', async () => {
    assert.equal((await refusal(await call({ header: { typ: 'JWT' } }))).error, 'invalid_dpop_proof');
  });

  test('an alg outside the list (ES384): invalid_dpop_proof', async () => {
    const es384 = await dpopKey('ES384');
    assert.equal((await refusal(await call({}, { signer: es384 }))).error, 'invalid_dpop_proof');
  });

  test('wrong htm: invalid_dpop_proof', async () => {
    const { error, description } = await refusal(await call({ htm: 'POST' }));
    assert.equal(error, 'invalid_dpop_proof');
    assert.match(description, /htm/);
  });

  test('wrong htu (another path, another host): invalid_dpop_proof', async () => {
    for (const htu of [`${provider.origin}/api/other`, apiUrl.replace('127.0.0.1', 'localhost')]) {
      const { error, description } = await refusal(await call({ htu }));
      assert.equal(error, 'invalid_dpop_proof', htu);
      assert.match(description, /htu/);
    }
  });

  test(`iat more than ${IAT_WINDOW} s old or ahead: invalid_dpop_proof`, async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const iat of [now - IAT_WINDOW - 5, now + IAT_WINDOW + 5]) {
      const { error, description } = await refusal(await call({ iat }));
      assert.equal(error, 'invalid_dpop_proof', String(iat - now));
      assert.match(description, /iat/);
    }
  });

  test('a proof used twice (the same jti): the second is refused', async () => {
    const proof = await dpopProof(key, { htm: 'GET', htu: apiUrl, accessToken: token, nonce: await apiNonce() });
    const send = () => fetch(apiUrl, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    assert.equal((await send()).status, 200);
    const { error, description } = await refusal(await send());
    assert.equal(error, 'invalid_dpop_proof');
    assert.match(description, /jti/);
  });

  test('ath of another token, or none: invalid_dpop_proof', async () => {
    for (const claims of [{ ath: 'x'.repeat(43) }, { ath: undefined }]) {
      const { error, description } = await refusal(await call({ claims }));
      assert.equal(error, 'invalid_dpop_proof');
      assert.match(description, /ath/);
    }
  });

  test('a sound proof by a key that is not the token\'s cnf.jkt: invalid_token', async () => {
    const other = await dpopKey();
    const { error, description } = await refusal(await call({}, { signer: other }));
    assert.equal(error, 'invalid_token');
    assert.match(description, /cnf\.jkt/);
  });

  test('no DPoP header: invalid_dpop_proof', async () => {
    assert.equal((await refusal(await call(null))).error, 'invalid_dpop_proof');
  });

  test('an unknown token: invalid_token in the DPoP challenge', async () => {
    const { error, header } = await refusal(await call({}, { accessToken: 'not-a-token' }));
    assert.equal(error, 'invalid_token');
    assert.match(header, /^DPoP error="invalid_token"/);
  });
});

describe('Bearer', () => {
  test('a DPoP-bound token as Bearer: 401 invalid_token in the DPoP challenge, Bearer offered', async () => {
    const res = await fetch(apiUrl, { headers: { authorization: `Bearer ${token}`, origin: APP_ORIGIN } });
    const { error, header } = await refusal(res);
    assert.equal(error, 'invalid_token');
    assert.match(header, /^DPoP error="invalid_token", error_description="[^"]*DPoP-bound[^"]*", algs="[^"]+", Bearer$/);
  });

  test('an unbound token (no-dpop layout) as Bearer: 200; as DPoP with a proof: invalid_token', async () => {
    const plain = await startProvider({ layout: 'no-dpop' });
    try {
      const flow = await signIn({ authorizationEndpoint: `${plain.origin}/auth`, tokenEndpoint: `${plain.origin}/token` });
      assert.equal(flow.tokens.token_type, 'Bearer');
      const url = `${plain.origin}${API_PATH}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${flow.tokens.access_token}` } });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).sub, 'alice');
      const asDpop = await call({}, { accessToken: flow.tokens.access_token, url });
      const { error, description } = await refusal(asDpop);
      assert.equal(error, 'invalid_token');
      assert.match(description, /not DPoP-bound/);
    } finally {
      await plain.close();
    }
  });

  test('no Authorization: both schemes offered; an unknown Bearer token: the Bearer challenge alone', async () => {
    const none = await fetch(apiUrl);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer, DPoP algs="ES256 Ed25519 EdDSA"');
    const bogus = await fetch(apiUrl, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(bogus.status, 401);
    assert.equal(bogus.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  });
});

test('the preflight allows Authorization and DPoP for the app origin', async () => {
  const res = await fetch(apiUrl, {
    method: 'OPTIONS',
    headers: { origin: APP_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,dpop' },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
  assert.equal(res.headers.get('access-control-allow-headers'), 'Authorization, DPoP');
});

test(`nonces rotate: one is good in its ${NONCE_SLOT} s slot and the next, not after`, async () => {
  // The same handler as the provider's, over the real provider's tokens,
  // with a clock the test sets.
  let clock = Date.now();
  const handler = createApi(provider.provider, new Set([APP_ORIGIN]), { now: () => clock });
  const server = http.createServer((req, res) => handler(req, res));
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${port}${API_PATH}`;
    const nonce = await apiNonce(url);
    const at = (ms) => {
      clock = ms;
      return call({ nonce, iat: Math.floor(ms / 1000) }, { url });
    };
    const slotStart = Math.floor(clock / 1000 / NONCE_SLOT) * NONCE_SLOT * 1000;
    assert.equal((await at(slotStart + NONCE_SLOT * 1000)).status, 200, 'the next slot');
    const late = await at(slotStart + 2 * NONCE_SLOT * 1000);
    assert.equal((await refusal(late)).error, 'use_dpop_nonce', 'two slots on');
    assert.notEqual(late.headers.get('dpop-nonce'), nonce);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
