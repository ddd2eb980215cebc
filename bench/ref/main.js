// The reference for `make bench`: the smallest reasonable SPA on
// oidc-client-ts doing what pkce-spa does up to the signed-in view. Like
// pkce-spa it reads config.json and the discovery document before it offers
// "Sign in". oidc-client-ts does not check the ID token's signature (it never
// fetches the key set); everything else is its defaults (Authorization Code +
// PKCE S256, state and nonce in sessionStorage).
import { UserManager } from 'oidc-client-ts';

const app = document.getElementById('app');
const show = (html) => { app.innerHTML = html; };
const text = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

async function main() {
  const config = await (await fetch('/config.json')).json();
  const manager = new UserManager({
    authority: config.issuer,
    client_id: config.client_id,
    redirect_uri: `${location.origin}/callback`,
    scope: config.scope || 'openid profile',
    loadUserInfo: false,
    automaticSilentRenew: false,
  });
  if (location.pathname === '/callback') {
    show('<p role="status">Signing you in…</p>');
    const user = await manager.signinRedirectCallback();
    history.replaceState(null, '', '/');
    show(`<section><h2>Signed in</h2><p>Subject: <code>${text(user.profile.sub)}</code></p></section>`);
    return;
  }
  await manager.metadataService.getMetadata();
  show(`<section><h2>Signed out</h2><p>Sign in with ${text(config.issuer)}.</p><button>Sign in</button></section>`);
  const button = app.querySelector('button');
  button.addEventListener('click', () => {
    button.disabled = true;
    manager.signinRedirect();
  });
}

main().catch((e) => show(`<p role="alert">${text(e.message)}</p>`));
