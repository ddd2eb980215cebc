//! The sign-in flow, step by step: each function runs one protocol step of
//! the core against the browser layer.

use crate::browser::{http, page, random, storage};
use crate::core::callback::{self, AuthorizationResponse};
use crate::core::config::{self, Config};
use crate::core::discovery::{self, Provider};
use crate::core::session::Session;
use crate::core::{id_token, sign_in, token, AppError};

/// What the app knows before anyone signs in.
#[derive(Clone, Debug)]
pub struct AppSetup {
    pub config: Config,
    pub provider: Provider,
}

/// Reads config.json beside index.html, then the provider's discovery
/// document unless config.json names both endpoints.
pub async fn load() -> Result<AppSetup, AppError> {
    let base = page::base_url();
    let url = format!("{base}config.json");
    let reply = http::get(&url).await.map_err(|_| AppError::ConfigMissing { url: url.clone(), status: None })?;
    if !(200..300).contains(&reply.status) {
        return Err(AppError::ConfigMissing { url, status: Some(reply.status) });
    }
    let config = config::parse(&reply.body, &base)?;
    let metadata = if config.has_endpoints() { None } else { Some(discover(&config.issuer).await?) };
    let provider = discovery::resolve(&config, metadata)?;
    Ok(AppSetup { config, provider })
}

async fn discover(issuer: &str) -> Result<discovery::ProviderMetadata, AppError> {
    let url = discovery::discovery_url(issuer);
    let reply = http::get(&url).await.map_err(|_| AppError::DiscoveryFailed {
        url: url.clone(),
        problem: "no answer: the issuer may be wrong, the provider down, or this origin not allowed (CORS)".to_owned(),
    })?;
    discovery::parse_metadata(&url, reply.status, &reply.body, issuer)
}

/// Makes the PKCE pair, state and nonce, keeps the pending request in
/// sessionStorage under its state, and leaves for the provider.
pub fn begin_sign_in(setup: &AppSetup) -> Result<(), AppError> {
    let start = sign_in::start(&setup.config, &setup.provider, random::sign_in_randomness()?, page::now_ms());
    storage::save_pending(&start.request.state, &start.pending)?;
    page::go_to(&start.url)
}

/// Handles the authorization response in `query`: finds and removes the
/// pending request for its state, then exchanges the code.
pub async fn complete_sign_in(setup: &AppSetup, query: &str) -> Result<Session, AppError> {
    let response = callback::parse(query)?;
    let pending = match response.state() {
        Some(state) => storage::take_pending(state)?,
        None => None,
    };
    let code = match response {
        // RFC 6749 §4.1.2.1: the provider's error is shown only when it
        // answers a sign-in this tab started; otherwise anyone could put
        // words on the page with a crafted link.
        AuthorizationResponse::Error { error, .. } => {
            return Err(if pending.is_some() { AppError::Provider(error) } else { AppError::UnsolicitedError });
        }
        AuthorizationResponse::Code { code, .. } => code,
    };
    let pending = pending.ok_or(AppError::StateMismatch)?;
    let scope = pending.scope;
    let request = token::authorization_code_request(
        &setup.provider.token_endpoint,
        code,
        &pending.redirect_uri,
        &setup.config.client_id,
        pending.code_verifier,
    );
    let reply = http::post_form(&request).await?;
    let tokens = token::parse_response(reply.status, &reply.body)?;
    let claims = tokens.id_token.as_ref().map(id_token::decode).transpose()?;
    Ok(Session::new(tokens, claims, &scope, page::now_ms()))
}
