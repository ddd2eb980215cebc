//! Proof Key for Code Exchange (RFC 7636), S256 only.

use sha2::{Digest, Sha256};

use super::b64;

/// The method this client sends; `plain` is never used (RFC 7636 §4.2,
/// RFC 9700 §2.1.1).
pub const METHOD: &str = "S256";

/// The `code_verifier`: a secret that proves the token request comes from
/// whoever made the authorization request. It cannot be cloned, and the token
/// request takes it by value, so one verifier serves one exchange.
#[derive(PartialEq, Eq)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// RFC 7636 §4.1: 32 octets from a CSPRNG, base64url-encoded without
    /// padding, give a 43-character verifier with 256 bits of entropy.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(b64::encode(&bytes))
    }

    /// Accepts a stored verifier only if it has the RFC 7636 §4.1 shape:
    /// 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    pub fn parse(value: String) -> Option<Self> {
        let unreserved = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
        ((43..=128).contains(&value.len()) && value.chars().all(unreserved)).then_some(Self(value))
    }

    /// RFC 7636 §4.2: `code_challenge = BASE64URL(SHA256(ASCII(code_verifier)))`.
    pub fn challenge(&self) -> CodeChallenge {
        CodeChallenge(b64::encode(&Sha256::digest(self.0.as_bytes())))
    }

    /// Gives up the verifier to the one request that sends it.
    pub fn into_secret(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

impl CodeVerifier {
    /// The value the pending sign-in keeps in sessionStorage between the
    /// redirect out and the callback ([`crate::core::pending`]): the one
    /// place it is written. It is read back with [`Self::parse`].
    pub(crate) fn to_stored(&self) -> &str {
        &self.0
    }
}

/// The public half of the pair, sent in the authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// The value sent as `code_challenge`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()).unwrap();
        assert_eq!(v.challenge().as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn rfc7636_appendix_b_octets_give_its_verifier() {
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
            105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let v = CodeVerifier::from_random(octets);
        assert_eq!(v.into_secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }

    #[test]
    fn a_random_verifier_has_43_unreserved_characters() {
        for fill in [0u8, 0xff, 0x3e] {
            let s = CodeVerifier::from_random([fill; 32]).into_secret();
            assert_eq!(s.len(), 43);
            assert!(CodeVerifier::parse(s).is_some());
        }
    }

    #[test]
    fn parse_enforces_length_and_charset() {
        assert!(CodeVerifier::parse("a".repeat(42)).is_none());
        assert!(CodeVerifier::parse("a".repeat(43)).is_some());
        assert!(CodeVerifier::parse("a".repeat(128)).is_some());
        assert!(CodeVerifier::parse("a".repeat(129)).is_none());
        assert!(CodeVerifier::parse(format!("{}+", "a".repeat(42))).is_none());
        assert!(CodeVerifier::parse(format!("{}=", "a".repeat(42))).is_none());
        assert!(CodeVerifier::parse(format!("{}~._-", "a".repeat(40))).is_some());
    }

    #[test]
    fn debug_never_shows_the_verifier() {
        let v = CodeVerifier::from_random([7; 32]);
        let secret = CodeVerifier::from_random([7; 32]).into_secret();
        assert!(!format!("{v:?}").contains(&secret));
        assert!(format!("{v:?}").contains("[redacted]"));
    }

    #[test]
    fn the_stored_value_reads_back_and_is_validated() {
        let v = CodeVerifier::from_random([9; 32]);
        assert_eq!(CodeVerifier::parse(v.to_stored().to_owned()), Some(v));
        assert_eq!(CodeVerifier::parse("short".into()), None);
    }
}
