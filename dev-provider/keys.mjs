// The provider's signing key: a fresh RSA key pair per start (in memory only),
// so the dev-only quick-start keys that oidc-provider would otherwise use are
// never in play.
//
// `signingKey` is generated once, when this module is first imported; every
// importer gets the same key: the root layout's provider (dev-provider.mjs)
// hands `signingKey.jwks` to oidc-provider, and the test-only misbehave switch
// (misbehave.mjs) re-signs ID tokens with `signingKey.privateKey` by default,
// so that only the one thing under test is wrong. Every other layout
// (provider-layouts.mjs) gets a key of its own from generateSigningKey().

import * as crypto from 'node:crypto';

export function generateSigningKey() {
  // The pair comes out of the generator encoded (PKCS#8 / SPKI DER) and is
  // read back into fresh KeyObjects. Exporting a KeyObject straight from
  // generateKeyPairSync as JWK can deadlock Node 20: a garbage collection
  // during the export runs an earlier key generation job's destructor, which
  // waits for the key data lock the export holds (seen with several keys
  // in one process, layouts.mjs: a hung start with 0 % CPU).
  const pair = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  const privateKey = crypto.createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' });
  const publicKey = crypto.createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' });
  const kid = `dev-${crypto.randomBytes(8).toString('hex')}`;
  const alg = 'RS256';
  return Object.freeze({
    kid,
    alg,
    /** node:crypto KeyObject (private); jose signs with it directly. */
    privateKey,
    /** node:crypto KeyObject (public). */
    publicKey,
    /** The private JWK Set for oidc-provider's `jwks` configuration. */
    jwks: {
      keys: [{
        ...privateKey.export({ format: 'jwk' }),
        kid,
        alg,
        use: 'sig',
      }],
    },
  });
}

export const signingKey = generateSigningKey();
