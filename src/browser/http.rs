//! HTTP with fetch. Every request omits credentials: this client
//! authenticates with `client_id` and the PKCE verifier, never with cookies,
//! and no cookie may ride along to the provider.

use gloo_net::http::{Request, RequestBuilder};
use web_sys::{RequestCache, RequestCredentials};

use crate::core::token::{TokenRequest, FORM_CONTENT_TYPE};
use crate::core::AppError;

/// What came back: the status and the body as text. Reading it is the core's job.
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

fn prepare(builder: RequestBuilder) -> RequestBuilder {
    builder.credentials(RequestCredentials::Omit).cache(RequestCache::NoStore)
}

/// A fetch that gets no HTTP answer (offline, refused, CORS) rejects with
/// nothing more specific to say, by design of the platform.
async fn send(request: Request, url: &str) -> Result<Reply, AppError> {
    let network = || AppError::Network { url: url.to_owned() };
    let response = request.send().await.map_err(|_| network())?;
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let body = response.text().await.map_err(|_| network())?;
    Ok(Reply { status, content_type, body })
}

pub async fn get(url: &str) -> Result<Reply, AppError> {
    let request = prepare(Request::get(url)).header("Accept", "application/json").build().map_err(|_| AppError::Network { url: url.to_owned() })?;
    send(request, url).await
}

/// A GET with the access token as a bearer credential (RFC 6750 §2.1): for
/// UserInfo and the configured API.
pub async fn get_with_bearer(url: &str, access_token: &str) -> Result<Reply, AppError> {
    let request = prepare(Request::get(url))
        .header("Authorization", &format!("Bearer {access_token}"))
        .build()
        .map_err(|_| AppError::Network { url: url.to_owned() })?;
    send(request, url).await
}

/// POSTs a token request as a form. No `Authorization` header: a public
/// client has nothing to put in it (RFC 6749 §2.3, §3.2.1).
pub async fn post_form(request: &TokenRequest) -> Result<Reply, AppError> {
    let url = request.url.as_str();
    let built = prepare(Request::post(url))
        .header("Content-Type", FORM_CONTENT_TYPE)
        .header("Accept", "application/json")
        .body(request.body.as_str())
        .map_err(|_| AppError::Network { url: url.to_owned() })?;
    send(built, url).await
}
