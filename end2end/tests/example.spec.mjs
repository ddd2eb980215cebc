// End-to-end tests of the notes example (examples/notes/): its release build
// at the root of its own origin (EXAMPLE_ORIGIN, serve.mjs under the strict
// CSP, config.json with api_url = the test provider's /api/notes), signing
// in at the test provider and reading its notes (dev-provider/api.mjs).
//
// The example's DOM contract:
//   /             <h1>Notes</h1>; a nav with a[href="/"] and a[href="/notes"];
//                 the <header>: a "Sign in" button signed out,
//                 [data-field="who"] (the name) and "Sign out" signed in
//   /notes        ul[data-section="notes"] > li > a[href="/notes/<id>"] (title)
//   /notes/<id>   article[data-section="note"] with [data-field="title"], [data-field="body"]
//   signed out, a page behind sign-in: section[data-section="sign-in-required"]
//                 with a "Sign in" button that comes back to the same path,
//                 query and fragment
//   failures      one [role="alert"] with code[data-code] (snake_case)
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from '@playwright/test';

import { NOTES, NOTES_PATH } from '../../dev-provider/api.mjs';
import { EXAMPLE_ORIGIN } from '../addresses.mjs';
import {
  AUTH_URL,
  PROVIDER,
  errorAlert,
  errorCode,
  failOnCspViolationsInEveryTab,
  field,
  providerMetadata,
  submitLogin,
  waitForTokenResponse,
} from './helpers.mjs';

const EXAMPLE_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/notes/dist');
const NOTES_URL = `${PROVIDER}${NOTES_PATH}`;
// Generous: sign-out goes through the provider's logout page and back.
const BACK_FROM_PROVIDER = { timeout: 15_000 };

test.beforeAll(() => {
  // Without the build serve.mjs answers every page with a 404 text: say why once.
  if (!existsSync(path.join(EXAMPLE_DIST, 'index.html'))) {
    throw new Error(`no ${EXAMPLE_DIST}/index.html: build the notes example (release) first`);
  }
});

test.beforeEach(async ({ page, context }) => {
  failOnCspViolationsInEveryTab(page, context);
});

/** The example's page header: the one <header>. */
function header(page) {
  return page.locator('header');
}

function headerSignIn(page) {
  return header(page).getByRole('button', { name: 'Sign in', exact: true });
}

/** A "Sign in" button anywhere (a page behind sign-in may have two: the header's and its own). */
function anySignIn(page) {
  return page.getByRole('button', { name: 'Sign in', exact: true }).first();
}

function headerSignOut(page) {
  return header(page).getByRole('button', { name: 'Sign out', exact: true });
}

function signInRequired(page) {
  return page.locator('section[data-section="sign-in-required"]');
}

function notesList(page) {
  return page.locator('ul[data-section="notes"] > li > a');
}

function noteArticle(page) {
  return page.locator('article[data-section="note"]');
}

/** A click that leads to the provider's login page. */
async function toProviderLogin(page, button) {
  await button.click();
  await expect(page).toHaveURL((url) => url.href.startsWith(`${PROVIDER}/interaction/`));
  await expect(page.getByRole('heading', { name: 'Local development provider' })).toBeVisible();
}

/**
 * Signs in as `name` with the header's button on the public page /: it
 * comes back to /, signed in as `name`.
 */
async function signInFromHeader(page, name) {
  await page.goto(`${EXAMPLE_ORIGIN}/`);
  await expect(page.getByRole('heading', { level: 1, name: 'Notes', exact: true })).toBeVisible();
  await expect(field(page, 'who')).toHaveCount(0);
  await toProviderLogin(page, headerSignIn(page));
  await submitLogin(page, name);
  await expect(page).toHaveURL(`${EXAMPLE_ORIGIN}/`);
  await expect(field(page, 'who')).toHaveText(name);
  await expect(headerSignOut(page)).toBeVisible();
  await expect(headerSignIn(page)).toHaveCount(0);
}

/**
 * Every request to the notes API ({ url, method, status (null until
 * answered), authorization scheme, whether a DPoP proof was sent }).
 */
function recordApiCalls(page) {
  const calls = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(NOTES_URL) || request.method() === 'OPTIONS') return;
    const headers = request.headers();
    calls.push({
      request,
      url: request.url(),
      method: request.method(),
      scheme: (headers.authorization ?? '').split(' ')[0],
      proof: typeof headers.dpop === 'string',
      status: null,
    });
  });
  page.on('response', (response) => {
    const call = calls.find((c) => c.request === response.request());
    if (call) call.status = response.status();
  });
  return calls;
}

/** Every top-level navigation of `page`, by URL. */
function recordNavigations(page) {
  const urls = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) urls.push(request.url());
  });
  return urls;
}

test('a deep link opened signed out signs in and comes back to its path, query and fragment', async ({ page }) => {
  const deepLink = `${EXAMPLE_ORIGIN}/notes/2?view=full#top`;
  const navigations = recordNavigations(page);
  const api = recordApiCalls(page);

  await page.goto(deepLink);
  await expect(signInRequired(page)).toBeVisible();
  await expect(noteArticle(page)).toHaveCount(0);
  await expect(field(page, 'who')).toHaveCount(0);

  const tokenResponse = waitForTokenResponse(page);
  await toProviderLogin(page, signInRequired(page).getByRole('button', { name: 'Sign in', exact: true }));
  await submitLogin(page, 'dana');

  // The code came back to the example's own /callback and was exchanged there.
  const token = await tokenResponse;
  expect(token.status()).toBe(200);
  expect(new URLSearchParams(token.request().postData() ?? '').get('redirect_uri')).toBe(`${EXAMPLE_ORIGIN}/callback`);

  // Exactly the deep link again (the callback's code and state gone), with
  // note 2 read from the API.
  await expect(page).toHaveURL(deepLink);
  await expect(noteArticle(page)).toBeVisible();
  await expect(noteArticle(page).locator('[data-field="title"]')).toHaveText(NOTES[1].title);
  await expect(noteArticle(page).locator('[data-field="body"]')).toHaveText(NOTES[1].body);
  await expect(signInRequired(page)).toHaveCount(0);
  await expect(field(page, 'who')).toHaveText('dana');
  await expect(errorAlert(page)).toHaveCount(0);

  const answered = api.filter((c) => c.url === `${NOTES_URL}/2` && c.status === 200);
  expect(answered.length, 'GET /api/notes/2 answered 200').toBeGreaterThanOrEqual(1);
  // The root provider's tokens are DPoP-bound: each call carries a proof.
  for (const call of api) {
    expect(call.method, call.url).toBe('GET');
    expect([call.scheme, call.proof], call.url).toEqual(['DPoP', true]);
  }
  expect(navigations.filter((url) => url.startsWith(`${EXAMPLE_ORIGIN}/callback?`)), 'navigations to /callback').toHaveLength(1);
});

test('signed in from the header: My notes lists the three notes, and one opens with its body', async ({ page }) => {
  const api = recordApiCalls(page);
  await signInFromHeader(page, 'erin');
  await expect(errorAlert(page)).toHaveCount(0);

  // From here on the page is never loaded again: a full load would drop
  // this mark (and the in-memory session with it).
  await page.evaluate(() => { window.notesExampleMark = 'same document'; });
  const documents = recordNavigations(page);

  const nav = page.locator('nav');
  await expect(nav.locator('a[href="/"]')).toBeVisible();
  await nav.locator('a[href="/notes"]').click();
  await expect(page).toHaveURL(`${EXAMPLE_ORIGIN}/notes`);
  await expect(notesList(page)).toHaveText(NOTES.map((note) => note.title));
  expect(await notesList(page).evaluateAll((links) => links.map((a) => a.getAttribute('href'))))
    .toEqual(NOTES.map((note) => `/notes/${note.id}`));

  const third = NOTES[2];
  await notesList(page).filter({ hasText: third.title }).click();
  await expect(page).toHaveURL(`${EXAMPLE_ORIGIN}/notes/${third.id}`);
  await expect(noteArticle(page).locator('[data-field="title"]')).toHaveText(third.title);
  await expect(noteArticle(page).locator('[data-field="body"]')).toHaveText(third.body);
  await expect(field(page, 'who')).toHaveText('erin');
  await expect(errorAlert(page)).toHaveCount(0);

  expect(await page.evaluate(() => window.notesExampleMark), 'client-side navigation only').toBe('same document');
  expect(documents, 'documents loaded after sign-in').toEqual([]);
  for (const url of [NOTES_URL, `${NOTES_URL}/${third.id}`]) {
    expect(api.some((c) => c.url === url && c.status === 200), `GET ${url} answered 200`).toBe(true);
  }
});

test('a return path outside the app is refused before the provider is asked', async ({ page }) => {
  // The SPA fallback serves index.html here; the path "//evil.example/x",
  // taken as a URL to go back to, would name another host.
  const outside = [];
  const authorizationRequests = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.isNavigationRequest() && url.origin !== EXAMPLE_ORIGIN) outside.push(request.url());
    if (`${url.origin}${url.pathname}` === AUTH_URL || url.pathname.startsWith('/interaction/')) {
      authorizationRequests.push(request.url());
    }
  });

  await page.goto(`${EXAMPLE_ORIGIN}//evil.example/x`);
  await expect(anySignIn(page)).toBeVisible();
  await expect(errorAlert(page)).toHaveCount(0);
  await anySignIn(page).click();

  await expect(errorAlert(page)).toHaveCount(1);
  await expect(errorCode(page)).toHaveText('return_path_refused');
  // Nothing leaves later either: give a navigation the app might still
  // start the time to show up.
  await page.waitForTimeout(1_000);
  expect(new URL(page.url()).origin).toBe(EXAMPLE_ORIGIN);
  expect(outside, 'navigations away from the example').toEqual([]);
  expect(authorizationRequests, 'requests to the authorization endpoint').toEqual([]);
  await expect(field(page, 'who')).toHaveCount(0);
});

test('sign-out ends the session: signed out, and My notes asks to sign in again', async ({ page, request }) => {
  const { end_session_endpoint: endSessionEndpoint } = await providerMetadata(request);
  await signInFromHeader(page, 'frank');
  await page.locator('nav a[href="/notes"]').click();
  await expect(notesList(page)).toHaveCount(NOTES.length);

  // Sign-out goes through the provider's logout (RP-initiated, which
  // confirms itself) and back to the example with its state.
  const isEndSession = (r) => r.isNavigationRequest() && r.url().split('?')[0] === endSessionEndpoint;
  const isReturn = (r) => {
    const url = new URL(r.url());
    return r.isNavigationRequest() && url.origin === EXAMPLE_ORIGIN && url.searchParams.has('state');
  };
  const endSession = page.waitForRequest(isEndSession, BACK_FROM_PROVIDER);
  const back = page.waitForRequest(isReturn, BACK_FROM_PROVIDER);
  await headerSignOut(page).click();
  const logout = new URL((await endSession).url()).searchParams;
  expect(logout.get('post_logout_redirect_uri')).toBe(`${EXAMPLE_ORIGIN}/`);
  await back;

  await expect(anySignIn(page)).toBeVisible(BACK_FROM_PROVIDER);
  await expect(page).toHaveURL((url) => url.origin === EXAMPLE_ORIGIN && !url.searchParams.has('state'));
  await expect(field(page, 'who')).toHaveCount(0);
  await expect(headerSignOut(page)).toHaveCount(0);
  await expect(errorAlert(page)).toHaveCount(0);
  await expect(notesList(page)).toHaveCount(0);

  // Through the nav (client-side), then with a fresh load of /notes.
  await page.locator('nav a[href="/notes"]').click();
  await expect(page).toHaveURL(`${EXAMPLE_ORIGIN}/notes`);
  await expect(signInRequired(page)).toBeVisible();
  await expect(notesList(page)).toHaveCount(0);

  await page.goto(`${EXAMPLE_ORIGIN}/notes`);
  await expect(signInRequired(page)).toBeVisible();
  await expect(notesList(page)).toHaveCount(0);
  await expect(field(page, 'who')).toHaveCount(0);

  // The provider session is over too: signing in asks for the user name again.
  await toProviderLogin(page, signInRequired(page).getByRole('button', { name: 'Sign in', exact: true }));
});
