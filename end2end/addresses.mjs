// Where the end-to-end tests run: the one table of their ports and origins.
// playwright.config.mjs starts the servers here; the tests import it.

import { APP_BASES, CLIENT_ID } from '../dev-provider/settings.mjs';

export { APP_BASES, CLIENT_ID };
/**
 * E2E_PORT_OFFSET (default 0) moves every port below, so two checkouts can
 * run their end-to-end tests side by side on one machine.
 */
const OFFSET = Number.parseInt(process.env.E2E_PORT_OFFSET ?? '0', 10) || 0;
/** serve.mjs: the release builds under the strict CSP. */
export const APP_PORT = 8181 + OFFSET;
export const APP_ORIGIN = `http://127.0.0.1:${APP_PORT}`;
/** hosting-server.mjs: the release builds through nginx and Caddy with docs/hosting/'s recipes. */
export const NGINX_PORT = 8182 + OFFSET;
export const NGINX_ORIGIN = `http://127.0.0.1:${NGINX_PORT}`;
export const CADDY_PORT = 8183 + OFFSET;
export const CADDY_ORIGIN = `http://127.0.0.1:${CADDY_PORT}`;
/** serve.mjs again: the notes example's release build (examples/notes/dist/) at its own origin's root. */
export const EXAMPLE_PORT = 8184 + OFFSET;
export const EXAMPLE_ORIGIN = `http://127.0.0.1:${EXAMPLE_PORT}`;
/** fixtures/provider.mjs: the root-layout provider with the misbehave switch. */
export const PROVIDER_PORT = 9411 + OFFSET;
export const PROVIDER = `http://127.0.0.1:${PROVIDER_PORT}`;
/** dev-provider/layouts.mjs: every provider layout on BASE + its offset. */
export const LAYOUTS_BASE_PORT = 9420 + OFFSET;
/** Access tokens live 6 s, so the app refreshes about 4.5 s after sign-in. */
export const ACCESS_TOKEN_TTL = 6;
