//! Pushed authorization requests (RFC 9126): the authorization parameters
//! go to the provider in a POST from the page, and the address bar carries
//! only `client_id` and the `request_uri` the provider gave back.

use serde_json::Value;

use super::authorize::{self, AuthorizationRequest};
use super::config::Switch;
use super::discovery::Provider;
use super::error::{AppError, ProviderError};
use super::token::TokenRequest;

/// How the authorization request leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Use<'a> {
    /// A plain authorization request in the URL.
    No,
    /// Pushed first (RFC 9126 §2), then only `client_id` and `request_uri`
    /// go in the URL (§4).
    Push {
        /// The PAR endpoint.
        endpoint: &'a str,
        /// When the page gets no answer from it (CORS), a plain request may
        /// go instead, since nothing asked for PAR but its presence in
        /// discovery.
        fallback: bool,
    },
}

/// RFC 9126 §5, §6: whether this sign-in pushes its request. A provider's
/// `require_pushed_authorization_requests` wins over `par: false`.
pub fn decide(setting: Switch, provider: &Provider) -> Result<Use<'_>, AppError> {
    let endpoint = provider.endpoints().pushed_authorization_request_endpoint.as_deref();
    let required = setting == Switch::Required || provider.requires_par();
    match (endpoint, setting) {
        (None, _) if required => Err(AppError::ParUnsupported),
        (None, _) => Ok(Use::No),
        (Some(_), Switch::Off) if !required => Ok(Use::No),
        (Some(endpoint), _) => Ok(Use::Push { endpoint, fallback: !required }),
    }
}

/// RFC 9126 §2.1: the same parameters as the authorization request, as a
/// form POST with `client_id` and no client authentication (a public client).
pub fn request(endpoint: &str, authorization: &AuthorizationRequest) -> TokenRequest {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(authorization.params()).finish();
    TokenRequest { url: endpoint.to_owned(), body }
}

/// RFC 9126 §2.2: a 201 with `request_uri` and `expires_in`; an error is the
/// provider's own code (§2.3).
pub fn parse_response(status: u16, body: &str) -> Result<String, AppError> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let field = |name: &str| json.as_ref().and_then(|v| v.get(name)).and_then(Value::as_str).filter(|s| !s.is_empty());
    if let Some(error) = field("error") {
        return Err(AppError::Provider(ProviderError {
            error: error.to_owned(),
            description: field("error_description").map(str::to_owned),
            uri: field("error_uri").map(str::to_owned),
        }));
    }
    let invalid = |problem: &str| AppError::ParResponseInvalid { problem: problem.to_owned() };
    if !(200..300).contains(&status) {
        return Err(invalid(&format!("HTTP {status}")));
    }
    field("request_uri").map(str::to_owned).ok_or_else(|| invalid("no `request_uri`"))
}

/// Where the browser goes once the push is answered: the authorization
/// endpoint with the `request_uri` (§4). When the PAR endpoint gave no
/// answer the page can read (CORS, offline) and nothing but discovery asked
/// for PAR (`fallback`), the plain authorization request goes instead.
pub fn destination(answer: Result<(u16, &str), AppError>, fallback: bool, plain_url: String, authorization_endpoint: &str, client_id: &str) -> Result<String, AppError> {
    match answer {
        Err(AppError::Network { .. }) if fallback => Ok(plain_url),
        Err(e) => Err(e),
        Ok((status, body)) => parse_response(status, body).map(|uri| authorize_url(authorization_endpoint, client_id, &uri)),
    }
}

/// RFC 9126 §4: the authorization request that names the pushed one.
pub fn authorize_url(authorization_endpoint: &str, client_id: &str, request_uri: &str) -> String {
    authorize::endpoint_url(authorization_endpoint, &[("client_id", client_id), ("request_uri", request_uri)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::authorize::{Nonce, State};
    use crate::core::pkce::CodeVerifier;
    use crate::core::url::testing::Whatwg;
    use crate::core::{config, discovery};

    fn provider(extra: &str) -> Provider {
        let c = config::parse(
            &format!(r#"{{"issuer":"https://i.example","client_id":"c","authorization_endpoint":"https://i.example/authorize","token_endpoint":"https://i.example/token"{extra}}}"#),
            "https://app.example/",
            &Whatwg,
        )
        .unwrap();
        discovery::resolve(&c, None, &Whatwg).unwrap()
    }

    fn with_endpoint() -> Provider {
        provider(r#","pushed_authorization_request_endpoint":"https://i.example/par""#)
    }

    #[test]
    fn when_the_request_is_pushed() {
        let push = Use::Push { endpoint: "https://i.example/par", fallback: true };
        assert_eq!(decide(Switch::Auto, &with_endpoint()), Ok(push.clone()));
        assert_eq!(decide(Switch::Auto, &provider("")), Ok(Use::No));
        assert_eq!(decide(Switch::Off, &with_endpoint()), Ok(Use::No));
        assert_eq!(decide(Switch::Required, &with_endpoint()), Ok(Use::Push { endpoint: "https://i.example/par", fallback: false }));
        assert_eq!(decide(Switch::Required, &provider("")).unwrap_err().code(), "par_unsupported");
    }

    #[test]
    fn a_provider_that_requires_par_gets_it_without_fallback() {
        let mut p = with_endpoint();
        p.metadata = Some(discovery::ProviderMetadata { require_pushed_authorization_requests: true, ..Default::default() });
        let required = Use::Push { endpoint: "https://i.example/par", fallback: false };
        assert_eq!(decide(Switch::Off, &p), Ok(required.clone()));
        assert_eq!(decide(Switch::Auto, &p), Ok(required));
    }

    #[test]
    fn the_pushed_body_and_the_url_the_browser_carries() {
        let a = AuthorizationRequest {
            client_id: "c".into(),
            redirect_uri: "https://app.example/callback".into(),
            scope: "openid".into(),
            state: State::from_random([1; 32]),
            code_challenge: CodeVerifier::from_random([2; 32]).challenge(),
            nonce: Some(Nonce::from_random([3; 32])),
            dpop_jkt: Some("jkt-1".into()),
            extra: vec![],
        };
        let r = request("https://i.example/par", &a);
        assert_eq!(r.url, "https://i.example/par");
        let body: Vec<(String, String)> = form_urlencoded::parse(r.body.as_bytes()).into_owned().collect();
        let names: Vec<&str> = body.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "nonce", "dpop_jkt"]);
        assert!(!r.body.contains("secret"));
        let url = authorize_url("https://i.example/authorize?x=1", "c", "urn:ietf:params:oauth:request_uri:abc");
        assert_eq!(url, "https://i.example/authorize?x=1&client_id=c&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc");
    }

    #[test]
    fn no_answer_falls_back_only_when_allowed() {
        let network = || Err(AppError::Network { url: "https://i.example/par".into() });
        let go = |answer, fallback| destination(answer, fallback, "plain".into(), "https://i.example/authorize", "c");
        assert_eq!(go(network(), true), Ok("plain".into()));
        assert_eq!(go(network(), false).unwrap_err().code(), "network_error");
        assert_eq!(go(Ok((201, r#"{"request_uri":"urn:r"}"#)), true), Ok("https://i.example/authorize?client_id=c&request_uri=urn%3Ar".into()));
        assert_eq!(go(Ok((400, r#"{"error":"invalid_client"}"#)), true).unwrap_err().code(), "invalid_client", "a refusal is shown, not skipped");
        assert_eq!(go(Err(AppError::Timeout { url: "u".into(), after_ms: 1 }), true).unwrap_err().code(), "request_timeout");
    }

    #[test]
    fn the_par_response() {
        assert_eq!(parse_response(201, r#"{"request_uri":"urn:x","expires_in":60}"#), Ok("urn:x".into()));
        assert_eq!(parse_response(400, r#"{"error":"invalid_request","error_description":"bad"}"#).unwrap_err().code(), "invalid_request");
        assert_eq!(parse_response(500, "oops").unwrap_err().code(), "par_response_invalid");
        assert_eq!(parse_response(201, r#"{"expires_in":60}"#).unwrap_err().code(), "par_response_invalid");
    }
}
