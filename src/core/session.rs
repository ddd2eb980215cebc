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
}

impl Session {
    /// The session of a sign-in's token response; `requested_scope` stands
    /// in for a `scope` the response omits (RFC 6749 §5.1).
    pub fn new(id: String, tokens: TokenResponse, claims: Option<IdTokenClaims>, requested_scope: &str, received_at_ms: u64) -> Self {
        let scope = tokens.scope.clone().unwrap_or_else(|| requested_scope.to_owned());
        Self { id, tokens, claims, scope, received_at_ms, refreshed_at_ms: None, generation: 0, dpop_jkt: None }
    }

    /// The session of a sign-in whose tokens were asked for with this DPoP key.
    pub fn with_dpop_key(self, jkt: Option<String>) -> Self {
        Self { dpop_jkt: jkt, ..self }
    }

    /// The session after a refresh (RFC 6749 §6). A new refresh token
    /// replaces the old one at once (rotation); without one, the old stays.
    /// A new ID token must name the same issuer and subject as the first
    /// (OpenID Connect Core §12.2), or the session is not continued.
    pub fn refreshed(&self, mut tokens: TokenResponse, claims: Option<IdTokenClaims>, now_ms: u64) -> Result<Self, AppError> {
        if let (Some(old), Some(new)) = (&self.claims, &claims) {
            if old.issuer() != new.issuer() || old.subject() != new.subject() {
                return Err(AppError::RefreshIdTokenMismatch);
            }
        }
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
        })
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
