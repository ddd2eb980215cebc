//! The browser layer in headless Chrome (wasm-bindgen-test): real
//! sessionStorage, real crypto.getRandomValues, real history.
#![cfg(target_arch = "wasm32")]

use gloo_storage::{SessionStorage, Storage};
use pkce_spa::browser::{page, random, storage};
use pkce_spa::core::authorize::{Nonce, State};
use pkce_spa::core::pending::{self, PendingRequest};
use pkce_spa::core::pkce::CodeVerifier;
use pkce_spa::core::route::Route;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Waits `ms` milliseconds without blocking the page (a test's pause; the
/// app itself never waits for time, only for data or its own timers).
async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn pending_request(tag: u8) -> PendingRequest {
    PendingRequest {
        code_verifier: CodeVerifier::from_random([tag; 32]),
        nonce: Some(Nonce::from_random([tag ^ 0xff; 32])),
        redirect_uri: "http://127.0.0.1:8080/callback".into(),
        scope: "openid".into(),
        created_at_ms: 1_700_000_000_000,
        dpop_jkt: None,
        return_to: None,
    }
}

#[wasm_bindgen_test]
fn pending_requests_are_kept_per_state_and_taken_once() {
    SessionStorage::clear();
    let (a, b) = (State::from_random([1; 32]), State::from_random([2; 32]));
    storage::save_pending(&a, &pending_request(1)).unwrap();
    storage::save_pending(&b, &pending_request(2)).unwrap();
    assert_eq!(SessionStorage::length(), 2, "two sign-ins, two entries");

    assert_eq!(storage::take_pending(&a).unwrap(), Some(pending_request(1)));
    assert_eq!(SessionStorage::length(), 1, "taken means removed");
    assert_eq!(storage::take_pending(&a).unwrap(), None, "a state is good once");
    assert!(storage::take_pending(&b).unwrap().is_some());
    assert_eq!(SessionStorage::length(), 0);
}

#[wasm_bindgen_test]
fn the_stored_entry_is_under_the_state_key() {
    SessionStorage::clear();
    let state = State::from_random([7; 32]);
    storage::save_pending(&state, &pending_request(7)).unwrap();
    let key = page::names().pending(&state);
    let raw: serde_json::Value = SessionStorage::get(&key).unwrap();
    assert_eq!(raw["redirect_uri"], "http://127.0.0.1:8080/callback");
    storage::take_pending(&state).unwrap();
    assert!(SessionStorage::get::<serde_json::Value>(&key).is_err());
}

#[wasm_bindgen_test]
fn a_tampered_entry_counts_as_absent_and_is_removed() {
    SessionStorage::clear();
    let state = State::from_random([8; 32]);
    let key = page::names().pending(&state);
    SessionStorage::set(&key, serde_json::json!({"code_verifier": "short"})).unwrap();
    assert_eq!(storage::take_pending(&state).unwrap(), None);
    assert_eq!(SessionStorage::length(), 0);
}

#[wasm_bindgen_test]
fn randomness_comes_from_the_browser() {
    let a = random::bytes32().unwrap();
    let b = random::bytes32().unwrap();
    assert_ne!(a, b);
    assert_ne!(a, [0; 32]);
    let r = random::sign_in_randomness().unwrap();
    assert!(r.verifier != r.state && r.state != r.nonce);
}

#[wasm_bindgen_test]
fn strip_query_removes_the_response_from_the_address_bar() {
    let w = web_sys::window().unwrap();
    let path = w.location().pathname().unwrap();
    w.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}?code=abc&state=xyz"))).unwrap();
    assert_eq!(page::query(), "?code=abc&state=xyz");
    page::strip_query().unwrap();
    assert_eq!(page::query(), "");
    assert_eq!(w.location().pathname().unwrap(), path);
}

#[wasm_bindgen_test]
fn the_page_comes_from_the_address_bar_and_the_return_path_replaces_the_callback() {
    use std::{cell::Cell, rc::Rc};
    use wasm_bindgen::{closure::Closure, JsCast};
    let w = web_sys::window().unwrap();
    let history = w.history().unwrap();
    let start = page::pathname();
    let root = format!("{}/", page::base_path());
    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{root}callback"))).unwrap();
    assert_eq!(page::route(), Route::Callback);
    let entries = history.length().unwrap();
    let told = Rc::new(Cell::new(0));
    let listener = {
        let told = told.clone();
        Closure::<dyn Fn()>::new(move || told.set(told.get() + 1))
    };
    w.add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref()).unwrap();
    page::show_in_app(&format!("{root}notes/3?tab=x#top")).unwrap();
    w.remove_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref()).unwrap();
    assert_eq!(page::here(), format!("{root}notes/3?tab=x#top"));
    assert_eq!(told.get(), 1, "the router is told with one popstate");
    assert_eq!(history.length().unwrap(), entries, "in place of the callback, no new entry");
    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&start)).unwrap();
}

#[wasm_bindgen_test]
async fn a_link_to_a_page_of_the_app_and_the_back_button_stay_in_this_page_load() {
    use std::{cell::RefCell, rc::Rc};
    let w = web_sys::window().unwrap();
    let history = w.history().unwrap();
    let start = page::pathname();
    let root = format!("{}/", page::base_path());
    let shown = Rc::new(RefCell::new(Vec::new()));
    page::follow_links_in_app({
        let shown = shown.clone();
        move |route| shown.borrow_mut().push(route)
    });
    let document = w.document().unwrap();
    let a: web_sys::HtmlAnchorElement = wasm_bindgen::JsCast::unchecked_into(document.create_element("a").unwrap());
    a.set_href(&format!("{root}check"));
    document.body().unwrap().append_child(&a).unwrap();
    let entries = history.length().unwrap();

    // Had the click not been taken, the test page would have gone.
    a.click();
    assert_eq!(*shown.borrow(), [Route::Check]);
    assert_eq!(page::pathname(), format!("{root}check"));
    assert_eq!(history.length().unwrap(), entries + 1);
    // The same link again: the same page, no second entry.
    a.click();
    assert_eq!(*shown.borrow(), [Route::Check, Route::Check]);
    assert_eq!(history.length().unwrap(), entries + 1);

    history.back().unwrap();
    for _ in 0..100 {
        if shown.borrow().len() == 3 {
            break;
        }
        sleep_ms(20).await;
    }
    assert_eq!(page::pathname(), start);
    assert_eq!(shown.borrow().last(), Some(&page::route()));
    a.remove();
}

#[wasm_bindgen_test]
fn the_base_url_is_a_folder_of_this_page() {
    let base = page::base_url();
    assert!(base.starts_with("http://127.0.0.1:") || base.starts_with("http://localhost:"), "{base}");
    assert!(base.ends_with('/'));
    assert!(!page::base_path().ends_with('/'));
}

#[wasm_bindgen_test]
fn handled_marks_and_the_sweep() {
    SessionStorage::clear();
    let now = 1_700_000_000_000u64;
    let (fresh, old) = (State::from_random([10; 32]), State::from_random([11; 32]));
    assert!(!storage::any_handled().unwrap());
    storage::mark_handled(&fresh, now).unwrap();
    storage::mark_handled(&old, now - pending::MAX_AGE_MS - 1).unwrap();
    storage::save_pending(&old, &PendingRequest { created_at_ms: now - pending::MAX_AGE_MS - 1, ..pending_request(11) }).unwrap();
    storage::save_pending(&fresh, &PendingRequest { created_at_ms: now, ..pending_request(10) }).unwrap();
    SessionStorage::set("someone-else", "kept").unwrap();
    assert!(storage::was_handled(&fresh).unwrap() && storage::any_handled().unwrap());

    storage::sweep(now).unwrap();
    assert!(storage::was_handled(&fresh).unwrap());
    assert!(!storage::was_handled(&old).unwrap());
    assert!(storage::take_pending(&old).unwrap().is_none(), "the abandoned sign-in is gone");
    assert!(storage::take_pending(&fresh).unwrap().is_some());
    assert_eq!(SessionStorage::get::<String>("someone-else").unwrap(), "kept");
    SessionStorage::clear();
}

mod webcrypto {
    use pkce_spa::browser::webcrypto::WebCrypto;
    use pkce_spa::core::id_token::SignatureVerifier;
    use pkce_spa::core::{jwks, jws};
    use wasm_bindgen_test::*;

    /// One JWS per algorithm, signed with throw-away keys by Node's crypto.
    const VECTORS: &str = include_str!("vectors/jws.json");

    #[wasm_bindgen_test]
    async fn verifies_each_algorithm_and_refuses_a_flipped_bit() {
        let vectors: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        for alg in ["RS256", "PS256", "ES256", "ES384"] {
            let set = serde_json::json!({ "keys": [vectors[alg]["jwk"]] }).to_string();
            let set = jwks::parse("vectors", 200, &set).unwrap();
            let token = jws::parse(vectors[alg]["token"].as_str().unwrap()).unwrap();
            let key = set.select(&token).unwrap();
            let input = token.signing_input.as_bytes();
            assert!(WebCrypto.verify(token.alg, &key, input, &token.signature).await.unwrap(), "{alg} verifies");

            let mut flipped = token.signature.clone();
            flipped[10] ^= 1;
            assert!(!WebCrypto.verify(token.alg, &key, input, &flipped).await.unwrap(), "{alg} flipped bit");
            assert!(!WebCrypto.verify(token.alg, &key, b"other.input", &token.signature).await.unwrap(), "{alg} other input");
        }
    }

    #[wasm_bindgen_test]
    async fn a_key_of_the_wrong_kind_is_not_imported() {
        let vectors: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        // An RS256 token checked against the EC key set finds no key at all.
        let set = serde_json::json!({ "keys": [vectors["ES256"]["jwk"]] }).to_string();
        let set = jwks::parse("vectors", 200, &set).unwrap();
        let token = jws::parse(vectors["RS256"]["token"].as_str().unwrap()).unwrap();
        assert!(set.select(&token).is_err());
    }
}

mod single_flight {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::sleep_ms;
    use pkce_spa::browser::locks;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn work_under_one_lock_name_never_overlaps() {
        assert!(locks::available(), "headless Chrome has Web Locks");
        let log: Rc<RefCell<Vec<&'static str>>> = Rc::default();
        let job = |name: &'static str, log: Rc<RefCell<Vec<&'static str>>>| async move {
            log.borrow_mut().push(name);
            sleep_ms(30).await;
            log.borrow_mut().push(name);
            name
        };
        let (a, b) = (log.clone(), log.clone());
        let first = locks::with_lock("pkce-spa.test", 5_000, move || job("a", a));
        let second = locks::with_lock("pkce-spa.test", 5_000, move || job("b", b));
        let (x, y) = futures::join!(first, second);
        assert_eq!((x, y), (locks::Locked::Ran("a"), locks::Locked::Ran("b")));
        assert_eq!(*log.borrow(), ["a", "a", "b", "b"], "b started only after a finished");
    }

    /// Runs `script` in the page, as another page of the origin would.
    fn run(script: &str) {
        js_sys::Function::new_no_args(script).call0(&wasm_bindgen::JsValue::NULL).unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_lock_held_for_ever_elsewhere_is_given_up_after_the_bound() {
        run("navigator.locks.request('pkce-spa.test-held', () => new Promise(() => {}))");
        let ran = Rc::new(RefCell::new(false));
        let flag = ran.clone();
        let outcome = locks::with_lock("pkce-spa.test-held", 300, move || async move { *flag.borrow_mut() = true }).await;
        assert_eq!(outcome, locks::Locked::NotGranted);
        assert!(!*ran.borrow(), "the work never started");
    }

    #[wasm_bindgen_test]
    async fn work_whose_lock_is_stolen_still_returns_its_result() {
        let stolen = locks::with_lock("pkce-spa.test-stolen", 5_000, || async {
            run("navigator.locks.request('pkce-spa.test-stolen', {steal: true}, () => Promise.resolve())");
            sleep_ms(50).await;
            "the answer"
        });
        assert_eq!(stolen.await, locks::Locked::Ran("the answer"));
    }
}

#[wasm_bindgen_test]
fn urls_are_read_by_the_browsers_own_parser() {
    use pkce_spa::browser::url::BrowserUrls;
    use pkce_spa::core::url::{problem, UrlParser};
    // What the browser's fetch would contact, whatever the string looks like.
    assert_eq!(BrowserUrls.parse("http://evil.example\\.localhost/token").unwrap().host, "evil.example");
    assert_eq!(BrowserUrls.parse("http://127.0.0.1.nip.io/token").unwrap().host, "127.0.0.1.nip.io");
    assert_eq!(BrowserUrls.parse("http://0x7f.1/").unwrap().host, "127.0.0.1");
    assert_eq!(BrowserUrls.parse("http://[0:0::1]:8080/").unwrap().host, "[::1]");
    assert!(BrowserUrls.parse("not a url").is_none());
    assert!(problem("http://evil.example\\.localhost/token", &BrowserUrls).is_some());
    assert!(problem("http://127.0.0.1.nip.io/token", &BrowserUrls).is_some());
    assert!(problem("https://user@idp.example/token", &BrowserUrls).is_some());
    assert!(problem("https://idp.example/token#", &BrowserUrls).is_some());
    assert_eq!(problem("http://127.0.0.1:9400/token", &BrowserUrls), None);
    assert_eq!(problem("http://localhost:9400/token", &BrowserUrls), None);
    assert_eq!(problem("https://idp.example/token", &BrowserUrls), None);
}

#[wasm_bindgen_test]
fn a_malformed_callback_leaves_the_address_bar_and_its_pending_sign_in_leaves_storage() {
    SessionStorage::clear();
    let state = State::from_random([9; 32]);
    storage::save_pending(&state, &pending_request(9)).unwrap();
    let window = web_sys::window().unwrap();
    let path = window.location().pathname().unwrap();
    let url = format!("{path}?code=a&code=b&state={}", state.as_str());
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)).unwrap();

    let taken = pkce_spa::flow::take_callback_response();

    assert_eq!(window.location().search().unwrap(), "", "the response left the address bar");
    assert_eq!(storage::take_pending(&state).unwrap(), None, "the pending sign-in left storage");
    assert!(storage::was_handled(&state).unwrap());
    let shown = format!("{taken:?}");
    assert!(!shown.contains(state.as_str()), "{shown}");
}

mod sealing {
    use pkce_spa::browser::webcrypto::{Purpose, SessionKey};
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn a_sealed_value_opens_only_with_its_key_and_purpose() {
        let key = SessionKey::import(&[7; 32]).await.unwrap();
        let other = SessionKey::import(&[8; 32]).await.unwrap();
        let sealed = key.seal(b"{\"sub\":\"alice\"}", Purpose::Message).await.unwrap();
        assert!(!sealed.contains("alice"));
        assert_eq!(key.open(&sealed, Purpose::Message).await.as_deref(), Some(&b"{\"sub\":\"alice\"}"[..]));
        assert_ne!(key.seal(b"{\"sub\":\"alice\"}", Purpose::Message).await.unwrap(), sealed, "a fresh IV every time");

        assert_eq!(key.open(&sealed, Purpose::Mark).await, None, "a message is not a mark");
        assert_eq!(other.open(&sealed, Purpose::Message).await, None, "another session's key");
        let (iv, ciphertext) = sealed.split_once('.').unwrap();
        let flipped = if ciphertext.starts_with('A') { 'B' } else { 'A' };
        let tampered = format!("{iv}.{flipped}{}", &ciphertext[1..]);
        assert_eq!(key.open(&tampered, Purpose::Message).await, None, "tampered");
        for junk in ["", ".", "abc", "AAAA.AAAA", "{\"type\":\"ended\"}"] {
            assert_eq!(key.open(junk, Purpose::Message).await, None, "{junk}");
        }
    }
}

mod dpop_key {
    use js_sys::Reflect;
    use pkce_spa::browser::dpop::{self, ProofKey};
    use pkce_spa::browser::webcrypto::WebCrypto;
    use pkce_spa::core::id_token::SignatureVerifier;
    use pkce_spa::core::{b64, jwks, jws};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;

    fn subtle() -> web_sys::SubtleCrypto {
        web_sys::window().unwrap().crypto().unwrap().subtle()
    }

    /// The proof's signature checked with the public key its header carries.
    async fn verifies(proof: &str) -> bool {
        let mut parts = proof.split('.');
        let header: serde_json::Value = serde_json::from_slice(&b64::decode(parts.next().unwrap()).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert!(header["jwk"].get("d").is_none());
        let key = jwks::PublicKey { kid: None, jwk: header["jwk"].clone() };
        let (input, signature) = proof.rsplit_once('.').unwrap();
        WebCrypto.verify(jws::Alg::ES256, &key, input.as_bytes(), &b64::decode(signature).unwrap()).await.unwrap()
    }

    #[wasm_bindgen_test]
    async fn the_private_key_cannot_be_exported_and_a_proof_verifies() {
        let key = ProofKey::generate().await.unwrap();
        assert!(!key.private_key().extractable());
        for format in ["jwk", "pkcs8"] {
            let export = subtle().export_key(format, key.private_key()).unwrap();
            assert!(JsFuture::from(export).await.is_err(), "exportKey({format}) must reject");
        }
        let proof = key.proof("POST", "https://as.example/token?x=1", Some("n-1"), None).await.unwrap();
        assert!(verifies(&proof).await);
        let claims: serde_json::Value = serde_json::from_slice(&b64::decode(proof.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(claims["htu"], "https://as.example/token");
        assert_eq!(claims["nonce"], "n-1");
        let (input, _) = proof.rsplit_once('.').unwrap();
        let other = key.proof("POST", "https://as.example/other", None, None).await.unwrap();
        assert!(!verifies(&format!("{input}.{}", other.rsplit_once('.').unwrap().1)).await, "a signature of other claims");
    }

    #[wasm_bindgen_test]
    async fn the_key_survives_indexeddb_and_stays_non_extractable() {
        let key = ProofKey::generate().await.unwrap();
        key.keep(true).await.unwrap();
        let back = dpop::stored(key.jkt()).await.unwrap();
        assert_eq!(back.jkt(), key.jkt());
        assert!(!back.private_key().extractable());
        let export = subtle().export_key("jwk", back.private_key()).unwrap();
        assert!(JsFuture::from(export).await.is_err());
        let usages = Reflect::get(back.private_key(), &JsValue::from_str("usages")).unwrap().unchecked_into::<js_sys::Array>();
        assert_eq!(usages.to_vec(), vec![JsValue::from_str("sign")]);
        assert!(verifies(&back.proof("GET", "https://api.example/hello", None, Some("AT")).await.unwrap()).await);
        dpop::forget(key.jkt()).await;
        assert!(dpop::stored(key.jkt()).await.is_err(), "gone from IndexedDB");
    }
}

/// The README's "In your own Leptos app" lines, compiled as they are: a
/// change to the library's API that breaks them fails here.
#[allow(dead_code)]
mod readme_library_lines {
    use leptos::prelude::*;
    use pkce_spa::auth::{use_auth, AuthCallback, AuthProvider, RequireAuth};

    #[component]
    fn App() -> impl IntoView {
        view! { <AuthProvider><Pages /></AuthProvider> }
    }

    #[component]
    fn Pages() -> impl IntoView {
        let auth = use_auth();
        move || match auth.on_callback() {
            true => view! { <AuthCallback /> }.into_any(),
            false => view! { <RequireAuth><Private /></RequireAuth> }.into_any(),
        }
    }

    #[component]
    fn Private() -> impl IntoView {
        let auth = use_auth();
        view! { <p>"Signed in."</p> <button on:click=move |_| auth.sign_out()>"Sign out"</button> }
    }
}

/// The GETs that the page's loader starts before the wasm arrives
/// (scripts/post-build.mjs): the app's fetch takes them by URL, once.
mod early_fetch {
    use pkce_spa::browser::http;
    use pkce_spa::core::AppError;
    use wasm_bindgen_test::*;

    /// Sets `window.pkceSpaEarly` as the loader does, with `response` (a JS
    /// expression that may use `controller`) under `url`.
    fn start_early(url: &str, response: &str) {
        let script = format!(
            "const controller = new AbortController();
             const map = window.earlyForTests || (window.earlyForTests = new Map());
             window.pkceSpaEarly = (url) => {{ const e = map.get(url); map.delete(url); return e; }};
             map.set({url:?}, {{ response: {response}, controller }});"
        );
        js_sys::eval(&script).unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_get_takes_the_early_answer_once() {
        let url = "http://127.0.0.1:1/early/config.json";
        start_early(url, "Promise.resolve(new Response('{\"a\":1}', { status: 203, headers: { 'Content-Type': 'application/json' } }))");
        let reply = http::get(url).await.unwrap();
        assert_eq!((reply.status, reply.body.as_str()), (203, "{\"a\":1}"));
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        // Taken: the next GET goes to the network (nothing listens on port 1).
        assert!(matches!(http::get(url).await, Err(AppError::Network { .. })));
    }

    #[wasm_bindgen_test]
    async fn a_hung_early_request_ends_at_the_timeout() {
        let url = "http://127.0.0.1:1/early/hung";
        start_early(url, "new Promise((_, reject) => controller.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))");
        http::set_timeout_ms(50);
        let outcome = http::get(url).await;
        http::set_timeout_ms(pkce_spa::core::config::DEFAULT_REQUEST_TIMEOUT_MS);
        assert!(matches!(outcome, Err(AppError::Timeout { after_ms: 50, .. })), "aborted at the timeout");
    }

    #[wasm_bindgen_test]
    async fn a_failed_early_request_is_a_network_error() {
        let url = "http://127.0.0.1:1/early/failed";
        start_early(url, "Promise.reject(new TypeError('Failed to fetch'))");
        assert!(matches!(http::get(url).await, Err(AppError::Network { .. })));
    }
}
