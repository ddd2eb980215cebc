// The local development provider under every provider layout at once: one
// oidc-provider instance per layout (provider-layouts.mjs), each on its own
// port of 127.0.0.1, each with its own signing key, all with the same client
// (pkce-spa-dev), login page, automatic consent and CORS for the app origins.
// The end-to-end tests start this (playwright.config.mjs) beside server.mjs.
//
//   layout       port (BASE_PORT + offset)  issuer
//   pingone      9421   http://127.0.0.1:9421/env-1234/as
//   okta         9422   http://127.0.0.1:9422/oauth2/default
//   keycloak     9423   http://127.0.0.1:9423/realms/demo
//   auth0        9424   http://127.0.0.1:9424/            (trailing slash)
//   adobe_ims    9425   http://127.0.0.1:9425             (no discovery)
//   cloudentity  9426   http://127.0.0.1:9426/acme/default
//   entra        9427   http://127.0.0.1:9427/<ENTRA_TENANT_ID>/v2.0
//                       (discovery /common/v2.0/...: issuer template {tenantid})
//   nocors       9428   http://127.0.0.1:9428  (token endpoint without CORS)
//   plainonly    9429   http://127.0.0.1:9429  (discovery offers PKCE plain only)
//
// The instances start one after the other in this order, so once the last
// one answers (plainonly's discovery) all of them do. If any port is taken
// the whole process exits 1.
//
// Environment:
//   BASE_PORT     default 9420
//   LAYOUTS       comma-separated subset of the names above (default: all)
//   CLIENT_ID, APP_ORIGINS, ACCESS_TOKEN_TTL, TEST_MISBEHAVE: as server.mjs
//
// Log lines are prefixed with the layout: "dev-provider[okta]: ...".
// One provider of one layout alone: LAYOUT=okta PORT=9422 node server.mjs

import { commonSettings, createDevProvider, parsePort } from './dev-provider.mjs';
import { LAYOUTS, PORTED_LAYOUTS } from './provider-layouts.mjs';

const instances = [];
try {
  const basePort = parsePort(process.env.BASE_PORT ?? '9420', 'BASE_PORT');
  const settings = commonSettings(process.env);
  const wanted = (process.env.LAYOUTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of wanted) {
    if (!PORTED_LAYOUTS.includes(name)) {
      throw new Error(`LAYOUTS: unknown layout ${JSON.stringify(name)}; one of: ${PORTED_LAYOUTS.join(', ')}`);
    }
  }
  const names = wanted.length ? PORTED_LAYOUTS.filter((name) => wanted.includes(name)) : PORTED_LAYOUTS;
  for (const name of names) {
    instances.push(await createDevProvider({
      port: parsePort(String(basePort + LAYOUTS[name].portOffset), `port of ${name}`),
      layout: name,
      tag: `dev-provider[${name}]`,
      ...settings,
    }));
  }
} catch (err) {
  console.error(`dev-provider: ${err.message}`);
  process.exit(2);
}

try {
  for (const instance of instances) {
    await instance.listen();
  }
} catch (err) {
  console.error(`dev-provider: ${err.message}`);
  process.exit(1);
}
console.log(`dev-provider: ${instances.length} layouts up: ${instances.map((i) => `${i.name} ${i.origin}`).join(', ')}`);

function shutdown(signal) {
  console.log(`dev-provider: ${signal}, shutting down`);
  Promise.all(instances.map((instance) => instance.close())).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
