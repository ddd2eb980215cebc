// CORS at the node:http level. oidc-provider answers preflights, discovery
// and jwks for ANY Origin (its client-based check, in configuration.mjs,
// runs only once a client is identified): these drop its Access-Control-*
// headers where they must not be.

/** Runs fn(res) once, just before the status line and headers are written. */
export function beforeHeaders(res, fn) {
  const writeHead = res.writeHead;
  let done = false;
  res.writeHead = function patchedWriteHead(...args) {
    if (!done) {
      done = true;
      fn(res, args);
    }
    return writeHead.apply(this, args);
  };
}

/** Removes every Access-Control-* header of the response. */
export function dropCors(res) {
  beforeHeaders(res, () => {
    for (const name of res.getHeaderNames()) {
      if (name.startsWith('access-control-')) res.removeHeader(name);
    }
  });
}

/**
 * Adds Date to the headers the page may read, where the answer is readable
 * at all: the provider check compares the provider's clock with the page's
 * (DPoP proofs carry the time, RFC 9449 §11.1).
 */
export function exposeDate(res) {
  beforeHeaders(res, () => {
    if (!res.hasHeader('access-control-allow-origin')) return;
    const exposed = res.getHeader('access-control-expose-headers');
    res.setHeader('access-control-expose-headers', exposed ? `${exposed}, Date` : 'Date');
  });
}

/**
 * No Access-Control-* header for a request from an origin not in `allowed`
 * (a Set); for those in it, the Date header readable too.
 */
export function restrictCors(req, res, allowed) {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (allowed.has(origin)) exposeDate(res);
  else dropCors(res);
}
