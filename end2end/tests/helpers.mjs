// Shared helpers for the pkce-spa end-to-end tests.
import { expect } from '@playwright/test';

export const APP_ORIGIN = 'http://127.0.0.1:8181';
export const PROVIDER = 'http://127.0.0.1:9411';
export const CLIENT_ID = 'pkce-spa-dev';
export const AUTH_URL = `${PROVIDER}/auth`;
export const TOKEN_URL = `${PROVIDER}/token`;

/** True for the browser's POST to the provider's token endpoint. */
export function isTokenRequest(request) {
  return request.method() === 'POST' && request.url().split('?')[0] === TOKEN_URL;
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
    const onResponse = (response) => {
      if (isTokenRequest(response.request())) {
        cleanup();
        resolve(response);
      }
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
