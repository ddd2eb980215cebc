//! The Leptos floor for `make bench`: bench/floor/main.js's PKCE flow in
//! Leptos 0.8 CSR, with nothing else (no ID token check at all, no error
//! handling worth the name: a panic stops it). What any Leptos app costs at
//! the least for the same requests.

#[cfg(target_arch = "wasm32")]
mod app {
    use js_sys::{Reflect, JSON};
    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use sha2::{Digest, Sha256};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{RequestInit, Response, UrlSearchParams};

    /// What "Sign in" needs from config.json and the discovery document.
    #[derive(Clone)]
    struct Provider {
        client_id: String,
        scope: String,
        authorize: String,
        token: String,
    }

    fn field(value: &JsValue, name: &str) -> Option<String> {
        Reflect::get(value, &name.into()).ok()?.as_string()
    }

    async fn get_json(url: &str, init: Option<&RequestInit>) -> JsValue {
        let window = window();
        let promise = match init {
            Some(init) => window.fetch_with_str_and_init(url, init),
            None => window.fetch_with_str(url),
        };
        let response: Response = JsFuture::from(promise).await.unwrap().unchecked_into();
        JsFuture::from(response.json().unwrap()).await.unwrap()
    }

    async fn provider() -> Provider {
        let config = get_json("/config.json", None).await;
        let issuer = field(&config, "issuer").unwrap();
        let meta = get_json(&format!("{issuer}/.well-known/openid-configuration"), None).await;
        Provider {
            client_id: field(&config, "client_id").unwrap(),
            scope: field(&config, "scope").unwrap_or_else(|| "openid profile".into()),
            authorize: field(&meta, "authorization_endpoint").unwrap(),
            token: field(&meta, "token_endpoint").unwrap(),
        }
    }

    fn b64url(bytes: &[u8]) -> String {
        let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
        let b64 = window().btoa(&binary).unwrap();
        b64.trim_end_matches('=').replace('+', "-").replace('/', "_")
    }

    fn random() -> String {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).unwrap();
        b64url(&bytes)
    }

    fn params(pairs: &[(&str, &str)]) -> UrlSearchParams {
        let params = UrlSearchParams::new().unwrap();
        for (name, value) in pairs {
            params.append(name, value);
        }
        params
    }

    fn redirect_uri() -> String {
        format!("{}/callback", window().location().origin().unwrap())
    }

    fn sign_in(p: Provider) {
        let (verifier, state, nonce) = (random(), random(), random());
        let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
        let pending = format!(r#"{{"verifier":"{verifier}","nonce":"{nonce}"}}"#);
        let storage = window().session_storage().unwrap().unwrap();
        storage.set_item(&state, &pending).unwrap();
        let redirect = redirect_uri();
        let query = params(&[
            ("response_type", "code"),
            ("client_id", &p.client_id),
            ("redirect_uri", &redirect),
            ("scope", &p.scope),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ]);
        let url = format!("{}?{}", p.authorize, String::from(query.to_string()));
        window().location().assign(&url).unwrap();
    }

    /// `/callback`: the code for tokens, and the ID token's `sub`, unchecked.
    async fn callback() -> String {
        let p = provider().await;
        let window = window();
        let query = UrlSearchParams::new_with_str(&window.location().search().unwrap()).unwrap();
        let state = query.get("state").unwrap();
        let storage = window.session_storage().unwrap().unwrap();
        let pending = JSON::parse(&storage.get_item(&state).unwrap().unwrap()).unwrap();
        storage.remove_item(&state).unwrap();
        window.history().unwrap().replace_state_with_url(&JsValue::NULL, "", Some("/")).unwrap();
        let body = params(&[
            ("grant_type", "authorization_code"),
            ("code", &query.get("code").unwrap()),
            ("redirect_uri", &redirect_uri()),
            ("client_id", &p.client_id),
            ("code_verifier", &field(&pending, "verifier").unwrap()),
        ]);
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&body);
        let tokens = get_json(&p.token, Some(&init)).await;
        let id_token = field(&tokens, "id_token").unwrap();
        let payload = id_token.split('.').nth(1).unwrap().replace('-', "+").replace('_', "/");
        let claims = JSON::parse(&window.atob(&payload).unwrap()).unwrap();
        field(&claims, "sub").unwrap()
    }

    fn home() -> impl IntoView {
        let (ready, set_ready) = signal(None::<Provider>);
        spawn_local(async move { set_ready.set(Some(provider().await)) });
        let click = move |_| {
            if let Some(p) = ready.get_untracked() {
                set_ready.set(None); // disables the button
                sign_in(p);
            }
        };
        view! {
            <section>
                <h2>"Signed out"</h2>
                <button disabled=move || ready.with(Option::is_none) on:click=click>"Sign in"</button>
            </section>
        }
    }

    fn signed_in() -> impl IntoView {
        let (sub, set_sub) = signal(None::<String>);
        spawn_local(async move { set_sub.set(Some(callback().await)) });
        move || match sub.get() {
            None => view! { <p role="status">"Signing you in…"</p> }.into_any(),
            Some(sub) => view! {
                <section>
                    <h2>"Signed in"</h2>
                    <p>"Subject: " <code>{sub}</code></p>
                </section>
            }
            .into_any(),
        }
    }

    pub fn start() {
        let app = document().get_element_by_id("app").unwrap();
        app.set_text_content(None); // the "Loading…" of index.html
        let on_callback = window().location().pathname().unwrap() == "/callback";
        leptos::mount::mount_to(app.unchecked_into(), move || {
            if on_callback {
                signed_in().into_any()
            } else {
                home().into_any()
            }
        })
        .forget();
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    app::start();
}
