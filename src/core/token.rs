//! The token endpoint: the request a public client sends (RFC 6749 §4.1.3,
//! RFC 7636 §4.5) and the response it reads (RFC 6749 §5.1, §5.2).

use serde_json::Value;

use super::dpop;
use super::error::{AppError, ProviderError};
use super::pkce::CodeVerifier;
use super::secret::secret_string;

secret_string!(
    /// The single-use authorization code from the callback.
    AuthorizationCode
);
secret_string!(
    /// The access token: a bearer credential, kept in memory only.
    AccessToken
);
secret_string!(
    /// The refresh token, when the provider issues one.
    RefreshToken
);
secret_string!(
    /// The ID token as received (a JWS compact serialization).
    IdToken
);

/// A form POST from the page: to the token endpoint, and also to the
/// revocation (RFC 7009) and PAR (RFC 9126) endpoints. Its body can hold
/// the code, the verifier or a token, so `Debug` shows only where it goes.
pub struct TokenRequest {
    /// The endpoint to POST to.
    pub url: String,
    /// The form-encoded parameters (see [`FORM_CONTENT_TYPE`]); may hold secrets.
    pub body: String,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest").field("url", &self.url).field("body", &"[redacted]").finish()
    }
}

/// The media type of every token request body (RFC 6749 §4.1.3, Appendix B).
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The authorization code grant for a public client: `client_id` identifies
/// it (RFC 6749 §3.2.1), `code_verifier` proves it (RFC 7636 §4.5); there is
/// no secret and no `Authorization` header. The verifier is taken by value:
/// it is good for one exchange. Only the core builds one: from a
/// `callback::ValidatedCallback`, or the
/// provider check's made-up code.
pub(super) fn code_grant(
    token_endpoint: &str,
    code: &str,
    redirect_uri: &str,
    client_id: &str,
    verifier: CodeVerifier,
) -> TokenRequest {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("client_id", client_id)
        .append_pair("code_verifier", &verifier.into_secret())
        .finish();
    TokenRequest { url: token_endpoint.to_owned(), body }
}

/// A refresh (RFC 6749 §6) by a public client: the refresh token and
/// `client_id`, nothing secret. Taking the token by value keeps the rotated
/// one from being sent twice.
pub fn refresh_request(token_endpoint: &str, refresh_token: RefreshToken, client_id: &str) -> TokenRequest {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token.secret())
        .append_pair("client_id", client_id)
        .finish();
    TokenRequest { url: token_endpoint.to_owned(), body }
}

/// Token revocation (RFC 7009 §2.1) with `client_id` as the only client
/// authentication a public client has.
pub fn revocation_request(revocation_endpoint: &str, token: &str, hint: &str, client_id: &str) -> TokenRequest {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .append_pair("token_type_hint", hint)
        .append_pair("client_id", client_id)
        .finish();
    TokenRequest { url: revocation_endpoint.to_owned(), body }
}

/// A successful token response (RFC 6749 §5.1), its `token_type` one that
/// [`dpop::binding`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// `access_token`: what API calls carry.
    pub access_token: AccessToken,
    /// `token_type` as sent (`Bearer` or `DPoP`, compared case-insensitively).
    pub token_type: String,
    /// `expires_in`: the access token's lifetime in seconds, when the provider says.
    pub expires_in: Option<u64>,
    /// `scope`: the granted scope, sent when it differs from the request (§5.1).
    pub scope: Option<String>,
    /// `refresh_token`, when the provider issues one (§6).
    pub refresh_token: Option<RefreshToken>,
    /// `id_token`, for a request with the `openid` scope; not yet validated here.
    pub id_token: Option<IdToken>,
    /// The refresh token's lifetime in seconds, where the provider says:
    /// `refresh_token_expires_in` (Entra, Okta) or `refresh_expires_in`
    /// (Keycloak); not in RFC 6749. A refresh that found no answer is
    /// retried until then at the latest.
    pub refresh_expires_in: Option<u64>,
}

impl TokenResponse {
    /// RFC 9449 §5: a `DPoP` token is used with a proof, never as Bearer.
    pub fn is_dpop_bound(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("dpop")
    }
}

/// Reads the token endpoint's answer.
///
/// - An OAuth error object (§5.2; normally HTTP 400 or 401) becomes the
///   provider's own error code.
/// - Any other non-2xx status is an HTTP error.
/// - A 2xx body must be a JSON object with a non-empty string `access_token`
///   and `token_type` (§5.1), and the type must be one this client
///   understands for the request it sent (§7.1): `Bearer` (RFC 6750 §4), or
///   `DPoP` when a proof went with it ([`dpop::binding`]).
pub fn parse_response(status: u16, body: &str, sent: dpop::Sent) -> Result<TokenResponse, AppError> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let text = |name: &str| json.as_ref().and_then(|v| v.get(name)).and_then(Value::as_str).map(str::to_owned);
    if let Some(error) = text("error") {
        return Err(AppError::Provider(ProviderError { error, description: text("error_description"), uri: text("error_uri") }));
    }
    if !(200..300).contains(&status) {
        return Err(AppError::TokenHttpStatus { status });
    }
    let invalid = |problem: &str| AppError::TokenResponseInvalid { problem: problem.to_owned() };
    let Some(Value::Object(obj)) = json else {
        return Err(invalid("the body is not a JSON object"));
    };
    let string = |name: &str| -> Result<Option<String>, AppError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Err(invalid(&format!("`{name}` is empty"))),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(&format!("`{name}` is not a string"))),
        }
    };
    let access_token = string("access_token")?.ok_or_else(|| invalid("`access_token` is missing"))?;
    let token_type = string("token_type")?.ok_or_else(|| invalid("`token_type` is missing"))?;
    dpop::binding(&token_type, sent)?;
    Ok(TokenResponse {
        access_token: AccessToken::new(access_token),
        token_type,
        expires_in: expires_in(obj.get("expires_in")).map_err(invalid)?,
        scope: string("scope")?,
        refresh_token: string("refresh_token")?.map(RefreshToken::new),
        id_token: string("id_token")?.map(IdToken::new),
        refresh_expires_in: refresh_expires_in(&obj).map_err(invalid)?,
    })
}

/// The refresh token's lifetime under either name providers use; `0` is
/// Keycloak's "no fixed lifetime" (an offline token), read as unknown.
fn refresh_expires_in(obj: &serde_json::Map<String, Value>) -> Result<Option<u64>, &'static str> {
    let named = obj.get("refresh_token_expires_in").or_else(|| obj.get("refresh_expires_in"));
    let lifetime = expires_in(named).map_err(|_| "the refresh token's lifetime is not a whole number of seconds")?;
    Ok(lifetime.filter(|&s| s > 0))
}

/// `expires_in` is a number of seconds (§5.1). Some providers send it as a
/// numeric string; that is read too, anything else is refused.
fn expires_in(value: Option<&Value>) -> Result<Option<u64>, &'static str> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or("`expires_in` is not a whole number of seconds"),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| "`expires_in` is not a whole number of seconds"),
        Some(_) => Err("`expires_in` is not a number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn request() -> TokenRequest {
        code_grant(
            "https://i.example/as/token",
            "c0de/+=",
            "http://127.0.0.1:8080/callback",
            "my client",
            CodeVerifier::parse(VERIFIER.into()).unwrap(),
        )
    }

    #[test]
    fn the_refresh_tokens_lifetime_is_read_under_either_name() {
        let read = |extra: &str| parse_response(200, &format!(r#"{{"access_token":"a","token_type":"Bearer"{extra}}}"#), dpop::Sent::NoProof);
        assert_eq!(read("").unwrap().refresh_expires_in, None);
        assert_eq!(read(r#","refresh_token_expires_in":86400"#).unwrap().refresh_expires_in, Some(86_400));
        assert_eq!(read(r#","refresh_expires_in":1800"#).unwrap().refresh_expires_in, Some(1_800));
        assert_eq!(read(r#","refresh_expires_in":0"#).unwrap().refresh_expires_in, None, "Keycloak's offline token");
        assert_eq!(read(r#","refresh_expires_in":"1800""#).unwrap().refresh_expires_in, Some(1_800));
        assert_eq!(read(r#","refresh_expires_in":-1"#).unwrap_err().code(), "token_response_invalid");
    }

    #[test]
    fn the_request_body_is_the_public_client_pkce_exchange() {
        let r = request();
        assert_eq!(r.url, "https://i.example/as/token");
        let params: Vec<(String, String)> = form_urlencoded::parse(r.body.as_bytes()).into_owned().collect();
        let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["grant_type", "code", "redirect_uri", "client_id", "code_verifier"]);
        assert_eq!(params[0].1, "authorization_code");
        assert_eq!(params[1].1, "c0de/+=");
        assert_eq!(params[2].1, "http://127.0.0.1:8080/callback");
        assert_eq!(params[3].1, "my client");
        assert_eq!(params[4].1, VERIFIER);
        assert!(r.body.contains("code=c0de%2F%2B%3D"), "{}", r.body);
        assert!(!r.body.contains("secret"));
    }

    #[test]
    fn refresh_and_revocation_requests() {
        let r = refresh_request("https://i.example/token", RefreshToken::new("rt/1"), "c");
        assert_eq!(r.body, "grant_type=refresh_token&refresh_token=rt%2F1&client_id=c");
        let r = revocation_request("https://i.example/revoke", "rt", "refresh_token", "c");
        assert_eq!(r.url, "https://i.example/revoke");
        assert_eq!(r.body, "token=rt&token_type_hint=refresh_token&client_id=c");
    }

    #[test]
    fn debug_hides_the_body() {
        let s = format!("{:?}", request());
        assert!(!s.contains(VERIFIER) && !s.contains("c0de"));
    }

    #[test]
    fn a_full_success_response() {
        let t = parse_response(
            200,
            r#"{"access_token":"at","token_type":"bearer","expires_in":3600,"scope":"openid profile",
                "refresh_token":"rt","id_token":"a.b.c"}"#,
            dpop::Sent::NoProof,
        )
        .unwrap();
        assert_eq!(t.access_token.secret(), "at");
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.scope.as_deref(), Some("openid profile"));
        assert_eq!(t.refresh_token.unwrap().secret(), "rt");
        assert_eq!(t.id_token.unwrap().secret(), "a.b.c");
    }

    #[test]
    fn optional_fields_may_be_absent_and_expires_in_may_be_a_string() {
        let t = parse_response(200, r#"{"access_token":"at","token_type":"Bearer"}"#, dpop::Sent::NoProof).unwrap();
        assert_eq!((t.expires_in, t.scope, t.refresh_token, t.id_token), (None, None, None, None));
        let t = parse_response(201, r#"{"access_token":"at","token_type":"Bearer","expires_in":"60"}"#, dpop::Sent::NoProof).unwrap();
        assert_eq!(t.expires_in, Some(60));
    }

    #[test]
    fn provider_errors_pass_through() {
        let e = parse_response(400, r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#, dpop::Sent::NoProof).unwrap_err();
        assert_eq!(e.code(), "invalid_grant");
        assert_eq!(e.provider_detail().unwrap().description.as_deref(), Some("grant request is invalid"));
        assert_eq!(parse_response(401, r#"{"error":"invalid_client"}"#, dpop::Sent::NoProof).unwrap_err().code(), "invalid_client");
    }

    #[test]
    fn other_failures_have_their_own_codes() {
        assert_eq!(parse_response(500, "oops", dpop::Sent::NoProof).unwrap_err(), AppError::TokenHttpStatus { status: 500 });
        assert_eq!(parse_response(404, r#"{"message":"x"}"#, dpop::Sent::NoProof).unwrap_err().code(), "token_http_error");
        assert_eq!(parse_response(200, "<html>", dpop::Sent::NoProof).unwrap_err().code(), "token_response_invalid");
        assert_eq!(parse_response(200, "[]", dpop::Sent::NoProof).unwrap_err().code(), "token_response_invalid");
        assert_eq!(parse_response(200, r#"{"token_type":"Bearer"}"#, dpop::Sent::NoProof).unwrap_err().code(), "token_response_invalid");
        assert_eq!(parse_response(200, r#"{"access_token":"","token_type":"Bearer"}"#, dpop::Sent::NoProof).unwrap_err().code(), "token_response_invalid");
        assert_eq!(parse_response(200, r#"{"access_token":"a"}"#, dpop::Sent::NoProof).unwrap_err().code(), "token_response_invalid");
        assert_eq!(parse_response(200, r#"{"access_token":"a","token_type":"Bearer","expires_in":-1}"#, dpop::Sent::NoProof).unwrap_err().code(), "token_response_invalid");
        assert_eq!(parse_response(200, r#"{"access_token":"a","token_type":"DPoP"}"#, dpop::Sent::NoProof).unwrap_err().code(), "token_type_unsupported");
        assert_eq!(parse_response(200, r#"{"access_token":"a","token_type":"MAC"}"#, dpop::Sent::Proof).unwrap_err().code(), "token_type_unsupported");
    }

    #[test]
    fn dpop_tokens_answer_a_proof_only() {
        let dpop = r#"{"access_token":"a","token_type":"DPoP","refresh_token":"r"}"#;
        assert!(parse_response(200, dpop, dpop::Sent::Proof).unwrap().is_dpop_bound());
        assert!(parse_response(200, dpop, dpop::Sent::ProofRequired).unwrap().is_dpop_bound());
        let bearer = r#"{"access_token":"a","token_type":"Bearer"}"#;
        assert!(!parse_response(200, bearer, dpop::Sent::Proof).unwrap().is_dpop_bound(), "auto: accepted, not bound");
        assert_eq!(parse_response(200, bearer, dpop::Sent::ProofRequired).unwrap_err().code(), "dpop_not_honoured");
    }

    #[test]
    fn debug_of_a_response_hides_every_token() {
        let t = parse_response(200, r#"{"access_token":"AT-SECRET","token_type":"Bearer","refresh_token":"RT-SECRET","id_token":"ID-SECRET"}"#, dpop::Sent::NoProof).unwrap();
        let s = format!("{t:?}");
        assert!(!s.contains("SECRET"), "{s}");
    }
}
