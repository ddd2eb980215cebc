// The local provider's own browser-facing behaviour that the session tests
// rely on: RP-initiated logout confirms itself and comes back to the
// post_logout_redirect_uri with the state; the demo API is readable
// cross-origin from the app origin only.
import { createHash, randomBytes } from 'node:crypto';

import { expect, test } from '@playwright/test';

import {
  API_URL,
  APP_BASES,
  APP_ORIGIN,
  AUTH_URL,
  CLIENT_ID,
  PROVIDER,
  formOf,
  providerMetadata,
  submitLogin,
} from './helpers.mjs';

const random = () => randomBytes(16).toString('base64url');

/** A provider session in this browser: an authorization request, the login page, back to /callback. */
async function providerSignIn(page, name) {
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(AUTH_URL);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: `${APP_ORIGIN}/callback`,
    scope: 'openid profile',
    state: random(),
    nonce: random(),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const callback = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${APP_ORIGIN}/callback?`));
  await page.goto(authorize.href);
  await expect(page.getByRole('heading', { name: 'Local development provider' })).toBeVisible();
  await submitLogin(page, name);
  // (Whatever the app then makes of a callback it did not start does not matter here.)
  expect(new URL((await callback).url()).searchParams.get('code')).toBeTruthy();
}

for (const root of APP_BASES) {
  test(`RP-initiated logout confirms itself and returns to ${root} with the state`, async ({ page, request }) => {
    const { end_session_endpoint: endSessionEndpoint } = await providerMetadata(request);
    await providerSignIn(page, 'alice');

    const confirms = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url() === `${endSessionEndpoint}/confirm`) confirms.push(formOf(r));
    });
    const state = random();
    const target = `${APP_ORIGIN}${root}`;
    const back = page.waitForRequest(
      (r) => r.isNavigationRequest() && r.url().startsWith(target) && r.url() !== target,
      { timeout: 15_000 },
    );
    const logout = new URL(endSessionEndpoint);
    logout.search = new URLSearchParams({ client_id: CLIENT_ID, post_logout_redirect_uri: target, state }).toString();
    await page.goto(logout.href);

    // No click: the page posts its form itself, then the provider redirects.
    expect((await back).url()).toBe(`${target}?state=${state}`);
    expect(confirms.length, 'POSTs to /session/end/confirm').toBe(1);
    expect(confirms[0].get('logout')).toBe('yes');

    // The provider session is over: the next authorization request asks for the user name.
    await page.goto(`${PROVIDER}/auth?${new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${APP_ORIGIN}/callback`,
      scope: 'openid',
      state: random(),
      code_challenge: createHash('sha256').update(random()).digest('base64url'),
      code_challenge_method: 'S256',
    })}`);
    await expect(page.getByLabel('User name')).toBeVisible();
  });
}

test('the protected API is readable from the app origin only', async ({ page }) => {
  const call = (target) => target.evaluate(async (url) => {
    try {
      const response = await fetch(url, { headers: { Authorization: 'Bearer not-a-real-token' } });
      return { status: response.status, wwwAuthenticate: response.headers.get('WWW-Authenticate') };
    } catch (err) {
      return { error: err.name };
    }
  }, API_URL);

  // From the app origin (its CSP allows the provider origin): the 401 and its
  // WWW-Authenticate header are readable.
  await page.goto('/');
  expect(await call(page)).toEqual({ status: 401, wwwAuthenticate: 'Bearer error="invalid_token"' });

  // The same static server under another origin (localhost is not an app
  // origin of the provider): CORS blocks the answer.
  await page.goto(`${APP_ORIGIN.replace('127.0.0.1', 'localhost')}/`);
  expect(await call(page)).toEqual({ error: 'TypeError' });
});
