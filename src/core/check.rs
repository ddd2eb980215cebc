//! The provider check: item by item, whether a provider is set up for this
//! public client, and what to change where it is not. Pure: the browser
//! fetches the discovery document and probes the token endpoint, this judges.

use serde_json::Value;

use super::config::{Config, Switch};
use super::endpoints::Endpoint;
use super::{dpop, pkce};

/// How an item came out; only [`Status::Fail`] counts in [`failing`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The provider is set up as this client needs.
    Pass,
    /// Something the sign-in needs is missing or wrong.
    Fail,
    /// Something optional is missing or off, or a need cannot be confirmed from here.
    Warn,
    /// Nothing to judge: not used, switched off, or unknown.
    Info,
}

impl Status {
    /// The status's name in the page, which tests look for.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Warn => "warn",
            Self::Info => "info",
        }
    }
}

/// What a check item is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckId {
    /// The discovery document is readable from this origin.
    Discovery,
    /// Something the discovery document says.
    Metadata(MetadataCheck),
    /// The token endpoint's answers are readable from this origin.
    TokenEndpointCors,
    /// DPoP with ES256, and the token endpoint taking the `DPoP` header.
    Dpop,
    /// The PAR endpoint, and its answers readable from this origin.
    Par,
    /// The provider's clock against the page's.
    Clock,
}

impl CheckId {
    /// The item's name in the page (`data-check`), which tests look for.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Metadata(check) => check.describe().0,
            Self::TokenEndpointCors => "token_endpoint_cors",
            Self::Dpop => "dpop",
            Self::Par => "par",
            Self::Clock => "clock",
        }
    }
}

/// The items judged from the discovery document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataCheck {
    /// `issuer` is what config.json expects (Discovery §4.3).
    Issuer,
    /// `response_types_supported` has `code` (RFC 6749 §4.1).
    ResponseTypeCode,
    /// `code_challenge_methods_supported` has S256 (RFC 7636 §4.2).
    PkceS256,
    /// Public clients are allowed: auth method `none`, or the probe's answer.
    TokenAuthNone,
    /// `authorization_response_iss_parameter_supported` (RFC 9207).
    IssParameter,
    /// `grant_types_supported` has `refresh_token` (RFC 6749 §6).
    RefreshToken,
    /// A `userinfo_endpoint` (Core §5.3), from discovery or config.json.
    Userinfo,
    /// A `revocation_endpoint` (RFC 7009), from discovery or config.json.
    Revocation,
    /// An `end_session_endpoint` (RP-Initiated Logout), from discovery or config.json.
    EndSession,
}

impl MetadataCheck {
    /// In the order the page shows them.
    const ALL: [Self; 9] = [
        Self::Issuer,
        Self::ResponseTypeCode,
        Self::PkceS256,
        Self::TokenAuthNone,
        Self::IssParameter,
        Self::RefreshToken,
        Self::Userinfo,
        Self::Revocation,
        Self::EndSession,
    ];

    /// The item's name in the page, its label, and whether it must pass.
    fn describe(self) -> (&'static str, &'static str, bool) {
        match self {
            Self::Issuer => ("issuer", "The issuer matches config.json", true),
            Self::ResponseTypeCode => ("response_type_code", "The authorization code flow is offered", true),
            Self::PkceS256 => ("pkce_s256", "PKCE with S256 is offered", true),
            Self::TokenAuthNone => ("token_auth_none", "Public clients (token endpoint auth method none) are allowed", true),
            Self::IssParameter => ("iss_parameter", "The authorization response names its issuer (RFC 9207)", false),
            Self::RefreshToken => ("refresh_token", "Refresh tokens are offered", false),
            Self::Userinfo => ("userinfo", "A UserInfo endpoint exists", false),
            Self::Revocation => ("revocation", "A revocation endpoint exists (RFC 7009)", false),
            Self::EndSession => ("end_session", "An end-session endpoint exists (RP-initiated logout)", false),
        }
    }

    /// The endpoint the item is about, which config.json (or its preset)
    /// may name where the document does not.
    fn endpoint(self) -> Option<Endpoint> {
        match self {
            Self::Userinfo => Some(Endpoint::USERINFO),
            Self::Revocation => Some(Endpoint::REVOCATION),
            Self::EndSession => Some(Endpoint::END_SESSION),
            _ => None,
        }
    }

    /// The URL config.json (or its preset) names for this item.
    fn configured(self, config: &Config) -> Option<&str> {
        self.endpoint().and_then(|e| e.get(&config.endpoints))
    }
}

/// One line of the provider check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckItem {
    /// What the item is about.
    pub id: CheckId,
    /// The item's question, as the page shows it.
    pub label: &'static str,
    /// How it came out.
    pub status: Status,
    /// What was found, and what to change when it fails.
    pub detail: String,
}

/// The discovery document as fetched (raw, so a document the sign-in would
/// refuse can still be inspected).
pub enum Discovery {
    /// config.json names the endpoints: no document is read.
    NotUsed,
    /// It could not be fetched or parsed.
    Unreadable {
        /// The discovery document's address.
        url: String,
        /// Why it could not be read.
        problem: String,
    },
    /// The document as JSON, not yet judged.
    Found(Value),
}

/// What a token request with a made-up code brought back.
pub enum TokenProbe {
    /// A JSON OAuth error (normally `invalid_grant`): readable from here.
    OAuthError(String),
    /// An answer without an OAuth error.
    Other(u16),
    /// No readable answer: CORS or the network.
    NoAnswer,
    /// No token endpoint is known.
    NotRun,
}

/// The made-up code sent by the probe: no provider will have issued it.
pub const PROBE_CODE: &str = "pkce-spa-provider-check";

/// The probe: a code exchange with [`PROBE_CODE`] and a fresh verifier, whose
/// answer must be a readable OAuth error (normally `invalid_grant`).
pub fn probe_request(token_endpoint: &str, config: &Config, verifier: pkce::CodeVerifier) -> super::token::TokenRequest {
    super::token::code_grant(token_endpoint, PROBE_CODE, &config.redirect_uri, &config.client_id, verifier)
}

/// The PAR probe: `client_id` alone, which a provider answers with a
/// readable OAuth error (RFC 9126 §2.3) when this origin may use it.
pub fn par_probe_request(par_endpoint: &str, config: &Config) -> super::token::TokenRequest {
    let body = form_urlencoded::Serializer::new(String::new()).append_pair("client_id", &config.client_id).finish();
    super::token::TokenRequest { url: par_endpoint.to_owned(), body }
}

/// The discovery item, one item per [`MetadataCheck`], and the token
/// endpoint's CORS item, in the order the page shows them. Without a
/// document, an endpoint config.json names passes and the rest are unknown.
pub fn evaluate(config: &Config, discovery: &Discovery, probe: &TokenProbe, app_origin: &str) -> Vec<CheckItem> {
    let mut items = vec![discovery_item(discovery)];
    match discovery {
        Discovery::Found(doc) => items.extend(metadata_items(config, doc, probe)),
        _ => items.extend(MetadataCheck::ALL.map(|check| {
            let (_, label, _) = check.describe();
            match check.configured(config) {
                Some(url) => item(CheckId::Metadata(check), label, Status::Pass, format!("config.json names {url}")),
                None => item(CheckId::Metadata(check), label, Status::Info, "unknown without a discovery document".into()),
            }
        })),
    }
    items.push(probe_item(probe, app_origin));
    items
}

/// How many items that must pass do not.
pub fn failing(items: &[CheckItem]) -> usize {
    items.iter().filter(|i| i.status == Status::Fail).count()
}

fn item(id: CheckId, label: &'static str, status: Status, detail: String) -> CheckItem {
    CheckItem { id, label, status, detail }
}

fn discovery_item(discovery: &Discovery) -> CheckItem {
    let label = "The discovery document is readable";
    match discovery {
        Discovery::NotUsed => item(CheckId::Discovery, label, Status::Info, "not used: config.json names the endpoints".into()),
        Discovery::Unreadable { url, problem } => item(
            CheckId::Discovery,
            label,
            Status::Fail,
            format!("{url}: {problem}. Check the issuer, and that the provider allows this origin (CORS) on discovery."),
        ),
        Discovery::Found(_) => item(CheckId::Discovery, label, Status::Pass, "read from this origin".into()),
    }
}

fn strings<'a>(doc: &'a Value, field: &str) -> Option<Vec<&'a str>> {
    doc.get(field).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect())
}

fn metadata_items(config: &Config, doc: &Value, probe: &TokenProbe) -> Vec<CheckItem> {
    let found = doc.get("issuer").and_then(Value::as_str).unwrap_or("(none)");
    let listed = |field: &str, wanted: &str, default: &[&str]| {
        strings(doc, field).map_or(default.contains(&wanted), |values| values.contains(&wanted))
    };
    let has = |field: &str| doc.get(field).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    let judge = |ok: bool, required: bool| match (ok, required) {
        (true, _) => Status::Pass,
        (false, true) => Status::Fail,
        (false, false) => Status::Warn,
    };
    let methods = strings(doc, "code_challenge_methods_supported");
    // What the token endpoint said to a request with client_id only: the
    // surest word on public clients, since some providers (Entra, Keycloak)
    // leave `none` out of their metadata although they accept it.
    let probe_error = match probe {
        TokenProbe::OAuthError(code) => Some(code.as_str()),
        _ => None,
    };
    MetadataCheck::ALL
        .into_iter()
        .map(|check| {
            let (_, label, required) = check.describe();
            // Some metadata is often incomplete: missing is a warning, a
            // value that contradicts the need is a failure.
            let unlisted_is_warning = match check {
                MetadataCheck::PkceS256 => methods.is_none(),
                MetadataCheck::TokenAuthNone => !matches!(probe_error, Some("invalid_client" | "unauthorized_client")),
                _ => false,
            };
            let required = required && !unlisted_is_warning;
            let (ok, detail) = match check {
                MetadataCheck::Issuer => (
                    config.issuer_rule.accepts(found),
                    format!("the document says \"{found}\", config.json expects \"{}\"; copy the provider's issuer exactly", config.issuer_rule.describe()),
                ),
                MetadataCheck::ResponseTypeCode => (
                    listed("response_types_supported", "code", &[]),
                    "`code` must be in response_types_supported: enable the authorization code grant".into(),
                ),
                MetadataCheck::PkceS256 => match &methods {
                    Some(listed) => (
                        listed.contains(&pkce::METHOD),
                        format!("code_challenge_methods_supported is [{}]; this app only uses S256 (never plain): enable PKCE with S256", listed.join(", ")),
                    ),
                    None => (false, "the provider does not list code_challenge_methods_supported, so S256 cannot be confirmed here; the sign-in will tell".into()),
                },
                MetadataCheck::TokenAuthNone => (
                    // OpenID Connect Discovery §3: absent means client_secret_basic only.
                    listed("token_endpoint_auth_methods_supported", "none", &["client_secret_basic"])
                        || probe_error == Some("invalid_grant"),
                    match probe_error {
                        Some(code @ ("invalid_client" | "unauthorized_client")) => format!(
                            "the token endpoint answered `{code}` to a request with client_id only: register the application as a public client (token endpoint auth method none)"
                        ),
                        _ => "`none` is not listed in token_endpoint_auth_methods_supported (some providers omit it): make sure the application is a public client with no secret".into(),
                    },
                ),
                MetadataCheck::IssParameter => (
                    doc.get("authorization_response_iss_parameter_supported").and_then(Value::as_bool) == Some(true),
                    "without it the app checks `iss` only when the provider sends it (mix-up defence, RFC 9700 §4.4)".into(),
                ),
                // Discovery §3: absent means authorization_code and implicit.
                MetadataCheck::RefreshToken => (
                    listed("grant_types_supported", "refresh_token", &["authorization_code", "implicit"]),
                    "without refresh tokens the session ends with the first access token: enable the refresh token grant (and rotation)".into(),
                ),
                MetadataCheck::Userinfo => (has(Endpoint::USERINFO.name), "the signed-in view shows no UserInfo claims".into()),
                MetadataCheck::Revocation => (has(Endpoint::REVOCATION.name), "sign-out cannot revoke the tokens; they stay valid until they expire".into()),
                MetadataCheck::EndSession => (has(Endpoint::END_SESSION.name), "sign-out ends only the app's session, not the provider's".into()),
            };
            let ok = ok || check.configured(config).is_some();
            let status = judge(ok, required);
            let detail = if status == Status::Pass { "yes".to_owned() } else { detail };
            item(CheckId::Metadata(check), label, status, detail)
        })
        .collect()
}

fn probe_item(probe: &TokenProbe, app_origin: &str) -> CheckItem {
    let label = "The token endpoint's answers can be read from this origin (CORS)";
    let (status, detail) = match probe {
        TokenProbe::OAuthError(code) => (Status::Pass, format!("a made-up code came back as a readable `{code}`")),
        TokenProbe::Other(status) => (
            Status::Fail,
            format!("a made-up code came back as HTTP {status} without an OAuth error: check the token endpoint URL"),
        ),
        TokenProbe::NoAnswer => (
            Status::Fail,
            format!("no readable answer: allow the origin {app_origin} for this application at the provider (CORS); this is the most common reason a browser's code exchange fails"),
        ),
        TokenProbe::NotRun => (Status::Fail, "no token endpoint is known: fix discovery or set `token_endpoint`".into()),
    };
    item(CheckId::TokenEndpointCors, label, status, detail)
}

/// What the DPoP and PAR items go on: probes made only when discovery
/// offers the feature, and the provider's `Date` header when CORS lets the
/// page read it.
pub struct FeatureProbes {
    /// The token probe again, with a `DPoP` header (a CORS preflight);
    /// not run when the plain probe got no OAuth error.
    pub dpop: TokenProbe,
    /// A POST to the PAR endpoint with `client_id` only.
    pub par: TokenProbe,
    /// The provider's clock minus the page's, in seconds.
    pub clock_offset_s: Option<i64>,
}

/// The most a proof's `iat` may be off before providers refuse it (RFC
/// 9449 §11.1 leaves the window to them; a minute is common).
pub const CLOCK_WARN_S: i64 = 60;

/// The DPoP, PAR and clock items (RFC 9449, RFC 9126).
pub fn feature_items(config: &Config, discovery: &Discovery, probes: &FeatureProbes, app_origin: &str) -> Vec<CheckItem> {
    let doc = match discovery {
        Discovery::Found(doc) => Some(doc),
        _ => None,
    };
    vec![dpop_item(config, doc, &probes.dpop, app_origin), par_item(config, doc, &probes.par, app_origin), clock_item(probes.clock_offset_s)]
}

/// Whether the discovery document offers DPoP proofs with ES256 (RFC 9449
/// §5.1): the `dpop` item's question, and whether its probe is worth making.
pub fn dpop_offered(discovery: &Discovery) -> bool {
    matches!(discovery, Discovery::Found(doc) if strings(doc, "dpop_signing_alg_values_supported").is_some_and(|a| a.contains(&dpop::ALG)))
}

fn dpop_item(config: &Config, doc: Option<&Value>, probe: &TokenProbe, app_origin: &str) -> CheckItem {
    let label = "DPoP is offered with ES256, and the token endpoint takes the DPoP header from this origin (RFC 9449)";
    let offered = doc.and_then(|d| strings(d, "dpop_signing_alg_values_supported"));
    let required = config.dpop == Switch::Required;
    let (status, detail) = match (config.dpop, offered.as_ref().map(|a| a.contains(&dpop::ALG))) {
        (Switch::Off, _) => (Status::Info, "off: config.json says `dpop: false`".to_owned()),
        (_, None | Some(false)) => (
            if required && doc.is_some() { Status::Fail } else { Status::Info },
            format!(
                "not offered (dpop_signing_alg_values_supported: {}): tokens are bearer tokens; turn DPoP on at the provider to bind them",
                offered.map_or_else(|| "absent".to_owned(), |a| format!("[{}]", a.join(", ")))
            ),
        ),
        (_, Some(true)) => match probe {
            TokenProbe::OAuthError(code) => (Status::Pass, format!("offered; a request with a DPoP header came back as a readable `{code}`")),
            TokenProbe::NotRun | TokenProbe::Other(_) => (Status::Info, "offered; not tried, since the token endpoint is not readable from this origin at all".to_owned()),
            TokenProbe::NoAnswer => (
                Status::Fail,
                format!("offered, but a request with a DPoP header got no readable answer: allow the `DPoP` request header and expose `DPoP-Nonce` for the origin {app_origin} (CORS), or set `dpop` to false"),
            ),
        },
    };
    item(CheckId::Dpop, label, status, detail)
}

fn par_item(config: &Config, doc: Option<&Value>, probe: &TokenProbe, app_origin: &str) -> CheckItem {
    let label = "Pushed authorization requests: the PAR endpoint is there and readable from this origin (RFC 9126)";
    let endpoint = config.endpoints.pushed_authorization_request_endpoint.is_some()
        || doc.is_some_and(|d| d.get(Endpoint::PAR.name).and_then(Value::as_str).is_some());
    let required = config.par == Switch::Required || doc.and_then(|d| d.get("require_pushed_authorization_requests")).and_then(Value::as_bool) == Some(true);
    let (status, detail) = match (endpoint, probe) {
        (false, _) => (
            if required { Status::Fail } else { Status::Info },
            "no pushed_authorization_request_endpoint: the authorization request travels in the URL".to_owned(),
        ),
        (true, TokenProbe::OAuthError(code)) => (Status::Pass, format!("a request with client_id only came back as a readable `{code}`")),
        (true, _) if config.par == Switch::Off && !required => (Status::Info, "present, and off: config.json says `par: false`".to_owned()),
        (true, _) => (
            if required { Status::Fail } else { Status::Warn },
            format!(
                "no readable answer from the PAR endpoint: allow the origin {app_origin} there (CORS){}",
                if required { "; the provider requires PAR, so the sign-in cannot start" } else { "; meanwhile the sign-in falls back to a plain authorization request" }
            ),
        ),
    };
    item(CheckId::Par, label, status, detail)
}

fn clock_item(offset_s: Option<i64>) -> CheckItem {
    let label = "The provider's clock agrees with this computer's (DPoP proofs carry the time)";
    let (status, detail) = match offset_s {
        None => (Status::Info, "unknown: the provider does not let this origin read its Date header".to_owned()),
        Some(s) if s.abs() > CLOCK_WARN_S => (Status::Warn, format!("off by {s} s: proofs may be refused as too old or too new; set this computer's clock right")),
        Some(s) => (Status::Pass, format!("within {} s", s.abs().max(1))),
    };
    item(CheckId::Clock, label, status, detail)
}

/// An IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`,
/// as seconds since the Unix epoch.
pub fn http_date_s(value: &str) -> Option<i64> {
    let mut parts = value.split_whitespace().skip(1);
    let day: i64 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let hms: Vec<i64> = parts.next()?.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    if hms.len() != 3 || parts.next() != Some("GMT") {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config;
    use serde_json::json;

    fn config_for(issuer: &str) -> Config {
        config::parse(&format!(r#"{{"issuer":"{issuer}","client_id":"c"}}"#), "http://127.0.0.1:8080/", &crate::core::url::testing::Whatwg).unwrap()
    }

    fn good_doc() -> Value {
        json!({
            "issuer": "https://i.example",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "authorization_response_iss_parameter_supported": true,
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "userinfo_endpoint": "https://i.example/me",
            "revocation_endpoint": "https://i.example/revoke",
            "end_session_endpoint": "https://i.example/logout"
        })
    }

    fn status_of(items: &[CheckItem], id: &str) -> Status {
        items.iter().find(|i| i.id.as_str() == id).unwrap().status
    }

    #[test]
    fn a_well_set_up_provider_passes_everything() {
        let items = evaluate(&config_for("https://i.example"), &Discovery::Found(good_doc()), &TokenProbe::OAuthError("invalid_grant".into()), "o");
        assert_eq!(items.len(), 11);
        assert!(items.iter().all(|i| i.status == Status::Pass), "{items:#?}");
        assert_eq!(failing(&items), 0);
    }

    #[test]
    fn plain_only_fails_pkce() {
        let mut doc = good_doc();
        doc["code_challenge_methods_supported"] = json!(["plain"]);
        let items = evaluate(&config_for("https://i.example"), &Discovery::Found(doc), &TokenProbe::OAuthError("invalid_grant".into()), "o");
        assert_eq!(status_of(&items, "pkce_s256"), Status::Fail);
        assert_eq!(failing(&items), 1);
    }

    #[test]
    fn unlisted_metadata_warns_and_the_probe_decides_public_clients() {
        // Entra and Keycloak: no code_challenge_methods_supported, no `none` listed.
        let mut doc = good_doc();
        doc.as_object_mut().unwrap().remove("code_challenge_methods_supported");
        doc["token_endpoint_auth_methods_supported"] = json!(["client_secret_post", "client_secret_basic"]);
        let items = evaluate(&config_for("https://i.example"), &Discovery::Found(doc.clone()), &TokenProbe::OAuthError("invalid_grant".into()), "o");
        assert_eq!(status_of(&items, "pkce_s256"), Status::Warn);
        assert_eq!(status_of(&items, "token_auth_none"), Status::Pass, "a readable invalid_grant means the client_id-only request was accepted as a client");
        assert_eq!(failing(&items), 0);
        let refused = evaluate(&config_for("https://i.example"), &Discovery::Found(doc), &TokenProbe::OAuthError("invalid_client".into()), "o");
        assert_eq!(status_of(&refused, "token_auth_none"), Status::Fail);
    }

    #[test]
    fn no_cors_on_the_token_endpoint_fails_and_names_the_origin() {
        let items = evaluate(&config_for("https://i.example"), &Discovery::Found(good_doc()), &TokenProbe::NoAnswer, "http://127.0.0.1:8181");
        let probe = items.iter().find(|i| i.id == CheckId::TokenEndpointCors).unwrap();
        assert_eq!(probe.status, Status::Fail);
        assert!(probe.detail.contains("http://127.0.0.1:8181"));
    }

    #[test]
    fn missing_metadata_uses_the_discovery_defaults() {
        let doc = json!({"issuer": "https://i.example", "response_types_supported": ["code"]});
        let items = evaluate(&config_for("https://i.example"), &Discovery::Found(doc), &TokenProbe::OAuthError("invalid_client".into()), "o");
        assert_eq!(status_of(&items, "pkce_s256"), Status::Warn, "not listed: cannot be confirmed");
        assert_eq!(status_of(&items, "token_auth_none"), Status::Fail, "absent means client_secret_basic, and the probe was refused");
        assert_eq!(status_of(&items, "refresh_token"), Status::Warn);
        assert_eq!(status_of(&items, "end_session"), Status::Warn);
    }

    #[test]
    fn a_wrong_issuer_and_an_unreadable_document() {
        let items = evaluate(&config_for("https://i.example/"), &Discovery::Found(good_doc()), &TokenProbe::OAuthError("x".into()), "o");
        assert_eq!(status_of(&items, "issuer"), Status::Fail);
        let items = evaluate(
            &config_for("https://i.example"),
            &Discovery::Unreadable { url: "u".into(), problem: "no answer".into() },
            &TokenProbe::NotRun,
            "o",
        );
        assert_eq!(status_of(&items, "discovery"), Status::Fail);
        assert_eq!(status_of(&items, "pkce_s256"), Status::Info);
        assert_eq!(failing(&items), 2);
    }

    #[test]
    fn without_discovery_configured_session_endpoints_pass() {
        let config = config::parse(
            r#"{"provider":{"name":"adobe_ims","base_url":"http://127.0.0.1:9425"},"client_id":"c"}"#,
            "http://127.0.0.1:8080/",
            &crate::core::url::testing::Whatwg,
        )
        .unwrap();
        let items = evaluate(&config, &Discovery::NotUsed, &TokenProbe::OAuthError("invalid_grant".into()), "o");
        assert_eq!(status_of(&items, "userinfo"), Status::Pass);
        assert_eq!(status_of(&items, "revocation"), Status::Info);
        assert_eq!(status_of(&items, "pkce_s256"), Status::Info);
        assert_eq!(failing(&items), 0);
    }

    fn probes(dpop: TokenProbe, par: TokenProbe, clock_offset_s: Option<i64>) -> FeatureProbes {
        FeatureProbes { dpop, par, clock_offset_s }
    }

    #[test]
    fn dpop_par_and_clock_items() {
        let c = config_for("https://i.example");
        let mut doc = good_doc();
        doc["dpop_signing_alg_values_supported"] = json!(["ES256"]);
        doc["pushed_authorization_request_endpoint"] = json!("https://i.example/par");
        let ok = probes(TokenProbe::OAuthError("invalid_dpop_proof".into()), TokenProbe::OAuthError("invalid_request".into()), Some(3));
        let items = feature_items(&c, &Discovery::Found(doc.clone()), &ok, "o");
        assert!(items.iter().all(|i| i.status == Status::Pass), "{items:#?}");
        let blocked = probes(TokenProbe::NoAnswer, TokenProbe::NoAnswer, Some(-120));
        let items = feature_items(&c, &Discovery::Found(doc.clone()), &blocked, "http://127.0.0.1:8181");
        assert_eq!(status_of(&items, "dpop"), Status::Fail);
        assert_eq!(status_of(&items, "par"), Status::Warn, "auto falls back");
        assert_eq!(status_of(&items, "clock"), Status::Warn);
        doc["require_pushed_authorization_requests"] = json!(true);
        assert_eq!(status_of(&feature_items(&c, &Discovery::Found(doc), &blocked, "o"), "par"), Status::Fail);
        let none = feature_items(&c, &Discovery::Found(good_doc()), &probes(TokenProbe::NotRun, TokenProbe::NotRun, None), "o");
        assert!(none.iter().all(|i| i.status == Status::Info), "{none:#?}");
    }

    #[test]
    fn dpop_true_fails_where_it_is_not_offered() {
        let c = config::parse(r#"{"issuer":"https://i.example","client_id":"c","dpop":true}"#, "http://127.0.0.1:8080/", &crate::core::url::testing::Whatwg).unwrap();
        let items = feature_items(&c, &Discovery::Found(good_doc()), &probes(TokenProbe::NotRun, TokenProbe::NotRun, None), "o");
        assert_eq!(status_of(&items, "dpop"), Status::Fail);
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date_s("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(http_date_s("Tue, 01 Dec 2026 06:00:00 GMT"), Some(1_796_104_800));
        assert_eq!(http_date_s("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(http_date_s("garbage"), None);
    }
}
