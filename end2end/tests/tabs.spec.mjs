// End-to-end tests: what the session lets out of the tab, and what it
// believes from outside it. Another page of the same origin (config.json,
// opened in the same browser) listens on, and posts forged, tampered and
// replayed messages to, every channel the app opens; a tab that hears its
// session's rotation messages seconds late never sends a rotated-out refresh
// token; signing out in one tab signs out the session's other tabs.
import { expect, test } from '@playwright/test';

import {
  API_URL,
  APP_CONFIG_URL,
  callApiButton,
  capturedTokens,
  errorAlert,
  expectNoRefreshTokenSentTwice,
  duplicateTab,
  failOnCspViolations,
  field,
  readStorage,
  recordTokenExchanges,
  resetAppConfig,
  sessionKeys,
  setAppConfig,
  signInButton,
  signInFully,
  signOutButton,
  appNames,
  signedInHeading,
} from './helpers.mjs';

// The only BroadcastChannel the app may open. Every test records the names
// the app really opens and checks them against this list, so a new channel
// cannot slip past the listener.
const APP_CHANNELS = [`${appNames('/')}.session`];
// AES-GCM output as the app posts it: base64url IV "." base64url ciphertext.
const SEALED = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const NEXT_REFRESH = { timeout: 15_000 };

test.beforeEach(async ({ page, context }) => {
  failOnCspViolations(page);
  context.on('page', (opened) => failOnCspViolations(opened));
  await context.addInitScript(recordOriginTraffic);
});

test.afterEach(async ({ request }) => {
  await resetAppConfig(request);
});

/** Init script: remembers the channel and lock names the page asks for. */
function recordOriginTraffic() {
  const used = { channels: [], locks: [] };
  const Channel = window.BroadcastChannel;
  window.BroadcastChannel = class extends Channel {
    constructor(name) {
      super(name);
      used.channels.push(String(name));
    }
  };
  if (navigator.locks) {
    const request = navigator.locks.request.bind(navigator.locks);
    navigator.locks.request = (name, ...rest) => {
      used.locks.push(String(name));
      return request(name, ...rest);
    };
  }
  window.__used = used;
}

/**
 * Init script for the tab named `name` only: a busy, throttled tab. What
 * its channels hear arrives `messageDelayMs` late, and it asks for Web
 * Locks `lockDelayMs` late (so the other tab always refreshes first).
 */
function throttleTab({ name, messageDelayMs, lockDelayMs }) {
  if (window.name !== name) return;
  let proto = BroadcastChannel.prototype;
  while (!Object.getOwnPropertyDescriptor(proto, 'onmessage')) proto = Object.getPrototypeOf(proto);
  const onmessage = Object.getOwnPropertyDescriptor(proto, 'onmessage');
  Object.defineProperty(BroadcastChannel.prototype, 'onmessage', {
    configurable: true,
    get() { return onmessage.get.call(this); },
    set(handler) {
      const late = handler && ((event) => setTimeout(() => handler.call(this, event), messageDelayMs));
      onmessage.set.call(this, late);
    },
  });
  if (navigator.locks) {
    const request = navigator.locks.request;
    navigator.locks.request = (...args) => new Promise((resolve) => setTimeout(resolve, lockDelayMs))
      .then(() => request.apply(navigator.locks, args));
  }
}

/** Another page of the app's origin that hears every message on the app's channels. */
async function openListener(context) {
  const listener = await context.newPage();
  await listener.goto(APP_CONFIG_URL);
  await listener.evaluate((names) => {
    window.__heard = [];
    window.__open = names.map((name) => {
      const channel = new BroadcastChannel(name);
      channel.onmessage = (event) => window.__heard.push({ name, data: event.data });
      return channel;
    });
  }, APP_CHANNELS);
  return {
    heard: () => listener.evaluate(() => window.__heard),
    post: (name, data) => listener.evaluate(([n, d]) => {
      const channel = new BroadcastChannel(n);
      channel.postMessage(d);
      channel.close();
    }, [name, data]),
  };
}

/** Every token value the recorder saw, ID tokens included. */
function allTokens(tokens) {
  const idTokens = tokens.exchanges.map((e) => e.body?.id_token).filter((t) => typeof t === 'string');
  return [...capturedTokens(tokens), ...idTokens];
}


test('a "memory" session tells the rest of the origin nothing', async ({ page, context }) => {
  const listener = await openListener(context);
  const tokens = recordTokenExchanges(page);
  await signInFully(page);
  await expect.poll(() => tokens.okRefreshes().length, { message: 'a refresh answered 200', ...NEXT_REFRESH })
    .toBeGreaterThanOrEqual(1);
  await expect(field(page, 'refreshed')).not.toHaveText('not yet');

  expect(await listener.heard(), 'messages on the app\'s channels').toEqual([]);
  const used = await page.evaluate(() => window.__used);
  expect(used.channels, 'BroadcastChannels the app opened').toEqual([]);
  // Lock names are visible to the whole origin, and would name the session.
  expect(used.locks, 'Web Locks the app asked for').toEqual([]);
  const { local } = await readStorage(page);
  expect(local, 'localStorage').toEqual([]);
});

/**
 * A `"session"` sign-in with another page of the origin listening, until it
 * has heard two refreshes' messages.
 */
async function signInListenedTo(page, context, request) {
  await setAppConfig(request, { token_storage: 'session' });
  const listener = await openListener(context);
  const tokens = recordTokenExchanges(page);
  await signInFully(page);
  await expect.poll(async () => (await listener.heard()).length, { message: 'messages after two refreshes', ...NEXT_REFRESH })
    .toBeGreaterThanOrEqual(2);
  return { listener, tokens };
}

test('a "session" session tells its tabs only sealed messages', async ({ page, context, request }) => {
  const { listener, tokens } = await signInListenedTo(page, context, request);

  const used = await page.evaluate(() => window.__used);
  expect(used.channels.filter((name) => !APP_CHANNELS.includes(name)), 'channels the listener does not hear').toEqual([]);
  const secrets = allTokens(tokens);
  expect(secrets.length).toBeGreaterThanOrEqual(4);
  for (const { data } of await listener.heard()) {
    expect(typeof data, 'a message is a sealed string').toBe('string');
    expect(data).toMatch(SEALED);
    expect(data).not.toContain('alice');
    expect(secrets.some((secret) => data.includes(secret)), 'a message holds a token').toBe(false);
  }
});

/** Messages a same-origin attacker can make from what it heard. */
function forgeries(heard) {
  const made = [];
  for (const { data } of heard) {
    if (typeof data === 'string' && SEALED.test(data)) {
      // Tampered: one character of the ciphertext changed.
      const i = data.length - 5;
      made.push(data.slice(0, i) + (data[i] === 'A' ? 'B' : 'A') + data.slice(i + 1));
      continue;
    }
    // A message in the clear: the same session, someone else, far ahead.
    const text = JSON.stringify(data).replaceAll('"alice"', '"mallory"')
      .replace(/"generation":\d+/g, '"generation":1000');
    made.push(JSON.parse(text));
    const id = data?.session?.id ?? data?.session_id;
    made.push({ type: 'ended', session_id: id }, { type: 'signed_out', session_id: id });
  }
  made.push('AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', '{"type":"ended"}', { type: 'ended' }, null);
  return made;
}

test('forged, tampered and replayed messages are not believed', async ({ page, context, request }) => {
  // Two refreshes: the first one's message is now about an old generation.
  const { listener, tokens } = await signInListenedTo(page, context, request);
  const heard = await listener.heard();

  for (const message of forgeries(heard)) await listener.post(APP_CHANNELS[0], message);
  // The replay: believing it would roll back to a rotated-out refresh token,
  // and the provider would then revoke the whole grant.
  await listener.post(APP_CHANNELS[0], heard[0].data);

  const before = tokens.okRefreshes().length;
  await expect.poll(() => tokens.okRefreshes().length, { message: 'two more refreshes answered 200', timeout: 25_000 })
    .toBeGreaterThanOrEqual(before + 2);
  expectNoRefreshTokenSentTwice(tokens);
  for (const exchange of tokens.refreshes().filter((e) => e.done)) {
    expect(exchange.status, `refresh answered ${exchange.status} ${exchange.body?.error ?? ''}`).toBe(200);
  }
  await expect(signedInHeading(page)).toBeVisible();
  await expect(field(page, 'sub')).toHaveText('alice');
  await expect(errorAlert(page)).toHaveCount(0);
});

test('a tab that hears of rotations seconds late never sends a rotated-out refresh token', async ({ page: tabA, context, request }) => {
  await setAppConfig(request, { token_storage: 'session', api_url: API_URL });
  await context.addInitScript(throttleTab, { name: 'throttled', messageDelayMs: 3_000, lockDelayMs: 300 });
  const tokens = recordTokenExchanges(context);
  await signInFully(tabA);
  const tabB = await duplicateTab(tabA, context, 'throttled');

  // Three refresh rounds (~4.5 s apart): tab A takes the lock first each
  // time; tab B then finds the session moved on, with the message that
  // carries the new tokens still 3 s away.
  await expect.poll(() => tokens.okRefreshes().length, { message: 'three refreshes answered 200', timeout: 30_000 })
    .toBeGreaterThanOrEqual(3);
  await expect.poll(() => tokens.allDone(), { message: 'every token request answered' }).toBe(true);
  expectNoRefreshTokenSentTwice(tokens);
  for (const exchange of tokens.refreshes()) {
    expect(exchange.status, `refresh answered ${exchange.status} ${exchange.body?.error ?? ''}`).toBe(200);
  }
  // Tab B has caught up (its next message has arrived) and works.
  await tabB.waitForTimeout(3_500);
  for (const [name, tab] of [['tab A', tabA], ['tab B', tabB]]) {
    await expect(signedInHeading(tab), name).toBeVisible();
    await expect(errorAlert(tab), name).toHaveCount(0);
    await callApiButton(tab).click();
    await expect(field(tab, 'api-status'), name).toHaveText('200');
  }
  expectNoRefreshTokenSentTwice(tokens);
});

test('signing out in one tab signs out the session\'s other tabs', async ({ page: tabA, context, request }) => {
  await setAppConfig(request, { token_storage: 'session' });
  await signInFully(tabA);
  const tabB = await duplicateTab(tabA, context);

  await signOutButton(tabB).click();
  await expect(signInButton(tabA)).toBeVisible({ timeout: 15_000 });
  await expect(signedInHeading(tabA)).toHaveCount(0);
  await expect(field(tabA, 'signed-out-notice')).toBeVisible();
  await expect(errorAlert(tabA)).toHaveCount(0);
  expect(await sessionKeys(tabA), 'the session kept in tab A').toEqual([]);
  await tabA.reload();
  await expect(signInButton(tabA)).toBeVisible();
  await expect(signedInHeading(tabA)).toHaveCount(0);
  // Tab B back from the provider's sign-out before the context closes.
  await expect(field(tabB, 'signed-out-notice')).toBeVisible({ timeout: 15_000 });
});
