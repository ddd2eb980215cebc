//! HTTP with fetch. Every request omits credentials: this client
//! authenticates with `client_id` and the PKCE verifier, never with cookies,
//! and no cookie may ride along to the provider. Every request is aborted
//! after the configured timeout (`request_timeout_s`), so a hung request
//! never holds the session's refresh lock. A GET that the page's loader
//! already started (config.json, the discovery document) is taken instead
//! of being sent again ([`send`]).

use std::cell::Cell;

use gloo_net::http::Request;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCache, RequestCredentials};

use crate::core::config::DEFAULT_REQUEST_TIMEOUT_MS;
use crate::core::dpop;
use crate::core::token::{TokenRequest, FORM_CONTENT_TYPE};
use crate::core::AppError;

thread_local! {
    /// Set once from config.json (`set_timeout_ms`); the page has one.
    static TIMEOUT_MS: Cell<u64> = const { Cell::new(DEFAULT_REQUEST_TIMEOUT_MS) };
}

/// The timeout of every request from now on (config.json's).
pub fn set_timeout_ms(ms: u64) {
    TIMEOUT_MS.with(|t| t.set(ms));
}

/// The timeout of every request, and of every other wait in the browser
/// layer ([`super::bound`]).
pub fn timeout_ms() -> u64 {
    TIMEOUT_MS.with(Cell::get)
}

/// What came back: the status, the headers the core reads, and the body as
/// text. Reading it is the core's job.
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// `Content-Type`: tells a JSON UserInfo answer from a JWT one.
    pub content_type: Option<String>,
    /// RFC 9449 §8.1, §9: a server's new DPoP nonce.
    pub dpop_nonce: Option<String>,
    /// `WWW-Authenticate`: where a resource asks for a DPoP nonce (RFC 9449 §9).
    pub www_authenticate: Option<String>,
    /// The server's clock, when CORS lets the page read it.
    pub date: Option<String>,
    /// The body as text, whatever its status.
    pub body: String,
}

/// Aborts the request it was given to when the time is up.
struct Deadline {
    controller: AbortController,
    handle: i32,
    _fire: Closure<dyn FnMut()>,
    after_ms: u64,
}

impl Deadline {
    /// Aborts `controller` (the early fetch's) or a new one.
    fn start(controller: Option<AbortController>) -> Option<Self> {
        let controller = controller.or_else(|| AbortController::new().ok())?;
        let after_ms = TIMEOUT_MS.with(Cell::get);
        let aborter = controller.clone();
        let fire = Closure::<dyn FnMut()>::new(move || aborter.abort());
        let handle = web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(fire.as_ref().unchecked_ref(), after_ms as i32)
            .ok()?;
        Some(Self { controller, handle, _fire: fire, after_ms })
    }

    fn passed(&self) -> bool {
        self.controller.signal().aborted()
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.handle);
        }
    }
}

/// One request: a GET, or a form POST (`form`), with the access token
/// (`Bearer`, or `DPoP` when a proof goes with it: RFC 6750 §2.1, RFC 9449
/// §7.1) and a DPoP proof when given. All requests go through [`send`], so
/// the wasm holds one fetch path.
pub struct Outgoing<'a> {
    /// The address, as the caller gave it.
    pub url: &'a str,
    /// A form body (`application/x-www-form-urlencoded`): makes it a POST.
    pub form: Option<&'a str>,
    /// The access token to send in `Authorization`, for UserInfo and the API.
    pub access_token: Option<&'a str>,
    /// The `DPoP` header: a proof, or the provider check's made-up value; with
    /// it, the access token goes under the `DPoP` scheme.
    pub proof: Option<String>,
}

impl<'a> Outgoing<'a> {
    /// A plain GET: no token, no proof.
    pub fn get(url: &'a str) -> Self {
        Self { url, form: None, access_token: None, proof: None }
    }

    /// A token, PAR or revocation request. No `Authorization` header: a
    /// public client has nothing to put in it (RFC 6749 §2.3, §3.2.1).
    pub fn form(request: &'a TokenRequest) -> Self {
        Self { url: &request.url, form: Some(&request.body), access_token: None, proof: None }
    }

    /// A GET with neither token nor proof: the kind the page's loader may
    /// have started already ([`take_early`]).
    fn is_plain_get(&self) -> bool {
        self.form.is_none() && self.access_token.is_none() && self.proof.is_none()
    }

    /// `POST` with a form body, else `GET`: also the proof's `htm`.
    pub fn method(&self) -> &'static str {
        if self.form.is_some() { "POST" } else { "GET" }
    }

    fn build(&self, deadline: Option<&Deadline>) -> Option<Request> {
        let builder = if self.form.is_some() { Request::post(self.url) } else { Request::get(self.url) };
        let mut builder = builder
            .credentials(RequestCredentials::Omit)
            .cache(RequestCache::NoStore)
            .abort_signal(deadline.map(|d| d.controller.signal()).as_ref())
            .header("Accept", "application/json");
        if let Some(token) = self.access_token {
            let scheme = if self.proof.is_some() { "DPoP" } else { "Bearer" };
            builder = builder.header("Authorization", &format!("{scheme} {token}"));
        }
        if let Some(proof) = &self.proof {
            builder = builder.header(dpop::PROOF_HEADER, proof);
        }
        match self.form {
            Some(body) => builder.header("Content-Type", FORM_CONTENT_TYPE).body(body).ok(),
            None => builder.build().ok(),
        }
    }
}

/// A fetch that gets no HTTP answer (offline, refused, CORS) rejects with
/// nothing more specific to say, by design of the platform; one aborted by
/// its deadline is a timeout.
pub async fn send(outgoing: &Outgoing<'_>) -> Result<Reply, AppError> {
    let url = outgoing.url;
    let early = if outgoing.is_plain_get() { take_early(url).ok().flatten() } else { None };
    let deadline = Deadline::start(early.as_ref().map(Early::controller));
    let failed = |deadline: &Option<Deadline>| match deadline {
        Some(d) if d.passed() => AppError::Timeout { url: url.to_owned(), after_ms: d.after_ms },
        _ => AppError::Network { url: url.to_owned() },
    };
    let fetched = match early {
        Some(early) => Some(early.response()),
        None => outgoing.build(deadline.as_ref()).zip(web_sys::window()).map(|(r, w)| w.fetch_with_request(&r.into())),
    };
    let response: web_sys::Response = settle(fetched).await.and_then(|r| r.dyn_into().ok()).ok_or_else(|| failed(&deadline))?;
    let status = response.status();
    let headers = response.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    let (content_type, dpop_nonce) = (header("content-type"), header(dpop::NONCE_HEADER));
    let (www_authenticate, date) = (header("www-authenticate"), header("date"));
    let body = settle(response.text().ok()).await.and_then(|t| t.as_string()).ok_or_else(|| failed(&deadline))?;
    Ok(Reply { status, content_type, dpop_nonce, www_authenticate, date, body })
}

/// What `promise` resolves to; `None` without one, or when it rejects.
async fn settle(promise: Option<js_sys::Promise>) -> Option<JsValue> {
    JsFuture::from(promise?).await.ok()
}

#[wasm_bindgen]
extern "C" {
    /// A GET that the page's loader started while the wasm was still on its
    /// way (scripts/post-build.mjs: config.json, the discovery document).
    type Early;
    /// Takes the loader's GET of `url`, once (none: `Ok(None)`; a page
    /// without the loader: `Err`).
    #[wasm_bindgen(catch, js_namespace = window, js_name = pkceSpaEarly)]
    fn take_early(url: &str) -> Result<Option<Early>, JsValue>;
    /// Its answer, as from `fetch`.
    #[wasm_bindgen(method, getter)]
    fn response(this: &Early) -> js_sys::Promise;
    /// Aborts it.
    #[wasm_bindgen(method, getter)]
    fn controller(this: &Early) -> AbortController;
}

/// A plain GET of `url`, as [`send`] sends it.
pub async fn get(url: &str) -> Result<Reply, AppError> {
    send(&Outgoing::get(url)).await
}

/// POSTs a token request as a form, with a made-up DPoP header when given
/// (the provider check's probe of CORS for that header).
pub async fn post_form(request: &TokenRequest, proof: Option<&str>) -> Result<Reply, AppError> {
    send(&Outgoing { proof: proof.map(str::to_owned), ..Outgoing::form(request) }).await
}
