// TEST-ONLY: a switch that makes the local provider misbehave, so the app's
// checks of the authorization response, the token response and the ID token
// can be exercised end to end against a real oidc-provider.
//
// server.mjs installs this only when the environment has TEST_MISBEHAVE=1
// (the end-to-end tests' Playwright config sets it; `make dev` never does).
// Without it, POST /__test/misbehave does not exist (oidc-provider's 404) and
// no response is ever rewritten.
//
//   POST /__test/misbehave   Content-Type: application/json
//        {"mode": "<name>"}  -> 204, the mode stays on until reset
//        {"mode": null}      -> 204, back to normal
//        unknown mode, bad JSON, other content type -> 400 / 415
//
// Everything happens in one Koa middleware registered with provider.use(), so
// it runs around oidc-provider's own routing:
//   - token endpoint (ctx.oidc.route === 'token', 200): after next(), ctx.body
//     is still the plain object oidc-provider built (Koa serializes it only
//     once every middleware has returned), so it is modified in place;
//   - authorization response: the 303 whose Location is one of the client's
//     redirect URIs (?code=...&state=...&iss=...), rewritten with ctx.redirect().
// Modes (and the code the app shows): see createModes() below; selftest.mjs
// checks that each one breaks exactly what it says.
// ID tokens are decoded and re-signed with the provider's own private key
// (keys.mjs, or the `key` given to installMisbehave), so that only the one
// thing under test is wrong.

import * as crypto from 'node:crypto';

import { CompactSign, base64url, decodeJwt, decodeProtectedHeader } from 'jose';

import { signingKey } from './keys.mjs';

export const CONTROL_PATH = '/__test/misbehave';

const enc = new TextEncoder();

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/** Splits a compact JWS and decodes its header and payload. */
function decode(idToken) {
  const parts = idToken.split('.');
  if (parts.length !== 3) throw new Error('misbehave: id_token is not a compact JWS');
  return { parts, header: decodeProtectedHeader(idToken), payload: decodeJwt(idToken) };
}

/** Signs `payload` with exactly `header` (alg taken from it). */
async function sign(header, payload, key = signingKey.privateKey) {
  return new CompactSign(enc.encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
}

// A second RSA key that the provider's jwks never lists.
let unknownKey;
function getUnknownKey() {
  unknownKey ??= crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return unknownKey;
}

/** A random base64url string of the same length as `state`, never equal to it. */
function otherState(state) {
  const length = Math.max(state.length, 1);
  let other = state;
  while (other === state) {
    other = crypto.randomBytes(length).toString('base64url').slice(0, length);
  }
  return other;
}

/** Re-signs with the real key after `change(payload, now)` edited the claims. */
function claimsWith(key) {
  return (change) => async (idToken) => {
    const { header, payload } = decode(idToken);
    change(payload, nowSeconds());
    return sign(header, payload, key);
  };
}

/**
 * The modes. `idToken(idToken, context)` returns the replacement ID token;
 * `tokenResponse(body)` edits the token response object; `callback(params)`
 * edits the authorization response's query (URLSearchParams).
 * The comment names the code the app is expected to show.
 */
export function createModes({ issuer, key = signingKey.privateKey }) {
  const claims = claimsWith(key);
  return new Map(Object.entries({
    // id_token_signature_invalid
    id_token_signature: {
      async idToken(idToken) {
        const { parts } = decode(idToken);
        const signature = base64url.decode(parts[2]);
        for (let i = 0; i < 8; i += 1) signature[i] ^= 0xff;
        return `${parts[0]}.${parts[1]}.${base64url.encode(signature)}`;
      },
    },
    // id_token_alg_unsupported
    id_token_alg_none: {
      async idToken(idToken) {
        const { parts, header } = decode(idToken);
        const none = base64url.encode(JSON.stringify({ ...header, alg: 'none' }));
        return `${none}.${parts[1]}.`;
      },
    },
    // id_token_alg_unsupported
    id_token_hs256: {
      async idToken(idToken) {
        const { header, payload } = decode(idToken);
        return sign({ ...header, alg: 'HS256' }, payload, crypto.randomBytes(32));
      },
    },
    // id_token_header_refused
    id_token_jku: {
      async idToken(idToken) {
        const { header, payload } = decode(idToken);
        return sign({ ...header, jku: `${issuer}/evil.json` }, payload, key);
      },
    },
    // id_token_key_not_found
    id_token_unknown_kid: {
      async idToken(idToken) {
        const { header, payload } = decode(idToken);
        return sign({ ...header, alg: 'RS256', kid: 'unknown-key' }, payload, getUnknownKey());
      },
    },
    // issuer_mismatch
    id_token_iss: {
      idToken: claims((p) => { p.iss = `${issuer}/other`; }),
    },
    // audience_mismatch
    id_token_aud: {
      idToken: claims((p) => { p.aud = 'someone-else'; }),
    },
    // azp_mismatch
    id_token_azp: {
      idToken: claims((p) => {
        const clientId = Array.isArray(p.aud) ? p.aud[0] : p.aud;
        p.aud = [clientId, 'other-api'];
        p.azp = 'other-api';
      }),
    },
    // id_token_expired
    id_token_expired: {
      idToken: claims((p, now) => { p.exp = now - 3600; p.iat = now - 7200; }),
    },
    // id_token_iat_invalid
    id_token_iat_future: {
      idToken: claims((p, now) => { p.iat = now + 3600; p.exp = now + 7200; }),
    },
    // id_token_not_yet_valid. exp moves out too: oidc-provider's ID tokens
    // live exactly 3600 s, so nbf = now + 3600 alone would equal exp and
    // the token would never be valid at all (two things wrong, not one).
    id_token_nbf_future: {
      idToken: claims((p, now) => { p.nbf = now + 3600; p.exp = now + 7200; }),
    },
    // nonce_mismatch
    id_token_nonce: {
      idToken: claims((p) => { p.nonce = 'not-the-nonce'; }),
    },
    // id_token_sub_missing
    id_token_no_sub: {
      idToken: claims((p) => { delete p.sub; }),
    },
    // at_hash_mismatch (oidc-provider puts no at_hash into ID tokens from
    // the token endpoint; this adds a wrong one)
    id_token_at_hash: {
      idToken: claims((p) => { p.at_hash = base64url.encode(new Uint8Array(16)); }),
    },
    // id_token_missing
    id_token_missing: {
      tokenResponse(body) { delete body.id_token; },
    },
    // token_type_unsupported
    token_type: {
      tokenResponse(body) { body.token_type = 'DPoP'; },
    },
    // callback_iss_mismatch
    iss_wrong: {
      callback(params) { params.set('iss', `${issuer}/evil`); },
    },
    // callback_iss_missing
    iss_missing: {
      callback(params) { params.delete('iss'); },
    },
    // state_mismatch: another state of the same length and alphabet, as a
    // forged or swapped link would carry. (Playwright cannot intercept the
    // redirect hop to /callback, so the provider does it.)
    state_tampered: {
      callback(params) {
        const state = params.get('state');
        if (state !== null) params.set('state', otherState(state));
      },
    },
  }));
}

async function readJson(ctx, limit = 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Object.assign(new Error('request body is not JSON'), { status: 400 });
  }
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    && !Buffer.isBuffer(value) && typeof value.pipe !== 'function';
}

/**
 * Registers the control endpoint and the rewriting middleware on `provider`.
 * `redirectUris`: the client's registered redirect URIs (exact strings);
 * `key`: the provider's private signing key (default: keys.mjs's);
 * `log(line)`: where "misbehave: ..." lines go.
 */
export function installMisbehave(provider, {
  issuer, redirectUris, key, log = (line) => console.log(`dev-provider: ${line}`),
}) {
  const modes = createModes({ issuer, key });
  const callbackTargets = new Set(redirectUris);
  let current = null; // [name, mode] or null

  function isCallback(location) {
    let url;
    try {
      url = new URL(location);
    } catch {
      return false;
    }
    return callbackTargets.has(`${url.origin}${url.pathname}`);
  }

  async function control(ctx) {
    ctx.set('Cache-Control', 'no-store');
    if (ctx.method !== 'POST') {
      ctx.set('Allow', 'POST');
      ctx.status = 405;
      ctx.body = { error: 'method not allowed' };
      return;
    }
    // JSON only: a cross-origin page cannot send this without a CORS
    // preflight, which is never answered.
    if (!ctx.is('application/json')) {
      ctx.status = 415;
      ctx.body = { error: 'send Content-Type: application/json' };
      return;
    }
    let input;
    try {
      input = await readJson(ctx);
    } catch (err) {
      ctx.status = err.status ?? 400;
      ctx.body = { error: err.message };
      return;
    }
    if (!isPlainObject(input) || !Object.hasOwn(input, 'mode')) {
      ctx.status = 400;
      ctx.body = { error: 'expected {"mode": "<name>"} or {"mode": null}' };
      return;
    }
    const { mode } = input;
    if (mode === null) {
      current = null;
      log('misbehave: off');
      ctx.status = 204;
      return;
    }
    if (typeof mode !== 'string' || !modes.has(mode)) {
      ctx.status = 400;
      ctx.body = { error: `unknown mode ${JSON.stringify(mode)}`, modes: [...modes.keys()] };
      return;
    }
    current = [mode, modes.get(mode)];
    log(`misbehave: ${mode}`);
    ctx.status = 204;
  }

  provider.use(async (ctx, next) => {
    if (ctx.path === CONTROL_PATH) {
      await control(ctx);
      return;
    }

    await next();

    if (current === null) return;
    const [name, mode] = current;

    // Token endpoint: ctx.body is still the object oidc-provider built.
    if ((mode.idToken || mode.tokenResponse)
      && ctx.oidc?.route === 'token' && ctx.status === 200 && isPlainObject(ctx.body)) {
      const body = { ...ctx.body };
      if (mode.idToken && typeof body.id_token === 'string') {
        body.id_token = await mode.idToken(body.id_token);
      }
      mode.tokenResponse?.(body);
      ctx.body = body;
      log(`misbehave: ${name}: token response rewritten`);
      return;
    }

    // Authorization response: the redirect to the client's redirect_uri.
    const location = ctx.response.get('Location');
    if (mode.callback && ctx.status >= 300 && ctx.status < 400 && location && isCallback(location)) {
      const url = new URL(location);
      mode.callback(url.searchParams);
      // ctx.redirect keeps the 303 and rewrites the body's link as well.
      ctx.redirect(url.href);
      log(`misbehave: ${name}: authorization response rewritten`);
    }
  });

  return { modes: [...modes.keys()] };
}
