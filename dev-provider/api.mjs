// The demo API, for one of this provider's access tokens that is valid (not
// expired, not revoked, its provider session alive):
//   GET /api/hello       {"message": "Hello, <sub>", sub, scope, jkt}
//   GET /api/notes       {sub, notes: [{id, title}, ...]}: the same three
//                        notes (NOTES) for every account
//   GET /api/notes/<id>  {id, title, body, sub}; 404 not_found for an id
//                        that is not one of them
// Each with the same authorization:
//   - DPoP-bound (cnf.jkt): "Authorization: DPoP <token>" with a "DPoP"
//     proof (RFC 9449 section 7) that passes every check of checkProof (its
//     htu the URL of the resource asked for) and carries this API's own
//     nonce (section 9);
//   - not sender-constrained: "Authorization: Bearer <token>" (RFC 6750).
// Otherwise 401 with WWW-Authenticate, before anything is said about the
// resource (an unknown note is 404 only for a valid token). Every answer
// carries the current DPoP-Nonce. CORS for the app origins only: they may
// send Authorization and DPoP and read WWW-Authenticate and DPoP-Nonce.

import * as crypto from 'node:crypto';

import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify } from 'jose';

import { DPOP_ALGS } from './configuration.mjs';
import { sendJson } from './html.mjs';

export const API_PATH = '/api/hello';
/** The notes list; one note is NOTES_PATH/<id>. */
export const NOTES_PATH = '/api/notes';

/**
 * The notes every account sees (the example app's protected pages): fixed
 * text, so a test can compare, and nothing in it about anyone.
 */
export const NOTES = Object.freeze([
  {
    id: '1',
    title: 'Welcome',
    body: 'These notes come from the demo API of the local development provider. '
      + 'Every account sees the same three: the API only checks that the access token is valid.',
  },
  {
    id: '2',
    title: 'PKCE in one paragraph',
    body: 'The app makes a random code verifier and sends only its SHA-256 hash with the authorization request. '
      + 'It then sends the verifier with the code, so a code taken on the way is worthless to anyone else (RFC 7636).',
  },
  {
    id: '3',
    title: 'Why DPoP',
    body: 'A DPoP-bound access token is accepted only with a fresh proof signed by the key it is bound to, '
      + 'and that private key never leaves the browser: a copied token alone calls nothing (RFC 9449).',
  },
].map((note) => Object.freeze(note)));

/**
 * What a request path names: { kind: "hello" }, { kind: "notes" },
 * { kind: "note", id } (any one non-empty segment: an unknown id is the
 * handler's 404), or null when it is none of this API's paths.
 */
export function apiResource(pathname) {
  if (pathname === API_PATH) return { kind: 'hello' };
  if (pathname === NOTES_PATH) return { kind: 'notes' };
  const match = /^\/api\/notes\/([^/]+)$/.exec(pathname);
  return match ? { kind: 'note', id: match[1] } : null;
}

/** A proof's iat may be this far (s) from now, either way. */
export const IAT_WINDOW = 60;
/** A nonce is issued for NONCE_SLOT s and accepted one slot longer. */
export const NONCE_SLOT = 60;

const CHALLENGE_ALGS = `algs="${DPOP_ALGS.join(' ')}"`;

/** ["DPoP" | "Bearer", token] from an Authorization header, or null. */
function credentials(header) {
  const match = /^(DPoP|Bearer) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(typeof header === 'string' ? header : '');
  if (!match) return null;
  return [match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', match[2]];
}

class Refusal extends Error {
  constructor(error, description, { scheme = 'DPoP' } = {}) {
    super(description);
    this.error = error;
    this.scheme = scheme;
  }
}

/**
 * The API's nonces (RFC 9449 section 9): an HMAC of the time slot under a
 * per-process secret, so nothing is stored; the current and the previous
 * slot's are accepted, so a nonce lives NONCE_SLOT to 2 * NONCE_SLOT s.
 */
function nonces(now = () => Date.now()) {
  const secret = crypto.randomBytes(32);
  const of = (slot) => crypto.createHmac('sha256', secret).update(`api-dpop-nonce:${slot}`).digest('base64url');
  const slot = () => Math.floor(now() / 1000 / NONCE_SLOT);
  return {
    current: () => of(slot()),
    accepts(nonce) {
      if (typeof nonce !== 'string') return false;
      const given = Buffer.from(nonce);
      return [slot(), slot() - 1].some((s) => {
        const expected = Buffer.from(of(s));
        return expected.length === given.length && crypto.timingSafeEqual(expected, given);
      });
    },
  };
}

/**
 * The jti of every accepted proof until its iat is out of the window (RFC
 * 9449 section 11.1): after that the iat check refuses a replay anyway.
 */
function replayCache() {
  const seen = new Map(); // jti -> forget after (epoch s)
  return {
    /** False when `jti` was seen before; otherwise remembers it. */
    firstUse(jti, iat, nowS) {
      for (const [key, until] of seen) if (until < nowS) seen.delete(key);
      if (seen.has(jti)) return false;
      seen.set(jti, iat + IAT_WINDOW);
      return true;
    },
  };
}

/**
 * The proof's checks (RFC 9449 section 4.3), all but the nonce and the
 * replay: a single compact JWS, typ dpop+jwt, an asymmetric alg, signed by
 * the public key in its `jwk` header; htm this request's method; htu the
 * URL of this request as the client addressed it (requestUrl: the Host
 * header and the path asked for, no query or fragment), so a proof made
 * for /api/notes is no good for /api/notes/1; iat within IAT_WINDOW of now;
 * a jti; ath the hash of `token`. Returns { payload, thumbprint (of the jwk) }.
 */
async function checkProof(req, proof, token, nowS) {
  if (typeof proof !== 'string' || proof === '' || proof.includes(',')) {
    throw new Refusal('invalid_dpop_proof', 'send exactly one DPoP header with a proof');
  }
  let verified;
  try {
    verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGS });
  } catch (err) {
    throw new Refusal('invalid_dpop_proof', `the proof does not verify: ${err.message}`);
  }
  const { payload, protectedHeader } = verified;
  if (payload.htm !== req.method) throw new Refusal('invalid_dpop_proof', 'htm is not this request\'s method');
  const htu = URL.parse(typeof payload.htu === 'string' ? payload.htu : '');
  const expected = requestUrl(req);
  if (!htu || !expected || `${htu.origin}${htu.pathname}` !== `${expected.origin}${expected.pathname}`) {
    throw new Refusal('invalid_dpop_proof', 'htu is not the URL of this request');
  }
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - nowS) > IAT_WINDOW) {
    throw new Refusal('invalid_dpop_proof', `iat is not within ${IAT_WINDOW} s of now`);
  }
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new Refusal('invalid_dpop_proof', 'no jti');
  const ath = crypto.createHash('sha256').update(token).digest('base64url');
  if (payload.ath !== ath) throw new Refusal('invalid_dpop_proof', 'ath is not the hash of this access token');
  return { payload, thumbprint: await calculateJwkThumbprint(protectedHeader.jwk) };
}

/**
 * The URL this request was sent to, without query or fragment (RFC 9449
 * section 4.3: htu is compared "ignoring any query and fragment parts"):
 * http://<Host header><path of the request line>, normalized as the WHATWG
 * URL parser does (dot segments, percent-encoding), as the proof's htu is.
 * The path is set as a path, so a request line "//x/y" stays path "//x/y"
 * and never names host x. Null when the Host header is not just a host
 * (and port).
 */
function requestUrl(req) {
  const url = URL.parse(`http://${req.headers.host}`);
  if (!url || url.href !== `${url.origin}/`) return null;
  url.pathname = (req.url ?? '/').split(/[?#]/)[0];
  return url;
}

/**
 * The request handler for the API's paths (apiResource), also for an
 * unknown path (404); `allowedOrigins` is a Set.
 */
export function createApi(provider, allowedOrigins, { now = () => Date.now() } = {}) {
  const nonce = nonces(now);
  const replays = replayCache();

  /** The token's subject and scope, or throws a Refusal (RFC 9449 section 7.1 and 7.2). */
  async function authorize(req) {
    const given = credentials(req.headers.authorization);
    if (!given) {
      throw new Refusal(null, 'send Authorization: DPoP <access token> with a DPoP proof, or Bearer for an unbound token');
    }
    const [scheme, value] = given;
    const token = await provider.AccessToken.find(value);
    if (!token || !token.isValid) {
      throw new Refusal('invalid_token', 'the access token is invalid, expired or revoked', { scheme });
    }
    if (scheme === 'Bearer') {
      // A DPoP-bound token is worthless without its key: never as Bearer.
      if (token.isSenderConstrained()) {
        throw new Refusal('invalid_token', 'the access token is DPoP-bound: send it as Authorization: DPoP with a proof');
      }
      return token;
    }
    const nowS = Math.floor(now() / 1000);
    const { payload, thumbprint } = await checkProof(req, req.headers.dpop, value, nowS);
    if (!token.jkt) {
      throw new Refusal('invalid_token', 'the access token is not DPoP-bound: send it as Authorization: Bearer');
    }
    if (token.jkt !== thumbprint) {
      throw new Refusal('invalid_token', 'the proof\'s key is not the one the access token is bound to (cnf.jkt)');
    }
    if (!nonce.accepts(payload.nonce)) {
      throw new Refusal('use_dpop_nonce', 'send the proof again with the nonce of the DPoP-Nonce header');
    }
    if (!replays.firstUse(payload.jti, payload.iat, nowS)) {
      throw new Refusal('invalid_dpop_proof', 'this proof (its jti) was used before');
    }
    return token;
  }

  return async function handleApi(req, res) {
    const origin = req.headers.origin;
    const corsAllowed = origin !== undefined && allowedOrigins.has(origin);
    const cors = corsAllowed ? { 'Access-Control-Allow-Origin': origin } : {};
    res.setHeader('Vary', 'Origin');

    if (req.method === 'OPTIONS') {
      if (!corsAllowed || req.headers['access-control-request-method'] === undefined) {
        res.writeHead(403, { 'Cache-Control': 'no-store', 'Content-Length': '0' });
        res.end();
        return;
      }
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Authorization, DPoP',
        'Access-Control-Max-Age': '600',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }

    // The current nonce on every answer: a client may pick it up anywhere.
    const headers = {
      ...cors,
      ...(corsAllowed ? { 'Access-Control-Expose-Headers': 'WWW-Authenticate, DPoP-Nonce' } : {}),
      'DPoP-Nonce': nonce.current(),
    };
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method_not_allowed', error_description: 'only GET' }, { ...headers, Allow: 'GET, OPTIONS' });
      return;
    }
    let token;
    try {
      token = await authorize(req);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      sendJson(res, 401, { error: err.error ?? 'unauthorized', error_description: err.message },
        { ...headers, 'WWW-Authenticate': challenge(err) });
      return;
    }
    const resource = apiResource(requestUrl(req)?.pathname ?? '');
    const sub = token.accountId;
    switch (resource?.kind) {
      case 'hello':
        // `jkt`: the key the token is bound to (its cnf.jkt), so a test can see it.
        sendJson(res, 200, { message: `Hello, ${sub}`, sub, scope: token.scope ?? '', jkt: token.jkt ?? null }, headers);
        return;
      case 'notes':
        sendJson(res, 200, { sub, notes: NOTES.map(({ id, title }) => ({ id, title })) }, headers);
        return;
      case 'note': {
        const note = NOTES.find(({ id }) => id === resource.id);
        if (note) {
          sendJson(res, 200, { ...note, sub }, headers);
        } else {
          sendJson(res, 404, { error: 'not_found', error_description: `no note has this id; GET ${NOTES_PATH} lists them` }, headers);
        }
        return;
      }
      default:
        // Only reached when the caller routed another path here.
        sendJson(res, 404, { error: 'not_found', error_description: 'not a path of this API' }, headers);
    }
  };
}

/**
 * WWW-Authenticate for a refusal: no credentials, both schemes offered; a
 * Bearer token's fault, the Bearer challenge alone (RFC 6750 section 3); a
 * DPoP fault (or a bound token sent as Bearer), the DPoP challenge with the
 * error and algs (RFC 9449 section 7.1), and Bearer still offered.
 */
function challenge({ error, message, scheme }) {
  if (error === null) return `Bearer, DPoP ${CHALLENGE_ALGS}`;
  if (scheme === 'Bearer') return `Bearer error="${error}"`;
  return `DPoP error="${error}", error_description="${message.replace(/["\\]/g, '')}", ${CHALLENGE_ALGS}, Bearer`;
}
