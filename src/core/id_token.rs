//! Reading the ID token's claims (OpenID Connect Core §2).
//!
//! For now this decodes the JWS payload without checking the signature or the
//! claims; signature and claim validation (Core §3.1.3.7) is to be added here,
//! behind the same function, so that [`IdTokenClaims`] stays the only way to
//! the claims and the UI never reads a token itself.

use serde::Deserialize;
use serde_json::Value;

use super::b64;
use super::error::AppError;
use super::token::IdToken;

/// The claims the app shows or checks. Fields are private: a value exists only
/// when [`decode`] produced it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct IdTokenClaims {
    sub: String,
    iss: Option<String>,
    name: Option<String>,
    preferred_username: Option<String>,
    email: Option<String>,
    nonce: Option<String>,
}

impl IdTokenClaims {
    pub fn subject(&self) -> &str {
        &self.sub
    }

    pub fn issuer(&self) -> Option<&str> {
        self.iss.as_deref()
    }

    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The best name to greet the person with: `name`, else
    /// `preferred_username` (Core §5.1).
    pub fn display_name(&self) -> Option<&str> {
        self.name.as_deref().or(self.preferred_username.as_deref())
    }
}

/// Splits a JWS compact serialization (RFC 7515 §7.1) and decodes its
/// payload as a JSON object of claims with a string `sub` (Core §2).
pub fn decode(token: &IdToken) -> Result<IdTokenClaims, AppError> {
    let malformed = |problem: &str| AppError::IdTokenMalformed { problem: problem.to_owned() };
    let parts: Vec<&str> = token.secret().split('.').collect();
    let [header, payload, _signature] = parts[..] else {
        return Err(malformed("it does not have three dot-separated parts"));
    };
    let header = b64::decode(header).ok_or_else(|| malformed("the header is not base64url"))?;
    if !matches!(serde_json::from_slice::<Value>(&header), Ok(Value::Object(_))) {
        return Err(malformed("the header is not a JSON object"));
    }
    let payload = b64::decode(payload).ok_or_else(|| malformed("the payload is not base64url"))?;
    let value: Value = serde_json::from_slice(&payload).map_err(|_| malformed("the payload is not JSON"))?;
    if !value.is_object() {
        return Err(malformed("the payload is not a JSON object"));
    }
    match value.get("sub") {
        Some(Value::String(s)) if !s.is_empty() => {}
        _ => return Err(malformed("the `sub` claim is missing")),
    }
    IdTokenClaims::deserialize(&value).map_err(|e| malformed(&format!("a claim has the wrong type: {e}")))
}

#[cfg(test)]
pub(crate) fn jws(header: &str, payload: &str) -> IdToken {
    IdToken::new(format!("{}.{}.c2ln", b64::encode(header.as_bytes()), b64::encode(payload.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"alg":"RS256","kid":"k1"}"#;

    #[test]
    fn decodes_the_claims() {
        let c = decode(&jws(HEADER, r#"{"sub":"alice","name":"Alice A.","iss":"http://127.0.0.1:9400","nonce":"n","aud":"c"}"#)).unwrap();
        assert_eq!(c.subject(), "alice");
        assert_eq!(c.display_name(), Some("Alice A."));
        assert_eq!(c.issuer(), Some("http://127.0.0.1:9400"));
        assert_eq!(c.nonce(), Some("n"));
    }

    #[test]
    fn preferred_username_stands_in_for_name() {
        let c = decode(&jws(HEADER, r#"{"sub":"u1","preferred_username":"bob"}"#)).unwrap();
        assert_eq!(c.display_name(), Some("bob"));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let bad = [
            IdToken::new("only.two"),
            IdToken::new("a.b.c.d"),
            IdToken::new("!!!.e30.c2ln"),
            jws("not json", r#"{"sub":"a"}"#),
            jws(HEADER, "not json"),
            jws(HEADER, "[1]"),
            jws(HEADER, r#"{"name":"no sub"}"#),
            jws(HEADER, r#"{"sub":""}"#),
            jws(HEADER, r#"{"sub":5}"#),
            jws(HEADER, r#"{"sub":"a","name":7}"#),
        ];
        for t in bad {
            assert_eq!(decode(&t).unwrap_err().code(), "id_token_malformed", "{:?}", t.secret());
        }
    }
}
