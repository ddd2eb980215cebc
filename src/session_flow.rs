//! The session's requests, each running core steps against the browser
//! layer: refresh, UserInfo, the API call, revocation and the provider's
//! sign-out. When they run is decided by `core::session_engine`, carried out
//! by `session_runner`.

use serde_json::{Map, Value};

use crate::browser::dpop::{self, Nonces};
use crate::browser::http::{self, Outgoing, Reply};
use crate::browser::webcrypto::WebCrypto;
use crate::browser::{page, random, storage};
use crate::core::authorize::State;
use crate::core::id_token::{self, Expectations};
use crate::core::session::Session;
use crate::core::session_engine::RefreshAnswer;
use crate::core::token::{self, RefreshToken, TokenResponse};
use crate::core::dpop::Sent;
use crate::core::{logout, userinfo, AppError};
use crate::flow::{nonces, post_token_request, AppSetup, ProviderKeys};

/// One refresh (RFC 6749 §6) with `refresh_token`, taken by value so the
/// same token cannot be sent twice from here, and what became of it
/// ([`RefreshAnswer`]: whether tokens came, and whether the token sent may
/// be sent again, is the core's to tell). With a DPoP key (`dpop_jkt`), the
/// refresh carries its proof: a public client's refresh token is bound to
/// the key (RFC 9449 §5).
pub async fn refresh(setup: &AppSetup, refresh_token: RefreshToken, dpop_jkt: Option<&str>) -> RefreshAnswer {
    let request = token::refresh_request(setup.provider.token_endpoint(), refresh_token, &setup.config.client_id);
    let key = match dpop_jkt {
        Some(jkt) => match dpop::find(jkt).await {
            Ok(key) => Some(key),
            // Nothing was sent.
            Err(e) => return RefreshAnswer::NoTokens(e),
        },
        None => None,
    };
    let reply = match post_token_request(&request, key.as_ref(), nonces(&setup.config)).await {
        Ok(reply) => reply,
        Err(e) => return RefreshAnswer::failed(None, e),
    };
    match token::parse_response(reply.status, &reply.body, Sent::of(setup.config.dpop, key.is_some())) {
        Ok(tokens) => check_refreshed_id_token(setup, tokens).await,
        Err(e) => RefreshAnswer::failed(Some(reply.status), e),
    }
}

/// A refresh answer's new ID token, validated like the first (Core §12.2),
/// without a nonce of this request (the engine compares it with the first's).
pub async fn check_refreshed_id_token(setup: &AppSetup, tokens: TokenResponse) -> RefreshAnswer {
    let Some(id_token) = &tokens.id_token else {
        return RefreshAnswer::Tokens(tokens, None);
    };
    let expected = Expectations {
        issuer: &setup.provider.issuer,
        client_id: &setup.config.client_id,
        nonce: None,
        access_token: tokens.access_token.secret(),
        now_s: page::now_ms() / 1000,
    };
    let checked = id_token::verify(id_token, &ProviderKeys::of(setup), &WebCrypto, &expected).await;
    match checked {
        Ok(claims) => RefreshAnswer::Tokens(tokens, Some(claims)),
        Err(e) => RefreshAnswer::unchecked(tokens, e),
    }
}

/// The UserInfo claims (Core §5.3), or `None` when the provider has no
/// UserInfo endpoint or the session has no ID token to compare `sub` with.
pub async fn userinfo(setup: &AppSetup, session: &Session) -> Result<Option<Map<String, Value>>, AppError> {
    let endpoint = setup.provider.endpoints().userinfo_endpoint.as_deref();
    let (Some(endpoint), Some(claims)) = (endpoint, &session.claims) else {
        return Ok(None);
    };
    let reply = get_with_access_token(endpoint, session, nonces(&setup.config)).await?;
    userinfo::parse(reply.status, reply.content_type.as_deref(), &reply.body, claims.subject()).map(Some)
}

/// What the configured API answered, shown as is.
#[derive(Clone, Debug)]
pub struct ApiAnswer {
    /// The URL called.
    pub url: String,
    /// The HTTP status code.
    pub status: u16,
    /// The body as text, unparsed.
    pub body: String,
}

impl ApiAnswer {
    /// The body as `T` when the status is 2xx ([`crate::core::api::read_json`]).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, AppError> {
        crate::core::api::read_json(&self.url, self.status, &self.body)
    }
}

/// A GET of the configured API with the session's access token (with a
/// DPoP proof when the token is bound); the caller makes sure it is fresh.
pub async fn call_api(setup: &AppSetup, url: &str, session: &Session) -> Result<ApiAnswer, AppError> {
    let reply = get_with_access_token(url, session, nonces(&setup.config)).await?;
    Ok(ApiAnswer { url: url.to_owned(), status: reply.status, body: reply.body })
}

/// A GET with the session's access token: a DPoP-bound one with a proof
/// holding its hash (RFC 9449 §7.1), never as Bearer; any other as Bearer.
async fn get_with_access_token(url: &str, session: &Session, nonces: Nonces) -> Result<Reply, AppError> {
    let outgoing = Outgoing { access_token: Some(session.tokens.access_token.secret()), ..Outgoing::get(url) };
    match (&session.dpop_jkt, session.tokens.is_dpop_bound()) {
        (Some(jkt), true) => dpop::with_proof(&dpop::find(jkt).await?, nonces, outgoing).await,
        (None, true) => Err(AppError::TokenTypeUnsupported { token_type: session.tokens.token_type.clone() }),
        (_, false) => http::send(&outgoing).await,
    }
}

/// Revokes the session's tokens (RFC 7009, `client_id` only), each whatever
/// became of the one before, and returns what went wrong.
pub async fn revoke(setup: &AppSetup, session: &Session) -> Vec<String> {
    let endpoint = setup.provider.endpoints().revocation_endpoint.as_deref();
    let mut problems = Vec::new();
    for request in logout::revocations(endpoint, &session.tokens, &setup.config.client_id) {
        let problem = match http::post_form(&request, None).await {
            Ok(reply) => logout::revocation_problem(&request.url, reply.status, &reply.body),
            Err(e) => Some(format!("{} ({})", request.url, e.code())),
        };
        problems.extend(problem);
    }
    problems
}

/// The provider's end-session URL (RP-Initiated Logout §2) with a fresh
/// `state` kept in this tab, or `None` when the provider has none.
pub fn end_session_url(setup: &AppSetup, session: &Session) -> Result<Option<String>, AppError> {
    let Some(endpoint) = setup.provider.endpoints().end_session_endpoint.as_deref() else {
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
