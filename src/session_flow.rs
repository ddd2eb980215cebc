//! The session after sign-in, step by step: refresh, UserInfo, the API call
//! and sign-out, each running core steps against the browser layer.

use serde_json::{Map, Value};

use crate::browser::webcrypto::WebCrypto;
use crate::browser::{http, page, random, storage};
use crate::core::authorize::State;
use crate::core::id_token::{self, Expectations};
use crate::core::session::Session;
use crate::core::{logout, token, userinfo, AppError};
use crate::flow::{AppSetup, ProviderKeys};

/// A new random session id, shared by the tabs that hold the session.
pub fn new_session_id() -> Result<String, AppError> {
    Ok(crate::core::b64::encode(&random::bytes32()?[..16]))
}

/// One refresh (RFC 6749 §6) of `session`. A refused refresh ends the
/// session (`RefreshRejected`, the provider's code passing through); a new
/// ID token is validated like the first, without a nonce (Core §12.2), and
/// must name the same issuer and subject.
pub async fn refresh(setup: &AppSetup, session: &Session) -> Result<Session, AppError> {
    let Some(refresh_token) = session.tokens.refresh_token.clone() else {
        return Ok(session.clone());
    };
    let request = token::refresh_request(&setup.provider.token_endpoint, refresh_token, &setup.config.client_id);
    let reply = http::post_form(&request).await?;
    let tokens = match token::parse_response(reply.status, &reply.body) {
        Err(AppError::Provider(e)) => return Err(AppError::RefreshRejected(e)),
        other => other?,
    };
    let claims = match &tokens.id_token {
        None => None,
        Some(id_token) => {
            let expected = Expectations {
                issuer: &setup.provider.issuer,
                client_id: &setup.config.client_id,
                nonce: None,
                access_token: tokens.access_token.secret(),
                now_s: page::now_ms() / 1000,
            };
            Some(id_token::verify(id_token, &ProviderKeys::of(setup), &WebCrypto, &expected).await?)
        }
    };
    session.refreshed(tokens, claims, page::now_ms())
}

/// The UserInfo claims (Core §5.3), or `None` when the provider has no
/// UserInfo endpoint or the session has no ID token to compare `sub` with.
pub async fn userinfo(setup: &AppSetup, session: &Session) -> Result<Option<Map<String, Value>>, AppError> {
    let endpoint = setup.provider.userinfo_endpoint.as_deref();
    let (Some(endpoint), Some(claims)) = (endpoint, &session.claims) else {
        return Ok(None);
    };
    let reply = http::get_with_bearer(endpoint, session.tokens.access_token.secret()).await?;
    userinfo::parse(reply.status, reply.content_type.as_deref(), &reply.body, claims.subject()).map(Some)
}

/// What the configured API answered, shown as is.
pub struct ApiAnswer {
    pub status: u16,
    pub body: String,
}

pub async fn call_api(url: &str, session: &Session) -> Result<ApiAnswer, AppError> {
    let reply = http::get_with_bearer(url, session.tokens.access_token.secret()).await?;
    Ok(ApiAnswer { status: reply.status, body: reply.body })
}

/// Revokes the refresh token, then the access token, when the provider has
/// a revocation endpoint (RFC 7009 §2.1, `client_id` only). RFC 7009 §2.2:
/// the provider answers 200 even for a token it no longer knows.
pub async fn revoke(setup: &AppSetup, session: &Session) -> Result<(), AppError> {
    let Some(endpoint) = setup.provider.revocation_endpoint.as_deref() else {
        return Ok(());
    };
    let tokens = &session.tokens;
    let mut revocations = Vec::new();
    if let Some(rt) = &tokens.refresh_token {
        revocations.push((rt.secret(), "refresh_token"));
    }
    revocations.push((tokens.access_token.secret(), "access_token"));
    for (value, hint) in revocations {
        let request = token::revocation_request(endpoint, value, hint, &setup.config.client_id);
        let failed = |problem: String| AppError::RevocationFailed { problem };
        let reply = http::post_form(&request).await.map_err(|_| failed(format!("{endpoint} did not answer")))?;
        if reply.status != 200 {
            return Err(failed(format!("{endpoint} answered HTTP {}", reply.status)));
        }
    }
    Ok(())
}

/// The provider's end-session URL (RP-Initiated Logout §2) with a fresh
/// `state` kept in this tab, or `None` when the provider has none.
pub fn end_session_url(setup: &AppSetup, session: &Session) -> Result<Option<String>, AppError> {
    let Some(endpoint) = setup.provider.end_session_endpoint.as_deref() else {
        return Ok(None);
    };
    let state = State::from_random(random::bytes32()?);
    storage::save_logout_state(&state, page::now_ms())?;
    let hint = session.tokens.id_token.as_ref().map(|t| t.secret());
    Ok(Some(logout::end_session_url(
        endpoint,
        hint,
        &setup.config.client_id,
        Some(&setup.config.post_logout_redirect_uri),
        &state,
    )))
}

/// Back from the provider's sign-out: `Ok(true)` when the address bar
/// carries the state this tab sent, `Ok(false)` when it carries none.
pub fn finish_sign_out(query: &str) -> Result<bool, AppError> {
    let Some(state) = logout::returned_state(query) else {
        return Ok(false);
    };
    page::strip_query()?;
    if storage::take_logout_state(&state)? {
        Ok(true)
    } else {
        Err(AppError::LogoutStateMismatch)
    }
}
