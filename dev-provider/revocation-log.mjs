// One log line per token really revoked at the revocation endpoint: "revoked
// <token type>" (never its value). oidc-provider v9 emits no revocation event
// and answers 200 whether or not the token existed (RFC 7009 §2.2), so this
// looks at what the endpoint found and whether it is gone afterwards.
// (Revoking a refresh or access token removes its whole grant.)

const TOKEN_TYPES = {
  AccessToken: 'access_token',
  RefreshToken: 'refresh_token',
  ClientCredentials: 'client_credentials',
};

export function logRevocations(provider, log) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'revocation' || ctx.status !== 200) return;
    const token = Object.keys(TOKEN_TYPES).map((kind) => ctx.oidc.entities[kind]).find(Boolean);
    if (!token) {
      log('revocation: unknown, expired or already revoked token (nothing to revoke)');
    } else if (await token.adapter.find(token.jti)) {
      log(`revocation: ${TOKEN_TYPES[token.kind]} of another client not revoked`);
    } else {
      log(`revoked ${TOKEN_TYPES[token.kind]}`);
    }
  });
}
