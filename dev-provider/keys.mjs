// The provider's signing key: a fresh RSA key pair per start (in memory only),
// so the dev-only quick-start keys that oidc-provider would otherwise use are
// never in play.
//
// Generated once, when this module is first imported; every importer gets the
// same key: server.mjs hands `signingKey.jwks` to oidc-provider, and the
// test-only misbehave switch (misbehave.mjs) re-signs ID tokens with
// `signingKey.privateKey`, so that only the one thing under test is wrong.

import * as crypto from 'node:crypto';

function generateSigningKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
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
