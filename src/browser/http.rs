//! HTTP with fetch. Every request omits credentials: this client
//! authenticates with `client_id` and the PKCE verifier, never with cookies,
//! and no cookie may ride along to the provider. Every request is aborted
//! after the configured timeout (`request_timeout_s`), so a hung request
//! never holds the session's refresh lock.

use std::cell::Cell;

use gloo_net::http::{Request, RequestBuilder};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
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

/// What came back: the status, the headers the core reads, and the body as
/// text. Reading it is the core's job.
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    /// RFC 9449 §8.1, §9: a server's new DPoP nonce.
    pub dpop_nonce: Option<String>,
    pub www_authenticate: Option<String>,
    /// The server's clock, when CORS lets the page read it.
    pub date: Option<String>,
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
    fn start() -> Option<Self> {
        let controller = AbortController::new().ok()?;
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

fn prepare(builder: RequestBuilder, deadline: Option<&Deadline>) -> RequestBuilder {
    builder
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .abort_signal(deadline.map(|d| d.controller.signal()).as_ref())
}

/// A fetch that gets no HTTP answer (offline, refused, CORS) rejects with
/// nothing more specific to say, by design of the platform; one aborted by
/// its deadline is a timeout.
async fn send(build: impl FnOnce(Option<&Deadline>) -> Option<Request>, url: &str) -> Result<Reply, AppError> {
    let deadline = Deadline::start();
    let failed = |deadline: &Option<Deadline>| match deadline {
        Some(d) if d.passed() => AppError::Timeout { url: url.to_owned(), after_ms: d.after_ms },
        _ => AppError::Network { url: url.to_owned() },
    };
    let request = build(deadline.as_ref()).ok_or_else(|| failed(&deadline))?;
    let response = request.send().await.map_err(|_| failed(&deadline))?;
    let status = response.status();
    let headers = response.headers();
    let (content_type, dpop_nonce) = (headers.get("content-type"), headers.get(dpop::NONCE_HEADER));
    let (www_authenticate, date) = (headers.get("www-authenticate"), headers.get("date"));
    let body = response.text().await.map_err(|_| failed(&deadline))?;
    Ok(Reply { status, content_type, dpop_nonce, www_authenticate, date, body })
}

pub async fn get(url: &str) -> Result<Reply, AppError> {
    send(|d| prepare(Request::get(url), d).header("Accept", "application/json").build().ok(), url).await
}

/// A GET with the access token: `Bearer` (RFC 6750 §2.1), or `DPoP` with
/// its proof (RFC 9449 §7.1). For UserInfo and the configured API.
pub async fn get_with_token(url: &str, access_token: &str, proof: Option<&str>) -> Result<Reply, AppError> {
    let scheme = if proof.is_some() { "DPoP" } else { "Bearer" };
    let authorization = format!("{scheme} {access_token}");
    let build = |d: Option<&Deadline>| {
        let builder = prepare(Request::get(url), d).header("Authorization", &authorization);
        match proof {
            Some(proof) => builder.header(dpop::PROOF_HEADER, proof),
            None => builder,
        }
        .build()
        .ok()
    };
    send(build, url).await
}

/// POSTs a token request as a form, with a DPoP proof when given. No
/// `Authorization` header: a public client has nothing to put in it (RFC
/// 6749 §2.3, §3.2.1).
pub async fn post_form(request: &TokenRequest, proof: Option<&str>) -> Result<Reply, AppError> {
    let url = request.url.as_str();
    let build = |d: Option<&Deadline>| {
        let builder = prepare(Request::post(url), d).header("Content-Type", FORM_CONTENT_TYPE).header("Accept", "application/json");
        match proof {
            Some(proof) => builder.header(dpop::PROOF_HEADER, proof),
            None => builder,
        }
        .body(request.body.as_str())
        .ok()
    };
    send(build, url).await
}
