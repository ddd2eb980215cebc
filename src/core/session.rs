//! A signed-in session: the tokens, the claims read from the ID token, and
//! the clock arithmetic around them.

use super::error::AppError;
use super::id_token::IdTokenClaims;
use super::token::TokenResponse;

/// What a completed sign-in leaves: kept in the page and, with
/// `token_storage: "session"` only, in this tab's sessionStorage and sent,
/// sealed, to the session's other tabs; never in localStorage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// A random name for this sign-in, shared by the tabs that hold it: the
    /// name of its refresh lock and of its messages between tabs.
    pub id: String,
    /// The latest token response, with the refresh and ID tokens carried
    /// over when a refresh did not replace them.
    pub tokens: TokenResponse,
    /// The validated ID token's claims; `None` without `openid`.
    pub claims: Option<IdTokenClaims>,
    /// The granted scope: the response's, or the requested one when the
    /// response omits it (RFC 6749 §5.1: then it is identical to the request).
    pub scope: String,
    /// When the latest token response arrived, in milliseconds since the
    /// Unix epoch: `expires_in` counts from here.
    pub received_at_ms: u64,
    /// When the last refresh arrived, if any.
    pub refreshed_at_ms: Option<u64>,
    /// How many refreshes led to these tokens: 0 at sign-in, one more with
    /// every refresh. Tabs of one session believe only a newer generation.
    pub generation: u64,
    /// The thumbprint of the DPoP key every refresh proves (RFC 9449 §5),
    /// when the sign-in used one; the access token is bound to it when its
    /// type is `DPoP` ([`TokenResponse::is_dpop_bound`]).
    pub dpop_jkt: Option<String>,
    /// When the refresh token stops being good, where the provider said
    /// ([`TokenResponse::refresh_expires_in`]), in ms since the epoch.
    pub refresh_expires_at_ms: Option<u64>,
    /// Which configuration the session was made under
    /// ([`Deployment::fingerprint`]): a restored session is used only under
    /// the same, so its tokens never go to another provider's endpoints.
    pub deployment: String,
}

/// What a session belongs to: the provider that issued its tokens and the
/// client they were issued to. A session is sent only to this provider's
/// endpoints (the mix-up rule, RFC 9700 §4.4), so one restored under
/// another configuration (another deployment on the origin, or config.json
/// changed) is dropped.
pub struct Deployment<'a> {
    /// The issuer the ID tokens were checked against.
    pub issuer: &'a str,
    /// config.json's `client_id`.
    pub client_id: &'a str,
    /// Where refreshes go.
    pub token_endpoint: &'a str,
}

impl Deployment<'_> {
    /// A short hash of the three (base64url of 16 bytes of SHA-256): kept
    /// with the session, compared when it is restored.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let text = format!("{}\n{}\n{}", self.issuer, self.client_id, self.token_endpoint);
        super::b64::encode(&Sha256::digest(text.as_bytes())[..16])
    }
}

impl Session {
    /// The session of a sign-in's token response; `requested_scope` stands
    /// in for a `scope` the response omits (RFC 6749 §5.1).
    pub fn new(id: String, tokens: TokenResponse, claims: Option<IdTokenClaims>, requested_scope: &str, received_at_ms: u64) -> Self {
        let scope = tokens.scope.clone().unwrap_or_else(|| requested_scope.to_owned());
        let refresh_expires_at_ms = refresh_expiry(&tokens, received_at_ms);
        Self {
            id,
            tokens,
            claims,
            scope,
            received_at_ms,
            refreshed_at_ms: None,
            generation: 0,
            dpop_jkt: None,
            refresh_expires_at_ms,
            deployment: String::new(),
        }
    }

    /// The session of a sign-in whose tokens were asked for with this DPoP key.
    pub fn with_dpop_key(self, jkt: Option<String>) -> Self {
        Self { dpop_jkt: jkt, ..self }
    }

    /// The session, made under `deployment`.
    pub fn made_under(self, deployment: &Deployment<'_>) -> Self {
        Self { deployment: deployment.fingerprint(), ..self }
    }

    /// Whether a restored session may be used under `deployment`.
    pub fn belongs_to(&self, deployment: &Deployment<'_>) -> bool {
        self.deployment == deployment.fingerprint()
    }

    /// The session after a refresh (RFC 6749 §6). A new refresh token
    /// replaces the old one at once (rotation); without one, the old stays,
    /// with its expiry. A new ID token must continue the first
    /// (OpenID Connect Core §12.2: [`IdTokenClaims::continues`]), or the
    /// session is not continued. Once the tokens are bound to a DPoP key,
    /// a `Bearer` answer is refused (RFC 9449 §5: the binding may not be
    /// dropped on the way).
    pub fn refreshed(&self, mut tokens: TokenResponse, claims: Option<IdTokenClaims>, now_ms: u64) -> Result<Self, AppError> {
        if let (Some(first), Some(new)) = (&self.claims, &claims) {
            new.continues(first).map_err(|claim| AppError::RefreshIdTokenMismatch { claim })?;
        }
        if self.tokens.is_dpop_bound() && !tokens.is_dpop_bound() {
            return Err(AppError::DpopBindingDropped);
        }
        let refresh_expires_at_ms = match tokens.refresh_token {
            Some(_) => refresh_expiry(&tokens, now_ms),
            None => self.refresh_expires_at_ms,
        };
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = self.tokens.refresh_token.clone();
        }
        if tokens.id_token.is_none() {
            tokens.id_token = self.tokens.id_token.clone();
        }
        let scope = tokens.scope.clone().unwrap_or_else(|| self.scope.clone());
        Ok(Self {
            id: self.id.clone(),
            tokens,
            claims: claims.or_else(|| self.claims.clone()),
            scope,
            received_at_ms: now_ms,
            refreshed_at_ms: Some(now_ms),
            generation: self.generation + 1,
            dpop_jkt: self.dpop_jkt.clone(),
            refresh_expires_at_ms,
            deployment: self.deployment.clone(),
        })
    }

    /// Whether the access token has expired at `now_ms` (never, without a
    /// stated lifetime).
    pub fn access_token_expired(&self, now_ms: u64) -> bool {
        self.access_token_expires_at_ms().is_some_and(|at| now_ms >= at)
    }

    /// Whether `other` is about the same person from the same issuer (both
    /// without an ID token counts as the same).
    pub fn same_person(&self, other: &Session) -> bool {
        match (&self.claims, &other.claims) {
            (Some(a), Some(b)) => a.issuer() == b.issuer() && a.subject() == b.subject(),
            (None, None) => true,
            _ => false,
        }
    }

    /// What the signed-in view says about sender-constraining (RFC 9449).
    pub fn describe_binding(&self) -> String {
        match (&self.dpop_jkt, self.tokens.is_dpop_bound()) {
            (Some(jkt), true) => format!("this page's DPoP key, thumbprint {jkt}"),
            (Some(_), false) => "nothing: the provider answered the proof with bearer tokens".to_owned(),
            (None, _) => "nothing: bearer tokens (no DPoP)".to_owned(),
        }
    }

    /// When the access token expires, in ms since the epoch: `expires_in`
    /// counts from when the response arrived (RFC 6749 §5.1).
    pub fn access_token_expires_at_ms(&self) -> Option<u64> {
        self.tokens.expires_in.map(|s| self.received_at_ms.saturating_add(s.saturating_mul(1000)))
    }
}

fn refresh_expiry(tokens: &TokenResponse, received_at_ms: u64) -> Option<u64> {
    tokens.refresh_expires_in.map(|s| received_at_ms.saturating_add(s.saturating_mul(1000)))
}

/// What one tab tells the other tabs of the same session. Only ever sent
/// sealed with the session's key (see `session_engine`): a message that
/// does not open with it is not from a tab of this session.
/// Its JSON is `{"<kind in snake_case>": {fields}}` ([`Self::to_json`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionMessage {
    /// A refresh rotated the tokens: use these, never the old refresh token.
    Refreshed {
        /// The session after the refresh, its `generation` one higher.
        session: Box<Session>,
    },
    /// The person signed out in one tab: every tab forgets the session.
    SignedOut {
        /// [`Session::id`].
        session_id: String,
    },
    /// The provider ended the session (a refused refresh).
    Ended {
        /// [`Session::id`].
        session_id: String,
    },
    /// A tab found under the lock that the session moved past its
    /// `generation` and asks for the newer tokens.
    Sync {
        /// [`Session::id`].
        session_id: String,
        /// The asking tab's generation: a tab with a newer one answers.
        generation: u64,
    },
}

impl SessionMessage {
    /// The session the message is about: a tab ignores other sessions'.
    pub fn session_id(&self) -> &str {
        match self {
            Self::Refreshed { session } => &session.id,
            Self::SignedOut { session_id } | Self::Ended { session_id } | Self::Sync { session_id, .. } => session_id,
        }
    }
}

/// "in 59 min", "in 30 s", "expired", or "not stated by the provider".
pub fn describe_expiry(expires_at_ms: Option<u64>, now_ms: u64) -> String {
    let Some(at) = expires_at_ms else {
        return "not stated by the provider".to_owned();
    };
    let left_s = at.saturating_sub(now_ms) / 1000;
    match left_s {
        0 => "expired".to_owned(),
        1..=119 => format!("in {left_s} s"),
        120..=7199 => format!("in {} min", left_s / 60),
        _ => format!("in {} h {} min", left_s / 3600, (left_s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::parse_response;

    fn tokens(extra: &str) -> TokenResponse {
        parse_response(200, &format!(r#"{{"access_token":"a","token_type":"Bearer"{extra}}}"#), crate::core::dpop::Sent::NoProof).unwrap()
    }

    #[test]
    fn expiry_counts_from_when_the_response_arrived() {
        let s = Session::new("s".into(), tokens(r#","expires_in":3600"#), None, "openid", 1_000);
        assert_eq!(s.access_token_expires_at_ms(), Some(3_601_000));
        assert_eq!(Session::new("s".into(), tokens(""), None, "openid", 1_000).access_token_expires_at_ms(), None);
        let huge = Session::new("s".into(), tokens(r#","expires_in":18446744073709551615"#), None, "x", 5);
        assert_eq!(huge.access_token_expires_at_ms(), Some(u64::MAX));
    }

    #[test]
    fn the_granted_scope_defaults_to_the_requested_one() {
        assert_eq!(Session::new("s".into(), tokens(""), None, "openid profile", 0).scope, "openid profile");
        assert_eq!(Session::new("s".into(), tokens(r#","scope":"openid""#), None, "openid profile", 0).scope, "openid");
    }

    #[test]
    fn a_refresh_rotates_and_keeps_what_is_not_replaced() {
        let first = Session::new("s".into(), tokens(r#","refresh_token":"rt1","id_token":"id1","scope":"openid offline_access""#), None, "x", 1);
        let next = first.refreshed(tokens(r#","refresh_token":"rt2""#), None, 50).unwrap();
        assert_eq!(next.tokens.refresh_token.as_ref().unwrap().secret(), "rt2");
        assert_eq!(next.tokens.id_token.as_ref().unwrap().secret(), "id1");
        assert_eq!(next.scope, "openid offline_access");
        assert_eq!((next.received_at_ms, next.refreshed_at_ms), (50, Some(50)));
        assert_eq!((first.generation, next.generation), (0, 1));
        let kept = next.refreshed(tokens(""), None, 60).unwrap();
        assert_eq!(kept.tokens.refresh_token.unwrap().secret(), "rt2", "no new refresh token: the last one stays");
    }

    #[test]
    fn a_refreshed_id_token_must_name_the_same_issuer_and_subject() {
        let claims = |iss: &str, sub: &str| Some(IdTokenClaims::for_test(iss, sub));
        let first = Session::new("s".into(), tokens(""), claims("https://i", "alice"), "openid", 0);
        assert!(first.refreshed(tokens(""), claims("https://i", "alice"), 1).is_ok());
        assert_eq!(first.refreshed(tokens(""), claims("https://i", "bob"), 1).unwrap_err().code(), "refresh_id_token_mismatch");
        assert_eq!(first.refreshed(tokens(""), claims("https://j", "alice"), 1).unwrap_err().code(), "refresh_id_token_mismatch");
    }

    /// Core §12.2, one rule each: the claim that differs is named.
    fn mismatch(first: IdTokenClaims, new: IdTokenClaims) -> Option<&'static str> {
        let session = Session::new("s".into(), tokens(""), Some(first), "openid", 0);
        match session.refreshed(tokens(""), Some(new), 1) {
            Ok(_) => None,
            Err(AppError::RefreshIdTokenMismatch { claim }) => Some(claim),
            Err(e) => panic!("{e:?}"),
        }
    }

    fn alice() -> IdTokenClaims {
        IdTokenClaims::for_test("https://i", "alice")
    }

    #[test]
    fn a_refreshed_id_token_must_have_the_same_audience() {
        let first = alice().with_test_claims(&["c", "api"], Some("c"), None, None);
        assert_eq!(mismatch(first.clone(), alice().with_test_claims(&["api", "c"], Some("c"), None, None)), None, "order does not matter");
        assert_eq!(mismatch(first.clone(), alice().with_test_claims(&["c"], Some("c"), None, None)), Some("aud"));
        assert_eq!(mismatch(first, alice().with_test_claims(&["c", "api", "other"], Some("c"), None, None)), Some("aud"));
    }

    #[test]
    fn a_refreshed_id_token_must_have_the_same_azp_or_none_when_the_first_had_none() {
        let with_azp = alice().with_test_claims(&["c"], Some("c"), None, None);
        let without = alice().with_test_claims(&["c"], None, None, None);
        assert_eq!(mismatch(with_azp.clone(), with_azp.clone()), None);
        assert_eq!(mismatch(without.clone(), with_azp.clone()), Some("azp"));
        assert_eq!(mismatch(with_azp.clone(), without), Some("azp"));
        assert_eq!(mismatch(with_azp, alice().with_test_claims(&["c"], Some("d"), None, None)), Some("azp"));
    }

    #[test]
    fn a_refreshed_id_token_keeps_the_original_auth_time() {
        let first = alice().with_test_claims(&["c"], None, Some(1_000), None);
        assert_eq!(mismatch(first.clone(), alice().with_test_claims(&["c"], None, Some(1_000), None)), None);
        assert_eq!(mismatch(first.clone(), alice().with_test_claims(&["c"], None, None, None)), None, "absent: nothing to compare");
        assert_eq!(mismatch(first, alice().with_test_claims(&["c"], None, Some(2_000), None)), Some("auth_time"));
        let none_first = alice().with_test_claims(&["c"], None, None, None);
        assert_eq!(mismatch(none_first, alice().with_test_claims(&["c"], None, Some(2_000), None)), Some("auth_time"));
    }

    #[test]
    fn a_refreshed_id_tokens_nonce_if_any_is_the_originals() {
        let first = alice().with_test_claims(&["c"], None, None, Some("n-1"));
        assert_eq!(mismatch(first.clone(), alice().with_test_claims(&["c"], None, None, None)), None, "Core §12.2: it SHOULD NOT have one");
        assert_eq!(mismatch(first.clone(), alice().with_test_claims(&["c"], None, None, Some("n-1"))), None);
        assert_eq!(mismatch(first, alice().with_test_claims(&["c"], None, None, Some("n-2"))), Some("nonce"));
    }

    #[test]
    fn a_bound_session_refuses_a_bearer_refresh() {
        let dpop = |t: &str| parse_response(200, &format!(r#"{{"access_token":"a","token_type":"{t}"}}"#), crate::core::dpop::Sent::Proof).unwrap();
        let bound = Session::new("s".into(), dpop("DPoP"), None, "openid", 0).with_dpop_key(Some("jkt".into()));
        assert_eq!(bound.refreshed(dpop("Bearer"), None, 1).unwrap_err().code(), "dpop_binding_dropped");
        assert!(bound.refreshed(dpop("DPoP"), None, 1).is_ok());
        let bearer = Session::new("s".into(), dpop("Bearer"), None, "openid", 0).with_dpop_key(Some("jkt".into()));
        assert!(bearer.refreshed(dpop("Bearer"), None, 1).is_ok(), "never bound: nothing to drop");
    }

    #[test]
    fn a_session_belongs_to_the_configuration_it_was_made_under() {
        let here = Deployment { issuer: "https://i", client_id: "c", token_endpoint: "https://i/token" };
        let s = Session::new("s".into(), tokens(""), None, "openid", 0).made_under(&here);
        assert!(s.belongs_to(&here));
        for other in [
            Deployment { issuer: "https://j", ..here },
            Deployment { client_id: "d", ..here },
            Deployment { token_endpoint: "https://i/other", ..here },
        ] {
            assert!(!s.belongs_to(&other));
        }
        assert!(!Session::new("s".into(), tokens(""), None, "openid", 0).belongs_to(&here), "made under nothing");
        assert!(s.refreshed(tokens(""), None, 1).unwrap().belongs_to(&here));
    }

    #[test]
    fn the_refresh_tokens_expiry_counts_from_its_response_and_survives_a_refresh_without_one() {
        let first = Session::new("s".into(), tokens(r#","refresh_token":"r1","refresh_expires_in":1800"#), None, "x", 1_000);
        assert_eq!(first.refresh_expires_at_ms, Some(1_801_000));
        let same_token = first.refreshed(tokens(""), None, 5_000).unwrap();
        assert_eq!(same_token.refresh_expires_at_ms, Some(1_801_000));
        let rotated = first.refreshed(tokens(r#","refresh_token":"r2","refresh_token_expires_in":60"#), None, 5_000).unwrap();
        assert_eq!(rotated.refresh_expires_at_ms, Some(65_000));
        let unstated = first.refreshed(tokens(r#","refresh_token":"r3""#), None, 5_000).unwrap();
        assert_eq!(unstated.refresh_expires_at_ms, None);
    }

    #[test]
    fn a_session_round_trips_through_json_and_keeps_secrets_out_of_debug() {
        let s = Session::new("s".into(), tokens(r#","refresh_token":"RT-SECRET","expires_in":60"#), None, "openid", 7);
        let json = SessionMessage::Refreshed { session: Box::new(s.clone()) }.to_json();
        assert!(json.starts_with(r#"{"refreshed":{"session":"#));
        let back = SessionMessage::from_json(&json).unwrap();
        assert_eq!(back, SessionMessage::Refreshed { session: Box::new(s.clone()) });
        assert_eq!(back.session_id(), "s");
        assert!(!format!("{s:?}").contains("RT-SECRET"));
    }

    #[test]
    fn expiry_is_described_for_people() {
        assert_eq!(describe_expiry(None, 0), "not stated by the provider");
        assert_eq!(describe_expiry(Some(1_000), 5_000), "expired");
        assert_eq!(describe_expiry(Some(31_000), 1_000), "in 30 s");
        assert_eq!(describe_expiry(Some(3_600_000), 0), "in 60 min");
        assert_eq!(describe_expiry(Some(9_000_000), 0), "in 2 h 30 min");
    }
}
