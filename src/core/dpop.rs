//! DPoP (RFC 9449): tokens bound to a key pair the page holds. The browser
//! layer makes the key (WebCrypto, never extractable) and signs; every
//! decision is here: whether a sign-in uses DPoP, what a proof says, when a
//! server's nonce is worth one retry, and which token types are believed.

use sha2::{Digest, Sha256};

use super::b64;
use super::config::Switch;
use super::error::AppError;

/// The only proof algorithm this client signs with: ECDSA P-256 / SHA-256,
/// which every browser's WebCrypto has (RFC 9449 §4.2 `alg`).
pub const ALG: &str = "ES256";
/// The `typ` of every proof (RFC 9449 §4.2).
pub const PROOF_TYP: &str = "dpop+jwt";
/// The request header that carries a proof (RFC 9449 §4.1).
pub const PROOF_HEADER: &str = "DPoP";
/// The response header that carries a server's nonce (RFC 9449 §8.1).
pub const NONCE_HEADER: &str = "DPoP-Nonce";

/// Whether a sign-in uses DPoP. `offered` is discovery's
/// `dpop_signing_alg_values_supported` (RFC 9449 §5.1), `None` when the
/// document does not list it; `discovered` is false when config.json names
/// the endpoints and no document was read, in which case `true` is believed.
pub fn decide(setting: Switch, discovered: bool, offered: Option<&[String]>) -> Result<bool, AppError> {
    let es256 = offered.is_some_and(|algs| algs.iter().any(|a| a == ALG));
    match setting {
        Switch::Off => Ok(false),
        Switch::Auto => Ok(es256),
        Switch::Required if es256 || !discovered => Ok(true),
        Switch::Required => Err(AppError::DpopUnsupported { offered: offered.map(|a| a.join(", ")) }),
    }
}

/// The public half of a P-256 proof key: the `x` and `y` coordinates,
/// base64url (RFC 7518 §6.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicJwk {
    /// The `x` coordinate, base64url.
    pub x: String,
    /// The `y` coordinate, base64url.
    pub y: String,
}

impl PublicJwk {
    /// The JWK with exactly the required members in lexicographic order, so
    /// the same text is the proof's `jwk` and the thumbprint's input.
    pub fn json(&self) -> String {
        format!(r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#, json_string(&self.x), json_string(&self.y))
    }

    /// The RFC 7638 thumbprint: what `dpop_jkt` (RFC 9449 §10) and the
    /// token's `cnf.jkt` (§6) name.
    pub fn thumbprint(&self) -> String {
        thumbprint(&self.json())
    }
}

/// RFC 7638 §3: base64url of the SHA-256 of the JWK's required members,
/// sorted, without whitespace (the caller gives them in that form).
pub fn thumbprint(canonical_jwk: &str) -> String {
    b64::encode(&Sha256::digest(canonical_jwk.as_bytes()))
}

/// `ath` (RFC 9449 §4.2): base64url of the SHA-256 of the access token.
pub fn ath(access_token: &str) -> String {
    b64::encode(&Sha256::digest(access_token.as_bytes()))
}

/// `htu` (RFC 9449 §4.2): the target URI without query and fragment.
pub fn htu(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// Where a server's nonce (RFC 9449 §8.2) is kept and looked for, in this
/// order: its endpoint (`htu`), then its origin. A provider usually has one
/// nonce for all its endpoints, so UserInfo can use the token endpoint's;
/// an API on the same origin with nonces of its own gets its own slot after
/// its first challenge, so the two never make each other ask again.
pub fn nonce_slots(url: &str) -> [&str; 2] {
    let endpoint = htu(url);
    [endpoint, super::url::origin(endpoint).unwrap_or(endpoint)]
}

/// Whether a DPoP key kept in IndexedDB is to be swept at a start: a key
/// made for a sign-in (`created_at_ms`) that no session took (`settled`:
/// the callback kept it for a `"session"` session) and that is past a
/// pending sign-in's lifetime ([`pending::MAX_AGE_MS`](super::pending::MAX_AGE_MS))
/// belongs to a sign-in abandoned at the provider or whose callback never
/// ran; a record with no creation time is no key of this app. A settled
/// key is never swept: its session may live in any tab.
pub fn kept_key_is_stale(created_at_ms: Option<u64>, settled: bool, now_ms: u64) -> bool {
    !settled && created_at_ms.is_none_or(|at| super::pending::is_expired(at, now_ms))
}

/// What one proof asserts (RFC 9449 §4.2).
#[derive(Clone, Debug)]
pub struct ProofClaims<'a> {
    /// `htm`: the request's HTTP method.
    pub method: &'a str,
    /// The request's URL; the proof's `htu` is it without query and fragment ([`htu`]).
    pub url: &'a str,
    /// `iat`: when the proof is made, in seconds since the Unix epoch (the page's clock).
    pub iat_s: u64,
    /// Random and unique per proof.
    pub jti: String,
    /// The latest nonce this server gave (§8, §9).
    pub nonce: Option<&'a str>,
    /// The access token sent with it, on requests to resources (§7.1).
    pub access_token: Option<&'a str>,
}

/// The JWS signing input of a proof: header and claims, each base64url
/// (RFC 7515 §5.1). The browser signs it with the private key.
pub fn signing_input(jwk: &PublicJwk, claims: &ProofClaims) -> String {
    let header = format!(r#"{{"typ":"{PROOF_TYP}","alg":"{ALG}","jwk":{}}}"#, jwk.json());
    let mut body = format!(
        r#"{{"jti":{},"htm":{},"htu":{},"iat":{}"#,
        json_string(&claims.jti),
        json_string(claims.method),
        json_string(htu(claims.url)),
        claims.iat_s
    );
    if let Some(nonce) = claims.nonce {
        body.push_str(&format!(r#","nonce":{}"#, json_string(nonce)));
    }
    if let Some(token) = claims.access_token {
        body.push_str(&format!(r#","ath":"{}""#, ath(token)));
    }
    body.push('}');
    format!("{}.{}", b64::encode(header.as_bytes()), b64::encode(body.as_bytes()))
}

/// A JSON string literal of `value`, escaped by serde_json.
fn json_string(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The compact proof: the signing input and the 64-byte `r || s` signature
/// (RFC 7518 §3.4), which is what WebCrypto's ECDSA returns.
pub fn proof(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", b64::encode(signature))
}

/// The nonce a server asks the request to be sent again with, if it asks:
/// the token endpoint with the `use_dpop_nonce` error in its body (§8), a
/// resource with a 401 whose `WWW-Authenticate: DPoP` names that error (§9);
/// either way with a new `DPoP-Nonce`. The caller retries once, never more.
pub fn nonce_asked(status: u16, body: &str, www_authenticate: Option<&str>, nonce: Option<&str>) -> Option<String> {
    let nonce = nonce.filter(|n| is_nonce(n))?;
    let error = || serde_json::from_str::<serde_json::Value>(body).ok()?.get("error")?.as_str().map(str::to_owned);
    let from_token_endpoint = (400..500).contains(&status) && error().as_deref() == Some("use_dpop_nonce");
    let from_resource = status == 401 && www_authenticate.is_some_and(asks_for_nonce);
    (from_token_endpoint || from_resource).then(|| nonce.to_owned())
}

/// RFC 9449 §8.1: a nonce is 1*NQCHAR (%x21 / %x23-5B / %x5D-7E). Checked
/// on every nonce the app keeps and on every nonce it reads back from
/// storage, which any page of the origin can write: a value that is not
/// one is never put into a proof.
pub fn is_nonce(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// A `WWW-Authenticate` with the DPoP scheme and `error="use_dpop_nonce"`.
fn asks_for_nonce(header: &str) -> bool {
    header.split(',').any(|part| part.trim_start().len() >= 4 && part.trim_start()[..4].eq_ignore_ascii_case("dpop"))
        && header.contains("use_dpop_nonce")
}

/// Whether the tokens came back bound to the proof key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// `token_type: DPoP`: every use needs a proof (RFC 9449 §5).
    Dpop,
    /// `token_type: Bearer`: not bound; accepted only as [`Sent`] allows.
    Bearer,
}

/// Which token types a token response may have, given the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// No proof went with the request: only `Bearer` (RFC 6749 §7.1).
    NoProof,
    /// A proof went with it and the provider may still answer `Bearer`
    /// (`dpop: "auto"`); the signed-in view says the tokens are not bound.
    Proof,
    /// A proof went with it and `dpop: true`: a `Bearer` answer is refused.
    ProofRequired,
}

impl Sent {
    /// What a request with (or without) a proof accepts under `setting`.
    pub fn of(setting: Switch, proof: bool) -> Self {
        match (proof, setting) {
            (false, _) => Self::NoProof,
            (true, Switch::Required) => Self::ProofRequired,
            (true, _) => Self::Proof,
        }
    }
}

/// RFC 9449 §5: a `DPoP` token type only answers a request with a proof; a
/// client never uses a token type it does not understand (RFC 6749 §7.1).
pub fn binding(token_type: &str, sent: Sent) -> Result<Binding, AppError> {
    let unsupported = || AppError::TokenTypeUnsupported { token_type: token_type.to_owned() };
    if token_type.eq_ignore_ascii_case("dpop") {
        return if sent == Sent::NoProof { Err(unsupported()) } else { Ok(Binding::Dpop) };
    }
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(unsupported());
    }
    if sent == Sent::ProofRequired {
        return Err(AppError::DpopNotHonoured);
    }
    Ok(Binding::Bearer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk() -> PublicJwk {
        PublicJwk { x: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs".into(), y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA".into() }
    }

    fn claims<'a>() -> ProofClaims<'a> {
        ProofClaims { method: "POST", url: "https://as.example/token?x=1#f", iat_s: 1_700_000_000, jti: "j1".into(), nonce: None, access_token: None }
    }

    fn decode(part: &str) -> serde_json::Value {
        serde_json::from_slice(&b64::decode(part).unwrap()).unwrap()
    }

    #[test]
    fn the_rfc_7638_example_thumbprint() {
        // RFC 7638 §3.1: the RSA key's required members, sorted, no spaces.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let canonical = format!(r#"{{"e":"AQAB","kty":"RSA","n":"{n}"}}"#);
        assert_eq!(thumbprint(&canonical), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[test]
    fn the_jwk_has_the_required_members_in_order() {
        let j = jwk();
        assert_eq!(j.json(), format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, j.x, j.y));
        assert_eq!(j.thumbprint(), thumbprint(&j.json()));
        assert_eq!(j.thumbprint().len(), 43);
    }

    #[test]
    fn a_proof_header_and_claims() {
        let input = signing_input(&jwk(), &claims());
        let (header, body) = input.split_once('.').unwrap();
        let header = decode(header);
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert_eq!(header["jwk"]["x"], jwk().x);
        assert!(header["jwk"].get("d").is_none(), "never the private key");
        let body = decode(body);
        assert_eq!(body["htm"], "POST");
        assert_eq!(body["htu"], "https://as.example/token", "no query, no fragment");
        assert_eq!(body["iat"], 1_700_000_000);
        assert_eq!(body["jti"], "j1");
        assert!(body.get("nonce").is_none() && body.get("ath").is_none());
        let p = proof(&input, &[7; 64]);
        assert_eq!(p.split('.').count(), 3);
        assert_eq!(b64::decode(p.rsplit('.').next().unwrap()).unwrap().len(), 64);
    }

    #[test]
    fn values_are_escaped_as_json() {
        let c = ProofClaims { url: "https://a.example/\"x\"", ..claims() };
        let body = decode(signing_input(&jwk(), &c).split('.').nth(1).unwrap());
        assert_eq!(body["htu"], "https://a.example/\"x\"");
    }

    #[test]
    fn nonce_and_ath_when_given() {
        let c = ProofClaims { method: "GET", url: "https://api.example/hello", nonce: Some("n-1"), access_token: Some("AT"), ..claims() };
        let body = decode(signing_input(&jwk(), &c).split('.').nth(1).unwrap());
        assert_eq!(body["nonce"], "n-1");
        // RFC 9449 §4.2: base64url(SHA-256(ASCII(access token))).
        assert_eq!(body["ath"], ath("AT"));
        assert_eq!(ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    }

    #[test]
    fn nonces_are_kept_per_endpoint_and_per_origin() {
        assert_eq!(nonce_slots("https://as.example/token?x=1"), ["https://as.example/token", "https://as.example"]);
        assert_eq!(nonce_slots("http://127.0.0.1:9411/api/hello"), ["http://127.0.0.1:9411/api/hello", "http://127.0.0.1:9411"]);
    }

    #[test]
    fn htu_drops_query_and_fragment_only() {
        assert_eq!(htu("https://a.example/p/q"), "https://a.example/p/q");
        assert_eq!(htu("https://a.example/p?x=1"), "https://a.example/p");
        assert_eq!(htu("https://a.example/p#frag"), "https://a.example/p");
    }

    #[test]
    fn when_dpop_is_used() {
        let es256 = ["RS256".to_owned(), "ES256".to_owned()];
        let rs256 = ["RS256".to_owned()];
        assert_eq!(decide(Switch::Auto, true, Some(&es256)), Ok(true));
        assert_eq!(decide(Switch::Auto, true, Some(&rs256)), Ok(false));
        assert_eq!(decide(Switch::Auto, true, None), Ok(false));
        assert_eq!(decide(Switch::Off, true, Some(&es256)), Ok(false));
        assert_eq!(decide(Switch::Required, true, Some(&es256)), Ok(true));
        assert_eq!(decide(Switch::Required, false, None), Ok(true), "no document read: config.json is believed");
        assert_eq!(decide(Switch::Required, true, None).unwrap_err().code(), "dpop_unsupported");
        assert_eq!(decide(Switch::Required, true, Some(&rs256)).unwrap_err().code(), "dpop_unsupported");
    }

    #[test]
    fn a_nonce_is_taken_once_asked_for() {
        let asks = r#"{"error":"use_dpop_nonce","error_description":"x"}"#;
        assert_eq!(nonce_asked(400, asks, None, Some("n1")), Some("n1".into()));
        assert_eq!(nonce_asked(401, "", Some(r#"DPoP error="use_dpop_nonce", algs="ES256""#), Some("n2")), Some("n2".into()));
        assert_eq!(nonce_asked(401, "", Some(r#"Bearer realm="x", DPoP error="use_dpop_nonce""#), Some("n2")), Some("n2".into()));
        assert_eq!(nonce_asked(400, r#"{"error":"invalid_grant"}"#, None, Some("n1")), None);
        assert_eq!(nonce_asked(400, asks, None, None), None, "no nonce to retry with");
        assert_eq!(nonce_asked(400, asks, None, Some("bad nonce")), None, "not NQCHAR");
        assert_eq!(nonce_asked(401, "", Some(r#"DPoP error="invalid_token""#), Some("n")), None);
        assert_eq!(nonce_asked(200, "{}", None, Some("n")), None, "a fresh nonce on success is kept, not retried");
    }

    #[test]
    fn only_nqchar_nonces_are_believed() {
        assert!(is_nonce("eyJ7S_zG.3r-!~#[]"));
        for bad in ["", "a b", "a\"b", "a\\b", "caf\u{e9}", "a\nb", "a\u{7f}"] {
            assert!(!is_nonce(bad), "{bad:?}");
        }
    }

    #[test]
    fn only_abandoned_sign_ins_keys_are_swept() {
        let t = 1_700_000_000_000u64;
        let max = crate::core::pending::MAX_AGE_MS;
        assert!(!kept_key_is_stale(Some(t), false, t + 1_000), "a sign-in still in flight");
        assert!(kept_key_is_stale(Some(t), false, t + max + 1), "abandoned, or its callback failed");
        assert!(kept_key_is_stale(None, false, t), "no creation time: not a key of ours");
        assert!(kept_key_is_stale(Some(t + 3_600_000), false, t), "made an hour in the future");
        assert!(!kept_key_is_stale(Some(t), true, t + 30 * max), "a session's key stays, however old");
        assert!(!kept_key_is_stale(None, true, t));
    }

    #[test]
    fn which_token_types_are_believed() {
        assert_eq!(binding("DPoP", Sent::Proof), Ok(Binding::Dpop));
        assert_eq!(binding("dpop", Sent::ProofRequired), Ok(Binding::Dpop));
        assert_eq!(binding("DPoP", Sent::NoProof).unwrap_err().code(), "token_type_unsupported");
        assert_eq!(binding("Bearer", Sent::NoProof), Ok(Binding::Bearer));
        assert_eq!(binding("bearer", Sent::Proof), Ok(Binding::Bearer));
        assert_eq!(binding("Bearer", Sent::ProofRequired).unwrap_err().code(), "dpop_not_honoured");
        assert_eq!(binding("MAC", Sent::Proof).unwrap_err().code(), "token_type_unsupported");
    }
}
