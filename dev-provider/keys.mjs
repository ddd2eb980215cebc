// Signing keys: a fresh RSA key pair per provider instance, in memory only,
// so oidc-provider's dev-only quick-start keys are never in play.

import * as crypto from 'node:crypto';

/** { kid, alg, privateKey, publicKey (KeyObjects), jwks (private JWK Set for oidc-provider) }. */
export function generateSigningKey() {
  // Generated encoded (PKCS#8 / SPKI DER) and read back into fresh KeyObjects:
  // exporting a KeyObject straight from generateKeyPairSync as JWK can
  // deadlock Node 20 when several keys are made in one process (a GC during
  // the export runs an earlier key job's destructor, which waits for the lock
  // the export holds).
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
    privateKey,
    publicKey,
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' }] },
  });
}
