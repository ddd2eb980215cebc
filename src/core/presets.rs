//! Provider presets: the `provider` object of config.json, turned into the
//! issuer (and, for providers without discovery, the endpoints) of each
//! provider's own layout.

use serde_json::{Map, Value};

use super::error::AppError;
use super::endpoints::{Endpoint, Endpoints};
use super::fields::{self, not_a_field};
use super::issuer::{is_guid, IssuerRule, CONSUMERS_TENANT_ID};

/// What a preset produces.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PresetSettings {
    /// The issuer URL in the provider's layout (Entra: with the configured tenant).
    pub issuer: String,
    /// What the discovered issuer must be, when not exactly `issuer` (Entra).
    pub issuer_rule: Option<IssuerRule>,
    /// The endpoints of a provider without discovery.
    pub endpoints: Endpoints,
    /// Authorize parameters the provider needs (Auth0's `audience`).
    pub extra_authorize_params: Vec<(String, String)>,
}

const PINGONE_REGIONS: [&str; 6] = ["com", "eu", "ca", "com.au", "sg", "asia"];
const ENTRA_HOST: &str = "https://login.microsoftonline.com";
const ADOBE_HOST: &str = "ims-na1.adobelogin.com";

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
        "entra" => &["tenant", "allowed_tenants"],
        // Plus every endpoint field: a provider without discovery.
        "generic" => &["issuer"],
        other => {
            return Err(invalid(
                "name",
                &format!("\"{other}\" is not a preset (pingone, okta, adobe_ims, cloudentity, keycloak, auth0, entra, generic)"),
            ))
        }
    };
    let endpoints: &[Endpoint] = if name == "generic" { &Endpoint::ALL } else { &[] };
    let accepted: Vec<&str> = known.iter().copied().chain(endpoints.iter().map(|e| e.name)).chain(["base_url"]).collect();
    if let Some(unknown) = provider.keys().find(|k| k.as_str() != "name" && !accepted.contains(&k.as_str())) {
        return Err(invalid(unknown, &not_a_field(unknown, &accepted, &format!("a field of the {name} preset"))));
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
            out.endpoints = Endpoints {
                authorization_endpoint: Some(format!("{root}/ims/authorize/v2")),
                token_endpoint: Some(format!("{root}/ims/token/v3")),
                jwks_uri: Some(format!("{root}/ims/keys")),
                userinfo_endpoint: Some(format!("{root}/ims/userinfo/v2")),
                ..Endpoints::default()
            };
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
            let allowed_tenants = allowed_tenants(provider.get("allowed_tenants"), &tenant)?;
            out.issuer = format!("{root}/{tenant}/v2.0");
            out.issuer_rule = Some(IssuerRule::Entra { base: root, tenant, allowed_tenants });
        }
        _ => {
            // For a provider without discovery the endpoints may sit here as
            // well as at the top level of config.json.
            out.issuer = fields.required("issuer")?;
            for e in Endpoint::ALL {
                e.set(&mut out.endpoints, fields.optional(e.name)?);
            }
        }
    }
    Ok(out)
}

/// Entra's `allowed_tenants`: a non-empty list of tenant GUIDs, for the
/// multi-tenant endpoints only (`common`, `organizations`); a single tenant
/// is named by `tenant` itself, and `consumers` is one tenant already.
fn allowed_tenants(value: Option<&Value>, tenant: &str) -> Result<Option<Vec<String>>, AppError> {
    let field = "allowed_tenants";
    let list = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid(field, "must be a list of tenant ids, e.g. [\"3f2504e0-4f89-41d3-9a0c-0305e82c3301\"]")),
    };
    if !matches!(tenant, "common" | "organizations") {
        return Err(invalid(field, "applies only to the multi-tenant `tenant` values \"common\" and \"organizations\"; a single tenant is named by `tenant` itself"));
    }
    if list.is_empty() {
        return Err(invalid(field, "must not be empty: leave it out to accept every tenant"));
    }
    let ids = list
        .iter()
        .map(|v| match v.as_str().map(str::trim) {
            Some(id) if is_guid(id) => Ok(id.to_ascii_lowercase()),
            _ => Err(invalid(field, &format!("{v} is not a tenant id (a GUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301)"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if tenant == "organizations" && ids.iter().any(|id| id == CONSUMERS_TENANT_ID) {
        return Err(invalid(field, "lists the personal-account tenant, which `organizations` never accepts: use \"common\""));
    }
    Ok(Some(ids))
}

struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn optional(&self, field: &str) -> Result<Option<String>, AppError> {
        fields::optional_string(self.0, field).map_err(|problem| invalid(field, problem))
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
        assert_eq!(issuer(json!({"name": "pingone", "region": "sg", "environment_id": "abc"})), "https://auth.pingone.sg/abc/as");
        assert_eq!(issuer(json!({"name": "pingone", "region": "asia", "environment_id": "abc"})), "https://auth.pingone.asia/abc/as");
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
        assert_eq!(p.endpoints.authorization_endpoint.as_deref(), Some("https://ims-na1.adobelogin.com/ims/authorize/v2"));
        assert_eq!(p.endpoints.token_endpoint.as_deref(), Some("https://ims-na1.adobelogin.com/ims/token/v3"));
        assert_eq!(p.endpoints.jwks_uri.as_deref(), Some("https://ims-na1.adobelogin.com/ims/keys"));
        assert_eq!(p.endpoints.userinfo_endpoint.as_deref(), Some("https://ims-na1.adobelogin.com/ims/userinfo/v2"));
        let local = preset(json!({"name": "adobe_ims", "base_url": "http://127.0.0.1:9425"})).unwrap();
        assert_eq!(local.endpoints.token_endpoint.as_deref(), Some("http://127.0.0.1:9425/ims/token/v3"));
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
        assert_eq!(explicit.endpoints.authorization_endpoint.as_deref(), Some("https://i.example/a"));
        assert_eq!(explicit.endpoints.token_endpoint.as_deref(), Some("https://i.example/t"));
        assert_eq!(explicit.endpoints.jwks_uri.as_deref(), Some("https://i.example/k"));
        assert_eq!(explicit.endpoints.end_session_endpoint.as_deref(), Some("https://i.example/out"));
        assert_eq!(explicit.endpoints.revocation_endpoint.as_deref(), None);
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
        let by_guid = preset(json!({"name": "entra", "tenant": GUID})).unwrap().issuer_rule.unwrap();
        assert!(by_guid.accepts(&format!("https://login.microsoftonline.com/{GUID}/v2.0")));
        let local = preset(json!({"name": "entra", "tenant": "organizations", "base_url": "http://127.0.0.1:9427/"})).unwrap();
        assert_eq!(local.issuer, "http://127.0.0.1:9427/organizations/v2.0");
    }

    #[test]
    fn entra_allowed_tenants() {
        const WORK: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
        let rule = |v: Value| preset(v).unwrap().issuer_rule.unwrap();
        let common = rule(json!({"name": "entra", "tenant": "common", "allowed_tenants": [WORK.to_uppercase(), CONSUMERS_TENANT_ID]}));
        assert_eq!(
            common,
            IssuerRule::Entra {
                base: ENTRA_HOST.into(),
                tenant: "common".into(),
                allowed_tenants: Some(vec![WORK.into(), CONSUMERS_TENANT_ID.into()])
            }
        );
        assert!(matches!(rule(json!({"name": "entra", "tenant": "organizations"})), IssuerRule::Entra { allowed_tenants: None, .. }));
        for bad in [
            json!({"name": "entra", "tenant": "organizations", "allowed_tenants": [CONSUMERS_TENANT_ID]}),
            json!({"name": "entra", "tenant": "consumers", "allowed_tenants": [CONSUMERS_TENANT_ID]}),
            json!({"name": "entra", "tenant": GUID, "allowed_tenants": [GUID]}),
            json!({"name": "entra", "tenant": "common", "allowed_tenants": []}),
            json!({"name": "entra", "tenant": "common", "allowed_tenants": ["contoso.com"]}),
            json!({"name": "entra", "tenant": "common", "allowed_tenants": WORK}),
        ] {
            assert_eq!(field_of(bad.clone()), "provider.allowed_tenants", "{bad}");
        }
        assert_eq!(field_of(json!({"name": "okta", "domain": "d", "allowed_tenants": [WORK]})), "provider.allowed_tenants");
    }
}
