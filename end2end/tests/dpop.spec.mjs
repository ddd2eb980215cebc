// End-to-end tests: DPoP (RFC 9449) and pushed authorization requests (RFC
// 9126) against the real oidc-provider. The root provider binds tokens to
// the page's key and asks for nonces; `par-required` refuses plain
// authorization requests; `no-dpop` answers with Bearer tokens.
import { expect, test } from '@playwright/test';

import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, dpopKey } from '../../dev-provider/dpop-proof.mjs';
import { NO_DPOP_ISSUER, PAR_REQUIRED_ISSUER } from '../provider-layouts.mjs';
import {
  API_URL,
  APP_ORIGIN,
  CLIENT_ID,
  callApiButton,
  errorAlert,
  expectRefused,
  failOnCspViolationsInEveryTab,
  field,
  isAuthorizeRequest,
  isParRequest,
  providerMetadata,
  recordFlow,
  recordTokenExchanges,
  refreshAtProvider,
  resetAppConfig,
  setAppConfig,
  setMisbehave,
  signInButton,
  signInFully,
  signedInHeading,
  submitLogin,
  userinfoClaim,
  storedProofKeys,
} from './helpers.mjs';

const NEXT_REFRESH = { timeout: 15_000 };
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

test.beforeEach(async ({ page, context }) => {
  failOnCspViolationsInEveryTab(page, context);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
  await setMisbehave(request, null);
});

/** The thumbprint of the key that signed `proof` (its header's jwk). */
async function proofKeyThumbprint(proof) {
  const header = decodeProtectedHeader(proof);
  expect(header.typ).toBe('dpop+jwt');
  expect(header.alg).toBe('ES256');
  expect(header.jwk.d, 'no private key in the proof').toBeUndefined();
  return calculateJwkThumbprint(header.jwk);
}

/** Sign in at the provider of `origin` (a layout) as `name`. */
async function signInThere(page, origin, name = 'alice') {
  await page.goto('/');
  await signInButton(page).click();
  await expect(page).toHaveURL((url) => url.href.startsWith(`${origin}/interaction/`));
  await submitLogin(page, name);
  await expect(signedInHeading(page)).toBeVisible();
}

test('tokens are bound to the page\'s key: DPoP proofs at the token endpoint, the nonce once, cnf.jkt', async ({ page, request }) => {
  await setAppConfig(request, { api_url: API_URL, scope: 'openid profile email' });
  const tokens = recordTokenExchanges(page);
  const flow = recordFlow(page);
  await signInFully(page);

  // The code exchange: first without a nonce, answered use_dpop_nonce with a
  // DPoP-Nonce; then once more with exactly that nonce.
  const exchanges = tokens.exchanges.filter((e) => e.grantType === 'authorization_code');
  expect(exchanges.map((e) => e.status)).toEqual([400, 200]);
  expect(exchanges[0].body.error).toBe('use_dpop_nonce');
  const nonce = (await exchanges[0].request.response()).headers()['dpop-nonce'];
  expect(nonce).toBeTruthy();
  const proofs = await Promise.all(exchanges.map(async (e) => (await e.request.allHeaders()).dpop));
  expect(proofs.every((p) => JWT.test(p))).toBe(true);
  expect(decodeJwt(proofs[0]).nonce).toBeUndefined();
  expect(decodeJwt(proofs[1]).nonce).toBe(nonce);
  const claims = decodeJwt(proofs[1]);
  expect(claims.htm).toBe('POST');
  expect(claims.htu).toBe(exchanges[1].request.url().split('?')[0]);
  expect(claims.jti).toBeTruthy();
  expect(claims.jti).not.toBe(decodeJwt(proofs[0]).jti);
  expect(claims.ath, 'no access token yet').toBeUndefined();

  // One key: the code is bound to it (dpop_jkt), the proofs are signed by
  // it, the view names it, the provider bound the token to it.
  const jkt = await proofKeyThumbprint(proofs[1]);
  expect(new URLSearchParams(flow.parBody).get('dpop_jkt')).toBe(jkt);
  expect(exchanges[1].body.token_type).toBe('DPoP');
  await expect(field(page, 'binding')).toHaveText(`this page's DPoP key, thumbprint ${jkt}`);
  await callApiButton(page).click();
  await expect(field(page, 'api-status')).toHaveText('200');
  const api = JSON.parse(await field(page, 'api-body').textContent());
  expect(api.jkt, 'the access token\'s cnf.jkt').toBe(jkt);
  await expect(userinfoClaim(page, 'email')).toHaveText('alice@example.test');

  // The refresh proves the same key with the nonce it already has: no
  // second challenge for a nonce the page knows.
  await expect.poll(() => tokens.okRefreshes().length, { message: 'a refresh answered 200', ...NEXT_REFRESH }).toBeGreaterThanOrEqual(1);
  const [refresh] = tokens.okRefreshes();
  const refreshProof = (await refresh.request.allHeaders()).dpop;
  expect(await proofKeyThumbprint(refreshProof)).toBe(jkt);
  expect(refresh.body.token_type).toBe('DPoP');
  expect(tokens.nonceChallenges(), 'nonce challenges from the token endpoint').toHaveLength(1);
  await expect(errorAlert(page)).toHaveCount(0);
});

test('UserInfo and the API get the token as DPoP with a proof of it (ath), after the API\'s own nonce', async ({ page, request }) => {
  await setAppConfig(request, { api_url: API_URL, scope: 'openid profile email' });
  const { userinfo_endpoint: userinfoEndpoint } = await providerMetadata(request);
  const calls = [];
  page.on('request', (r) => {
    const url = r.url().split('?')[0];
    if (r.method() === 'GET' && (url === userinfoEndpoint || url === API_URL)) calls.push(r);
  });
  await signInFully(page);
  await expect(userinfoClaim(page, 'sub')).toHaveText('alice');
  await callApiButton(page).click();
  await expect(field(page, 'api-status')).toHaveText('200');

  expect(calls.length).toBeGreaterThanOrEqual(2);
  for (const call of calls) {
    const headers = await call.allHeaders();
    const [scheme, token] = headers.authorization.split(' ');
    expect(scheme, 'never Bearer for a DPoP-bound token').toBe('DPoP');
    const claims = decodeJwt(headers.dpop);
    expect(claims.htm).toBe('GET');
    expect(claims.htu).toBe(call.url().split('?')[0]);
    const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
    expect(claims.ath).toBe(Buffer.from(hash).toString('base64url'));
  }
  // The API asked for its nonce once, and the second call carried it.
  const apiCalls = calls.filter((c) => c.url() === API_URL);
  const statuses = await Promise.all(apiCalls.map(async (c) => (await c.response()).status()));
  expect(statuses).toEqual([401, 200]);
  const challenge = (await apiCalls[0].response()).headers();
  expect(challenge['www-authenticate']).toContain('use_dpop_nonce');
  expect(decodeJwt((await apiCalls[1].allHeaders()).dpop).nonce).toBe(challenge['dpop-nonce']);
});

test('the refresh token is useless without the page\'s key: refused without a proof and with another key', async ({ page, request }) => {
  const tokens = recordTokenExchanges(page);
  await signInFully(page);
  const refreshToken = tokens.codeExchanges()[0].body.refresh_token;
  expect(refreshToken).toBeTruthy();

  const bare = await refreshAtProvider(request, refreshToken);
  expect(bare.status()).toBe(400);
  const otherKey = await refreshAtProvider(request, refreshToken, await dpopKey());
  expect(otherKey.status()).toBe(400);
  expect((await otherKey.json()).error).toBe('invalid_grant');

  // Neither attempt used it up: the page refreshes with it and goes on.
  await expect.poll(() => tokens.okRefreshes().length, { message: 'the app\'s refresh answered 200', ...NEXT_REFRESH }).toBeGreaterThanOrEqual(1);
  expect(tokens.okRefreshes()[0].form.get('refresh_token') === refreshToken).toBe(true);
  await expect(signedInHeading(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);
});

test('two tabs of a "session" session keep refreshing with one key, and sign-out deletes it', async ({ page, context, request }) => {
  await setAppConfig(request, { token_storage: 'session' });
  const tokens = recordTokenExchanges(context);
  await signInFully(page);
  const [tab] = await Promise.all([
    context.waitForEvent('page'),
    page.evaluate(() => { window.open(window.location.href, 'second'); }),
  ]);
  await tab.waitForLoadState();
  await expect(field(tab, 'sub')).toHaveText('alice');
  await expect.poll(() => tokens.okRefreshes().length, { message: 'two refreshes answered 200', timeout: 25_000 }).toBeGreaterThanOrEqual(2);

  const keys = new Set();
  for (const exchange of tokens.exchanges.filter((e) => e.done && e.status === 200)) {
    keys.add(await proofKeyThumbprint((await exchange.request.allHeaders()).dpop));
  }
  expect(keys.size, 'thumbprints of the keys that signed the proofs').toBe(1);
  const [jkt] = keys;
  await expect(field(tab, 'binding')).toHaveText(`this page's DPoP key, thumbprint ${jkt}`);
  await expect(field(page, 'binding')).toHaveText(`this page's DPoP key, thumbprint ${jkt}`);
  const stored = () => storedProofKeys(page);
  expect(await stored()).toEqual([jkt]);

  // Signing out: back from the provider's sign-out, the key is gone.
  await tab.close();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(field(page, 'signed-out-notice')).toBeVisible({ timeout: 15_000 });
  expect(await stored(), 'the DPoP key left IndexedDB').toEqual([]);
});

test('"memory": the key leaves IndexedDB at the callback and lives in the page only', async ({ page }) => {
  await signInFully(page);
  const stored = await storedProofKeys(page);
  expect(stored).toEqual([]);
  await expect(field(page, 'binding')).toContainText('thumbprint');
});

test('with PAR, the address bar holds only client_id and request_uri', async ({ page }) => {
  const pushed = [];
  page.on('request', (r) => { if (isParRequest(r)) pushed.push(r); });
  const authorize = page.waitForRequest(isAuthorizeRequest);
  await signInFully(page);
  const url = new URL((await authorize).url());
  expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
  expect(pushed).toHaveLength(1);
  const body = new URLSearchParams(pushed[0].postData());
  expect(body.get('client_id')).toBe(CLIENT_ID);
  expect(body.get('code_challenge_method')).toBe('S256');
  expect(body.has('client_secret')).toBe(false);
  expect((await pushed[0].allHeaders()).authorization).toBeUndefined();
  expect((await pushed[0].response()).status()).toBe(201);
});

test('a provider that requires PAR: signed in through it even with `par: false`; a plain request is refused', async ({ page, request }) => {
  await setAppConfig(request, { issuer: PAR_REQUIRED_ISSUER, par: false });
  const pushes = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().startsWith(PAR_REQUIRED_ISSUER) && r.url().endsWith('/request')) pushes.push(r); });
  await signInThere(page, PAR_REQUIRED_ISSUER);
  expect(pushes).toHaveLength(1);

  // From the test: a plain authorization request to it.
  const discovery = await (await request.get(`${PAR_REQUIRED_ISSUER}/.well-known/openid-configuration`)).json();
  expect(discovery.require_pushed_authorization_requests).toBe(true);
  const plain = new URL(discovery.authorization_endpoint);
  for (const [k, v] of Object.entries({
    client_id: CLIENT_ID, response_type: 'code', redirect_uri: `${APP_ORIGIN}/callback`, scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 's',
  })) plain.searchParams.set(k, v);
  const refused = await request.get(plain.href, { maxRedirects: 0 });
  expect(refused.status()).toBe(303);
  expect(new URL(refused.headers().location).searchParams.get('error')).toBe('invalid_request');
});

test('a provider without DPoP: Bearer under "auto", and `dpop: true` says so', async ({ page, request }) => {
  await setAppConfig(request, { issuer: NO_DPOP_ISSUER });
  const tokenRequests = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().startsWith(`${NO_DPOP_ISSUER}/token`)) tokenRequests.push(r); });
  await signInThere(page, NO_DPOP_ISSUER);
  await expect(field(page, 'binding')).toHaveText('nothing: bearer tokens (no DPoP)');
  expect((await tokenRequests[0].allHeaders()).dpop, 'no proof to a provider without DPoP').toBeUndefined();

  await setAppConfig(request, { issuer: NO_DPOP_ISSUER, dpop: true });
  await page.goto('/');
  await signInButton(page).click();
  await expectRefused(page, 'dpop_unsupported');
});

test('`dpop: true` refuses Bearer tokens answered to a proof; "auto" takes them as unbound', async ({ page, context, request }) => {
  await setMisbehave(request, 'dpop_downgraded');
  await signInFully(page);
  await expect(field(page, 'binding')).toHaveText('nothing: the provider answered the proof with bearer tokens');

  await setAppConfig(request, { dpop: true });
  await context.clearCookies(); // a new provider session: its login page again
  await page.goto('/');
  await signInButton(page).click();
  await expect(page).toHaveURL((url) => url.pathname.startsWith('/interaction/'));
  await submitLogin(page, 'alice');
  await expectRefused(page, 'dpop_not_honoured');
});
