// End-to-end tests: the pkce-spa release build in real headless Chromium,
// signing in at the local provider (fixtures/provider.mjs).
import { createHash } from 'node:crypto';

import { expect, test } from '@playwright/test';

import {
  APP_BASES,
  APP_ORIGIN,
  CLIENT_ID,
  TOKEN_URL,
  cancelLogin,
  errorAlert,
  errorCode,
  failOnCspViolations,
  field,
  flowAuthorizationParams,
  isAuthorizeRequest,
  isTokenRequest,
  readStorage,
  recordFlow,
  signIn,
  signInButton,
  signOutButton,
  signedInHeading,
  waitForTokenResponse,
} from './helpers.mjs';

const PKCE_VALUE = /^[A-Za-z0-9_~.-]{43}$/;

// serve.mjs sends the app under a strict Content-Security-Policy: any
// violation the browser reports fails the test.
test.beforeEach(async ({ page }) => {
  failOnCspViolations(page);
});

/**
 * Sign in as `name` starting from the app root `startPath`, check the token
 * request's redirect_uri, the signed-in view and that no token is left in web
 * storage, then sign out.
 */
async function signInRoundTrip(page, startPath, name) {
  await page.goto(startPath);

  const tokenResponse = waitForTokenResponse(page);
  await signIn(page, name);

  const response = await tokenResponse;
  const sent = new URLSearchParams(response.request().postData() ?? '');
  expect(sent.get('redirect_uri')).toBe(`${APP_ORIGIN}${startPath}callback`);
  expect(response.status()).toBe(200);
  const tokens = await response.json();
  expect(typeof tokens.access_token).toBe('string');
  expect(tokens.access_token.length).toBeGreaterThan(0);

  // Signed-in view at the app's root path, query gone from the address bar.
  await expect(signedInHeading(page)).toBeVisible();
  await expect(page).toHaveURL(`${APP_ORIGIN}${startPath}`);
  expect(page.url()).not.toContain('code=');
  expect(page.url()).not.toContain('state=');

  await expect(field(page, 'sub')).toHaveText(name);
  await expect(field(page, 'name')).toHaveText(name);
  await expect(field(page, 'scope')).toContainText('openid');
  await expect(field(page, 'expires')).toHaveText(/\S/);

  // Tokens stay in memory: nothing in localStorage, and the access token
  // (nor the refresh token, if any) in no sessionStorage entry.
  const storage = await readStorage(page);
  expect(storage.local).toEqual([]);
  const secrets = [tokens.access_token, tokens.refresh_token].filter(Boolean);
  // (Booleans, so a failure does not print the token.)
  for (const [key, value] of storage.session) {
    for (const secret of secrets) {
      expect(key.includes(secret), 'a sessionStorage key holds a token').toBe(false);
      expect(value.includes(secret), `sessionStorage[${JSON.stringify(key)}] holds a token`).toBe(false);
    }
  }

  await signOutButton(page).click();
  await expect(signInButton(page)).toBeVisible();
  await expect(signedInHeading(page)).toHaveCount(0);
  // Back from the provider's sign-out. (Ending the test while the page is
  // still on its way there and back can hang Chromium's context close.)
  await expect(field(page, 'signed-out-notice')).toHaveText('You are signed out, here and at the provider.', { timeout: 15_000 });
  await expect(page).toHaveURL(`${APP_ORIGIN}${startPath}`);
}

test('signs in and lands signed in', async ({ page }) => {
  await signInRoundTrip(page, '/', 'alice');
});

test('the token request is a public-client PKCE exchange', async ({ page }) => {
  await page.goto('/');

  const flow = recordFlow(page);
  const authorizeRequest = page.waitForRequest(isAuthorizeRequest);
  const tokenRequest = page.waitForRequest(isTokenRequest);
  await signIn(page, 'bob');

  // The authorization request: pushed (RFC 9126), since the provider has a
  // PAR endpoint; the browser carries only client_id and request_uri.
  const authorize = new URL((await authorizeRequest).url());
  expect([...authorize.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  const query = flowAuthorizationParams(flow);
  expect(query.get('response_type')).toBe('code');
  expect(query.get('client_id')).toBe(CLIENT_ID);
  expect(query.get('redirect_uri')).toBe(`${APP_ORIGIN}/callback`);
  expect(query.get('scope')?.split(' ')).toContain('openid');
  expect(query.get('code_challenge_method')).toBe('S256');
  const challenge = query.get('code_challenge');
  expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(query.get('state')).toBeTruthy();
  expect(query.get('nonce')).toBeTruthy();
  // The code is bound to the page's DPoP key (RFC 9449 §10).
  expect(query.get('dpop_jkt')).toMatch(/^[A-Za-z0-9_-]{43}$/);

  // The token request.
  const request = await tokenRequest;
  const body = new URLSearchParams(request.postData() ?? '');
  expect(body.get('grant_type')).toBe('authorization_code');
  expect(body.get('code')).toBeTruthy();
  expect(body.get('redirect_uri')).toBe(`${APP_ORIGIN}/callback`);
  expect(body.get('client_id')).toBe(CLIENT_ID);
  const verifier = body.get('code_verifier');
  expect(verifier).toMatch(PKCE_VALUE);
  expect(body.has('client_secret')).toBe(false);
  // The verifier is the one the challenge was made from (S256).
  expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);

  const headers = await request.allHeaders();
  expect(headers['content-type']).toMatch(/^application\/x-www-form-urlencoded\b/);
  expect(headers).not.toHaveProperty('authorization');
  expect(headers).not.toHaveProperty('cookie');
  expect(headers.dpop, 'a DPoP proof').toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText('bob');
  await expect(field(page, 'binding')).toContainText(`thumbprint ${query.get('dpop_jkt')}`);
});

test('the provider refusing shows access_denied', async ({ page }) => {
  await page.goto('/');
  await signInButton(page).click();
  await cancelLogin(page);

  await expect(errorAlert(page)).toHaveCount(1);
  await expect(errorCode(page)).toHaveText('access_denied');
  await expect(signedInHeading(page)).toHaveCount(0);

  const back = errorAlert(page).getByRole('link', { name: 'Back to sign in', exact: true });
  await expect(back).toBeVisible();
  await back.click();
  await expect(signInButton(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);
});

test('a callback whose state was never issued is refused without a token request', async ({ page }) => {
  const requests = [];
  page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));

  await page.goto('/callback?code=abc&state=never-issued');

  await expect(errorAlert(page)).toHaveCount(1);
  await expect(errorCode(page)).toHaveText('state_mismatch');
  await expect(signedInHeading(page)).toHaveCount(0);

  const tokenRequests = requests.filter((line) => line.split(' ')[1].split('?')[0] === TOKEN_URL);
  expect(tokenRequests).toEqual([]);
});

test('a token endpoint error is shown', async ({ page }) => {
  // Replace the authorization code with one the provider never issued and
  // let the real provider answer.
  await page.route(TOKEN_URL, async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') {
      await route.continue();
      return;
    }
    const form = new URLSearchParams(request.postData() ?? '');
    form.set('code', 'not-a-real-code');
    await route.continue({ postData: form.toString() });
  });

  await page.goto('/');
  const tokenResponse = waitForTokenResponse(page);
  await signIn(page, 'carol');

  const response = await tokenResponse;
  expect(response.status()).toBe(400);
  expect((await response.json()).error).toBe('invalid_grant');

  await expect(errorAlert(page)).toHaveCount(1);
  await expect(errorCode(page)).toHaveText('invalid_grant');
  await expect(signedInHeading(page)).toHaveCount(0);
});

// One build, any path: serve.mjs serves the very same dist/ at / and under
// each subpath of APP_BASES. Under /app/ the redirect_uri sent to the token
// endpoint is http://127.0.0.1:8181/app/callback and the app lands at /app/;
// under /pr/42/, two levels down, the same.
for (const base of APP_BASES.filter((b) => b !== '/')) {
  test(`signs in under the subpath ${base} with the same build`, async ({ page, request }) => {
    const [atRoot, here] = await Promise.all([request.get('/'), request.get(base)]);
    expect(await here.text(), `${base} serves the build of /`).toBe(await atRoot.text());
    await signInRoundTrip(page, base, 'dave');
  });
}

test('an address deeper than the app\'s folder, where the build cannot load, says so', async ({ page }) => {
  // The relative build's assets resolve next to the address: from /app/x/
  // they are not found, so the static page is all there is, and it says what to do.
  await page.goto('/app/x/');
  await expect(page.getByText('Still loading? The app could not start here.')).toBeVisible();
  await expect(signInButton(page)).toHaveCount(0);
  // Where the app starts, the hint never shows.
  await page.goto('/app/');
  await expect(signInButton(page)).toBeVisible();
  await expect(page.getByText('Still loading?')).toBeHidden();
});
