// The local provider under every provider layout at once (the end-to-end
// tests start it): one instance per layout of provider-layouts.mjs, each on
// BASE_PORT (default 9420) + its offset, each with its own key, started in
// port order (so once the last answers, all do).
//   LAYOUTS  comma-separated subset (default all); CLIENT_ID, APP_ORIGINS,
//   ACCESS_TOKEN_TTL as server.mjs. One layout alone:
//   LAYOUT=okta PORT=9422 node server.mjs

import { createDevProvider } from './provider.mjs';
import { LAYOUTS, PORTED_LAYOUTS } from './provider-layouts.mjs';
import { commonSettings, parsePort, refuseTestSwitches } from './settings.mjs';

const instances = [];
try {
  refuseTestSwitches(process.env);
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
  for (const instance of instances) await instance.listen();
} catch (err) {
  console.error(`dev-provider: ${err.message}`);
  process.exit(2);
}
console.log(`dev-provider: ${instances.length} layouts up: ${instances.map((i) => `${i.name} ${i.origin}`).join(', ')}`);

function shutdown(signal) {
  console.log(`dev-provider: ${signal}, shutting down`);
  Promise.all(instances.map((instance) => instance.close())).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
