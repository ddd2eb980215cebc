//! Who may issue the tokens, in one place: what the discovery document's
//! `issuer` must be (OpenID Connect Discovery §4.3), what an authorization
//! response's `iss` (RFC 9207 §2.4) and an ID token's `iss` (Core §3.1.3.7
//! item 2) must be, and, for Microsoft Entra ID's multi-tenant endpoints,
//! which tenants (`tid`) are accepted.
//!
//! The rule is exact string equality everywhere, with Entra's one exception:
//! the multi-tenant discovery documents name the template
//! `https://login.microsoftonline.com/{tenantid}/v2.0`, and each token names
//! its tenant in `tid` and the template filled with it in `iss`.

use super::error::AppError;

/// The literal placeholder of Entra's multi-tenant issuer.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// The tenant of Microsoft personal accounts (what `consumers` resolves to).
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// What the discovery document's `issuer` must be (OpenID Connect
/// Discovery §4.3), with Microsoft Entra's multi-tenant exception. Built
/// from config.json (`issuer`, or the `provider` preset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerRule {
    /// Identical to this string.
    Exact(String),
    /// Entra: for a tenant GUID, `{base}/{guid}/v2.0`; for a domain,
    /// `{base}/<some GUID>/v2.0`; for `common` and `organizations`, the
    /// template `{base}/{tenantid}/v2.0`; for `consumers`, the personal-account
    /// tenant `{base}/9188040d-…/v2.0`.
    Entra {
        /// The login host, without a trailing `/`: `https://login.microsoftonline.com`
        /// unless the preset's `base_url` says otherwise.
        base: String,
        /// The preset's `tenant`: a GUID, a domain, `common`, `organizations`
        /// or `consumers`.
        tenant: String,
        /// Multi-tenant only: the tenant GUIDs whose tokens are accepted,
        /// lower case; `None`: every tenant of the class.
        allowed_tenants: Option<Vec<String>>,
    },
}

impl IssuerRule {
    /// Whether a discovered issuer is acceptable.
    pub fn accepts(&self, discovered: &str) -> bool {
        match self {
            Self::Exact(issuer) => discovered == issuer,
            Self::Entra { base, tenant, .. } => {
                let Some(middle) = discovered.strip_prefix(&format!("{base}/")).and_then(|r| r.strip_suffix("/v2.0")) else {
                    return false;
                };
                match tenant.as_str() {
                    "common" | "organizations" => middle == TENANT_PLACEHOLDER,
                    // Personal accounts live in one fixed tenant, which the
                    // `consumers` discovery document names. The template
                    // would let any tenant in: refused.
                    "consumers" => middle.eq_ignore_ascii_case(CONSUMERS_TENANT_ID),
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
            Self::Entra { base, tenant, .. } => format!("{base}/<tenant id of {tenant}>/v2.0"),
        }
    }

    /// Which tenants' tokens are accepted.
    pub fn tenants(&self) -> Tenants {
        match self {
            Self::Exact(_) => Tenants::Any,
            Self::Entra { tenant, allowed_tenants, .. } => match tenant.as_str() {
                "common" => Tenants::Common { allowed: allowed_tenants.clone() },
                "organizations" => Tenants::Organizations { allowed: allowed_tenants.clone() },
                "consumers" => Tenants::Consumers,
                // One tenant, named by the discovered issuer itself.
                _ => Tenants::Any,
            },
        }
    }
}

/// Which tenants' tokens are accepted (Microsoft Entra ID's tenant classes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Tenants {
    /// No tenant rule: the issuer alone decides (every provider but Entra's
    /// `common`, `organizations` and `consumers`).
    #[default]
    Any,
    /// `common`: every tenant, personal accounts included, or only `allowed`.
    Common {
        /// `allowed_tenants`, lower case; `None`: every tenant.
        allowed: Option<Vec<String>>,
    },
    /// `organizations`: work and school tenants only, never the personal
    /// account tenant; or only `allowed`.
    Organizations {
        /// `allowed_tenants`, lower case; `None`: every work or school tenant.
        allowed: Option<Vec<String>>,
    },
    /// `consumers`: only the personal-account tenant.
    Consumers,
}

impl Tenants {
    /// Whether a token of tenant `tid` is accepted. Under a tenant rule the
    /// token must name its tenant (Entra's tokens always carry `tid`).
    pub fn check(&self, tid: Option<&str>) -> Result<(), AppError> {
        let refused = |why: &str| AppError::TenantNotAllowed { tid: tid.unwrap_or("(none)").to_owned(), why: why.to_owned() };
        let allowed_by = |allowed: &Option<Vec<String>>, tid: &str| {
            allowed.as_ref().is_none_or(|list| list.iter().any(|t| t.eq_ignore_ascii_case(tid)))
        };
        if *self == Self::Any {
            return Ok(());
        }
        let Some(tid) = tid.filter(|t| is_guid(t)) else {
            return Err(refused("the token names no tenant (`tid`)"));
        };
        let personal = tid.eq_ignore_ascii_case(CONSUMERS_TENANT_ID);
        match self {
            Self::Any => Ok(()),
            Self::Consumers if personal => Ok(()),
            Self::Consumers => Err(refused("the `consumers` tenant takes personal Microsoft accounts only")),
            Self::Organizations { .. } if personal => {
                Err(refused("the `organizations` tenant takes work and school accounts only, not personal Microsoft accounts"))
            }
            Self::Organizations { allowed } | Self::Common { allowed } if !allowed_by(allowed, tid) => {
                Err(refused("it is not in `provider.allowed_tenants`"))
            }
            Self::Organizations { .. } | Self::Common { .. } => Ok(()),
        }
    }
}

/// The provider's issuer as the sign-in uses it: the discovered one (for
/// Entra's multi-tenant endpoints, the `{tenantid}` template), or the
/// configured one without discovery; and which tenants are accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
    value: String,
    tenants: Tenants,
}

impl Issuer {
    /// The issuer `value` (a `{tenantid}` template allowed) with its tenant rule.
    pub fn new(value: impl Into<String>, tenants: Tenants) -> Self {
        Self { value: value.into(), tenants }
    }

    /// An issuer without any tenant rule.
    pub fn exact(value: impl Into<String>) -> Self {
        Self::new(value, Tenants::Any)
    }

    /// The issuer, or Entra's template, as discovered or configured.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Which tenants' tokens are accepted.
    pub fn tenants(&self) -> &Tenants {
        &self.tenants
    }

    /// RFC 9207 §2.4: the `iss` of an authorization response, compared as a
    /// plain string after URL decoding; for the template, any tenant GUID in
    /// its place that the tenant rule accepts.
    pub fn accepts_response_iss(&self, iss: &str) -> bool {
        match self.value.split_once(TENANT_PLACEHOLDER) {
            None => iss == self.value,
            Some((prefix, suffix)) => iss
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix))
                .is_some_and(|tid| is_guid(tid) && self.tenants.check(Some(tid)).is_ok()),
        }
    }

    /// Core §3.1.3.7 item 2, for an ID token claiming `iss` and `tid`: the
    /// tenant must be accepted, then `iss` must be the issuer exactly, or, for
    /// the template, the template with the token's own `tid` put in.
    pub fn check_token(&self, iss: Option<&str>, tid: Option<&str>) -> Result<(), AppError> {
        self.tenants.check(tid)?;
        let expected = if self.value.contains(TENANT_PLACEHOLDER) {
            tid.filter(|t| is_guid(t)).map(|t| self.value.replace(TENANT_PLACEHOLDER, t))
        } else {
            Some(self.value.clone())
        };
        match (expected, iss) {
            (Some(expected), Some(iss)) if expected == iss => Ok(()),
            _ => Err(AppError::IssuerMismatch { expected: self.value.clone(), found: iss.unwrap_or_default().to_owned() }),
        }
    }
}

/// A tenant id: a GUID, `8-4-4-4-12` hexadecimal digits.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://login.microsoftonline.com";
    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const WORK: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const OTHER: &str = "00000000-0000-0000-0000-000000000001";

    fn entra(tenant: &str, allowed: Option<&[&str]>) -> IssuerRule {
        IssuerRule::Entra {
            base: BASE.into(),
            tenant: tenant.into(),
            allowed_tenants: allowed.map(|a| a.iter().map(|s| s.to_string()).collect()),
        }
    }

    fn issuer_of(tid: &str) -> String {
        format!("{BASE}/{tid}/v2.0")
    }

    fn code(r: Result<(), AppError>) -> String {
        r.unwrap_err().code().to_owned()
    }

    #[test]
    fn exact_issuers_are_compared_as_strings() {
        let i = Issuer::exact("https://idp.example");
        assert!(i.accepts_response_iss("https://idp.example"));
        assert!(!i.accepts_response_iss("https://idp.example/"));
        assert!(i.check_token(Some("https://idp.example"), None).is_ok());
        assert_eq!(code(i.check_token(Some("https://idp.example/"), None)), "issuer_mismatch");
        assert_eq!(code(i.check_token(None, None)), "issuer_mismatch");
        assert!(IssuerRule::Exact("https://a".into()).accepts("https://a"));
        assert!(!IssuerRule::Exact("https://a".into()).accepts("https://a/"));
    }

    #[test]
    fn discovery_rules_of_each_entra_tenant() {
        assert!(entra("common", None).accepts(TEMPLATE));
        assert!(!entra("common", None).accepts(&issuer_of(WORK)));
        assert!(entra("organizations", None).accepts(TEMPLATE));
        assert!(entra("consumers", None).accepts(&issuer_of(CONSUMERS_TENANT_ID)));
        assert!(!entra("consumers", None).accepts(TEMPLATE), "the template would let every tenant in");
        assert!(!entra("consumers", None).accepts(&issuer_of(WORK)));
        assert!(entra(WORK, None).accepts(&issuer_of(WORK)));
        assert!(!entra(WORK, None).accepts(TEMPLATE));
        assert!(entra("contoso.onmicrosoft.com", None).accepts(&issuer_of(WORK)));
        assert!(!entra("contoso.onmicrosoft.com", None).accepts("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/evil"));
        assert!(!entra("contoso.onmicrosoft.com", None).accepts(&format!("https://evil.example/{WORK}/v2.0")));
    }

    #[test]
    fn organizations_refuses_the_personal_account_tenant() {
        let i = Issuer::new(TEMPLATE, entra("organizations", None).tenants());
        assert!(i.check_token(Some(&issuer_of(WORK)), Some(WORK)).is_ok());
        let personal = i.check_token(Some(&issuer_of(CONSUMERS_TENANT_ID)), Some(CONSUMERS_TENANT_ID));
        assert_eq!(code(personal), "tenant_not_allowed");
        assert!(!i.accepts_response_iss(&issuer_of(CONSUMERS_TENANT_ID)));
        assert!(i.accepts_response_iss(&issuer_of(WORK)));
    }

    #[test]
    fn consumers_accepts_only_the_personal_account_tenant() {
        let i = Issuer::new(issuer_of(CONSUMERS_TENANT_ID), entra("consumers", None).tenants());
        assert!(i.check_token(Some(&issuer_of(CONSUMERS_TENANT_ID)), Some(CONSUMERS_TENANT_ID)).is_ok());
        assert_eq!(code(i.check_token(Some(&issuer_of(WORK)), Some(WORK))), "tenant_not_allowed");
        assert_eq!(code(i.check_token(Some(&issuer_of(CONSUMERS_TENANT_ID)), None)), "tenant_not_allowed");
        // Even were the template discovered, only the personal tenant would pass.
        let t = Issuer::new(TEMPLATE, Tenants::Consumers);
        assert_eq!(code(t.check_token(Some(&issuer_of(WORK)), Some(WORK))), "tenant_not_allowed");
    }

    #[test]
    fn an_allowed_tenant_list_limits_the_multi_tenant_endpoints() {
        let common = Issuer::new(TEMPLATE, entra("common", Some(&[WORK, CONSUMERS_TENANT_ID])).tenants());
        assert!(common.check_token(Some(&issuer_of(WORK)), Some(WORK)).is_ok());
        assert!(common.check_token(Some(&issuer_of(CONSUMERS_TENANT_ID)), Some(CONSUMERS_TENANT_ID)).is_ok());
        assert_eq!(code(common.check_token(Some(&issuer_of(OTHER)), Some(OTHER))), "tenant_not_allowed");
        assert!(!common.accepts_response_iss(&issuer_of(OTHER)));
        let upper = Issuer::new(TEMPLATE, entra("organizations", Some(&[WORK])).tenants());
        assert!(upper.check_token(Some(&issuer_of(WORK)), Some(&WORK.to_uppercase())).is_err(), "iss must match exactly");
        assert!(Tenants::Organizations { allowed: Some(vec![WORK.into()]) }.check(Some(&WORK.to_uppercase())).is_ok());
        let open = Issuer::new(TEMPLATE, entra("common", None).tenants());
        assert!(open.check_token(Some(&issuer_of(OTHER)), Some(OTHER)).is_ok());
    }

    #[test]
    fn the_template_takes_the_tokens_own_tid() {
        let i = Issuer::new(TEMPLATE, Tenants::Common { allowed: None });
        assert_eq!(code(i.check_token(Some(&issuer_of(WORK)), Some(OTHER))), "issuer_mismatch");
        assert_eq!(code(i.check_token(Some(&issuer_of(WORK)), None)), "tenant_not_allowed");
        assert_eq!(code(i.check_token(Some("https://login.microsoftonline.com/evil/v2.0"), Some("evil"))), "tenant_not_allowed");
        // Without a tenant rule the template still needs a GUID tid.
        let bare = Issuer::exact(TEMPLATE);
        assert_eq!(code(bare.check_token(Some(&issuer_of(WORK)), None)), "issuer_mismatch");
        assert!(bare.check_token(Some(&issuer_of(WORK)), Some(WORK)).is_ok());
        assert!(!bare.accepts_response_iss("https://login.microsoftonline.com/evil/v2.0"));
    }

    #[test]
    fn single_tenant_presets_have_no_tenant_rule() {
        assert_eq!(entra(WORK, None).tenants(), Tenants::Any);
        assert_eq!(entra("contoso.onmicrosoft.com", None).tenants(), Tenants::Any);
        assert_eq!(IssuerRule::Exact("https://a".into()).tenants(), Tenants::Any);
    }
}
