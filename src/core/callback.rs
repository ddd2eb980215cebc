//! The authorization response on `/callback` (RFC 6749 §4.1.2, §4.1.2.1):
//! reading it, and the one decision on it ([`validate`]) that yields the
//! only value a code can be exchanged with ([`ValidatedCallback`]).

use super::authorize::{self, Nonce, State};
use super::discovery::Provider;
use super::error::{AppError, ProviderError};
use super::issuer::Issuer;
use super::pending::{self, PendingRequest};
use super::token::{self, AuthorizationCode, TokenRequest, TokenResponse, IdToken};

/// What the provider sent back to the redirect URI.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthorizationResponse {
    /// A success (RFC 6749 §4.1.2): a code to exchange.
    Code {
        /// `code`: single-use, for the token request.
        code: AuthorizationCode,
        /// `state`: always present, since a code without it is refused.
        state: State,
        /// `iss` (RFC 9207), when the provider sends it.
        iss: Option<String>,
    },
    /// An error response (RFC 6749 §4.1.2.1).
    Error {
        /// `error`, `error_description` and `error_uri`.
        error: ProviderError,
        /// `state`, when the provider sent it back.
        state: Option<State>,
        /// `iss` (RFC 9207), when the provider sends it.
        iss: Option<String>,
    },
}

impl AuthorizationResponse {
    /// The `state` to look the pending sign-in up by, if any.
    pub fn state(&self) -> Option<&State> {
        match self {
            Self::Code { state, .. } => Some(state),
            Self::Error { state, .. } => state.as_ref(),
        }
    }
}

const KNOWN: [&str; 6] = ["code", "state", "error", "error_description", "error_uri", "iss"];

/// Parses the query string (with or without its leading `?`).
///
/// RFC 6749 §3.1: a response parameter must not appear twice, so a repeated
/// one is refused rather than guessed at. A response carrying both `code` and
/// `error`, or an empty `code`, is refused too. Unknown parameters are ignored
/// (§4.1.2). A code without `state` cannot belong to a sign-in of ours, since
/// every request this app sends has one (§10.12).
pub fn parse(query: &str) -> Result<AuthorizationResponse, AppError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut found: [Option<String>; 6] = Default::default();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(i) = KNOWN.iter().position(|k| *k == name) {
            if found[i].is_some() {
                return Err(invalid(&format!("the parameter `{name}` appears more than once")));
            }
            found[i] = Some(value.into_owned());
        }
    }
    let [code, state, error, error_description, error_uri, iss] = found;
    let state = state.map(State::from_response);
    match (code, error) {
        (Some(_), Some(_)) => Err(invalid("it carries both `code` and `error`")),
        (Some(code), None) if code.is_empty() => Err(invalid("the `code` parameter is empty")),
        (Some(code), None) => {
            let state = state.ok_or(AppError::StateMismatch)?;
            Ok(AuthorizationResponse::Code { code: AuthorizationCode::new(code), state, iss })
        }
        (None, Some(error)) => Ok(AuthorizationResponse::Error {
            error: ProviderError { error, description: error_description, uri: error_uri },
            state,
            iss,
        }),
        (None, None) => Err(invalid("it has neither `code` nor `error`; /callback is only opened by the provider's redirect")),
    }
}

/// RFC 9207 §2.4 (mix-up defence, RFC 9700 §4.4.2): when the provider says
/// it sends `iss` (`authorization_response_iss_parameter_supported`), the
/// response must carry it; when a response carries it, it must be the issuer,
/// compared as plain strings after URL decoding. Checked before any token
/// request, on error responses too.
pub fn check_issuer(iss: Option<&str>, issuer: &Issuer, provider_sends_iss: bool) -> Result<(), AppError> {
    match iss {
        Some(found) if issuer.accepts_response_iss(found) => Ok(()),
        Some(found) => Err(AppError::CallbackIssMismatch { expected: issuer.as_str().to_owned(), found: found.to_owned() }),
        None if provider_sends_iss => Err(AppError::CallbackIssMissing),
        None => Ok(()),
    }
}

impl AuthorizationResponse {
    /// The response's `iss`, for [`check_issuer`].
    pub fn iss(&self) -> Option<&str> {
        match self {
            Self::Code { iss, .. } | Self::Error { iss, .. } => iss.as_deref(),
        }
    }
}

/// A query with no parameters at all: what a reload of `/callback` leaves,
/// once the response has been taken out of the address bar.
pub fn is_empty(query: &str) -> bool {
    query.strip_prefix('?').unwrap_or(query).is_empty()
}

fn invalid(problem: &str) -> AppError {
    AppError::CallbackInvalid { problem: problem.to_owned() }
}

/// The parameters of an authorization response (RFC 6749 §4.1.2, §4.1.2.1,
/// RFC 9207): what `/callback` takes out of the address bar and the history
/// entry before anything else.
pub const RESPONSE_PARAMS: [&str; 6] = KNOWN;

/// Whether the query carries any authorization response parameter, i.e.
/// whether the address bar must be cleaned.
pub fn has_response_params(query: &str) -> bool {
    let query = query.strip_prefix('?').unwrap_or(query);
    form_urlencoded::parse(query.as_bytes()).any(|(name, _)| RESPONSE_PARAMS.contains(&name.as_ref()))
}

/// Every `state` the query names, even in a response that is malformed
/// otherwise (`state` twice, `code` with `error`, an empty `code`): each
/// pending sign-in named is consumed, whatever else is wrong.
pub fn states_named(query: &str) -> Vec<State> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut states: Vec<State> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let state = State::from_response(value.into_owned());
        if name == "state" && !state.as_str().is_empty() && !states.contains(&state) {
            states.push(state);
        }
    }
    states
}

/// What this tab's storage held for the states a response names.
#[derive(Debug)]
pub enum Found {
    /// A pending sign-in, already taken out of storage: it is used once.
    Pending(PendingRequest),
    /// A response with this state was handled in this tab (a reload, the
    /// back button).
    AlreadyHandled,
    /// This tab started no sign-in with this state.
    Nothing,
}

impl Found {
    /// The outcome for two states of one response: a pending sign-in over a
    /// handled mark over nothing.
    pub fn or(self, other: Found) -> Found {
        match (self, other) {
            (Found::Pending(p), _) | (_, Found::Pending(p)) => Found::Pending(p),
            (Found::AlreadyHandled, _) | (_, Found::AlreadyHandled) => Found::AlreadyHandled,
            _ => Found::Nothing,
        }
    }
}

/// A response that passed every check of [`validate`]: the code, with the
/// pending sign-in it belongs to. Only [`validate`] makes one, and a code
/// is exchanged only through it ([`ValidatedCallback::token_request`]), as
/// oauth4webapi's `validateAuthResponse`.
pub struct ValidatedCallback {
    code: AuthorizationCode,
    pending: PendingRequest,
}

impl std::fmt::Debug for ValidatedCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidatedCallback").field("code", &self.code).field("pending", &self.pending).finish()
    }
}

/// What the token response must then bring: Core §3.1.3.3, with `openid`
/// an ID token, checked against the nonce that was sent.
#[derive(Debug)]
pub struct Exchange {
    /// The nonce the authorization request sent, for the ID token's `nonce`.
    pub nonce: Option<Nonce>,
    /// The scope asked for: the granted one when the response omits it.
    pub scope: String,
    /// Whether the scope had `openid`, so an ID token must come back.
    pub id_token_required: bool,
    /// The DPoP key the code is bound to: the exchange must carry its proof.
    pub dpop_jkt: Option<String>,
    /// The page the person asked for when the sign-in started.
    pub return_to: Option<String>,
}

impl ValidatedCallback {
    /// The code exchange (RFC 6749 §4.1.3, RFC 7636 §4.5) for a public
    /// client, consuming the code and the verifier; and what its answer must
    /// bring.
    pub fn token_request(self, token_endpoint: &str, client_id: &str) -> (TokenRequest, Exchange) {
        let PendingRequest { code_verifier, nonce, redirect_uri, scope, dpop_jkt, return_to, .. } = self.pending;
        let request = token::code_grant(token_endpoint, self.code.secret(), &redirect_uri, client_id, code_verifier);
        let id_token_required = authorize::scope_has_openid(&scope);
        (request, Exchange { nonce, scope, id_token_required, dpop_jkt, return_to })
    }
}

impl Exchange {
    /// The ID token to validate, if any; with `openid` there must be one
    /// (Core §3.1.3.3).
    pub fn id_token<'a>(&self, tokens: &'a TokenResponse) -> Result<Option<&'a IdToken>, AppError> {
        match &tokens.id_token {
            None if self.id_token_required => Err(AppError::IdTokenMissing),
            found => Ok(found.as_ref()),
        }
    }
}

/// The one decision on an authorization response, before any token
/// request: given the parsed response, what storage held for its state (the
/// pending sign-in already taken out, so it is consumed whatever this
/// says), the provider and the time.
///
/// In order: a response handled already; a malformed one; a `state` this
/// tab never issued (RFC 6749 §10.12; an error response then is not echoed,
/// §4.1.2.1); RFC 9207 `iss`; the provider's error; the pending sign-in's
/// age.
pub fn validate(
    response: Result<AuthorizationResponse, AppError>,
    found: Found,
    provider: &Provider,
    now_ms: u64,
) -> Result<ValidatedCallback, AppError> {
    let pending = match found {
        Found::AlreadyHandled => return Err(AppError::CallbackAlreadyHandled),
        Found::Pending(p) => Some(p),
        Found::Nothing => None,
    };
    let response = response?;
    let Some(pending) = pending else {
        return Err(match response {
            AuthorizationResponse::Error { .. } => AppError::UnsolicitedError,
            AuthorizationResponse::Code { .. } => AppError::StateMismatch,
        });
    };
    check_issuer(response.iss(), &provider.issuer, provider.sends_iss())?;
    let code = match response {
        AuthorizationResponse::Error { error, .. } => return Err(AppError::Provider(error)),
        AuthorizationResponse::Code { code, .. } => code,
    };
    if pending::is_expired(pending.created_at_ms, now_ms) {
        return Err(AppError::SignInExpired);
    }
    Ok(ValidatedCallback { code, pending })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_response() {
        let r = parse("?code=abc%2Bdef&state=s1&iss=http%3A%2F%2F127.0.0.1%3A9400&extra=ignored").unwrap();
        assert_eq!(
            r,
            AuthorizationResponse::Code {
                code: AuthorizationCode::new("abc+def"),
                state: State::from_response("s1".into()),
                iss: Some("http://127.0.0.1:9400".into()),
            }
        );
        assert_eq!(r.state().unwrap().as_str(), "s1");
    }

    #[test]
    fn an_error_response_keeps_the_providers_words() {
        let r = parse("error=access_denied&error_description=End-User+aborted+%3Cb%3E&state=s1").unwrap();
        match r {
            AuthorizationResponse::Error { error, state, .. } => {
                assert_eq!(error.error, "access_denied");
                assert_eq!(error.description.as_deref(), Some("End-User aborted <b>"));
                assert_eq!(state.unwrap().as_str(), "s1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert_eq!(parse("code=a&code=b&state=s").unwrap_err().code(), "callback_invalid");
        assert_eq!(parse("code=a&state=s&state=t").unwrap_err().code(), "callback_invalid");
        assert_eq!(parse("error=a&error=b").unwrap_err().code(), "callback_invalid");
    }

    #[test]
    fn malformed_responses_are_refused() {
        assert_eq!(parse("").unwrap_err().code(), "callback_invalid");
        assert_eq!(parse("?foo=bar").unwrap_err().code(), "callback_invalid");
        assert_eq!(parse("code=&state=s").unwrap_err().code(), "callback_invalid");
        assert_eq!(parse("code=a&error=x&state=s").unwrap_err().code(), "callback_invalid");
    }

    #[test]
    fn a_code_without_state_is_a_state_mismatch() {
        assert_eq!(parse("code=a").unwrap_err().code(), "state_mismatch");
    }

    #[test]
    fn rfc9207_iss_rules() {
        let issuer = &Issuer::exact("https://idp.example");
        assert!(check_issuer(Some("https://idp.example"), issuer, true).is_ok());
        assert!(check_issuer(None, issuer, false).is_ok());
        assert_eq!(check_issuer(None, issuer, true).unwrap_err().code(), "callback_iss_missing");
        assert_eq!(check_issuer(Some("https://evil.example"), issuer, false).unwrap_err().code(), "callback_iss_mismatch");
        assert_eq!(check_issuer(Some("https://idp.example/"), issuer, true).unwrap_err().code(), "callback_iss_mismatch");
    }

    #[test]
    fn iss_is_compared_after_url_decoding() {
        let r = parse("code=c&state=s&iss=https%3A%2F%2Fidp.example").unwrap();
        assert!(check_issuer(r.iss(), &Issuer::exact("https://idp.example"), true).is_ok());
    }

    // --- The one decision: validate() ---

    const NOW: u64 = 1_800_000_000_000;
    const ISSUER: &str = "https://idp.example";

    fn provider(sends_iss: bool) -> Provider {
        let urls = &super::super::url::testing::Whatwg;
        let config = super::super::config::parse(
            &format!(r#"{{"issuer":"{ISSUER}","client_id":"c","authorization_endpoint":"https://idp.example/authorize","token_endpoint":"https://idp.example/token"}}"#),
            "https://app.example/",
            urls,
        )
        .unwrap();
        let metadata = super::super::discovery::ProviderMetadata {
            issuer: ISSUER.into(),
            authorization_response_iss_parameter_supported: sends_iss,
            ..Default::default()
        };
        super::super::discovery::resolve(&config, Some(metadata), urls).unwrap()
    }

    fn pending(scope: &str, age_ms: u64) -> PendingRequest {
        PendingRequest {
            code_verifier: super::super::pkce::CodeVerifier::from_random([1; 32]),
            nonce: Some(Nonce::from_random([2; 32])),
            redirect_uri: "https://app.example/callback".into(),
            scope: scope.into(),
            created_at_ms: NOW - age_ms,
            dpop_jkt: None,
            return_to: None,
        }
    }

    fn decide(query: &str, found: Found) -> Result<ValidatedCallback, AppError> {
        validate(parse(query), found, &provider(true), NOW)
    }

    fn code_of(r: Result<ValidatedCallback, AppError>) -> String {
        r.unwrap_err().code().to_owned()
    }

    const ISS: &str = "iss=https%3A%2F%2Fidp.example";

    #[test]
    fn a_good_response_is_validated_and_only_that_can_be_exchanged() {
        let ok = decide(&format!("code=c0de&state=s&{ISS}"), Found::Pending(pending("openid profile", 1000))).unwrap();
        let (request, exchange) = ok.token_request("https://idp.example/token", "client");
        assert_eq!(request.url, "https://idp.example/token");
        let form: Vec<(String, String)> = form_urlencoded::parse(request.body.as_bytes()).into_owned().collect();
        assert!(form.contains(&("code".into(), "c0de".into())));
        assert!(form.contains(&("redirect_uri".into(), "https://app.example/callback".into())));
        assert!(exchange.id_token_required);
        assert_eq!(exchange.nonce, Some(Nonce::from_random([2; 32])));
    }

    #[test]
    fn malformed_responses_are_refused_though_their_pending_sign_in_was_found() {
        // The pending sign-in was taken out of storage before the decision:
        // refusing here drops its verifier and nonce.
        for q in ["code=a&code=b&state=s", "code=a&error=access_denied&state=s", "code=&state=s", "state=s&state=t&code=a"] {
            assert_eq!(code_of(decide(q, Found::Pending(pending("openid", 0)))), "callback_invalid", "{q}");
        }
    }

    #[test]
    fn every_state_named_is_consumed() {
        let names = |q: &str| states_named(q).iter().map(|s| s.as_str().to_owned()).collect::<Vec<_>>();
        assert_eq!(names("?code=a&code=b&state=s1"), ["s1"]);
        assert_eq!(names("state=s1&state=s2&state=s1&code=a"), ["s1", "s2"]);
        assert_eq!(names("code=&error=x&state=s%2B1"), ["s+1"]);
        assert!(names("code=a&state=").is_empty());
        assert!(names("").is_empty());
    }

    #[test]
    fn the_response_parameters_are_recognised_for_cleaning() {
        assert!(has_response_params("?code=a&state=b"));
        assert!(has_response_params("?error=access_denied"));
        assert!(has_response_params("?iss=x"));
        assert!(has_response_params("?error_description=x"));
        assert!(!has_response_params("?lang=fr"));
        assert!(!has_response_params(""));
    }

    #[test]
    fn unknown_and_handled_states() {
        assert_eq!(code_of(decide(&format!("code=a&state=s&{ISS}"), Found::Nothing)), "state_mismatch");
        assert_eq!(code_of(decide("error=access_denied&state=s", Found::Nothing)), "unsolicited_error_response");
        assert_eq!(code_of(decide("error=access_denied", Found::Nothing)), "unsolicited_error_response");
        assert_eq!(code_of(decide(&format!("code=a&state=s&{ISS}"), Found::AlreadyHandled)), "callback_already_handled");
        // A reload of the emptied callback.
        assert_eq!(code_of(decide("", Found::AlreadyHandled)), "callback_already_handled");
        assert_eq!(code_of(decide("", Found::Nothing)), "callback_invalid");
    }

    #[test]
    fn rfc9207_is_checked_before_the_providers_error_and_the_age() {
        assert_eq!(code_of(decide("code=a&state=s", Found::Pending(pending("openid", 0)))), "callback_iss_missing");
        let wrong = "code=a&state=s&iss=https%3A%2F%2Fevil.example";
        assert_eq!(code_of(decide(wrong, Found::Pending(pending("openid", pending::MAX_AGE_MS + 1)))), "callback_iss_mismatch");
        let denied = format!("error=access_denied&state=s&{ISS}");
        assert_eq!(code_of(decide(&denied, Found::Pending(pending("openid", 0)))), "access_denied");
        assert_eq!(code_of(decide("error=access_denied&state=s", Found::Pending(pending("openid", 0)))), "callback_iss_missing");
        let without_iss = validate(parse("code=a&state=s"), Found::Pending(pending("openid", 0)), &provider(false), NOW);
        assert!(without_iss.is_ok(), "iss is optional unless the provider promises it");
    }

    #[test]
    fn an_old_pending_sign_in_has_expired() {
        let q = format!("code=a&state=s&{ISS}");
        assert!(decide(&q, Found::Pending(pending("openid", pending::MAX_AGE_MS))).is_ok());
        assert_eq!(code_of(decide(&q, Found::Pending(pending("openid", pending::MAX_AGE_MS + 1)))), "sign_in_expired");
    }

    #[test]
    fn with_openid_an_id_token_is_required() {
        let q = format!("code=a&state=s&{ISS}");
        let tokens = token::parse_response(200, r#"{"access_token":"at","token_type":"Bearer"}"#, crate::core::dpop::Sent::NoProof).unwrap();
        let (_, with_openid) = decide(&q, Found::Pending(pending("openid profile", 0))).unwrap().token_request("https://t", "c");
        assert_eq!(with_openid.id_token(&tokens).unwrap_err().code(), "id_token_missing");
        let (_, without) = decide(&q, Found::Pending(pending("api.read", 0))).unwrap().token_request("https://t", "c");
        assert!(!without.id_token_required);
        assert!(without.id_token(&tokens).unwrap().is_none());
        let with_token = token::parse_response(200, r#"{"access_token":"at","token_type":"Bearer","id_token":"a.b.c"}"#, crate::core::dpop::Sent::NoProof).unwrap();
        assert!(with_openid.id_token(&with_token).unwrap().is_some());
    }

    #[test]
    fn found_prefers_a_pending_sign_in() {
        assert!(matches!(Found::Nothing.or(Found::AlreadyHandled), Found::AlreadyHandled));
        assert!(matches!(Found::AlreadyHandled.or(Found::Pending(pending("s", 0))), Found::Pending(_)));
        assert!(matches!(Found::Nothing.or(Found::Nothing), Found::Nothing));
    }

    #[test]
    fn debug_of_a_validated_callback_hides_its_secrets() {
        let ok = decide(&format!("code=supersecretcode&state=s&{ISS}"), Found::Pending(pending("openid", 0))).unwrap();
        let shown = format!("{ok:?}");
        assert!(!shown.contains("supersecretcode") && !shown.contains(Nonce::from_random([2; 32]).as_str()), "{shown}");
    }

    #[test]
    fn an_emptied_callback_is_recognised() {
        assert!(is_empty("") && is_empty("?"));
        assert!(!is_empty("?x=1"));
    }

    #[test]
    fn debug_does_not_show_the_code() {
        let r = parse("code=supersecretcode&state=s").unwrap();
        assert!(!format!("{r:?}").contains("supersecretcode"));
    }
}
