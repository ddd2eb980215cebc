// The demo API: GET /api/hello with "Authorization: Bearer <access token>"
// answers {"message": "Hello, <sub>", sub, scope}. The token must be one of
// this provider's access tokens, valid (not expired, not revoked, its
// provider session alive) and not sender-constrained; otherwise 401 with
// WWW-Authenticate. CORS for the app origins only, the 401's
// WWW-Authenticate readable by them.

import { sendJson } from './html.mjs';

export const API_PATH = '/api/hello';

function bearerToken(header) {
  if (typeof header !== 'string') return '';
  const match = /^Bearer +(\S*) *$/i.exec(header);
  return match ? match[1] : '';
}

/** The request handler for API_PATH; `allowedOrigins` is a Set. */
export function createApi(provider, allowedOrigins) {
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
        'Access-Control-Allow-Headers': 'Authorization',
        'Access-Control-Max-Age': '600',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }

    const headers = { ...cors, ...(corsAllowed ? { 'Access-Control-Expose-Headers': 'WWW-Authenticate' } : {}) };
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method_not_allowed', error_description: 'only GET' }, { ...headers, Allow: 'GET, OPTIONS' });
      return;
    }
    const value = bearerToken(req.headers.authorization);
    if (!value) {
      sendJson(res, 401, { error: 'unauthorized', error_description: 'send Authorization: Bearer <access token>' },
        { ...headers, 'WWW-Authenticate': 'Bearer' });
      return;
    }
    const token = await provider.AccessToken.find(value);
    if (!token || !token.isValid || token.isSenderConstrained()) {
      sendJson(res, 401, { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' },
        { ...headers, 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    sendJson(res, 200, { message: `Hello, ${token.accountId}`, sub: token.accountId, scope: token.scope ?? '' }, headers);
  };
}
