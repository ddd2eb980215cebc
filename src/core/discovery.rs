//! OpenID Connect Discovery 1.0: where the provider's metadata lives, what
//! this client reads from it, and the endpoints it ends up using.

use serde_json::Value;

use super::config::Config;
use super::endpoints::{Endpoint, Endpoints};
use super::error::AppError;
use super::issuer::{Issuer, IssuerRule};
use super::json;
use super::url::{self, UrlParser};
use super::pkce;

/// OpenID Connect Discovery §4.1: the issuer, without a trailing `/`, then
/// `/.well-known/openid-configuration`.
pub fn discovery_url(issuer: &str) -> String {
    format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'))
}

/// The metadata fields this client uses now or will (OpenID Connect
/// Discovery §3, RFC 8414 §2, RFC 9207 §3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// `issuer`: must be accepted by the configured [`IssuerRule`] (Discovery §4.3).
    pub issuer: String,
    /// The endpoints the document names.
    pub endpoints: Endpoints,
    /// RFC 8414 §2: the PKCE methods offered; listed without S256 is refused.
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// RFC 9207 §3: every authorization response carries `iss`; absent: false.
    pub authorization_response_iss_parameter_supported: bool,
    /// RFC 9449 §5.1: the algorithms the provider takes DPoP proofs in.
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 9126 §5: plain authorization requests are refused; absent: false.
    pub require_pushed_authorization_requests: bool,
}

/// Reads a discovery response. The issuer in the document must be identical
/// to the configured one (Discovery §4.3): this is what stops a document at
/// one address from speaking for another issuer.
pub fn parse_metadata(url: &str, status: u16, body: &str, expected: &IssuerRule) -> Result<ProviderMetadata, AppError> {
    let failed = |problem: String| AppError::DiscoveryFailed { url: url.to_owned(), problem };
    if !(200..300).contains(&status) {
        return Err(failed(format!("HTTP {status}")));
    }
    let doc: Value = serde_json::from_str(body).map_err(|e| failed(format!("not a metadata document: {e}")))?;
    if !doc.is_object() {
        return Err(failed("not a metadata document: not a JSON object".to_owned()));
    }
    // Field by field ([`json`]), not with serde's derive: a fraction of its
    // code in the wasm, and each problem names its field.
    let wrong = |name: &str, what: &str| failed(format!("not a metadata document: `{name}` is not {what}"));
    let string = |name: &str| json::optional_string(&doc, name).ok_or_else(|| wrong(name, "a string"));
    let flag = |name: &str| json::optional_bool(&doc, name).map(Option::unwrap_or_default).ok_or_else(|| wrong(name, "true or false"));
    let strings = |name: &str| json::optional_strings(&doc, name).ok_or_else(|| wrong(name, "a list of strings"));
    let mut endpoints = Endpoints::default();
    for e in Endpoint::ALL {
        e.set(&mut endpoints, string(e.name)?);
    }
    let metadata = ProviderMetadata {
        issuer: string("issuer")?.ok_or_else(|| failed("not a metadata document: `issuer` is missing".to_owned()))?,
        endpoints,
        code_challenge_methods_supported: strings("code_challenge_methods_supported")?,
        authorization_response_iss_parameter_supported: flag("authorization_response_iss_parameter_supported")?,
        dpop_signing_alg_values_supported: strings("dpop_signing_alg_values_supported")?,
        require_pushed_authorization_requests: flag("require_pushed_authorization_requests")?,
    };
    if !expected.accepts(&metadata.issuer) {
        return Err(AppError::DiscoveryIssuerMismatch { expected: expected.describe(), found: metadata.issuer });
    }
    // RFC 7636 §4.2 / RFC 9700 §2.1.1: S256 or nothing. A provider that lists
    // its methods without S256 would fail later with a vaguer error.
    if let Some(methods) = &metadata.code_challenge_methods_supported {
        if !methods.iter().any(|m| m == pkce::METHOD) {
            return Err(AppError::PkceS256Unsupported);
        }
    }
    Ok(metadata)
}

/// What the sign-in talks to: the issuer, its endpoints, and the metadata
/// when it was discovered. Built only by [`resolve`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// The issuer tokens must name, with the tenant rule of config.json.
    pub issuer: Issuer,
    /// Each config's, else the discovered one; every
    /// [`required`](Endpoint::required) one is there.
    endpoints: Endpoints,
    /// The discovery document, when one was read (not when config.json names
    /// the endpoints).
    pub metadata: Option<ProviderMetadata>,
}

impl Provider {
    /// The endpoints in use, config.json's over discovered ones.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Always there: [`resolve`] refuses a provider without it.
    pub fn authorization_endpoint(&self) -> &str {
        self.endpoints.authorization_endpoint.as_deref().unwrap_or_default()
    }

    /// Always there: [`resolve`] refuses a provider without it.
    pub fn token_endpoint(&self) -> &str {
        self.endpoints.token_endpoint.as_deref().unwrap_or_default()
    }

    /// RFC 9126 §5: the provider refuses authorization requests not pushed.
    pub fn requires_par(&self) -> bool {
        self.metadata.as_ref().is_some_and(|m| m.require_pushed_authorization_requests)
    }

    /// Whether DPoP is used with this provider (RFC 9449 §5.1).
    pub fn uses_dpop(&self, setting: super::config::Switch) -> Result<bool, AppError> {
        let offered = self.metadata.as_ref().and_then(|m| m.dpop_signing_alg_values_supported.as_deref());
        super::dpop::decide(setting, self.metadata.is_some(), offered)
    }

    /// RFC 9207 §3: the provider promises `iss` in every authorization response.
    pub fn sends_iss(&self) -> bool {
        self.metadata.as_ref().is_some_and(|m| m.authorization_response_iss_parameter_supported)
    }
}

/// Endpoints from config.json win over discovered ones, so a provider
/// without discovery (or with a wrong document) can still be used. Every
/// discovered endpoint is read with `urls`, as config.json's are.
pub fn resolve(config: &Config, metadata: Option<ProviderMetadata>, urls: &dyn UrlParser) -> Result<Provider, AppError> {
    let md = metadata.as_ref();
    let invalid = |e: Endpoint, problem: String| AppError::MetadataInvalid { field: e.name.to_owned(), problem };
    let mut endpoints = Endpoints::default();
    for e in Endpoint::ALL {
        let url = match (e.get(&config.endpoints), md.and_then(|m| e.get(&m.endpoints))) {
            (Some(configured), _) => Some(configured),
            (None, Some(discovered)) => match url::problem(discovered, urls) {
                Some(p) => return Err(invalid(e, format!("\"{discovered}\" {p}"))),
                None => Some(discovered),
            },
            (None, None) if e.required => return Err(invalid(e, "is missing".to_owned())),
            (None, None) => None,
        };
        e.set(&mut endpoints, url.map(str::to_owned));
    }
    Ok(Provider {
        // The discovered issuer (checked against the configured one): for
        // Entra's multi-tenant endpoints, the `{tenantid}` template.
        issuer: Issuer::new(md.map_or_else(|| config.issuer.clone(), |m| m.issuer.clone()), config.issuer_rule.tenants()),
        endpoints,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config;
    use crate::core::url::testing::Whatwg;

    fn resolve(config: &Config, metadata: Option<ProviderMetadata>) -> Result<Provider, AppError> {
        super::resolve(config, metadata, &Whatwg)
    }

    const ISSUER: &str = "http://127.0.0.1:9400";
    const DOC: &str = r#"{"issuer":"http://127.0.0.1:9400","authorization_endpoint":"http://127.0.0.1:9400/auth",
        "token_endpoint":"http://127.0.0.1:9400/token","jwks_uri":"http://127.0.0.1:9400/jwks",
        "code_challenge_methods_supported":["S256"],"authorization_response_iss_parameter_supported":true,
        "response_types_supported":["code"]}"#;

    fn exact(issuer: &str) -> IssuerRule {
        IssuerRule::Exact(issuer.to_owned())
    }

    fn config(extra: &str) -> Config {
        config::parse(&format!(r#"{{"issuer":"{ISSUER}","client_id":"c"{extra}}}"#), "http://127.0.0.1:8080/", &Whatwg).unwrap()
    }

    #[test]
    fn discovery_url_appends_the_well_known_path() {
        assert_eq!(discovery_url("https://auth.pingone.eu/env/as"), "https://auth.pingone.eu/env/as/.well-known/openid-configuration");
        assert_eq!(discovery_url("https://i.example/realm/"), "https://i.example/realm/.well-known/openid-configuration");
    }

    #[test]
    fn a_good_document_gives_its_endpoints() {
        let md = parse_metadata("u", 200, DOC, &exact(ISSUER)).unwrap();
        assert!(md.authorization_response_iss_parameter_supported);
        let p = resolve(&config(""), Some(md)).unwrap();
        assert_eq!(p.authorization_endpoint(), "http://127.0.0.1:9400/auth");
        assert_eq!(p.token_endpoint(), "http://127.0.0.1:9400/token");
        assert_eq!(p.endpoints().jwks_uri.as_deref(), Some("http://127.0.0.1:9400/jwks"));
        assert!(p.sends_iss());
    }

    #[test]
    fn the_issuer_must_match_exactly() {
        let e = parse_metadata("u", 200, DOC, &exact("http://127.0.0.1:9400/")).unwrap_err();
        assert_eq!(e.code(), "discovery_issuer_mismatch");
    }

    #[test]
    fn http_errors_and_bad_bodies_fail_discovery() {
        assert_eq!(parse_metadata("u", 404, DOC, &exact(ISSUER)).unwrap_err().code(), "discovery_failed");
        assert_eq!(parse_metadata("u", 200, "<html>", &exact(ISSUER)).unwrap_err().code(), "discovery_failed");
        assert_eq!(parse_metadata("u", 200, r#"{"token_endpoint":"x"}"#, &exact(ISSUER)).unwrap_err().code(), "discovery_failed");
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named() {
        let wrong = |from: &str, to: &str| match parse_metadata("u", 200, &DOC.replace(from, to), &exact(ISSUER)).unwrap_err() {
            AppError::DiscoveryFailed { problem, .. } => problem,
            e => panic!("{e:?}"),
        };
        assert!(wrong(r#""issuer":"http://127.0.0.1:9400""#, r#""issuer":9400"#).contains("`issuer` is not a string"));
        assert!(wrong(r#""token_endpoint":"http://127.0.0.1:9400/token""#, r#""token_endpoint":{}"#).contains("`token_endpoint`"));
        assert!(wrong(r#"["S256"]"#, r#""S256""#).contains("`code_challenge_methods_supported` is not a list of strings"));
        assert!(wrong(r#""authorization_response_iss_parameter_supported":true"#, r#""authorization_response_iss_parameter_supported":"yes""#)
            .contains("true or false"));
        assert!(parse_metadata("u", 200, "[]", &exact(ISSUER)).is_err());
    }

    #[test]
    fn a_provider_without_s256_is_refused() {
        let doc = DOC.replace(r#"["S256"]"#, r#"["plain"]"#);
        assert_eq!(parse_metadata("u", 200, &doc, &exact(ISSUER)).unwrap_err().code(), "pkce_s256_unsupported");
    }

    #[test]
    fn configured_endpoints_win_and_missing_ones_are_named() {
        let md = parse_metadata("u", 200, DOC, &exact(ISSUER)).unwrap();
        let p = resolve(&config(r#","token_endpoint":"https://t.example/token""#), Some(md)).unwrap();
        assert_eq!(p.token_endpoint(), "https://t.example/token");
        assert_eq!(p.authorization_endpoint(), "http://127.0.0.1:9400/auth");

        let md = parse_metadata("u", 200, r#"{"issuer":"http://127.0.0.1:9400"}"#, &exact(ISSUER)).unwrap();
        match resolve(&config(""), Some(md)).unwrap_err() {
            AppError::MetadataInvalid { field, .. } => assert_eq!(field, "authorization_endpoint"),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn discovered_endpoints_must_be_https_or_loopback() {
        let doc = DOC.replace("http://127.0.0.1:9400/token", "http://evil.example/token");
        let md = parse_metadata("u", 200, &doc, &exact(ISSUER)).unwrap();
        assert_eq!(resolve(&config(""), Some(md)).unwrap_err().code(), "metadata_invalid");
        let doc = DOC.replace("http://127.0.0.1:9400/token", "http://127.0.0.1.nip.io/token");
        let md = parse_metadata("u", 200, &doc, &exact(ISSUER)).unwrap();
        assert_eq!(resolve(&config(""), Some(md)).unwrap_err().code(), "metadata_invalid");
    }

    #[test]
    fn the_provider_carries_the_tenant_rule_of_the_preset() {
        let c = config::parse(r#"{"provider":{"name":"entra","tenant":"organizations"},"client_id":"c"}"#, "https://app.example/", &Whatwg).unwrap();
        let doc = r#"{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0","authorization_endpoint":"https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
            "token_endpoint":"https://login.microsoftonline.com/organizations/oauth2/v2.0/token"}"#;
        let md = parse_metadata("u", 200, doc, &c.issuer_rule).unwrap();
        let p = resolve(&c, Some(md)).unwrap();
        assert_eq!(p.issuer.as_str(), "https://login.microsoftonline.com/{tenantid}/v2.0");
        assert_eq!(p.issuer.tenants(), &crate::core::issuer::Tenants::Organizations { allowed: None });
    }

    #[test]
    fn no_discovery_needed_when_both_endpoints_are_configured() {
        let c = config(r#","authorization_endpoint":"https://a.example/a","token_endpoint":"https://a.example/t""#);
        assert!(c.has_endpoints());
        let p = resolve(&c, None).unwrap();
        assert_eq!(p.authorization_endpoint(), "https://a.example/a");
        assert_eq!(p.endpoints().jwks_uri, None);
        assert_eq!(p.endpoints().userinfo_endpoint, None);
        assert!(!p.sends_iss(), "without metadata, iss is checked only when present");
        let c = config(r#","authorization_endpoint":"https://a.example/a","token_endpoint":"https://a.example/t","userinfo_endpoint":"https://a.example/me""#);
        assert_eq!(resolve(&c, None).unwrap().endpoints().userinfo_endpoint.as_deref(), Some("https://a.example/me"));
    }

    #[test]
    fn session_endpoints_come_from_discovery_unless_configured() {
        let doc = DOC.replace(r#""response_types_supported""#, r#""userinfo_endpoint":"http://127.0.0.1:9400/me","revocation_endpoint":"http://evil.example/revoke","response_types_supported""#);
        let md = parse_metadata("u", 200, &doc, &exact(ISSUER)).unwrap();
        assert_eq!(resolve(&config(""), Some(md.clone())).unwrap_err().code(), "metadata_invalid", "an http revocation endpoint off loopback");
        let p = resolve(&config(r#","revocation_endpoint":"https://r.example/revoke""#), Some(md)).unwrap();
        assert_eq!(p.endpoints().userinfo_endpoint.as_deref(), Some("http://127.0.0.1:9400/me"));
        assert_eq!(p.endpoints().revocation_endpoint.as_deref(), Some("https://r.example/revoke"));
        assert_eq!(p.endpoints().end_session_endpoint, None);
    }
}
