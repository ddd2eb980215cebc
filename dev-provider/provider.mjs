// createDevProvider(): one local OpenID provider (oidc-provider v9, one
// public client, PKCE S256) behind a node:http server on 127.0.0.1, looking
// from outside like the provider of its layout (provider-layouts.mjs).
// Development and tests only: keys in memory, fixed cookie keys, in-memory
// storage. The modules beside this one each do one job.

import * as http from 'node:http';

import Provider from 'oidc-provider';

import { apiResource, createApi } from './api.mjs';
import { configuration, redirectUris } from './configuration.mjs';
import { dropCors, restrictCors } from './cors.mjs';
import { errorPage, sendHtml, sendJson } from './html.mjs';
import { generateSigningKey } from './keys.mjs';
import { INTERACTION_PATH, handleInteraction } from './login.mjs';
import { installLayout, layoutFor, resolvePath, routePath } from './provider-layouts.mjs';
import { logRevocations } from './revocation-log.mjs';
import { CLIENT_ID, DEFAULT_ACCESS_TOKEN_TTL, DEV_APP_ORIGINS, HOST } from './settings.mjs';

/**
 * Makes (does not start) one provider:
 *   port         where it will listen; the issuer's origin is http://127.0.0.1:port
 *   layout       a name from provider-layouts.mjs, default "root"
 *   issuer       root layout only: another issuer
 *   clientId, appOrigins, accessTokenTtl: settings.mjs's commonSettings()
 *   tag          the prefix of its log lines; log(line) replaces console.log
 * Returns { name, layout, issuer, origin, port, provider, signingKey, redirectUris, log, listen(), close() }.
 * Middleware added with provider.use() before the first request takes part.
 */
export async function createDevProvider({
  port,
  layout: name = 'root',
  issuer: issuerOverride,
  clientId = CLIENT_ID,
  appOrigins = DEV_APP_ORIGINS,
  accessTokenTtl = DEFAULT_ACCESS_TOKEN_TTL,
  tag = 'dev-provider',
  log: print = console.log,
}) {
  const layout = layoutFor(name);
  const origin = `http://${HOST}:${port}`;
  if (issuerOverride && name !== 'root') {
    throw new Error(`an ISSUER of its own is for the root layout only, not ${name}`);
  }
  const issuer = issuerOverride ? issuerOverride.replace(/\/+$/, '') : `${origin}${layout.issuerPath}`;
  const allowedOrigins = new Set(appOrigins);
  const signingKey = generateSigningKey();
  const log = (line) => print(`${tag}: ${line}`);
  const noCorsPaths = new Set((layout.noCorsEndpoints ?? []).map((route) => routePath(layout, route)));

  const provider = new Provider(issuer, configuration({ name, layout, clientId, appOrigins, accessTokenTtl, signingKey }));
  logRevocations(provider, log);
  installLayout(provider, layout, origin, signingKey);
  const handleApi = createApi(provider, allowedOrigins);

  let providerCallback; // made at the first request, with every middleware added by then
  const server = http.createServer(async (req, res) => {
    let pathname = '/';
    let search = '';
    try {
      ({ pathname, search } = new URL(req.url, origin));
    } catch {
      // leave '/'
    }
    // One line per request: method and path only (no query, no bodies, no tokens).
    res.on('finish', () => print(`${tag === 'dev-provider' ? '' : `${tag}: `}${req.method} ${pathname} ${res.statusCode}`));
    restrictCors(req, res, allowedOrigins);
    if (noCorsPaths.has(pathname)) dropCors(res);

    try {
      if (apiResource(pathname) !== null) {
        await handleApi(req, res);
        return;
      }
      const match = INTERACTION_PATH.exec(pathname);
      if (match) {
        await handleInteraction(provider, req, res, match[1], match[2]);
        return;
      }
      const target = resolvePath(layout, pathname);
      if (target === null) {
        sendJson(res, 404, { error: 'not_found', error_description: `no ${pathname} on this provider (layout ${name})` });
        return;
      }
      if (layout.mounts) {
        // oidc-provider builds its URLs from the part of req.originalUrl
        // before req.url (its mount path).
        req.devProviderMount = target.mount;
        req.url = `${target.internal}${search}`;
        req.originalUrl = `${target.mount.prefix}${target.internal}${search}`;
      }
      providerCallback ??= provider.callback();
      providerCallback(req, res);
    } catch (err) {
      console.error(`${tag}: error handling ${req.method} ${pathname}: ${err.message}`);
      if (!res.headersSent) sendHtml(res, err.status || 500, errorPage('Internal error'));
      else res.destroy();
    }
  });

  function listen() {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, () => {
        server.off('error', reject);
        log(`issuer ${issuer}, client ${clientId}${name === 'root' ? '' : `, layout ${name}`}`);
        log(`listening on ${origin}, app origins ${appOrigins.join(', ') || '(none)'}`);
        resolve();
      });
    });
  }

  function close() {
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  }

  return { name, layout, issuer, origin, port, provider, signingKey, redirectUris: redirectUris(appOrigins), log, listen, close };
}
