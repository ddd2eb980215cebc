//! JSON Web Signature (RFC 7515) as far as an ID token needs it: splitting
//! the compact form, the header rules, and the algorithms this client accepts.

use serde_json::{Map, Value};

use super::b64;
use super::error::AppError;

/// The signature algorithms accepted for ID tokens. Verification runs in the
/// browser's WebCrypto, so no RSA or EC code is compiled into the app.
/// `none` and the HMAC algorithms are refused: an ID token signed with a
/// shared secret cannot be checked by a public client (OpenID Connect Core
/// §3.1.3.7 item 8 needs the client secret for those), and `none` is not a
/// signature (RFC 8725 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), which every OpenID
    /// provider supports (Core §15.1).
    RS256,
    /// RSASSA-PSS with SHA-256 (RFC 7518 §3.5).
    PS256,
    /// ECDSA P-256 with SHA-256 (RFC 7518 §3.4).
    ES256,
    /// ECDSA P-384 with SHA-384 (RFC 7518 §3.4).
    ES384,
}

impl Alg {
    /// The algorithm a header's `alg` names, or `None` for one refused.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::RS256),
            "PS256" => Some(Self::PS256),
            "ES256" => Some(Self::ES256),
            "ES384" => Some(Self::ES384),
            _ => None,
        }
    }

    /// The `alg` value, as in the header.
    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
        }
    }

    /// The JWK key type and curve this algorithm needs (RFC 7518 §6).
    pub fn key_type(self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::RS256 | Self::PS256 => ("RSA", None),
            Self::ES256 => ("EC", Some("P-256")),
            Self::ES384 => ("EC", Some("P-384")),
        }
    }

    /// The `algorithm` argument of `SubtleCrypto.importKey`.
    pub fn import_params(self) -> Value {
        match self {
            Self::RS256 => serde_json::json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}),
            Self::PS256 => serde_json::json!({"name": "RSA-PSS", "hash": "SHA-256"}),
            Self::ES256 => serde_json::json!({"name": "ECDSA", "namedCurve": "P-256"}),
            Self::ES384 => serde_json::json!({"name": "ECDSA", "namedCurve": "P-384"}),
        }
    }

    /// The `algorithm` argument of `SubtleCrypto.verify` (RFC 7518 §3.3-3.5:
    /// PSS with a salt as long as the hash).
    pub fn verify_params(self) -> Value {
        match self {
            Self::RS256 => serde_json::json!({"name": "RSASSA-PKCS1-v1_5"}),
            Self::PS256 => serde_json::json!({"name": "RSA-PSS", "saltLength": 32}),
            Self::ES256 => serde_json::json!({"name": "ECDSA", "hash": "SHA-256"}),
            Self::ES384 => serde_json::json!({"name": "ECDSA", "hash": "SHA-384"}),
        }
    }

    /// RFC 7518 §3.4: an ECDSA signature is R || S, each as long as the curve.
    fn signature_len(self) -> Option<usize> {
        match self {
            Self::ES256 => Some(64),
            Self::ES384 => Some(96),
            Self::RS256 | Self::PS256 => None,
        }
    }
}

/// Header members that name a key or where to fetch one. A token must not
/// choose the key it is checked with: keys come only from the provider's
/// `jwks_uri` (RFC 8725 §3.10, RFC 7515 §4.1.2-4.1.6).
const KEY_CARRYING_MEMBERS: [&str; 5] = ["jwk", "jku", "x5u", "x5c", "x5t#S256"];

/// A compact JWS split into its parts, header checked. Its claims are not
/// readable from here: [`crate::core::id_token::verify`] is the way to them.
#[derive(Clone)]
pub struct Jws {
    /// The header's `alg`, one of those accepted.
    pub alg: Alg,
    /// The header's `kid`, which selects the key in the provider's set.
    pub kid: Option<String>,
    pub(crate) payload: Map<String, Value>,
    /// `header.payload` as received: what the signature covers (RFC 7515 §5.2).
    pub signing_input: String,
    /// The decoded signature octets.
    pub signature: Vec<u8>,
}

impl std::fmt::Debug for Jws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jws").field("alg", &self.alg).field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// Splits a compact JWS (RFC 7515 §7.1) and checks its header: an accepted
/// `alg`, no member that carries or points to a key, no `crit`, and for ECDSA
/// a signature of the curve's length. The signature itself is checked later.
pub fn parse(token: &str) -> Result<Jws, AppError> {
    let malformed = |problem: &str| AppError::IdTokenMalformed { problem: problem.to_owned() };
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else {
        return Err(malformed("it does not have three dot-separated parts (a JWE or a bare JWT is not accepted)"));
    };
    let header = decode_object(header_b64).ok_or_else(|| malformed("the header is not a base64url JSON object"))?;
    let payload = decode_object(payload_b64).ok_or_else(|| malformed("the payload is not a base64url JSON object"))?;
    let signature = b64::decode(signature_b64).ok_or_else(|| malformed("the signature is not base64url"))?;

    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("(missing)");
    let alg = Alg::parse(alg_name).ok_or_else(|| AppError::IdTokenAlgUnsupported { alg: alg_name.to_owned() })?;
    if let Some(member) = KEY_CARRYING_MEMBERS.iter().find(|m| header.contains_key(**m)) {
        return Err(AppError::IdTokenHeaderRefused { member: (*member).to_owned() });
    }
    // RFC 7515 §4.1.11: an extension this client does not know must be refused.
    if header.contains_key("crit") {
        return Err(AppError::IdTokenHeaderRefused { member: "crit".to_owned() });
    }
    if alg.signature_len().is_some_and(|n| n != signature.len()) {
        return Err(AppError::IdTokenSignatureInvalid);
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(malformed("the header's `kid` is not a string")),
    };
    Ok(Jws { alg, kid, payload, signing_input: format!("{header_b64}.{payload_b64}"), signature })
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    // Through `from_str`, as every JSON the app reads: one instantiation of
    // the parser in the wasm instead of one per input type.
    match serde_json::from_str(&String::from_utf8(b64::decode(part)?).ok()?) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) fn compact(header: &Value, payload: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64::encode(header.to_string().as_bytes()),
        b64::encode(payload.to_string().as_bytes()),
        b64::encode(signature)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(header: Value) -> String {
        compact(&header, &json!({"sub": "a"}), &[1; 64])
    }

    #[test]
    fn accepts_the_four_algorithms() {
        for alg in ["RS256", "PS256", "ES256"] {
            let j = parse(&token(json!({"alg": alg, "kid": "k"}))).unwrap();
            assert_eq!(j.alg.name(), alg);
            assert_eq!(j.kid.as_deref(), Some("k"));
        }
        let j = parse(&compact(&json!({"alg": "ES384"}), &json!({}), &[1; 96])).unwrap();
        assert_eq!((j.alg, j.kid), (Alg::ES384, None));
    }

    #[test]
    fn refuses_none_hmac_and_unknown_algorithms() {
        for alg in [json!("none"), json!("HS256"), json!("HS512"), json!("RS512"), json!("EdDSA"), json!(7)] {
            let e = parse(&token(json!({"alg": alg}))).unwrap_err();
            assert_eq!(e.code(), "id_token_alg_unsupported", "{alg}");
        }
        assert_eq!(parse(&token(json!({"typ": "JWT"}))).unwrap_err().code(), "id_token_alg_unsupported");
    }

    #[test]
    fn refuses_keys_named_by_the_token() {
        for member in ["jwk", "jku", "x5u", "x5c", "crit"] {
            let e = parse(&token(json!({"alg": "RS256", member: "x"}))).unwrap_err();
            assert_eq!(e.code(), "id_token_header_refused", "{member}");
        }
    }

    #[test]
    fn ecdsa_signatures_must_have_the_curve_length() {
        let t = compact(&json!({"alg": "ES256"}), &json!({}), &[1; 70]);
        assert_eq!(parse(&t).unwrap_err().code(), "id_token_signature_invalid");
    }

    #[test]
    fn malformed_tokens() {
        for t in ["a.b", "a.b.c.d.e", "!!.e30.AA", &compact(&json!({"alg": "RS256"}), &json!([1]), &[1])] {
            assert_eq!(parse(t).unwrap_err().code(), "id_token_malformed", "{t}");
        }
        assert_eq!(parse(&token(json!({"alg": "RS256", "kid": 5}))).unwrap_err().code(), "id_token_malformed");
    }

    #[test]
    fn the_signing_input_is_the_first_two_parts() {
        let t = token(json!({"alg": "RS256"}));
        let j = parse(&t).unwrap();
        assert_eq!(j.signing_input, t.rsplit_once('.').unwrap().0);
        assert_eq!(j.signature, vec![1; 64]);
    }
}
