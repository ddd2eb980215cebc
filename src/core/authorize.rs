//! The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect
//! Core §3.1.2.1).

use super::pkce::{self, CodeChallenge};
use super::{b64, url};

/// The `state`: binds the callback to the tab that started the sign-in and
/// is the key of its pending request (RFC 6749 §10.12, RFC 9700 §4.7.1).
/// 32 random octets: 256 bits, above the 128 the guidance asks for. A
/// secret: `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct State(String);

impl State {
    /// A fresh `state`: the 32 octets (drawn from a CSPRNG by the caller), base64url.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(b64::encode(&bytes))
    }

    /// The value the provider sent back; it only ever looks up a pending request.
    pub fn from_response(value: String) -> Self {
        Self(value)
    }

    /// The value, to send in the request and to key the pending request by.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("State([redacted])")
    }
}

/// The ID token `nonce` (OpenID Connect Core §3.1.2.1, §15.5.2): sent when
/// the scope asks for an ID token, kept with the pending request, checked
/// against the ID token's `nonce` claim in constant time. A secret: `Debug`
/// prints `[redacted]`.
#[derive(Clone)]
pub struct Nonce(String);

impl Nonce {
    /// The nonce kept with the pending sign-in ([`crate::core::pending`]).
    pub(crate) fn from_stored(value: String) -> Self {
        Self(value)
    }

    /// A fresh nonce: the 32 octets (drawn from a CSPRNG by the caller), base64url.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(b64::encode(&bytes))
    }

    /// The value, to send as the `nonce` parameter; compare with [`Nonce::matches`].
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `claim` is this nonce. The time taken depends on the lengths
    /// only, not on where the first difference is.
    pub fn matches(&self, claim: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), claim.as_bytes())
    }
}

impl PartialEq for Nonce {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for Nonce {}

impl std::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Nonce([redacted])")
    }
}

/// Compares two byte strings without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Does this scope ask for OpenID Connect (Core §3.1.2.1)?
pub fn scope_has_openid(scope: &str) -> bool {
    scope.split(' ').any(|s| s == "openid")
}

/// Why `extra_authorize_params` may not carry a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusedParam {
    /// The request sets it itself; none may appear twice (RFC 6749 §3.1).
    SetByTheApp,
    /// It changes where or how the response comes back, which this app
    /// decides: the code in the query of `redirect_uri`.
    ChangesTheResponse,
    /// Client authentication, which a public client does not have (RFC 6749
    /// §2.1); a secret in an address is no secret.
    ClientAuthentication,
}

impl RefusedParam {
    /// What is wrong and what to do, for `config_invalid`.
    pub fn problem(self) -> &'static str {
        match self {
            Self::SetByTheApp => "is set by the app itself and cannot be replaced: remove it",
            Self::ChangesTheResponse => "would change where or how the provider sends its response, which this app decides (the code in the query to `redirect_uri`): remove it",
            Self::ClientAuthentication => "is client authentication, which a public client does not have: remove it",
        }
    }
}

/// The parameters `extra_authorize_params` may not carry, compared without
/// regard to case (some providers read names that way). Every other name is
/// sent as given (`prompt`, `login_hint`, `id_token_hint`, `max_age`,
/// `acr_values`, `ui_locales`, `claims_locales`, `display`, `claims`,
/// `resource`, `audience`, `authorization_details`, and a provider's own such
/// as `domain_hint` or `organization`): each asks for something within the
/// same response, which is checked the same way. `claims` (Core §5.5) only
/// asks for claims; `id_token_hint` is a hint, like `login_hint`.
pub const REFUSED_EXTRA_PARAMS: [(&str, RefusedParam); 20] = {
    use RefusedParam::*;
    [
        // RFC 6749 §4.1.1, RFC 7636 §4.3, Core §3.1.2.1: set by this request.
        // `response_type` (OAuth 2.0 Multiple Response Type Encoding
        // Practices §5) and `redirect_uri` (RFC 6749 §3.1.2) would change the
        // response's shape or destination too.
        ("response_type", SetByTheApp),
        ("client_id", SetByTheApp),
        ("redirect_uri", SetByTheApp),
        ("scope", SetByTheApp),
        ("state", SetByTheApp),
        ("nonce", SetByTheApp),
        ("code_challenge", SetByTheApp),
        ("code_challenge_method", SetByTheApp),
        // RFC 9449 §10: binds the code to this sign-in's DPoP key.
        ("dpop_jkt", SetByTheApp),
        // RFC 9126 §4 (PAR), RFC 9101 §5.2 (JAR): a request stored elsewhere,
        // whose parameters replace these.
        ("request_uri", SetByTheApp),
        // Multiple Response Type Encoding Practices §2.1 (`query`,
        // `fragment`), Form Post Response Mode, JARM (`jwt`): how it comes.
        ("response_mode", ChangesTheResponse),
        // RFC 9101 §5.1, Core §6.1: a request object, whose parameters
        // (`redirect_uri`, `response_mode`, ...) replace the query's.
        ("request", ChangesTheResponse),
        // The Web Message Response Mode draft: a window to post it to.
        ("web_message_uri", ChangesTheResponse),
        ("web_message_target", ChangesTheResponse),
        // OpenID for Verifiable Presentations §8.2 (direct_post): where to post it.
        ("response_uri", ChangesTheResponse),
        // Core §7.2.1, OpenID4VP §5.1: client metadata, `redirect_uris` among it.
        ("registration", ChangesTheResponse),
        ("client_metadata", ChangesTheResponse),
        // RFC 6749 §2.3.1, RFC 7523 §2.2: client authentication.
        ("client_secret", ClientAuthentication),
        ("client_assertion", ClientAuthentication),
        ("client_assertion_type", ClientAuthentication),
    ]
};

/// Whether `extra_authorize_params` may carry `name`: `None` when it may.
pub fn refused_extra_param(name: &str) -> Option<RefusedParam> {
    REFUSED_EXTRA_PARAMS.iter().find(|(refused, _)| refused.eq_ignore_ascii_case(name)).map(|(_, why)| *why)
}

/// Everything the authorization request carries, as data that can be shown.
#[derive(Clone, Debug)]
pub struct AuthorizationRequest {
    /// `client_id`: this app as registered at the provider.
    pub client_id: String,
    /// `redirect_uri`: where the provider sends the response; repeated in the
    /// token request (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    /// `scope`, space-separated as config.json gives it.
    pub scope: String,
    /// `state` (RFC 6749 §10.12).
    pub state: State,
    /// `code_challenge`, always with method S256 (RFC 7636 §4.3).
    pub code_challenge: CodeChallenge,
    /// `nonce`: set when the scope asks for an ID token (Core §3.1.2.1).
    pub nonce: Option<Nonce>,
    /// The DPoP key's thumbprint: binds the code to it (RFC 9449 §10).
    pub dpop_jkt: Option<String>,
    /// Parameters a provider needs beyond the protocol's (never one of them).
    pub extra: Vec<(String, String)>,
}

impl AuthorizationRequest {
    /// The parameters in the order they are sent.
    pub fn params(&self) -> Vec<(&str, &str)> {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("scope", self.scope.as_str()),
            ("state", self.state.as_str()),
            ("code_challenge", self.code_challenge.as_str()),
            ("code_challenge_method", pkce::METHOD),
        ];
        if let Some(nonce) = &self.nonce {
            params.push(("nonce", nonce.as_str()));
        }
        if let Some(jkt) = &self.dpop_jkt {
            params.push(("dpop_jkt", jkt.as_str()));
        }
        params.extend(self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        params
    }

    /// The URL to send the browser to. The parameters are
    /// application/x-www-form-urlencoded (RFC 6749 §4.1.1, Appendix B). A
    /// query the endpoint already has is kept (§3.1), except parameters this
    /// request sets, which must not appear twice (§3.1), and the others of
    /// [`REFUSED_EXTRA_PARAMS`].
    pub fn url(&self, authorization_endpoint: &str) -> String {
        endpoint_url(authorization_endpoint, &self.params())
    }
}

/// `params` added to the endpoint's URL, keeping any query it has but for
/// the parameters set here (RFC 6749 §3.1) and those of
/// [`REFUSED_EXTRA_PARAMS`] (a `response_mode` there would change the response too).
pub fn endpoint_url(authorization_endpoint: &str, params: &[(&str, &str)]) -> String {
    let (base, existing) = match authorization_endpoint.split('#').next().unwrap_or("").split_once('?') {
        Some((base, query)) => (base, query),
        None => (authorization_endpoint.split('#').next().unwrap_or(""), ""),
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(existing.as_bytes()) {
        if !params.iter().any(|(name, _)| *name == k) && refused_extra_param(&k).is_none() {
            query.append_pair(&k, &v);
        }
    }
    query.extend_pairs(params);
    url::with_query(base, &query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::pkce::CodeVerifier;

    fn request(nonce: bool) -> AuthorizationRequest {
        AuthorizationRequest {
            client_id: "my app".into(),
            redirect_uri: "http://127.0.0.1:8080/app/callback".into(),
            scope: "openid profile".into(),
            state: State::from_random([1; 32]),
            code_challenge: CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()).unwrap().challenge(),
            nonce: nonce.then(|| Nonce::from_random([2; 32])),
            dpop_jkt: None,
            extra: vec![("audience".into(), "https://api.example/v1".into())],
        }
    }

    fn query_of(url: &str) -> Vec<(String, String)> {
        let q = url.split_once('?').unwrap().1;
        form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    #[test]
    fn carries_every_parameter_once() {
        let url = request(true).url("https://idp.example/authorize");
        let q = query_of(&url);
        let get = |k: &str| q.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
        assert_eq!(get("response_type"), ["code"]);
        assert_eq!(get("client_id"), ["my app"]);
        assert_eq!(get("redirect_uri"), ["http://127.0.0.1:8080/app/callback"]);
        assert_eq!(get("scope"), ["openid profile"]);
        assert_eq!(get("state"), [State::from_random([1; 32]).as_str()]);
        assert_eq!(get("code_challenge"), ["E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"]);
        assert_eq!(get("code_challenge_method"), ["S256"]);
        assert_eq!(get("nonce"), [Nonce::from_random([2; 32]).as_str()]);
        assert_eq!(get("audience"), ["https://api.example/v1"]);
        assert!(url.starts_with("https://idp.example/authorize?response_type=code&"));
    }

    #[test]
    fn values_are_url_encoded() {
        let url = request(false).url("https://idp.example/authorize");
        assert!(url.contains("client_id=my+app"), "{url}");
        assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fapp%2Fcallback"), "{url}");
        assert!(url.contains("scope=openid+profile"), "{url}");
        assert!(!url.contains("nonce="));
    }

    #[test]
    fn keeps_the_endpoints_query_and_drops_clashing_parameters() {
        let url = request(false).url("https://idp.example/authorize?tenant=a%20b&client_id=evil&response_type=token#frag");
        let q = query_of(&url);
        assert_eq!(q[0], ("tenant".into(), "a b".into()));
        assert_eq!(q.iter().filter(|(k, _)| k == "client_id").count(), 1);
        assert_eq!(q.iter().find(|(k, _)| k == "response_type").unwrap().1, "code");
        assert!(!url.contains('#'));
    }

    #[test]
    fn extra_parameters_that_change_the_protocol_are_refused() {
        use RefusedParam::*;
        for name in ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
            "code_challenge_method", "dpop_jkt", "request_uri"] {
            assert_eq!(refused_extra_param(name), Some(SetByTheApp), "{name}");
        }
        for name in ["response_mode", "request", "web_message_uri", "web_message_target", "response_uri",
            "registration", "client_metadata", "Response_Mode", "REQUEST"] {
            assert_eq!(refused_extra_param(name), Some(ChangesTheResponse), "{name}");
        }
        for name in ["client_secret", "client_assertion", "client_assertion_type"] {
            assert_eq!(refused_extra_param(name), Some(ClientAuthentication), "{name}");
        }
        for name in ["prompt", "login_hint", "id_token_hint", "max_age", "acr_values", "ui_locales", "claims_locales",
            "display", "claims", "resource", "audience", "authorization_details", "domain_hint", "organization",
            "response_modes", "requested"] {
            assert_eq!(refused_extra_param(name), None, "{name}");
        }
    }

    #[test]
    fn the_endpoints_query_cannot_change_the_response_either() {
        let url = request(false).url("https://idp.example/authorize?p=B2C_1&response_mode=fragment&Request=x");
        let names: Vec<String> = query_of(&url).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names[0], "p");
        assert!(!names.iter().any(|k| k.eq_ignore_ascii_case("response_mode") || k.eq_ignore_ascii_case("request")), "{url}");
    }

    #[test]
    fn state_and_nonce_carry_256_bits() {
        assert_eq!(State::from_random([0xab; 32]).as_str().len(), 43);
        assert_eq!(Nonce::from_random([0xab; 32]).as_str().len(), 43);
    }

    #[test]
    fn state_and_nonce_are_redacted_in_debug() {
        let state = State::from_random([7; 32]);
        let nonce = Nonce::from_random([8; 32]);
        let shown = format!("{state:?} {nonce:?} {:?}", request(true));
        assert!(!shown.contains(state.as_str()) && !shown.contains(nonce.as_str()), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn the_nonce_is_compared_whole() {
        let nonce = Nonce::from_random([8; 32]);
        assert!(nonce.matches(nonce.as_str()));
        assert!(!nonce.matches(&nonce.as_str()[..42]));
        assert!(!nonce.matches(&format!("{}x", nonce.as_str())));
        assert!(!nonce.matches(""));
        assert_eq!(nonce, Nonce::from_random([8; 32]));
        assert_ne!(nonce, Nonce::from_random([9; 32]));
        assert!(constant_time_eq(b"", b"") && !constant_time_eq(b"a", b"b"));
    }

    #[test]
    fn openid_is_found_as_a_whole_scope_token() {
        assert!(scope_has_openid("profile openid"));
        assert!(!scope_has_openid("openidx profile"));
    }
}
