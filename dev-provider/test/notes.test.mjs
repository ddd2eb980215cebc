// The demo API's notes (GET /api/notes and /api/notes/<id>, the example
// app's protected pages): the same answers for every account, the same
// authorization as /api/hello (a DPoP-bound token with a proof for exactly
// the URL asked for and the API's nonce; 401 otherwise, before anything is
// said about the note), the same CORS, and the DPoP-Nonce on every answer.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { API_PATH, NOTES, NOTES_PATH } from '../api.mjs';
import { dpopFetch, dpopProof } from '../dpop-proof.mjs';
import { APP_ORIGIN, OTHER_ORIGIN, signIn, startProvider, startWithDpopToken } from './client.mjs';

const NONCE = /^[A-Za-z0-9_-]{43}$/;
const CHALLENGE_ALL = 'Bearer, DPoP algs="ES256 Ed25519 EdDSA"';

let provider;
let key;
let token;
let notesUrl;

before(async () => {
  ({ provider, key, token } = await startWithDpopToken({ user: 'dana' }));
  notesUrl = `${provider.origin}${NOTES_PATH}`;
});
after(() => provider.close());

/** GET `url` from the app origin with the token and a proof of `key` (the nonce fetched when asked). */
function get(url, { origin = APP_ORIGIN } = {}) {
  return dpopFetch(key, url, { headers: { origin } }, { accessToken: token });
}

/** The answer's JSON, after checking the headers every answer of the API carries for the app origin. */
async function body(res) {
  assert.match(res.headers.get('dpop-nonce'), NONCE);
  assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
  assert.equal(res.headers.get('access-control-expose-headers'), 'WWW-Authenticate, DPoP-Nonce');
  assert.match(res.headers.get('content-type'), /^application\/json/);
  return res.json();
}

describe('a DPoP-bound token with a proof', () => {
  test('GET /api/notes: the three notes\' ids and titles, and the token\'s subject', async () => {
    const res = await get(notesUrl);
    assert.equal(res.status, 200);
    assert.deepEqual(await body(res), {
      sub: 'dana',
      notes: [
        { id: '1', title: 'Welcome' },
        { id: '2', title: 'PKCE in one paragraph' },
        { id: '3', title: 'Why DPoP' },
      ],
    });
  });

  test('GET /api/notes/<id>: each note with its body and the token\'s subject', async () => {
    for (const note of NOTES) {
      const res = await get(`${notesUrl}/${note.id}`);
      assert.equal(res.status, 200, note.id);
      const answer = await body(res);
      assert.deepEqual(answer, { id: note.id, title: note.title, body: note.body, sub: 'dana' });
      assert.match(answer.body, /\S.{20,}/, `note ${note.id} has a body of a sentence or two`);
    }
  });

  test('a query is not part of the resource: /api/notes/2?view=full is note 2', async () => {
    // (dpopProof's htu leaves the query out, as RFC 9449 section 4.2 says.)
    const res = await get(`${notesUrl}/2?view=full`);
    assert.equal(res.status, 200);
    assert.equal((await body(res)).id, '2');
  });

  test('an unknown id: 404 not_found with a description, the nonce and CORS', async () => {
    for (const id of ['4', '0', 'x', 'a%2Fb']) {
      const res = await get(`${notesUrl}/${id}`);
      assert.equal(res.status, 404, id);
      const answer = await body(res);
      assert.equal(answer.error, 'not_found', id);
      assert.match(answer.error_description, /\S/);
      assert.equal(res.headers.get('www-authenticate'), null);
    }
  });

  test('a proof whose htu is /api/notes, sent to /api/notes/1: 401 invalid_dpop_proof (htu)', async () => {
    // The nonce is the API's, the token and key are right: only htu is wrong.
    const nonceAnswer = await get(notesUrl);
    const nonce = nonceAnswer.headers.get('dpop-nonce');
    await nonceAnswer.arrayBuffer();
    const proof = await dpopProof(key, { htm: 'GET', htu: notesUrl, accessToken: token, nonce });
    const res = await fetch(`${notesUrl}/1`, { headers: { authorization: `DPoP ${token}`, dpop: proof, origin: APP_ORIGIN } });
    assert.equal(res.status, 401);
    const answer = await body(res);
    assert.equal(answer.error, 'invalid_dpop_proof');
    assert.match(answer.error_description, /htu/);
    assert.match(res.headers.get('www-authenticate'), /^DPoP error="invalid_dpop_proof"/);
  });

  test('and the other way round: a proof for /api/notes/1 is no good for /api/notes or /api/hello', async () => {
    for (const target of [notesUrl, `${provider.origin}${API_PATH}`]) {
      const nonceAnswer = await get(notesUrl);
      const nonce = nonceAnswer.headers.get('dpop-nonce');
      await nonceAnswer.arrayBuffer();
      const proof = await dpopProof(key, { htm: 'GET', htu: `${notesUrl}/1`, accessToken: token, nonce });
      const res = await fetch(target, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
      assert.equal(res.status, 401, target);
      assert.equal((await res.json()).error, 'invalid_dpop_proof', target);
    }
  });

  test('/api/hello answers as before', async () => {
    const res = await get(`${provider.origin}${API_PATH}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await body(res), { message: 'Hello, dana', sub: 'dana', scope: 'openid profile', jkt: key.thumbprint });
  });
});

describe('refusals', () => {
  test('no token: 401, both schemes offered, for the list, a note and an unknown note alike', async () => {
    for (const url of [notesUrl, `${notesUrl}/1`, `${notesUrl}/4`]) {
      const res = await fetch(url, { headers: { origin: APP_ORIGIN } });
      assert.equal(res.status, 401, url);
      assert.equal(res.headers.get('www-authenticate'), CHALLENGE_ALL, url);
      assert.equal((await body(res)).error, 'unauthorized', url);
    }
  });

  test('the DPoP-bound token as Bearer: 401 invalid_token', async () => {
    const res = await fetch(`${notesUrl}/1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, 'invalid_token');
    assert.match(res.headers.get('www-authenticate'), /^DPoP error="invalid_token"/);
  });

  test('not GET: 405, Allow GET, OPTIONS', async () => {
    const res = await fetch(`${notesUrl}/1`, { method: 'POST', headers: { origin: APP_ORIGIN } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, OPTIONS');
    assert.match(res.headers.get('dpop-nonce'), NONCE);
  });

  test('/api/notes/ and /api/notes/1/x are no paths of the API', async () => {
    for (const url of [`${notesUrl}/`, `${notesUrl}/1/x`]) {
      const res = await get(url);
      assert.equal(res.status, 404, url);
      assert.equal(res.headers.get('dpop-nonce'), null, url);
    }
  });
});

describe('CORS', () => {
  test('the preflight allows GET with Authorization and DPoP for the app origin, on the list and a note', async () => {
    for (const url of [notesUrl, `${notesUrl}/2`]) {
      const res = await fetch(url, {
        method: 'OPTIONS',
        headers: { origin: APP_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,dpop' },
      });
      assert.equal(res.status, 204, url);
      assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
      assert.equal(res.headers.get('access-control-allow-methods'), 'GET');
      assert.equal(res.headers.get('access-control-allow-headers'), 'Authorization, DPoP');
    }
  });

  test('another origin: the preflight refused, an answer without Access-Control-*', async () => {
    const preflight = await fetch(`${notesUrl}/2`, {
      method: 'OPTIONS',
      headers: { origin: OTHER_ORIGIN, 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const res = await get(`${notesUrl}/2`, { origin: OTHER_ORIGIN });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(res.headers.get('access-control-expose-headers'), null);
  });
});

test('an unbound token (no-dpop layout) as Bearer reads the notes', async () => {
  const plain = await startProvider({ layout: 'no-dpop' });
  try {
    const flow = await signIn({ authorizationEndpoint: `${plain.origin}/auth`, tokenEndpoint: `${plain.origin}/token`, user: 'erin' });
    assert.equal(flow.tokens.token_type, 'Bearer');
    const headers = { authorization: `Bearer ${flow.tokens.access_token}` };
    const list = await fetch(`${plain.origin}${NOTES_PATH}`, { headers });
    assert.equal(list.status, 200);
    assert.equal((await list.json()).notes.length, 3);
    const note = await fetch(`${plain.origin}${NOTES_PATH}/3`, { headers });
    assert.equal(note.status, 200);
    assert.deepEqual(await note.json(), { ...NOTES[2], sub: 'erin' });
  } finally {
    await plain.close();
  }
});
