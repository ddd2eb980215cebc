// Shared helpers of the end-to-end tests: the app's controls, the provider's
// login page, recording what the browser sent, storage checks, and the
// test-only switches (misbehave, config override).
import { expect } from '@playwright/test';

import { dpopProof } from '../../dev-provider/dpop-proof.mjs';
import { LAYOUTS, routePath } from '../../dev-provider/provider-layouts.mjs';
import { APP_BASES, APP_ORIGIN, CLIENT_ID, PROVIDER } from '../addresses.mjs';
import { CONTROL_PATH } from '../fixtures/misbehave.mjs';

export { APP_BASES, APP_ORIGIN, CLIENT_ID, PROVIDER };
export const AUTH_URL = `${PROVIDER}${routePath(LAYOUTS.root, 'authorization')}`;
export const TOKEN_URL = `${PROVIDER}${routePath(LAYOUTS.root, 'token')}`;

/** True for the browser's POST to the provider's token endpoint. */
export function isTokenRequest(request) {
  return request.method() === 'POST' && request.url().split('?')[0] === TOKEN_URL;
}

/** The root provider's PAR endpoint (RFC 9126). */
export const PAR_URL = `${PROVIDER}${routePath(LAYOUTS.root, 'pushed_authorization_request')}`;

/** True for the browser's POST to the provider's PAR endpoint. */
export function isParRequest(request) {
  return request.method() === 'POST' && request.url().split('?')[0] === PAR_URL;
}

/**
 * True for a token endpoint answer that only asks for a DPoP nonce (RFC 9449
 * §8): the app sends the same request again with it, and the provider did
 * nothing with the first. `body` is the parsed JSON (or null).
 */
export function isNonceChallenge(status, body) {
  return status === 400 && body?.error === 'use_dpop_nonce';
}

/**
 * The authorization request's parameters: from the pushed request's body
 * when the app used PAR (the URL then holds only client_id and
 * request_uri), else from the URL's query.
 */
export function authorizationParams(authorizeUrl, parBody = null) {
  const query = new URL(authorizeUrl).searchParams;
  return query.has('request_uri') && parBody !== null ? new URLSearchParams(parBody) : query;
}

/** True for the first, top-level request to the authorization endpoint. */
export function isAuthorizeRequest(request) {
  const url = new URL(request.url());
  return `${url.origin}${url.pathname}` === AUTH_URL && url.searchParams.has('client_id');
}

export function signInButton(page) {
  return page.getByRole('button', { name: 'Sign in', exact: true });
}

export function signOutButton(page) {
  return page.getByRole('button', { name: 'Sign out', exact: true });
}

export function signedInHeading(page) {
  return page.getByRole('heading', { name: 'Signed in', exact: true });
}

export function field(page, name) {
  return page.locator(`[data-field="${name}"]`);
}

/** The error alert; tests assert there is exactly one. */
export function errorAlert(page) {
  return page.getByRole('alert');
}

/** The machine code shown inside the alert. */
export function errorCode(page) {
  return errorAlert(page).locator('code[data-code]');
}

/**
 * From the app's signed-out view: click "Sign in" and wait for the local
 * development provider's login page.
 */
export async function startSignIn(page) {
  await signInButton(page).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(`${PROVIDER}/interaction/`));
  await expect(page.getByRole('heading', { name: 'Local development provider' })).toBeVisible();
}

/** On the provider's login page: sign in as `name`. */
export async function submitLogin(page, name) {
  await page.getByLabel('User name').fill(name);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

/** On the provider's login page: refuse the sign-in. */
export async function cancelLogin(page) {
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
}

/** From the app's signed-out view, sign in as `name` at the provider. */
export async function signIn(page, name) {
  await startSignIn(page);
  await submitLogin(page, name);
}

/** Everything in the page's localStorage and sessionStorage, as [key, value] pairs. */
export async function readStorage(page) {
  return page.evaluate(() => ({
    local: Object.entries(window.localStorage),
    session: Object.entries(window.sessionStorage),
  }));
}

/**
 * Resolves with the token endpoint's response as the page sees it; rejects at
 * once (instead of running into the test timeout) when the browser fails the
 * request, e.g. because CORS blocked it. Call before the action that triggers
 * the token request.
 */
export function waitForTokenResponse(page) {
  let cleanup;
  const result = new Promise((resolve, reject) => {
    const onResponse = async (response) => {
      if (!isTokenRequest(response.request())) return;
      // A nonce challenge is followed by the same request with the nonce.
      if (isNonceChallenge(response.status(), await response.json().catch(() => null))) return;
      cleanup();
      resolve(response);
    };
    const onFailed = (request) => {
      if (isTokenRequest(request)) {
        cleanup();
        reject(new Error(`the browser failed the token request: ${request.failure()?.errorText}`));
      }
    };
    cleanup = () => {
      page.off('response', onResponse);
      page.off('requestfailed', onFailed);
    };
    page.on('response', onResponse);
    page.on('requestfailed', onFailed);
  });
  // Handled here so an early rejection is not reported as unhandled; awaiting
  // `result` still throws.
  result.catch(() => {});
  return result;
}

// ---------------------------------------------------------------------------
// Content-Security-Policy: serve.mjs sends every HTML page under a strict
// policy; Chromium reports each violation on the console ("Refused to ...
// because it violates the following Content Security Policy directive ...").
// ---------------------------------------------------------------------------

/**
 * Fails the running test on every console message that mentions the
 * Content-Security-Policy. Call it in a beforeEach with the test's page.
 * The failure is recorded as a soft assertion (the test goes on to its own
 * assertions, which then usually fail too because the app never started),
 * so the report names the violation itself. Returns the list of messages.
 */
export function failOnCspViolations(page) {
  const violations = [];
  page.on('console', (message) => {
    const text = message.text();
    if (!text.includes('Content Security Policy')) return;
    violations.push(text);
    try {
      expect.soft(text, 'the page violated the Content-Security-Policy').not.toContain('Content Security Policy');
    } catch {
      // No test is running any more (teardown): nothing left to fail.
    }
  });
  return violations;
}

/** failOnCspViolations for `page` and every tab the app opens (window.open). */
export function failOnCspViolationsInEveryTab(page, context) {
  failOnCspViolations(page);
  context.on('page', (opened) => failOnCspViolations(opened));
}

// ---------------------------------------------------------------------------
// The test provider's misbehave switch (fixtures/misbehave.mjs).
// ---------------------------------------------------------------------------
export const MISBEHAVE_URL = `${PROVIDER}${CONTROL_PATH}`;

/**
 * Makes the provider misbehave in `mode` until reset (`mode` null). `request`
 * is Playwright's APIRequestContext (the `request` fixture).
 */
export async function setMisbehave(request, mode) {
  const response = await request.post(MISBEHAVE_URL, { data: { mode } });
  expect(response.status(), `POST ${MISBEHAVE_URL} ${JSON.stringify({ mode })}: ${await response.text()}`).toBe(204);
}

// ---------------------------------------------------------------------------
// What the browser sent and received during a sign-in.
// ---------------------------------------------------------------------------

/** True for a top-level navigation to the app's callback under any of APP_BASES. */
export function isCallbackNavigation(request) {
  const url = new URL(request.url());
  return request.isNavigationRequest()
    && url.origin === APP_ORIGIN
    && APP_BASES.some((base) => url.pathname === `${base}callback`);
}

/**
 * Starts recording the sign-in's requests on `page`: the first authorization
 * request URL, every callback navigation URL, every token request and
 * response. Call before the sign-in starts.
 */
export function recordFlow(page) {
  const flow = {
    authorizeUrl: null,
    parBody: null,
    callbackUrls: [],
    tokenRequests: [],
    tokenResponses: [],
  };
  page.on('request', (request) => {
    if (flow.authorizeUrl === null && isAuthorizeRequest(request)) flow.authorizeUrl = request.url();
    if (flow.parBody === null && isParRequest(request)) flow.parBody = request.postData() ?? '';
    if (isCallbackNavigation(request)) flow.callbackUrls.push(request.url());
    if (isTokenRequest(request)) flow.tokenRequests.push(request);
  });
  // A request only answered with a nonce challenge is not counted: the app
  // sends it again with the nonce, and the provider did nothing with it.
  // Decided from the status and headers, at once: reading the body would
  // let a test count before the answer is classified.
  page.on('response', (response) => {
    if (!isTokenRequest(response.request())) return;
    if (response.status() === 400 && response.headers()['dpop-nonce']) {
      flow.tokenRequests.splice(flow.tokenRequests.indexOf(response.request()), 1);
      return;
    }
    flow.tokenResponses.push(response);
  });
  return flow;
}

/** The authorization request's parameters of a recorded flow. */
export function flowAuthorizationParams(flow) {
  return authorizationParams(flow.authorizeUrl, flow.parBody);
}

/**
 * The secrets of a recorded sign-in, by name: state and nonce from the
 * authorization request, code_verifier from the token request (if one was
 * sent), access_token / refresh_token from the token response (if any).
 */
export async function flowSecrets(flow) {
  const secrets = {};
  if (flow.authorizeUrl) {
    const query = flowAuthorizationParams(flow);
    secrets.state = query.get('state');
    secrets.nonce = query.get('nonce');
  }
  for (const request of flow.tokenRequests) {
    secrets.code_verifier = new URLSearchParams(request.postData() ?? '').get('code_verifier');
  }
  for (const response of flow.tokenResponses) {
    let body;
    try {
      body = await response.json();
    } catch {
      continue; // not JSON: nothing to look for
    }
    secrets.access_token = body?.access_token;
    secrets.refresh_token = body?.refresh_token;
  }
  return Object.fromEntries(Object.entries(secrets).filter(([, value]) => typeof value === 'string' && value));
}

/**
 * What every name of the deployment at `base` starts with: its storage keys
 * (`<names>.pending.<state>`, `<names>.session`, ...), its BroadcastChannel
 * (`<names>.session`) and its IndexedDB database (`<names>` itself). One
 * origin may serve several deployments (src/core/names.rs).
 */
export function appNames(base = '/') {
  return `pkce-spa{${base}}`;
}

/** The root deployment's pending sign-ins' prefix. */
export const PENDING_PREFIX = `${appNames('/')}.pending.`;
/** A pending sign-in's key, of any deployment. */
const PENDING_KEY = /^pkce-spa\{[^}]*\}\.pending\./;

/**
 * The thumbprints of the DPoP keys the deployment at `base` keeps in
 * IndexedDB (its database `appNames(base)`, store `keys`); [] when there is
 * no such database (never made here: the app makes it, with its store).
 */
export async function storedProofKeys(page, base = '/') {
  return page.evaluate(async (name) => {
    if (!(await indexedDB.databases()).some((db) => db.name === name)) return [];
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onerror = () => reject(new Error(`cannot open ${name}`));
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('keys')) {
          db.close();
          resolve([]);
          return;
        }
        const request = db.transaction('keys').objectStore('keys').getAllKeys();
        request.onsuccess = () => {
          db.close();
          resolve(request.result);
        };
        request.onerror = () => reject(new Error(`cannot read ${name}`));
      };
    });
  }, appNames(base));
}

/** The sessionStorage keys of pending sign-ins (of any deployment). */
export async function pendingKeys(page) {
  const { session } = await readStorage(page);
  return session.map(([key]) => key).filter((key) => PENDING_KEY.test(key));
}

/**
 * Nothing of a sign-in is left in web storage: no localStorage entry, no
 * pending sign-in, and no sessionStorage value that holds one of the flow's
 * secrets (the tokens and the verifier in no key either). `names` limits the
 * secrets looked for (default: all of them). Failures name the secret and
 * the key, never the secret's value.
 */
export async function expectNothingStored(page, flow, { names } = {}) {
  const secrets = Object.fromEntries(Object.entries(await flowSecrets(flow))
    .filter(([name]) => names === undefined || names.includes(name)));
  const storage = await readStorage(page);
  expect(storage.local.map(([key]) => key), 'localStorage keys').toEqual([]);
  expect(storage.session.map(([key]) => key).filter((key) => PENDING_KEY.test(key)),
    'pending sign-ins left in sessionStorage').toEqual([]);
  for (const [key, value] of storage.session) {
    for (const [name, secret] of Object.entries(secrets)) {
      expect(value.includes(secret), `sessionStorage[${JSON.stringify(key)}] holds the ${name}`).toBe(false);
      if (name !== 'state' && name !== 'nonce') {
        expect(key.includes(secret), `a sessionStorage key holds the ${name}`).toBe(false);
      }
    }
  }
}

/** Exactly one alert, showing `code`, and not signed in. */
export async function expectRefused(page, code) {
  await expect(errorAlert(page)).toHaveCount(1);
  await expect(errorCode(page)).toHaveText(code);
  await expect(signedInHeading(page)).toHaveCount(0);
}

// ---------------------------------------------------------------------------
// The session after sign-in (tests/session.spec.mjs).
// ---------------------------------------------------------------------------
export const DISCOVERY_URL = `${PROVIDER}/.well-known/openid-configuration`;
/** The provider's demo API (dev-provider/api.mjs). */
export const API_URL = `${PROVIDER}/api/hello`;
/** serve.mjs's test-only config override. */
export const CONFIG_URL = `${APP_ORIGIN}/__test/config`;
/** The root deployment's session and session key. */
export const SESSION_PREFIX = `${appNames('/')}.session`;

/**
 * Merges `fields` into the app's config.json (every mount, or only the one
 * at `base`, e.g. '/pr/42/') until the next call; `{}` without `base` goes
 * back to the generated config everywhere. Set it before the page loads
 * the app: the app reads config.json at start.
 */
export async function setAppConfig(request, fields, base = undefined) {
  const url = base === undefined ? CONFIG_URL : `${CONFIG_URL}?base=${encodeURIComponent(base)}`;
  const response = await request.post(url, { data: fields });
  expect(response.status(), `POST ${url} ${JSON.stringify(fields)}: ${await response.text()}`).toBe(204);
}

export async function resetAppConfig(request) {
  await setAppConfig(request, {});
}

let metadata;
/** The provider's discovery document (read once per worker). */
export async function providerMetadata(request) {
  if (!metadata) {
    const response = await request.get(DISCOVERY_URL);
    expect(response.status(), `GET ${DISCOVERY_URL}`).toBe(200);
    metadata = await response.json();
  }
  return metadata;
}

/** The form fields of a request's body. */
export function formOf(request) {
  return new URLSearchParams(request.postData() ?? '');
}

/**
 * Records every token request of `target` (a page, or a BrowserContext for
 * all of its tabs) with its answer. Each exchange:
 *   { request, page, form (URLSearchParams), grantType,
 *     status (null until answered), body (parsed JSON or null),
 *     failure (the browser's error text, or null), done }
 * `done` turns true once the body has been read or the request failed.
 * Call before the sign-in starts.
 */
export function recordTokenExchanges(target) {
  const exchanges = [];
  const byRequest = new Map();
  target.on('request', (request) => {
    if (!isTokenRequest(request)) return;
    const form = formOf(request);
    let page = null;
    try {
      page = request.frame().page();
    } catch {
      // (a service worker's request has no frame)
    }
    const exchange = {
      request,
      page,
      form,
      grantType: form.get('grant_type'),
      status: null,
      body: null,
      failure: null,
      nonceChallenge: false,
      done: false,
    };
    exchanges.push(exchange);
    byRequest.set(request, exchange);
  });
  target.on('response', (response) => {
    const exchange = byRequest.get(response.request());
    if (!exchange) return;
    exchange.status = response.status();
    response.json()
      .then((body) => {
        exchange.body = body;
        exchange.nonceChallenge = isNonceChallenge(exchange.status, body);
      }, () => {})
      .finally(() => { exchange.done = true; });
  });
  target.on('requestfailed', (request) => {
    const exchange = byRequest.get(request);
    if (!exchange) return;
    exchange.failure = request.failure()?.errorText ?? 'failed';
    exchange.done = true;
  });

  // A request only answered with a nonce challenge (RFC 9449 §8) is sent
  // again with the nonce; it counts as neither a refresh nor an exchange.
  const counted = () => exchanges.filter((e) => !e.nonceChallenge);
  const refreshes = () => counted().filter((e) => e.grantType === 'refresh_token');
  return {
    exchanges,
    /** Every refresh request, in the order the browser sent them. */
    refreshes,
    /** The refreshes answered 200 with a readable body. */
    okRefreshes: () => refreshes().filter((e) => e.done && e.status === 200 && e.body),
    /** Every code exchange (grant_type=authorization_code). */
    codeExchanges: () => counted().filter((e) => e.grantType === 'authorization_code'),
    /** The nonce challenges the provider answered with. */
    nonceChallenges: () => exchanges.filter((e) => e.nonceChallenge),
    /** True once every recorded request is answered (or failed) and read. */
    allDone: () => exchanges.every((e) => e.done),
    /** The refresh_token of the newest successful token response, if any. */
    latestRefreshToken() {
      const answered = exchanges.filter((e) => e.done && e.status === 200 && typeof e.body?.refresh_token === 'string');
      return answered.at(-1)?.body.refresh_token;
    },
  };
}

/**
 * Every token value a recorder has seen in token responses (access and
 * refresh tokens), for "not in web storage" checks.
 */
export function capturedTokens(recorder) {
  return recorder.exchanges
    .filter((e) => e.body)
    .flatMap((e) => [e.body.access_token, e.body.refresh_token])
    .filter((value) => typeof value === 'string' && value);
}

/**
 * Records the browser's POSTs to the provider's revocation endpoint with
 * their answers: [{ request, form, status (null until answered) }].
 */
export function recordRevocations(target, revocationEndpoint) {
  const revocations = [];
  const byRequest = new Map();
  target.on('request', (request) => {
    if (request.method() !== 'POST' || request.url().split('?')[0] !== revocationEndpoint) return;
    const entry = { request, form: formOf(request), status: null };
    revocations.push(entry);
    byRequest.set(request, entry);
  });
  target.on('response', (response) => {
    const entry = byRequest.get(response.request());
    if (entry) entry.status = response.status();
  });
  return revocations;
}

/** From the test itself: revoke `token` at the provider as the public client. */
export async function revokeAtProvider(request, token, tokenTypeHint = 'refresh_token') {
  const { revocation_endpoint: endpoint } = await providerMetadata(request);
  return request.post(endpoint, {
    form: { token, token_type_hint: tokenTypeHint, client_id: CLIENT_ID },
  });
}

/**
 * From the test itself: a refresh at the token endpoint; resolves with the
 * response. With `dpopKey` (dev-provider/dpop-proof.mjs dpopKey()) it carries
 * a proof of that key, sent again with the provider's nonce when asked
 * (use_dpop_nonce). The root provider's refresh tokens are bound to the
 * app's key, which the test never has: without a proof, or with a key of
 * the test's, a refresh is refused (invalid_grant) whether or not the token
 * is still alive.
 */
export async function refreshAtProvider(request, refreshToken, dpopKey = undefined) {
  const form = { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID };
  if (!dpopKey) return request.post(TOKEN_URL, { form });
  const send = async () => {
    const dpop = await dpopProof(dpopKey, { htm: 'POST', htu: TOKEN_URL, nonce: dpopKey.nonces.get(PROVIDER) });
    const response = await request.post(TOKEN_URL, { form, headers: { dpop } });
    const nonce = response.headers()['dpop-nonce'];
    if (nonce) dpopKey.nonces.set(PROVIDER, nonce);
    return response;
  };
  const first = await send();
  if (first.status() !== 400 || (await first.json().catch(() => ({}))).error !== 'use_dpop_nonce') return first;
  return send();
}

export function callApiButton(page) {
  return page.getByRole('button', { name: 'Call the API', exact: true });
}

/** The UserInfo claim `name` as the app shows it. */
export function userinfoClaim(page, name) {
  return page.locator(`[data-section="userinfo"] dd[data-claim="${name}"]`);
}

/** The sessionStorage keys of a kept session (token_storage "session"). */
export async function sessionKeys(page) {
  const { session } = await readStorage(page);
  return session.map(([key]) => key).filter((key) => key.startsWith(SESSION_PREFIX));
}

/**
 * No web storage entry holds one of `secrets` (in its key or value). The
 * failure names the key, never the secret.
 */
export async function expectSecretsNotStored(page, secrets) {
  const storage = await readStorage(page);
  for (const [area, entries] of Object.entries(storage)) {
    for (const [key, value] of entries) {
      const found = secrets.some((secret) => key.includes(secret) || value.includes(secret));
      expect(found, `${area}Storage[${JSON.stringify(key)}] holds a token`).toBe(false);
    }
  }
}

// ---------------------------------------------------------------------------
// The callback's own failures (tests/callback.spec.mjs, tests/config.spec.mjs,
// tests/entra.spec.mjs).
// ---------------------------------------------------------------------------
export const APP_CONFIG_URL = `${APP_ORIGIN}/config.json`;

/**
 * From the app's signed-out view: click "Sign in", but answer the navigation
 * to the authorization endpoint with 204, so the browser stays on the app
 * with the pending sign-in written. Resolves with the authorization URL and
 * the pending sign-in's secrets: { authorizeUrl, state, nonce, verifier }.
 */
export async function startSignInWithoutLeaving(page) {
  let authorizeUrl = null;
  let parBody = null;
  const onRequest = (request) => {
    if (parBody === null && isParRequest(request)) parBody = request.postData() ?? '';
  };
  page.on('request', onRequest);
  const isAuthorize = (url) => `${url.origin}${url.pathname}` === AUTH_URL;
  const stop = async (route) => {
    authorizeUrl ??= route.request().url();
    await route.fulfill({ status: 204, headers: { 'Cache-Control': 'no-store' } });
  };
  await page.route(isAuthorize, stop);
  await signInButton(page).click();
  await expect.poll(() => authorizeUrl, { message: 'the app navigated to the authorization endpoint' }).not.toBeNull();
  await expect.poll(() => pendingKeys(page), { message: 'one pending sign-in' }).toHaveLength(1);
  await page.unroute(isAuthorize, stop);
  page.off('request', onRequest);
  const [key] = await pendingKeys(page);
  const pending = await page.evaluate((k) => JSON.parse(window.sessionStorage.getItem(k)), key);
  const query = authorizationParams(authorizeUrl, parBody);
  return { authorizeUrl, state: query.get('state'), nonce: query.get('nonce'), verifier: pending.code_verifier };
}

/**
 * No web storage entry (key or value) holds any of `secrets` ({name: value});
 * no pending sign-in is left. Failures name the secret, never its value.
 */
export async function expectNoSecretInStorage(page, secrets) {
  const storage = await readStorage(page);
  expect(await pendingKeys(page), 'pending sign-ins left in sessionStorage').toEqual([]);
  for (const [area, entries] of Object.entries(storage)) {
    for (const [key, value] of entries) {
      for (const [name, secret] of Object.entries(secrets)) {
        if (!secret) continue;
        expect(key.includes(secret) || value.includes(secret), `${area}Storage[${JSON.stringify(key)}] holds the ${name}`).toBe(false);
      }
    }
  }
}

/** The address bar holds no authorization response parameter. */
export async function expectCleanAddressBar(page) {
  const search = await page.evaluate(() => window.location.search);
  for (const name of ['code', 'state', 'iss', 'error', 'error_description', 'error_uri']) {
    expect(new URLSearchParams(search).has(name), `the address bar still holds ${name}`).toBe(false);
  }
  expect(page.url()).not.toContain('code=');
}

// ---------------------------------------------------------------------------
// The session (tests/session.spec.mjs, tests/tabs.spec.mjs, tests/faults.spec.mjs).
// ---------------------------------------------------------------------------

/** Signs in as `name` from `root` and waits for the signed-in view. */
export async function signInFully(page, name = 'alice', root = '/') {
  await page.goto(root);
  await signIn(page, name);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText(name);
}

/** Opens a second tab of the session (window.open copies sessionStorage). */
export async function duplicateTab(page, context, name = '') {
  const [tab] = await Promise.all([
    context.waitForEvent('page'),
    page.evaluate((n) => { window.open(window.location.href, n); }, name),
  ]);
  await tab.waitForLoadState();
  await expect(signedInHeading(tab)).toBeVisible();
  await expect(field(tab, 'sub')).toHaveText('alice');
  return tab;
}

/**
 * Records the trip through the provider's sign-out: the navigations to
 * `endSessionEndpoint` and the returns to `returnTo` (origin and path)
 * carrying a `state`, as URLs.
 */
export function recordSignOutTrip(page, endSessionEndpoint, returnTo) {
  const trip = { endSessionUrls: [], returnUrls: [] };
  page.on('request', (r) => {
    if (!r.isNavigationRequest()) return;
    const url = new URL(r.url());
    const at = `${url.origin}${url.pathname}`;
    if (at === endSessionEndpoint) trip.endSessionUrls.push(url);
    if (at === returnTo && url.searchParams.has('state')) trip.returnUrls.push(url);
  });
  return trip;
}

/** Fails when a refresh token was sent twice (a rotating provider then ends the grant). */
export function expectNoRefreshTokenSentTwice(tokens) {
  const sent = tokens.refreshes().map((e) => e.form.get('refresh_token'));
  const repeated = sent.filter((value, i) => sent.indexOf(value) !== i).length;
  // (Counts only, so a failure prints no token.)
  expect(repeated, `refresh tokens sent more than once (of ${sent.length} refreshes)`).toBe(0);
}
