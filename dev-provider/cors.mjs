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

/** No Access-Control-* header for a request from an origin not in `allowed` (a Set). */
export function restrictCors(req, res, allowed) {
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.has(origin)) dropCors(res);
}
