// The login page and the rest of the interaction: any user name signs in,
// consent is granted at once, Cancel answers access_denied.
//   GET  /interaction/<uid>         the login page (or automatic consent)
//   POST /interaction/<uid>/login   login=<user name>
//   POST /interaction/<uid>/abort

import { errorPage, escapeHtml, page, readBody, sendHtml } from './html.mjs';

export const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/;

/** oidc-provider's `interactions.url`: where it sends the browser. */
export function interactionUrl(ctx, interaction) {
  return `/interaction/${interaction.uid}`;
}

function loginPage(uid, { message, login = '' } = {}) {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  return page('Local development provider', `<main>
<h1>Local development provider</h1>
<p class="note">Any user name signs in. This provider is for local development only.</p>
${message ? `<p class="message" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}/login" autocomplete="off">
  <label for="login">User name</label>
  <input type="text" id="login" name="login" value="${escapeHtml(login)}" autofocus>
  <div class="buttons">
    <button type="submit">Continue</button>
    <button type="submit" formaction="${escapeHtml(action)}/abort">Cancel</button>
  </div>
</form>
</main>`);
}

async function readForm(req) {
  return new URLSearchParams(await readBody(req));
}

/** Grants what the consent prompt asks for; returns the interaction result. */
async function grantConsent(provider, details) {
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  // An existing grant is modified in place; a new one is handed over.
  return details.grantId ? {} : { grantId };
}

/** Handles one request under /interaction/<uid>[/action]. */
export async function handleInteraction(provider, req, res, uid, action) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    // SessionNotFound and friends: the interaction cookie is missing or expired.
    sendHtml(res, 400, errorPage('Sign-in session not found', err.error_description || err.message,
      'Start the sign-in again from the application.'));
    return;
  }
  if (details.uid !== uid) {
    sendHtml(res, 400, errorPage('Sign-in session mismatch', 'Start the sign-in again from the application.'));
    return;
  }
  const promptName = details.prompt.name;

  if (req.method === 'GET' && action === undefined) {
    if (promptName === 'login') {
      sendHtml(res, 200, loginPage(uid));
    } else if (promptName === 'consent') {
      const consent = await grantConsent(provider, details);
      await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
    } else {
      sendHtml(res, 400, errorPage('Unsupported prompt', promptName));
    }
    return;
  }

  if (req.method === 'POST' && action === 'login') {
    if (promptName !== 'login') {
      sendHtml(res, 400, errorPage('Not expecting a sign-in here'));
      return;
    }
    const login = ((await readForm(req)).get('login') ?? '').trim();
    if (!login) {
      sendHtml(res, 400, loginPage(uid, { message: 'Enter a user name.' }));
    } else if (login.length > 200) {
      sendHtml(res, 400, loginPage(uid, { message: 'That user name is too long.', login: login.slice(0, 200) }));
    } else {
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    }
    return;
  }

  if (req.method === 'POST' && action === 'abort') {
    await readForm(req);
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'The person cancelled the sign-in',
    }, { mergeWithLastSubmission: false });
    return;
  }

  res.statusCode = 405;
  res.setHeader('Allow', 'GET, POST');
  res.end();
}
