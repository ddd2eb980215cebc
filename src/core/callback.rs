//! Reading the authorization response on `/callback` (RFC 6749 §4.1.2,
//! §4.1.2.1).

use super::authorize::State;
use super::error::{AppError, ProviderError};
use super::presets;
use super::token::AuthorizationCode;

/// What the provider sent back to the redirect URI.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthorizationResponse {
    Code { code: AuthorizationCode, state: State, iss: Option<String> },
    Error { error: ProviderError, state: Option<State>, iss: Option<String> },
}

impl AuthorizationResponse {
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
pub fn check_issuer(iss: Option<&str>, issuer: &str, provider_sends_iss: bool) -> Result<(), AppError> {
    match iss {
        Some(found) if presets::issuer_matches(issuer, found) => Ok(()),
        Some(found) => Err(AppError::CallbackIssMismatch { expected: issuer.to_owned(), found: found.to_owned() }),
        None if provider_sends_iss => Err(AppError::CallbackIssMissing),
        None => Ok(()),
    }
}

impl AuthorizationResponse {
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
        let issuer = "https://idp.example";
        assert!(check_issuer(Some(issuer), issuer, true).is_ok());
        assert!(check_issuer(None, issuer, false).is_ok());
        assert_eq!(check_issuer(None, issuer, true).unwrap_err().code(), "callback_iss_missing");
        assert_eq!(check_issuer(Some("https://evil.example"), issuer, false).unwrap_err().code(), "callback_iss_mismatch");
        assert_eq!(check_issuer(Some("https://idp.example/"), issuer, true).unwrap_err().code(), "callback_iss_mismatch");
    }

    #[test]
    fn iss_is_compared_after_url_decoding() {
        let r = parse("code=c&state=s&iss=https%3A%2F%2Fidp.example").unwrap();
        assert!(check_issuer(r.iss(), "https://idp.example", true).is_ok());
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
