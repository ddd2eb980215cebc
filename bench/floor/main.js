// The floor for `make bench`: the PKCE flow written by hand, with nothing
// else (no ID token check at all, no error handling worth the name). What a
// browser needs at the least to do the same requests.
const app = document.getElementById('app');
const show = (html) => { app.innerHTML = html; };
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const getJson = async (url, init) => (await fetch(url, init)).json();

async function main() {
  const config = await getJson('/config.json');
  const meta = await getJson(`${config.issuer}/.well-known/openid-configuration`);
  const redirect = `${location.origin}/callback`;
  const query = new URLSearchParams(location.search);
  if (location.pathname === '/callback') {
    show('<p role="status">Signing you in…</p>');
    const pending = JSON.parse(sessionStorage.getItem(query.get('state')));
    sessionStorage.removeItem(query.get('state'));
    history.replaceState(null, '', '/');
    const tokens = await getJson(meta.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: query.get('code'), redirect_uri: redirect,
        client_id: config.client_id, code_verifier: pending.verifier,
      }),
    });
    const claims = JSON.parse(atob(tokens.id_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    show(`<section><h2>Signed in</h2><p>Subject: <code>${claims.sub}</code></p></section>`);
    return;
  }
  show('<section><h2>Signed out</h2><button>Sign in</button></section>');
  const button = app.querySelector('button');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const verifier = random();
    const state = random();
    const nonce = random();
    const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    sessionStorage.setItem(state, JSON.stringify({ verifier, nonce }));
    location.assign(`${meta.authorization_endpoint}?${new URLSearchParams({
      response_type: 'code', client_id: config.client_id, redirect_uri: redirect, scope: 'openid profile',
      state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
    })}`);
  });
}

main();
