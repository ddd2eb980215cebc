//! A sign-in that has left for the provider and not come back yet. It lives
//! in sessionStorage under a key made from its `state` (`names::Names::pending`), so two sign-ins
//! started in one tab never overwrite each other, and it is removed before
//! its code is exchanged, so it is used once.

use serde_json::Value;

use super::authorize::Nonce;
use super::json::{optional_string, string, u64_field, Object};
use super::names::Names;
use super::pkce::CodeVerifier;

/// A sign-in not completed within ten minutes is abandoned: the provider's
/// codes live far shorter, and an old verifier should not linger.
pub const MAX_AGE_MS: u64 = 10 * 60 * 1000;
/// How far in the future a creation time may be (a clock set back).
const CLOCK_LEEWAY_MS: u64 = 60 * 1000;

/// Whether something created at `created_at_ms` is past [`MAX_AGE_MS`], or
/// claims a creation time too far in the future to trust.
pub fn is_expired(created_at_ms: u64, now_ms: u64) -> bool {
    now_ms.saturating_sub(created_at_ms) > MAX_AGE_MS || created_at_ms > now_ms.saturating_add(CLOCK_LEEWAY_MS)
}

/// Whether a sessionStorage entry of this deployment (`names`) should be
/// swept: a pending request or handled mark past its lifetime, or one that
/// no longer parses. Keys of others, other deployments' among them, are
/// never touched.
pub fn is_stale(names: &Names, key: &str, value: &str, now_ms: u64) -> bool {
    let created = if key.starts_with(&names.pending_prefix()) {
        PendingRequest::from_json(value).map(|p| p.created_at_ms)
    } else if key == names.discovery() {
        KeptDiscovery::from_text(value).map(|d| d.fetched_at_ms)
    } else if key.starts_with(&names.handled_prefix()) || key.starts_with(&names.logout_prefix()) {
        value.parse::<u64>().ok()
    } else {
        return false;
    };
    created.is_none_or(|at| is_expired(at, now_ms))
}

/// The discovery document as this tab read it, kept so that `/callback`
/// does not read it again seconds later: one round trip less between the
/// provider's redirect and the token request. It is read again by
/// `discovery::parse_metadata`, with every check, and used only for the
/// same URL and within a pending sign-in's lifetime ([`MAX_AGE_MS`]).
#[derive(Debug, PartialEq, Eq)]
pub struct KeptDiscovery {
    /// The discovery document's URL.
    pub url: String,
    /// When it was fetched, in milliseconds since the Unix epoch.
    pub fetched_at_ms: u64,
    /// The response body, unparsed.
    pub body: String,
}

impl KeptDiscovery {
    /// As stored: `<fetched_at_ms> <url>` and the body on the next line
    /// (plain text, so no serde code is added to the wasm for it).
    pub fn to_text(&self) -> String {
        format!("{} {}\n{}", self.fetched_at_ms, self.url, self.body)
    }

    /// Reads [`KeptDiscovery::to_text`]'s form back; `None` for anything else.
    pub fn from_text(text: &str) -> Option<Self> {
        let (head, body) = text.split_once('\n')?;
        let (at, url) = head.split_once(' ')?;
        Some(Self { url: url.to_owned(), fetched_at_ms: at.parse().ok()?, body: body.to_owned() })
    }

    /// The kept body, when it is of `url` and young enough.
    pub fn body_for(&self, url: &str, now_ms: u64) -> Option<&str> {
        (self.url == url && !is_expired(self.fetched_at_ms, now_ms)).then_some(self.body.as_str())
    }
}

/// What the callback needs from the sign-in that sent the request: kept
/// under `Names::pending` until the response comes back.
#[derive(Debug, PartialEq, Eq)]
pub struct PendingRequest {
    /// The PKCE verifier, sent only in the token request (RFC 7636 §4.5).
    pub code_verifier: CodeVerifier,
    /// The nonce sent, which the ID token must carry (Core §3.1.3.7 item 11).
    pub nonce: Option<Nonce>,
    /// Sent again, identical, in the token request (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    /// The granted scope when the token response omits it (RFC 6749 §5.1).
    pub scope: String,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// The thumbprint of the DPoP key the code is bound to (RFC 9449 §10).
    pub dpop_jkt: Option<String>,
    /// The page to show after the callback, accepted by
    /// [`return_to::accept`](super::return_to::accept) when the sign-in started.
    pub return_to: Option<String>,
}

impl PendingRequest {
    /// The entry kept in sessionStorage, field by field (like
    /// [`super::session_json`], with [`super::json`]: no serde derive in the wasm).
    pub fn to_json(&self) -> String {
        Value::from(
            Object::default()
                .with("code_verifier", self.code_verifier.to_stored())
                .put("nonce", self.nonce.as_ref().map(Nonce::as_str))
                .with("redirect_uri", self.redirect_uri.as_str())
                .with("scope", self.scope.as_str())
                .with("created_at_ms", self.created_at_ms)
                .put("dpop_jkt", self.dpop_jkt.as_deref())
                .put("return_to", self.return_to.as_deref()),
        )
        .to_string()
    }

    /// An entry written by [`Self::to_json`]; `None` when it is not one, or
    /// when its verifier does not have the RFC 7636 §4.1 shape (edited).
    pub fn from_json(text: &str) -> Option<Self> {
        let v: Value = serde_json::from_str(text).ok()?;
        Some(Self {
            code_verifier: CodeVerifier::parse(string(&v, "code_verifier")?)?,
            nonce: optional_string(&v, "nonce")?.map(Nonce::from_stored),
            redirect_uri: string(&v, "redirect_uri")?,
            scope: string(&v, "scope")?,
            created_at_ms: u64_field(&v, "created_at_ms")?,
            dpop_jkt: optional_string(&v, "dpop_jkt")?,
            return_to: optional_string(&v, "return_to")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::authorize::State;

    #[test]
    fn keys_differ_per_state() {
        let names = Names::for_base("/");
        let a = names.pending(&State::from_random([1; 32]));
        let b = names.pending(&State::from_random([2; 32]));
        assert!(a.starts_with(&names.pending_prefix()));
        assert_ne!(a, b);
    }

    #[test]
    fn round_trips_through_json_and_debug_hides_the_verifier() {
        let p = PendingRequest {
            code_verifier: CodeVerifier::from_random([3; 32]),
            nonce: Some(Nonce::from_random([4; 32])),
            redirect_uri: "http://127.0.0.1:8080/callback".into(),
            scope: "openid".into(),
            created_at_ms: 1_700_000_000_000,
            return_to: Some("/notes/1?x=y".into()),
            dpop_jkt: Some("jkt".into()),
        };
        assert_eq!(PendingRequest::from_json(&p.to_json()).as_ref(), Some(&p));
        let old = PendingRequest::from_json(r#"{"code_verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","nonce":null,"redirect_uri":"r","scope":"s","created_at_ms":1}"#).unwrap();
        assert_eq!((old.nonce.is_none(), old.dpop_jkt, old.return_to), (true, None, None), "the derive's format, older fields absent");
        let secret = CodeVerifier::from_random([3; 32]).into_secret();
        assert!(!format!("{p:?}").contains(&secret));
    }

    #[test]
    fn pending_requests_expire_after_ten_minutes() {
        let t = 1_700_000_000_000;
        assert!(!is_expired(t, t));
        assert!(!is_expired(t, t + MAX_AGE_MS));
        assert!(is_expired(t, t + MAX_AGE_MS + 1));
        assert!(!is_expired(t + 30_000, t), "a little clock skew is fine");
        assert!(is_expired(t + 3_600_000, t), "created an hour in the future");
    }

    #[test]
    fn sweeping_keeps_fresh_entries_and_others_keys() {
        let now = 1_700_000_000_000u64;
        let pending = |at: u64| {
            PendingRequest {
                code_verifier: CodeVerifier::from_random([1; 32]),
                nonce: None,
                redirect_uri: "r".into(),
                scope: "s".into(),
                created_at_ms: at,
                dpop_jkt: None,
                return_to: None,
            }
            .to_json()
        };
        let names = Names::for_base("/");
        let is_stale = |key: &str, value: &str| is_stale(&names, key, value, now);
        let key = |prefix: String| format!("{prefix}a");
        assert!(!is_stale(&key(names.pending_prefix()), &pending(now - 1000)));
        assert!(is_stale(&key(names.pending_prefix()), &pending(now - MAX_AGE_MS - 1)));
        assert!(is_stale(&key(names.pending_prefix()), "garbage"));
        assert!(!is_stale(&key(names.handled_prefix()), &(now - 5).to_string()));
        assert!(is_stale(&key(names.handled_prefix()), &(now - MAX_AGE_MS - 1).to_string()));
        assert!(!is_stale("someone-else", "garbage"));
        assert!(!is_stale(&names.session(), "anything"), "the session is not swept");
        assert!(is_stale(&key(names.logout_prefix()), &(now - MAX_AGE_MS - 1).to_string()));
    }

    #[test]
    fn a_sweep_never_touches_another_deployments_entries() {
        let now = 1_700_000_000_000u64;
        let (root, pr) = (Names::for_base("/"), Names::for_base("/pr/42/"));
        let old = (now - MAX_AGE_MS - 1).to_string();
        for key in [format!("{}a", pr.pending_prefix()), format!("{}a", pr.handled_prefix()), format!("{}a", pr.logout_prefix()), pr.discovery()] {
            assert!(is_stale(&pr, &key, "garbage", now), "{key} is /pr/42/'s to sweep");
            assert!(!is_stale(&root, &key, "garbage", now), "{key} is not the root's");
            assert!(!is_stale(&root, &key, &old, now), "{key} is not the root's");
        }
        assert!(!is_stale(&root, "pkce-spa.pending.a", "garbage", now), "nor an older version's unscoped key");
    }

    #[test]
    fn a_kept_discovery_document_serves_its_url_within_the_lifetime_only() {
        let t = 1_700_000_000_000;
        let kept = KeptDiscovery { url: "https://i.example/.well-known/openid-configuration".into(), fetched_at_ms: t, body: "{}".into() };
        assert_eq!(kept.body_for(&kept.url, t + 5_000), Some("{}"));
        assert_eq!(kept.body_for("https://other.example/.well-known/openid-configuration", t), None);
        assert_eq!(kept.body_for(&kept.url, t + MAX_AGE_MS + 1), None);
        let text = kept.to_text();
        assert_eq!(KeptDiscovery::from_text(&text), Some(kept));
        assert_eq!(KeptDiscovery::from_text("garbage"), None);
        let names = Names::for_base("/app/");
        assert!(!is_stale(&names, &names.discovery(), &text, t + 1_000));
        assert!(is_stale(&names, &names.discovery(), &text, t + MAX_AGE_MS + 1));
    }

    #[test]
    fn a_tampered_verifier_is_not_accepted_back() {
        let json = r#"{"code_verifier":"x","nonce":null,"redirect_uri":"r","scope":"s","created_at_ms":1}"#;
        assert!(PendingRequest::from_json(json).is_none());
    }
}
