// The local OpenID provider of `make dev`: one provider on 127.0.0.1.
//   PORT (default 9400), LAYOUT (default root; or a name of
//   provider-layouts.mjs), ISSUER (root only), CLIENT_ID, APP_ORIGINS,
//   ACCESS_TOKEN_TTL (settings.mjs).
// Refuses to start when the environment asks for the tests' misbehave switch.

import { createDevProvider } from './provider.mjs';
import { DEV_PORT, commonSettings, parsePort, refuseTestSwitches } from './settings.mjs';

let instance;
try {
  refuseTestSwitches(process.env);
  instance = await createDevProvider({
    port: parsePort(process.env.PORT ?? String(DEV_PORT)),
    layout: process.env.LAYOUT || 'root',
    issuer: process.env.ISSUER || undefined,
    ...commonSettings(process.env),
  });
  await instance.listen();
} catch (err) {
  console.error(`dev-provider: ${err.message}`);
  process.exit(2);
}

function shutdown(signal) {
  console.log(`dev-provider: ${signal}, shutting down`);
  instance.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
