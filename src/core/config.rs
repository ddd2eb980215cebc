//! The run-time configuration, read from `config.json` beside index.html so
//! that one build serves every environment. Field names follow OpenID Connect
//! Discovery metadata.

use serde_json::{Map, Value};

use super::authorize;
use super::error::AppError;
use super::endpoints::{Endpoint, Endpoints};
use super::fields::{self, not_a_field};
use super::issuer::IssuerRule;
use super::presets;
use super::route::ReturnPaths;
use super::url::{self, UrlParser};

/// The scope asked for when config.json names none.
pub const DEFAULT_SCOPE: &str = "openid profile";

const FIELDS: [&str; 13] = [
    "issuer",
    "provider",
    "extra_authorize_params",
    "client_id",
    "scope",
    "redirect_uri",
    "token_storage",
    "api_url",
    "post_logout_redirect_uri",
    "request_timeout_s",
    "dpop",
    "par",
    "reconnect_limit_s",
];

/// How long any request may take before it counts as failed (and a refresh
/// is retried), unless config.json says otherwise: a hung request must
/// never hold the session's refresh lock.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 15_000;

/// How long a session keeps trying to renew through an outage (no answer,
/// a 5xx, `temporarily_unavailable`), unless config.json says otherwise
/// (`reconnect_limit_s`): a train tunnel or a provider's deploy must not
/// sign anyone out, and a refresh token that the provider never says is
/// gone is not tried for ever either.
pub const DEFAULT_RECONNECT_LIMIT_MS: u64 = 4 * 60 * 60 * 1000;

/// A feature config.json switches with `"auto"`, `true` or `false`: DPoP
/// (`dpop`, RFC 9449) and pushed authorization requests (`par`, RFC 9126).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Switch {
    /// `"auto"` or absent: on when the provider offers it.
    #[default]
    Auto,
    /// `true`: always on; a provider without it is an error.
    Required,
    /// `false`: off (PAR still, when the provider requires it).
    Off,
}

/// Where the tokens live (IETF browser-based apps BCP). Never localStorage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenStorage {
    /// Only in the page: a reload asks to sign in again.
    #[default]
    Memory,
    /// In this tab's sessionStorage: a reload of the tab stays signed in.
    Session,
}

/// The validated configuration. Built only by [`parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The issuer URL, from `issuer` or the `provider` preset: where discovery is read.
    pub issuer: String,
    /// `client_id`, as registered at the provider (a public client).
    pub client_id: String,
    /// Space-separated scope tokens, normalised to single spaces.
    pub scope: String,
    /// Where the provider sends the authorization response; default: the app's
    /// `callback` page.
    pub redirect_uri: String,
    /// The endpoints config.json (or its preset) names: for a provider
    /// without discovery, or to replace discovered ones.
    pub endpoints: Endpoints,
    /// `token_storage`: where the tokens live; default: memory.
    pub token_storage: TokenStorage,
    /// An API to call with the access token from the signed-in view.
    pub api_url: Option<String>,
    /// Where the provider sends the person after its sign-out; default: the
    /// app's own address.
    pub post_logout_redirect_uri: String,
    /// The paths of `redirect_uri` and `post_logout_redirect_uri`, both on
    /// the app's origin: where the app takes the provider's answers.
    pub return_paths: ReturnPaths,
    /// What the discovered issuer must be (exactly `issuer`, but for Entra).
    pub issuer_rule: IssuerRule,
    /// The longest any request may take (`request_timeout_s`, 1 to 120).
    pub request_timeout_ms: u64,
    /// How long the session retries a refresh through an outage
    /// (`reconnect_limit_s`, 0 to 7 days).
    pub reconnect_limit_ms: u64,
    /// Added to the authorization request (a preset's and config's own).
    pub extra_authorize_params: Vec<(String, String)>,
    /// DPoP-bound tokens (RFC 9449).
    pub dpop: Switch,
    /// Pushed authorization requests (RFC 9126).
    pub par: Switch,
}

impl Config {
    /// Every endpoint the sign-in needs is given: no discovery request is
    /// needed.
    pub fn has_endpoints(&self) -> bool {
        Endpoint::ALL.iter().filter(|e| e.required).all(|e| e.get(&self.endpoints).is_some())
    }
}

/// Reads config.json. `app_base_url` is the absolute URL of the folder that
/// holds index.html (ending in `/`); the default redirect URI is its
/// `callback` page. Every URL is read with `urls`, the WHATWG parser the
/// browser's own fetch uses ([`url::problem`]).
pub fn parse(text: &str, app_base_url: &str, urls: &dyn UrlParser) -> Result<Config, AppError> {
    let check_url = |field: &str, value: &str| url::problem(value, urls).map_or(Ok(()), |p| Err(invalid(field, p)));
    let value: Value = serde_json::from_str(text).map_err(|e| AppError::ConfigUnreadable { problem: e.to_string() })?;
    let Value::Object(obj) = value else {
        return Err(invalid("(top level)", "must be a JSON object"));
    };
    // RFC 6749 §2.1: a browser app cannot keep a secret, so one in the file
    // is a mistake to stop at, not a value to ignore.
    if obj.keys().any(|k| k.starts_with("client_secret")) {
        return Err(AppError::ConfigHasSecret);
    }
    let known: Vec<&str> = FIELDS.iter().copied().chain(Endpoint::ALL.map(|e| e.name)).collect();
    if let Some(unknown) = obj.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(unknown, &not_a_field(unknown, &known, "a known field")));
    }
    let preset = match (obj.get("provider"), obj.contains_key("issuer")) {
        (None | Some(Value::Null), _) => None,
        (Some(Value::Object(p)), false) => Some(presets::parse(p)?),
        (Some(Value::Object(_)), true) => return Err(invalid("issuer", "set either `issuer` or `provider`, not both")),
        (Some(_), _) => return Err(invalid("provider", "must be an object such as {\"name\": \"pingone\", …}")),
    };
    let issuer = match &preset {
        Some(p) => p.issuer.clone(),
        None => required(&obj, "issuer")?,
    };
    check_url(if preset.is_some() { "provider" } else { "issuer" }, &issuer)?;
    if issuer.contains('?') {
        return Err(invalid("issuer", "must not contain a query (OpenID Connect Discovery §3)"));
    }
    let client_id = required(&obj, "client_id")?;
    let scope = optional(&obj, "scope")?.map_or(Ok(DEFAULT_SCOPE.to_owned()), |s| normalise_scope(&s))?;
    let redirect_uri = optional(&obj, "redirect_uri")?.unwrap_or_else(|| format!("{app_base_url}callback"));
    check_url("redirect_uri", &redirect_uri)?;
    // config.json's own endpoint wins over its preset's.
    let mut endpoints = Endpoints::default();
    for e in Endpoint::ALL {
        let url = optional(&obj, e.name)?.or_else(|| preset.as_ref().and_then(|p| e.get(&p.endpoints)).map(str::to_owned));
        url.as_deref().map_or(Ok(()), |u| check_url(e.name, u))?;
        e.set(&mut endpoints, url);
    }
    let issuer_rule = preset.as_ref().and_then(|p| p.issuer_rule.clone()).unwrap_or_else(|| IssuerRule::Exact(issuer.clone()));
    let mut extra_authorize_params = preset.map(|p| p.extra_authorize_params).unwrap_or_default();
    for (name, value) in extra_params(&obj)? {
        extra_authorize_params.retain(|(n, _)| *n != name);
        extra_authorize_params.push((name, value));
    }
    let api_url = optional(&obj, "api_url")?;
    let token_storage = match optional(&obj, "token_storage")?.as_deref() {
        None | Some("memory") => TokenStorage::Memory,
        Some("session") => TokenStorage::Session,
        Some(_) => return Err(invalid("token_storage", "must be \"memory\" or \"session\" (tokens never go to localStorage)")),
    };
    let post_logout_redirect_uri = optional(&obj, "post_logout_redirect_uri")?.unwrap_or_else(|| app_base_url.to_owned());
    check_url("post_logout_redirect_uri", &post_logout_redirect_uri)?;
    if let Some(url) = &api_url {
        check_url("api_url", url)?;
    }
    let return_paths = ReturnPaths {
        callback: path_on_app_origin("redirect_uri", &redirect_uri, app_base_url, urls)?,
        signed_out: path_on_app_origin("post_logout_redirect_uri", &post_logout_redirect_uri, app_base_url, urls)?,
    };
    let request_timeout_ms = request_timeout_ms(&obj)?;
    Ok(Config {
        issuer,
        client_id,
        scope,
        redirect_uri,
        endpoints,
        token_storage,
        api_url,
        post_logout_redirect_uri,
        return_paths,
        issuer_rule,
        request_timeout_ms,
        reconnect_limit_ms: reconnect_limit_ms(&obj)?,
        extra_authorize_params,
        dpop: switch(&obj, "dpop")?,
        par: switch(&obj, "par")?,
    })
}

/// The path of `uri`, a page the provider sends the person back to: it must
/// be on the app's own origin (`app_base_url`'s), where the app can take the
/// answer and check its `state` (RFC 6749 §10.12, RP-Initiated Logout §3).
fn path_on_app_origin(field: &str, uri: &str, app_base_url: &str, urls: &dyn UrlParser) -> Result<String, AppError> {
    let (Some(uri), Some(app)) = (urls.parse(uri), urls.parse(app_base_url)) else {
        return Err(invalid(field, &format!("cannot be compared with the app's address {app_base_url}")));
    };
    if uri.origin != app.origin {
        let problem = format!("must be on the app's own origin {}: the app takes the provider's answer there", app.origin);
        return Err(invalid(field, &problem));
    }
    Ok(uri.path)
}

fn switch(obj: &Map<String, Value>, name: &str) -> Result<Switch, AppError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(Switch::Auto),
        Some(Value::String(s)) if s == "auto" => Ok(Switch::Auto),
        Some(Value::Bool(true)) => Ok(Switch::Required),
        Some(Value::Bool(false)) => Ok(Switch::Off),
        Some(_) => Err(invalid(name, "must be \"auto\", true or false")),
    }
}

fn reconnect_limit_ms(obj: &Map<String, Value>) -> Result<u64, AppError> {
    const RULE: &str = "must be a whole number of seconds from 0 to 604800 (7 days)";
    match obj.get("reconnect_limit_s") {
        None | Some(Value::Null) => Ok(DEFAULT_RECONNECT_LIMIT_MS),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(s @ 0..=604_800) => Ok(s * 1000),
            _ => Err(invalid("reconnect_limit_s", RULE)),
        },
        Some(_) => Err(invalid("reconnect_limit_s", RULE)),
    }
}

fn request_timeout_ms(obj: &Map<String, Value>) -> Result<u64, AppError> {
    match obj.get("request_timeout_s") {
        None | Some(Value::Null) => Ok(DEFAULT_REQUEST_TIMEOUT_MS),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(s @ 1..=120) => Ok(s * 1000),
            _ => Err(invalid("request_timeout_s", "must be a whole number of seconds from 1 to 120")),
        },
        Some(_) => Err(invalid("request_timeout_s", "must be a whole number of seconds from 1 to 120")),
    }
}

fn extra_params(obj: &Map<String, Value>) -> Result<Vec<(String, String)>, AppError> {
    let field = "extra_authorize_params";
    let Some(value) = obj.get(field).filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let Value::Object(map) = value else {
        return Err(invalid(field, "must be an object of names to string values"));
    };
    map.iter()
        .map(|(name, value)| {
            // authorize::REFUSED_EXTRA_PARAMS: the protocol's own, and those
            // that change the response's shape or destination.
            if let Some(why) = authorize::refused_extra_param(name) {
                return Err(invalid(&format!("{field}.{name}"), why.problem()));
            }
            match value {
                Value::String(v) => Ok((name.clone(), v.clone())),
                _ => Err(invalid(&format!("{field}.{name}"), "must be a string")),
            }
        })
        .collect()
}

fn invalid(field: &str, problem: &str) -> AppError {
    AppError::ConfigInvalid { field: field.to_owned(), problem: problem.to_owned() }
}

fn optional(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, AppError> {
    fields::optional_string(obj, field).map_err(|problem| invalid(field, problem))
}

fn required(obj: &Map<String, Value>, field: &str) -> Result<String, AppError> {
    optional(obj, field)?.ok_or_else(|| invalid(field, "is required"))
}

/// RFC 6749 §3.3: scope tokens are `%x21 / %x23-5B / %x5D-7E`, separated by
/// spaces.
fn normalise_scope(scope: &str) -> Result<String, AppError> {
    if scope.contains(',') {
        // Adobe's documents write `openid,AdobeID`: read as one token, the
        // app would not know it asked for OpenID Connect.
        return Err(invalid("scope", "scope tokens are separated by spaces, not commas (RFC 6749 §3.3): write \"openid AdobeID\", not \"openid,AdobeID\""));
    }
    let tokens: Vec<&str> = scope.split_whitespace().collect();
    let allowed = |c: char| matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E');
    if let Some(bad) = tokens.iter().find(|t| !t.chars().all(allowed)) {
        return Err(invalid("scope", &format!("the scope token \"{bad}\" has characters RFC 6749 §3.3 does not allow")));
    }
    Ok(tokens.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:8080/app/";

    fn parse(text: &str, base: &str) -> Result<Config, AppError> {
        super::parse(text, base, &crate::core::url::testing::Whatwg)
    }

    fn field_error(json: &str) -> (String, String) {
        match parse(json, BASE) {
            Err(AppError::ConfigInvalid { field, problem }) => (field, problem),
            other => panic!("expected ConfigInvalid, got {other:?}"),
        }
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = parse(r#"{"issuer":"https://auth.pingone.eu/env/as","client_id":"abc"}"#, BASE).unwrap();
        assert_eq!(c.issuer, "https://auth.pingone.eu/env/as");
        assert_eq!(c.scope, "openid profile");
        assert_eq!(c.redirect_uri, "http://127.0.0.1:8080/app/callback");
        assert_eq!(c.post_logout_redirect_uri, BASE);
        assert_eq!(c.return_paths, ReturnPaths::defaults("/app"));
        assert_eq!(c.token_storage, TokenStorage::Memory);
        assert_eq!(c.api_url, None);
        assert!(!c.has_endpoints());
    }

    #[test]
    fn all_fields_are_read() {
        let c = parse(
            r#"{"issuer":"https://i.example","client_id":"abc","scope":" openid   email ",
                "redirect_uri":"http://127.0.0.1:8080/app/cb","authorization_endpoint":"https://i.example/a",
                "token_endpoint":"https://i.example/t","jwks_uri":"https://i.example/keys"}"#,
            BASE,
        )
        .unwrap();
        assert_eq!(c.scope, "openid email");
        assert_eq!(c.redirect_uri, "http://127.0.0.1:8080/app/cb");
        assert_eq!(c.return_paths, ReturnPaths { callback: "/app/cb".into(), signed_out: "/app/".into() });
        assert_eq!(c.endpoints.jwks_uri.as_deref(), Some("https://i.example/keys"));
        assert!(c.has_endpoints());
    }

    #[test]
    fn session_fields() {
        let c = parse(
            r#"{"issuer":"https://i.example","client_id":"a","token_storage":"session","api_url":"https://api.example/v1",
                "post_logout_redirect_uri":"http://127.0.0.1:8080/bye"}"#,
            BASE,
        )
        .unwrap();
        assert_eq!(c.token_storage, TokenStorage::Session);
        assert_eq!(c.api_url.as_deref(), Some("https://api.example/v1"));
        assert_eq!(c.post_logout_redirect_uri, "http://127.0.0.1:8080/bye");
        assert_eq!(c.return_paths.signed_out, "/bye");
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":"a","token_storage":"local"}"#).0, "token_storage");
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":"a","api_url":"http://api.example"}"#).0, "api_url");
    }

    #[test]
    fn dpop_and_par_are_auto_true_or_false() {
        let with = |t: &str| parse(&format!(r#"{{"issuer":"https://i.example","client_id":"a"{t}}}"#), BASE);
        let c = with("").unwrap();
        assert_eq!((c.dpop, c.par), (Switch::Auto, Switch::Auto));
        let c = with(r#","dpop":true,"par":false"#).unwrap();
        assert_eq!((c.dpop, c.par), (Switch::Required, Switch::Off));
        let c = with(r#","dpop":"auto","par":true"#).unwrap();
        assert_eq!((c.dpop, c.par), (Switch::Auto, Switch::Required));
        for bad in [r#","dpop":"yes""#, r#","par":1"#] {
            assert!(matches!(with(bad), Err(AppError::ConfigInvalid { .. })), "{bad}");
        }
    }

    #[test]
    fn the_reconnect_limit_has_a_default_and_bounds() {
        let with = |t: &str| parse(&format!(r#"{{"issuer":"https://i.example","client_id":"a"{t}}}"#), BASE);
        assert_eq!(with("").unwrap().reconnect_limit_ms, DEFAULT_RECONNECT_LIMIT_MS);
        assert_eq!(with(r#","reconnect_limit_s":0"#).unwrap().reconnect_limit_ms, 0);
        assert_eq!(with(r#","reconnect_limit_s":600"#).unwrap().reconnect_limit_ms, 600_000);
        for bad in ["604801", "1.5", "\"5\"", "-1"] {
            assert!(matches!(with(&format!(r#","reconnect_limit_s":{bad}"#)), Err(AppError::ConfigInvalid { .. })), "{bad}");
        }
    }

    #[test]
    fn the_request_timeout_is_bounded() {
        let with = |t: &str| parse(&format!(r#"{{"issuer":"https://i.example","client_id":"a"{t}}}"#), BASE);
        assert_eq!(with("").unwrap().request_timeout_ms, DEFAULT_REQUEST_TIMEOUT_MS);
        assert_eq!(with(r#","request_timeout_s":2"#).unwrap().request_timeout_ms, 2_000);
        for bad in ["0", "121", "1.5", "\"5\"", "-1"] {
            assert!(matches!(with(&format!(r#","request_timeout_s":{bad}"#)), Err(AppError::ConfigInvalid { .. })), "{bad}");
        }
    }

    #[test]
    fn presets_produce_the_issuer_and_extra_parameters() {
        let c = parse(
            r#"{"provider":{"name":"auth0","domain":"acme.us.auth0.com","audience":"https://api"},"client_id":"a",
                "extra_authorize_params":{"ui_locales":"fr","audience":"https://other"}}"#,
            BASE,
        )
        .unwrap();
        assert_eq!(c.issuer, "https://acme.us.auth0.com/");
        assert_eq!(c.issuer_rule, IssuerRule::Exact("https://acme.us.auth0.com/".into()));
        // config.json's own value wins over the preset's.
        assert_eq!(c.extra_authorize_params, vec![("audience".into(), "https://other".into()), ("ui_locales".into(), "fr".into())]);
        let adobe = parse(r#"{"provider":{"name":"adobe_ims"},"client_id":"a"}"#, BASE).unwrap();
        assert!(adobe.has_endpoints());
        assert_eq!(adobe.endpoints.jwks_uri.as_deref(), Some("https://ims-na1.adobelogin.com/ims/keys"));
    }

    #[test]
    fn preset_errors_name_the_field() {
        assert_eq!(field_error(r#"{"provider":{"name":"pingone","environment_idd":"x"},"client_id":"a"}"#).0, "provider.environment_idd");
        assert_eq!(field_error(r#"{"provider":{"name":"keycloak","realm":"r","base_url":"http://kc.example"},"client_id":"a"}"#).0, "provider");
        assert_eq!(field_error(r#"{"provider":{"name":"generic","issuer":"https://i"},"issuer":"https://i","client_id":"a"}"#).0, "issuer");
        assert_eq!(field_error(r#"{"provider":"pingone","client_id":"a"}"#).0, "provider");
        assert_eq!(field_error(r#"{"issuer":"https://i","client_id":"a","extra_authorize_params":{"state":"x"}}"#).0, "extra_authorize_params.state");
        assert_eq!(field_error(r#"{"issuer":"https://i","client_id":"a","extra_authorize_params":{"dpop_jkt":"x"}}"#).0, "extra_authorize_params.dpop_jkt");
        assert_eq!(field_error(r#"{"issuer":"https://i","client_id":"a","extra_authorize_params":{"request_uri":"x"}}"#).0, "extra_authorize_params.request_uri");
        assert_eq!(field_error(r#"{"issuer":"https://i","client_id":"a","extra_authorize_params":{"prompt":1}}"#).0, "extra_authorize_params.prompt");
    }

    #[test]
    fn extra_parameters_that_change_the_protocol_are_refused_by_name() {
        // Issue 21, defect 10: every name of authorize::REFUSED_EXTRA_PARAMS.
        for (name, why) in authorize::REFUSED_EXTRA_PARAMS {
            for spelled in [name.to_owned(), name.to_uppercase()] {
                let json = format!(r#"{{"issuer":"https://i","client_id":"a","extra_authorize_params":{{"{spelled}":"x"}}}}"#);
                assert_eq!(field_error(&json), (format!("extra_authorize_params.{spelled}"), why.problem().to_owned()));
            }
        }
        let (_, problem) = field_error(r#"{"issuer":"https://i","client_id":"a","extra_authorize_params":{"response_mode":"fragment"}}"#);
        assert!(problem.contains("where or how the provider sends its response"), "{problem}");
        let allowed = r#"{"prompt":"login","login_hint":"a@b","id_token_hint":"h","max_age":"0","acr_values":"mfa",
            "ui_locales":"fr","claims_locales":"fr","display":"page","claims":"{}","resource":"https://api","audience":"a",
            "authorization_details":"[]","domain_hint":"contoso.com","organization":"org_1"}"#;
        let c = parse(&format!(r#"{{"issuer":"https://i.example","client_id":"a","extra_authorize_params":{allowed}}}"#), BASE).unwrap();
        assert_eq!(c.extra_authorize_params.len(), 14);
    }

    #[test]
    fn a_typo_names_the_field_it_was_probably_meant_to_be() {
        let (field, problem) = field_error(r#"{"issuer":"https://i.example","client_id":"a","scopes":"openid"}"#);
        assert_eq!(field, "scopes");
        assert!(problem.contains("did you mean `scope`?"), "{problem}");
        let (_, problem) = field_error(r#"{"issuer":"https://i.example","client_id":"a","colour":"red"}"#);
        assert!(!problem.contains("did you mean"), "{problem}");
    }

    #[test]
    fn a_client_secret_is_refused() {
        let e = parse(r#"{"issuer":"https://i.example","client_id":"a","client_secret":"s"}"#, BASE).unwrap_err();
        assert_eq!(e.code(), "config_client_secret");
        assert!(e.message().contains("public client"));
    }

    #[test]
    fn not_json_is_unreadable() {
        assert_eq!(parse("{issuer:", BASE).unwrap_err().code(), "config_unreadable");
        assert_eq!(parse("", BASE).unwrap_err().code(), "config_unreadable");
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_error(r#"{"client_id":"a"}"#).0, "issuer");
        assert_eq!(field_error(r#"{"issuer":"https://i.example"}"#).0, "client_id");
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":7}"#), ("client_id".into(), "must be a string".into()));
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":" "}"#).0, "client_id");
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":"a","scopes":"x"}"#).0, "scopes");
        assert_eq!(field_error(r#"["issuer"]"#).0, "(top level)");
    }

    #[test]
    fn urls_must_be_https_or_loopback() {
        assert_eq!(field_error(r#"{"issuer":"http://idp.example","client_id":"a"}"#).0, "issuer");
        assert_eq!(field_error(r#"{"issuer":"https://i.example?x=1","client_id":"a"}"#).0, "issuer");
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":"a","redirect_uri":"https://a/cb#x"}"#).0, "redirect_uri");
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":"a","token_endpoint":"token"}"#).0, "token_endpoint");
        assert!(parse(r#"{"issuer":"http://127.0.0.1:9400","client_id":"a"}"#, BASE).is_ok());
    }

    #[test]
    fn loopback_look_alikes_are_refused_for_every_url_field() {
        for field in ["token_endpoint", "authorization_endpoint", "jwks_uri", "redirect_uri", "api_url", "post_logout_redirect_uri"] {
            for url in ["http://127.0.0.1.nip.io/token", r"http://evil.example\\.localhost/token"] {
                let json = format!(r#"{{"issuer":"http://127.0.0.1:9400","client_id":"a","{field}":"{url}"}}"#);
                assert_eq!(field_error(&json).0, field, "{url}");
            }
        }
        assert_eq!(field_error(r#"{"issuer":"http://127.0.0.1.nip.io","client_id":"a"}"#).0, "issuer");
        assert_eq!(field_error(r#"{"provider":{"name":"keycloak","realm":"r","base_url":"http://localhost.evil.example"},"client_id":"a"}"#).0, "provider");
    }

    #[test]
    fn the_return_addresses_must_be_on_the_app_s_origin() {
        for field in ["redirect_uri", "post_logout_redirect_uri"] {
            for url in ["https://app.example/cb", "http://localhost:8080/app/cb", "http://127.0.0.1:8081/app/cb", "https://127.0.0.1:8080/app/cb"] {
                let (named, problem) = field_error(&format!(r#"{{"issuer":"https://i.example","client_id":"a","{field}":"{url}"}}"#));
                assert_eq!(named, field, "{url}");
                assert!(problem.contains("http://127.0.0.1:8080"), "{problem}");
            }
        }
        let c = parse(r#"{"issuer":"https://i.example","client_id":"a","redirect_uri":"http://127.0.0.1:8080/signin-oidc",
            "post_logout_redirect_uri":"http://127.0.0.1:8080/app/signed-out?x=1"}"#, BASE).unwrap();
        assert_eq!(c.return_paths, ReturnPaths { callback: "/signin-oidc".into(), signed_out: "/app/signed-out".into() });
    }

    #[test]
    fn scope_tokens_are_checked() {
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":"a","scope":"openid \"x\""}"#).0, "scope");
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":"a","scope":"  "}"#).0, "scope");
        assert_eq!(field_error(r#"{"issuer":"https://i.example","client_id":"a","scope":"openid,AdobeID"}"#).0, "scope");
    }
}
