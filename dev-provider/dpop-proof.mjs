// DPoP proofs (RFC 9449) from outside a browser, for the provider tests and
// the end-to-end tests' requests made from the test itself (a refresh token
// used without its key, or with another one). Not used by the provider.
//
//   const key = await dpopKey();                 // ES256, its own nonce memory
//   const proof = await dpopProof(key, { htm: 'POST', htu: tokenEndpoint, nonce });
//   const res = await dpopFetch(key, tokenEndpoint, { method: 'POST', body });
//   const api = await dpopFetch(key, apiUrl, {}, { accessToken });

import * as crypto from 'node:crypto';

import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

// For the end-to-end tests, which read the app's proofs (their package has
// no jose of its own).
export { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';

/**
 * A new key pair for DPoP: { alg, privateKey, publicJwk, thumbprint (RFC
 * 7638, what a bound token's cnf.jkt names), nonces (origin -> the last
 * DPoP-Nonce that origin sent, kept by dpopFetch) }.
 */
export async function dpopKey(alg = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk), nonces: new Map() };
}

/** The `ath` claim for `accessToken`: base64url(SHA-256(token)) (RFC 9449 section 4.2). */
export function accessTokenHash(accessToken) {
  return crypto.createHash('sha256').update(accessToken).digest('base64url');
}

/** `url` as a proof's `htu`: without query and fragment (RFC 9449 section 4.2). */
export function htuOf(url) {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/**
 * A DPoP proof JWT signed with `key`: typ dpop+jwt, the public key as `jwk`,
 * claims jti (random), htm, htu, iat (now), and `ath` for `accessToken`,
 * `nonce` when given. `iat`, `jti` replace the defaults; `claims` and
 * `header` are merged last (a member set to undefined is left out), so a
 * test can break exactly one thing.
 */
export async function dpopProof(key, { htm, htu, accessToken, nonce, iat, jti, claims = {}, header = {} }) {
  const payload = {
    jti: jti ?? crypto.randomUUID(),
    htm,
    htu: htuOf(htu),
    iat: iat ?? Math.floor(Date.now() / 1000),
    ...(accessToken === undefined ? {} : { ath: accessTokenHash(accessToken) }),
    ...(nonce === undefined ? {} : { nonce }),
    ...claims,
  };
  const protectedHeader = { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...header };
  return new SignJWT(dropUndefined(payload)).setProtectedHeader(dropUndefined(protectedHeader)).sign(key.privateKey);
}

function dropUndefined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** True when `res` (400 from a token endpoint, 401 from a resource) asks for a DPoP nonce. */
async function asksForNonce(res) {
  if (!res.headers.has('dpop-nonce') || (res.status !== 400 && res.status !== 401)) return false;
  if (/\berror="use_dpop_nonce"/.test(res.headers.get('www-authenticate') ?? '')) return true;
  try {
    return (await res.clone().json()).error === 'use_dpop_nonce';
  } catch {
    return false;
  }
}

/**
 * fetch(url, init) with a DPoP proof made with `key` (and `ath` for
 * `accessToken`, then sent as "Authorization: DPoP <token>"), carrying the
 * nonce this key last got from url's origin. When the answer asks for a
 * nonce (use_dpop_nonce and a DPoP-Nonce header, RFC 9449 sections 8 and 9),
 * it is sent once more with a new proof and that nonce. Every DPoP-Nonce
 * answered is remembered for the next request.
 */
export async function dpopFetch(key, url, init = {}, { accessToken } = {}) {
  const { origin } = new URL(url);
  const htm = (init.method ?? 'GET').toUpperCase();
  const send = async () => {
    const proof = await dpopProof(key, { htm, htu: url, accessToken, nonce: key.nonces.get(origin) });
    const headers = new Headers(init.headers);
    headers.set('dpop', proof);
    if (accessToken !== undefined) headers.set('authorization', `DPoP ${accessToken}`);
    const res = await fetch(url, { ...init, headers });
    if (res.headers.has('dpop-nonce')) key.nonces.set(origin, res.headers.get('dpop-nonce'));
    return res;
  };
  const res = await send();
  if (!(await asksForNonce(res))) return res;
  await res.arrayBuffer();
  return send();
}
