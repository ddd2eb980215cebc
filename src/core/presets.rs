//! Provider presets: the `provider` object of config.json, turned into the
//! issuer (and, for providers without discovery, the endpoints) of each
//! provider's own layout.

use serde_json::{Map, Value};

use super::config;
use super::error::AppError;

/// What the discovery document's `issuer` must be (OpenID Connect
/// Discovery §4.3), with Microsoft Entra's multi-tenant exception.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerRule {
    /// Identical to this string.
    Exact(String),
    /// Entra (`base` is `https://login.microsoftonline.com`): for a tenant
    /// GUID, `{base}/{guid}/v2.0`; for a domain, `{base}/<some GUID>/v2.0`;
    /// for `common` and `organizations`, the template `{base}/{tenantid}/v2.0`;
    /// for `consumers`, the personal-account tenant `{base}/9188040d-…/v2.0`.
    Entra { base: String, tenant: String },
}

/// The literal placeholder of Entra's multi-tenant issuer.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// The tenant of Microsoft personal accounts (what `consumers` resolves to).
const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

impl IssuerRule {
    /// Whether a discovered issuer is acceptable.
    pub fn accepts(&self, discovered: &str) -> bool {
        match self {
            Self::Exact(issuer) => discovered == issuer,
            Self::Entra { base, tenant } => {
                let Some(middle) = discovered.strip_prefix(&format!("{base}/")).and_then(|r| r.strip_suffix("/v2.0")) else {
                    return false;
                };
                match tenant.as_str() {
                    "common" | "organizations" => middle == TENANT_PLACEHOLDER,
                    // Personal accounts live in one fixed tenant, which the
                    // `consumers` discovery document names instead of the template.
                    "consumers" => middle == TENANT_PLACEHOLDER || middle.eq_ignore_ascii_case(CONSUMERS_TENANT_ID),
                    t if is_guid(t) => middle.eq_ignore_ascii_case(t),
                    _ => is_guid(middle),
                }
            }
        }
    }

    /// The configured value to show in messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Exact(issuer) => issuer.clone(),
            Self::Entra { base, tenant } => format!("{base}/<tenant id of {tenant}>/v2.0"),
        }
    }
}

/// The issuer a token must carry: the provider's issuer, or, when it is
/// Entra's template, the template with the token's `tid` put in.
pub fn issuer_for(issuer: &str, tid: Option<&str>) -> Option<String> {
    if !issuer.contains(TENANT_PLACEHOLDER) {
        return Some(issuer.to_owned());
    }
    tid.filter(|t| is_guid(t)).map(|t| issuer.replace(TENANT_PLACEHOLDER, t))
}

/// Whether `candidate` is `issuer`, or fits it when it is Entra's template.
pub fn issuer_matches(issuer: &str, candidate: &str) -> bool {
    match issuer.split_once(TENANT_PLACEHOLDER) {
        None => issuer == candidate,
        Some((prefix, suffix)) => candidate
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(is_guid),
    }
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// What a preset produces.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PresetSettings {
    pub issuer: String,
    pub issuer_rule: Option<IssuerRule>,
    /// Endpoints by their config.json field name (one of
    /// [`config::ENDPOINT_FIELDS`]), for a provider without discovery.
    pub endpoints: Vec<(&'static str, String)>,
    /// Authorize parameters the provider needs (Auth0's `audience`).
    pub extra_authorize_params: Vec<(String, String)>,
}

const PINGONE_REGIONS: [&str; 5] = ["com", "eu", "asia", "ca", "com.au"];
const ENTRA_HOST: &str = "https://login.microsoftonline.com";
const ADOBE_HOST: &str = "ims-na1.adobelogin.com";

impl PresetSettings {
    /// The endpoint named by its config.json field, when the preset sets it.
    pub fn endpoint(&self, field: &str) -> Option<&str> {
        self.endpoints.iter().find(|(name, _)| *name == field).map(|(_, url)| url.as_str())
    }
}

/// Reads the `provider` object. Every field error names `provider.<field>`.
pub fn parse(provider: &Map<String, Value>) -> Result<PresetSettings, AppError> {
    let fields = Fields(provider);
    let name = fields.required("name")?;
    let known: &[&str] = match name.as_str() {
        "pingone" => &["environment_id", "region"],
        "okta" => &["domain", "authorization_server"],
        "adobe_ims" => &["host"],
        "cloudentity" => &["tenant_url", "tenant_id", "server_id"],
        "keycloak" => &["realm"],
        "auth0" => &["domain", "audience"],
        "entra" => &["tenant"],
        // Plus every endpoint field: a provider without discovery.
        "generic" => &["issuer"],
        other => {
            return Err(invalid(
                "name",
                &format!("\"{other}\" is not a preset (pingone, okta, adobe_ims, cloudentity, keycloak, auth0, entra, generic)"),
            ))
        }
    };
    let endpoints: &[&str] = if name == "generic" { &config::ENDPOINT_FIELDS } else { &[] };
    let accepted: Vec<&str> = known.iter().chain(endpoints).copied().chain(["base_url"]).collect();
    if let Some(unknown) = provider.keys().find(|k| k.as_str() != "name" && !accepted.contains(&k.as_str())) {
        return Err(invalid(unknown, &config::not_a_field(unknown, &accepted, &format!("a field of the {name} preset"))));
    }
    let base = |default_host: Option<String>| -> Result<String, AppError> {
        match (fields.optional("base_url")?, default_host) {
            (Some(b), _) => Ok(b.trim_end_matches('/').to_owned()),
            (None, Some(host)) => Ok(format!("https://{host}")),
            (None, None) => Err(invalid("base_url", "is required for this preset")),
        }
    };
    let mut out = PresetSettings::default();
    match name.as_str() {
        "pingone" => {
            let region = fields.optional("region")?.unwrap_or_else(|| "com".to_owned());
            if !PINGONE_REGIONS.contains(&region.as_str()) {
                return Err(invalid("region", &format!("must be one of {}", PINGONE_REGIONS.join(", "))));
            }
            let env = fields.required("environment_id")?;
            out.issuer = format!("{}/{env}/as", base(Some(format!("auth.pingone.{region}")))?);
        }
        "okta" => {
            let domain = fields.optional("domain")?;
            let root = match fields.optional("base_url")? {
                Some(_) => base(None)?,
                None => base(Some(domain.ok_or_else(|| invalid("domain", "is required (e.g. dev-123456.okta.com)"))?))?,
            };
            // An empty authorization_server means Okta's org authorization server.
            let server = match provider.get("authorization_server") {
                Some(Value::String(s)) => s.trim().to_owned(),
                None | Some(Value::Null) => "default".to_owned(),
                Some(_) => return Err(invalid("authorization_server", "must be a string")),
            };
            out.issuer = if server.is_empty() { root } else { format!("{root}/oauth2/{server}") };
        }
        "adobe_ims" => {
            let host = fields.optional("host")?.unwrap_or_else(|| ADOBE_HOST.to_owned());
            let root = base(Some(host))?;
            // As Adobe's own metadata (at /ims/.well-known/openid-configuration,
            // not where OpenID Connect Discovery §4 looks) names them.
            out.endpoints = vec![
                ("authorization_endpoint", format!("{root}/ims/authorize/v2")),
                ("token_endpoint", format!("{root}/ims/token/v3")),
                ("jwks_uri", format!("{root}/ims/keys")),
                ("userinfo_endpoint", format!("{root}/ims/userinfo/v2")),
            ];
            out.issuer = root;
        }
        "cloudentity" => {
            let tenant_url = fields.required("tenant_url")?.trim_end_matches('/').to_owned();
            let tenant = fields.required("tenant_id")?;
            let server = fields.optional("server_id")?.unwrap_or_else(|| "default".to_owned());
            let root = fields.optional("base_url")?.map_or(tenant_url, |b| b.trim_end_matches('/').to_owned());
            out.issuer = format!("{root}/{tenant}/{server}");
        }
        "keycloak" => {
            let realm = fields.required("realm")?;
            out.issuer = format!("{}/realms/{realm}", base(None)?);
        }
        "auth0" => {
            let domain = fields.optional("domain")?;
            let root = match fields.optional("base_url")? {
                Some(_) => base(None)?,
                None => base(Some(domain.ok_or_else(|| invalid("domain", "is required (e.g. acme.us.auth0.com)"))?))?,
            };
            // Auth0 writes its issuer with a trailing slash.
            out.issuer = format!("{root}/");
            if let Some(audience) = fields.optional("audience")? {
                out.extra_authorize_params.push(("audience".to_owned(), audience));
            }
        }
        "entra" => {
            let tenant = fields.required("tenant")?;
            let root = match fields.optional("base_url")? {
                Some(b) => b.trim_end_matches('/').to_owned(),
                None => ENTRA_HOST.to_owned(),
            };
            out.issuer = format!("{root}/{tenant}/v2.0");
            out.issuer_rule = Some(IssuerRule::Entra { base: root, tenant });
        }
        _ => {
            // For a provider without discovery the endpoints may sit here as
            // well as at the top level of config.json.
            out.issuer = fields.required("issuer")?;
            for field in config::ENDPOINT_FIELDS {
                if let Some(url) = fields.optional(field)? {
                    out.endpoints.push((field, url));
                }
            }
        }
    }
    Ok(out)
}

struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn optional(&self, field: &str) -> Result<Option<String>, AppError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Err(invalid(field, "must not be empty")),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(invalid(field, "must be a string")),
        }
    }

    fn required(&self, field: &str) -> Result<String, AppError> {
        self.optional(field)?.ok_or_else(|| invalid(field, "is required"))
    }
}

fn invalid(field: &str, problem: &str) -> AppError {
    AppError::ConfigInvalid { field: format!("provider.{field}"), problem: problem.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn preset(v: Value) -> Result<PresetSettings, AppError> {
        parse(v.as_object().unwrap())
    }

    fn issuer(v: Value) -> String {
        preset(v).unwrap().issuer
    }

    fn field_of(v: Value) -> String {
        match preset(v).unwrap_err() {
            AppError::ConfigInvalid { field, .. } => field,
            e => panic!("{e:?}"),
        }
    }

    const GUID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

    #[test]
    fn pingone() {
        assert_eq!(issuer(json!({"name": "pingone", "region": "eu", "environment_id": "abc"})), "https://auth.pingone.eu/abc/as");
        assert_eq!(issuer(json!({"name": "pingone", "environment_id": "abc"})), "https://auth.pingone.com/abc/as");
        assert_eq!(issuer(json!({"name": "pingone", "region": "com.au", "environment_id": "abc"})), "https://auth.pingone.com.au/abc/as");
        assert_eq!(issuer(json!({"name": "pingone", "environment_id": "e", "base_url": "http://127.0.0.1:9421/"})), "http://127.0.0.1:9421/e/as");
        assert_eq!(field_of(json!({"name": "pingone", "region": "us", "environment_id": "abc"})), "provider.region");
        assert_eq!(field_of(json!({"name": "pingone"})), "provider.environment_id");
        assert_eq!(field_of(json!({"name": "pingone", "environment_idd": "x"})), "provider.environment_idd");
        let typo = preset(json!({"name": "pingone", "environment_id": "e", "regoin": "eu"})).unwrap_err();
        assert!(typo.to_string().contains("did you mean `region`?"), "{typo}");
    }

    #[test]
    fn okta() {
        assert_eq!(issuer(json!({"name": "okta", "domain": "dev-1.okta.com"})), "https://dev-1.okta.com/oauth2/default");
        assert_eq!(issuer(json!({"name": "okta", "domain": "dev-1.okta.com", "authorization_server": "aus1"})), "https://dev-1.okta.com/oauth2/aus1");
        assert_eq!(issuer(json!({"name": "okta", "domain": "dev-1.okta.com", "authorization_server": ""})), "https://dev-1.okta.com");
        assert_eq!(issuer(json!({"name": "okta", "base_url": "http://127.0.0.1:9422"})), "http://127.0.0.1:9422/oauth2/default");
        assert_eq!(field_of(json!({"name": "okta"})), "provider.domain");
    }

    #[test]
    fn adobe_ims_has_fixed_endpoints() {
        let p = preset(json!({"name": "adobe_ims"})).unwrap();
        assert_eq!(p.issuer, "https://ims-na1.adobelogin.com");
        assert_eq!(p.endpoint("authorization_endpoint"), Some("https://ims-na1.adobelogin.com/ims/authorize/v2"));
        assert_eq!(p.endpoint("token_endpoint"), Some("https://ims-na1.adobelogin.com/ims/token/v3"));
        assert_eq!(p.endpoint("jwks_uri"), Some("https://ims-na1.adobelogin.com/ims/keys"));
        assert_eq!(p.endpoint("userinfo_endpoint"), Some("https://ims-na1.adobelogin.com/ims/userinfo/v2"));
        let local = preset(json!({"name": "adobe_ims", "base_url": "http://127.0.0.1:9425"})).unwrap();
        assert_eq!(local.endpoint("token_endpoint"), Some("http://127.0.0.1:9425/ims/token/v3"));
    }

    #[test]
    fn cloudentity_keycloak_auth0_generic() {
        assert_eq!(
            issuer(json!({"name": "cloudentity", "tenant_url": "https://acme.us.authz.cloudentity.io/", "tenant_id": "acme"})),
            "https://acme.us.authz.cloudentity.io/acme/default"
        );
        assert_eq!(issuer(json!({"name": "keycloak", "base_url": "https://kc.example", "realm": "demo"})), "https://kc.example/realms/demo");
        assert_eq!(field_of(json!({"name": "keycloak", "realm": "demo"})), "provider.base_url");
        let auth0 = preset(json!({"name": "auth0", "domain": "acme.us.auth0.com", "audience": "https://api.example"})).unwrap();
        assert_eq!(auth0.issuer, "https://acme.us.auth0.com/");
        assert_eq!(auth0.extra_authorize_params, vec![("audience".to_owned(), "https://api.example".to_owned())]);
        assert_eq!(issuer(json!({"name": "generic", "issuer": "https://i.example"})), "https://i.example");
        let explicit = preset(json!({"name": "generic", "issuer": "https://i.example", "authorization_endpoint": "https://i.example/a",
            "token_endpoint": "https://i.example/t", "jwks_uri": "https://i.example/k", "end_session_endpoint": "https://i.example/out"}))
        .unwrap();
        assert_eq!(explicit.endpoint("authorization_endpoint"), Some("https://i.example/a"));
        assert_eq!(explicit.endpoint("token_endpoint"), Some("https://i.example/t"));
        assert_eq!(explicit.endpoint("jwks_uri"), Some("https://i.example/k"));
        assert_eq!(explicit.endpoint("end_session_endpoint"), Some("https://i.example/out"));
        assert_eq!(explicit.endpoint("revocation_endpoint"), None);
        assert_eq!(field_of(json!({"name": "gluu"})), "provider.name");
        assert_eq!(field_of(json!({"name": "auth0", "domain": 5})), "provider.domain");
    }

    #[test]
    fn entra_issuer_rules() {
        let common = preset(json!({"name": "entra", "tenant": "common"})).unwrap();
        assert_eq!(common.issuer, "https://login.microsoftonline.com/common/v2.0");
        let rule = common.issuer_rule.unwrap();
        assert!(rule.accepts("https://login.microsoftonline.com/{tenantid}/v2.0"));
        assert!(!rule.accepts(&format!("https://login.microsoftonline.com/{GUID}/v2.0")));

        let consumers = preset(json!({"name": "entra", "tenant": "consumers"})).unwrap().issuer_rule.unwrap();
        assert!(consumers.accepts(&format!("https://login.microsoftonline.com/{CONSUMERS_TENANT_ID}/v2.0")));
        assert!(!consumers.accepts("https://login.microsoftonline.com/3f2504e0-4f89-41d3-9a0c-0305e82c3301/v2.0"));
        let organizations = preset(json!({"name": "entra", "tenant": "organizations"})).unwrap().issuer_rule.unwrap();
        assert!(!organizations.accepts(&format!("https://login.microsoftonline.com/{CONSUMERS_TENANT_ID}/v2.0")));

        let by_guid = preset(json!({"name": "entra", "tenant": GUID})).unwrap().issuer_rule.unwrap();
        assert!(by_guid.accepts(&format!("https://login.microsoftonline.com/{GUID}/v2.0")));
        assert!(!by_guid.accepts("https://login.microsoftonline.com/{tenantid}/v2.0"));

        let by_domain = preset(json!({"name": "entra", "tenant": "contoso.onmicrosoft.com"})).unwrap().issuer_rule.unwrap();
        assert!(by_domain.accepts(&format!("https://login.microsoftonline.com/{GUID}/v2.0")));
        assert!(!by_domain.accepts("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/evil"));
        assert!(!by_domain.accepts(&format!("https://evil.example/{GUID}/v2.0")));
    }

    #[test]
    fn the_token_issuer_fills_the_template_with_tid() {
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        assert_eq!(issuer_for(template, Some(GUID)), Some(format!("https://login.microsoftonline.com/{GUID}/v2.0")));
        assert_eq!(issuer_for(template, None), None);
        assert_eq!(issuer_for(template, Some("not-a-guid")), None);
        assert_eq!(issuer_for("https://i.example", None).as_deref(), Some("https://i.example"));
        assert!(issuer_matches(template, &format!("https://login.microsoftonline.com/{GUID}/v2.0")));
        assert!(!issuer_matches(template, "https://login.microsoftonline.com/evil/v2.0"));
        assert!(issuer_matches("https://i.example", "https://i.example"));
    }
}
