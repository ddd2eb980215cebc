//! A sign-in that has left for the provider and not come back yet. It lives
//! in sessionStorage under a key made from its `state`, so two sign-ins
//! started in one tab never overwrite each other, and it is removed before
//! its code is exchanged, so it is used once.

use serde::{Deserialize, Serialize};

use super::authorize::{Nonce, State};
use super::pkce::CodeVerifier;

/// The prefix of every pending-request key in sessionStorage.
pub const KEY_PREFIX: &str = "pkce-spa.pending.";

pub fn storage_key(state: &State) -> String {
    format!("{KEY_PREFIX}{}", state.as_str())
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    pub code_verifier: CodeVerifier,
    pub nonce: Option<Nonce>,
    /// Sent again, identical, in the token request (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    /// The granted scope when the token response omits it (RFC 6749 §5.1).
    pub scope: String,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_per_state() {
        let a = storage_key(&State::from_random([1; 32]));
        let b = storage_key(&State::from_random([2; 32]));
        assert!(a.starts_with(KEY_PREFIX));
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
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<PendingRequest>(&json).unwrap(), p);
        let secret = CodeVerifier::from_random([3; 32]).into_secret();
        assert!(!format!("{p:?}").contains(&secret));
    }

    #[test]
    fn a_tampered_verifier_is_not_accepted_back() {
        let json = r#"{"code_verifier":"x","nonce":null,"redirect_uri":"r","scope":"s","created_at_ms":1}"#;
        assert!(serde_json::from_str::<PendingRequest>(json).is_err());
    }
}
