//! The provider's JSON Web Key Set (RFC 7517 §5) from `jwks_uri`: which key
//! checks a token, and when the set may be fetched again.

use serde_json::{Map, Value};

use super::error::AppError;
use super::jws::{Alg, Jws};

/// An unknown `kid` fetches the key set again (the provider may have rotated
/// its keys), but not more often than this, so a stream of tokens with made-up
/// `kid`s cannot make the app hammer the provider.
pub const MIN_REFETCH_INTERVAL_MS: u64 = 30_000;

/// Whether [`MIN_REFETCH_INTERVAL_MS`] has passed since the last fetch.
pub fn may_refetch(last_fetch_ms: u64, now_ms: u64) -> bool {
    now_ms.saturating_sub(last_fetch_ms) >= MIN_REFETCH_INTERVAL_MS
}

/// The key set as last fetched, and when: fetched once per page, and again
/// after an unknown `kid` at most every [`MIN_REFETCH_INTERVAL_MS`].
#[derive(Debug, Default)]
pub struct KeyCache {
    fetched: Option<(Jwks, u64)>,
}

impl KeyCache {
    /// The set to use without fetching, or `None` when it must be fetched:
    /// nothing fetched yet, or a newer set asked for (`refresh`, after an
    /// unknown `kid`) and the minimum interval has passed.
    pub fn usable(&self, refresh: bool, now_ms: u64) -> Option<Jwks> {
        let (set, at_ms) = self.fetched.as_ref()?;
        (!refresh || !may_refetch(*at_ms, now_ms)).then(|| set.clone())
    }

    /// Keeps a freshly fetched set, with the time it was fetched.
    pub fn store(&mut self, set: Jwks, now_ms: u64) {
        self.fetched = Some((set, now_ms));
    }
}

/// A key set: the members of `keys` that are JSON objects, unchecked until
/// [`Jwks::select`] looks for a key that fits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jwks {
    keys: Vec<Map<String, Value>>,
}

/// Reads a key set; members that are not JSON objects are skipped (RFC 7517
/// §5: unusable keys are ignored).
pub fn parse(url: &str, status: u16, body: &str) -> Result<Jwks, AppError> {
    let failed = |problem: String| AppError::JwksUnavailable { url: url.to_owned(), problem };
    if !(200..300).contains(&status) {
        return Err(failed(format!("HTTP {status}")));
    }
    let set: Value = serde_json::from_str(body).map_err(|e| failed(format!("not a JWK set: {e}")))?;
    let Some(Value::Array(keys)) = set.get("keys") else {
        return Err(failed("not a JWK set: no `keys` list".to_owned()));
    };
    let keys = keys.iter().filter_map(|k| k.as_object().cloned()).collect();
    Ok(Jwks { keys })
}

/// Why no key was chosen.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyLookup {
    /// No key fits: fetch the set again if allowed.
    NotFound,
    /// No `kid` in the token and several keys fit.
    Ambiguous,
}

fn str_member<'a>(key: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    key.get(name).and_then(Value::as_str)
}

/// Does this key fit the algorithm: type and curve, `use` "sig", `key_ops`
/// with "verify", and its own `alg` (when it states one) equal to the token's?
fn fits(key: &Map<String, Value>, alg: Alg) -> bool {
    let (kty, crv) = alg.key_type();
    let ops_ok = match key.get("key_ops") {
        None => true,
        Some(Value::Array(ops)) => ops.iter().any(|o| o == "verify"),
        Some(_) => false,
    };
    str_member(key, "kty") == Some(kty)
        && crv.is_none_or(|c| str_member(key, "crv") == Some(c))
        && str_member(key, "use").is_none_or(|u| u == "sig")
        && str_member(key, "alg").is_none_or(|a| a == alg.name())
        && ops_ok
}

impl Jwks {
    /// Chooses the key for a token: the one whose `kid` matches among the
    /// keys that fit. A token without `kid` is checked with the only key that
    /// fits; when several fit it is refused rather than tried against each
    /// (one documented way, as oauth4webapi does).
    pub fn select(&self, jws: &Jws) -> Result<PublicKey, KeyLookup> {
        let mut fitting = self.keys.iter().filter(|k| fits(k, jws.alg));
        let chosen = match &jws.kid {
            Some(kid) => fitting.find(|k| str_member(k, "kid") == Some(kid.as_str())),
            None => {
                let first = fitting.next();
                if fitting.next().is_some() {
                    return Err(KeyLookup::Ambiguous);
                }
                first
            }
        };
        chosen.map(|k| PublicKey::from_jwk(k, jws.alg)).ok_or(KeyLookup::NotFound)
    }
}

/// The public members of a key, as WebCrypto imports them. Only these go to
/// `importKey`, so stray members (a private exponent by mistake, `key_ops`
/// that clash with the usage) cannot get in the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// The key's `kid`, for messages.
    pub kid: Option<String>,
    /// The JWK with only its public members (`kty`, `n`, `e` or `kty`, `crv`, `x`, `y`).
    pub jwk: Value,
}

impl PublicKey {
    fn from_jwk(key: &Map<String, Value>, alg: Alg) -> Self {
        let members: &[&str] = match alg.key_type().0 {
            "RSA" => &["kty", "n", "e"],
            _ => &["kty", "crv", "x", "y"],
        };
        let jwk: Map<String, Value> =
            members.iter().filter_map(|m| key.get(*m).map(|v| ((*m).to_owned(), v.clone()))).collect();
        Self { kid: str_member(key, "kid").map(str::to_owned), jwk: Value::Object(jwk) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::jws::{compact, parse as parse_jws};
    use serde_json::json;

    const SET: &str = r#"{"keys":[
        {"kty":"RSA","kid":"r1","use":"sig","alg":"RS256","n":"AQAB","e":"AQAB"},
        {"kty":"RSA","kid":"r2","n":"AQAB","e":"AQAB","d":"PRIVATE"},
        {"kty":"EC","kid":"e1","crv":"P-256","x":"xx","y":"yy"},
        {"kty":"EC","kid":"e2","crv":"P-384","x":"xx","y":"yy","key_ops":["verify"]},
        {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
        "not a key"
    ]}"#;

    fn jws(alg: &str, kid: Option<&str>) -> Jws {
        let header = match kid {
            Some(k) => json!({"alg": alg, "kid": k}),
            None => json!({"alg": alg}),
        };
        let sig_len = if alg == "ES384" { 96 } else { 64 };
        parse_jws(&compact(&header, &json!({}), &vec![0; sig_len])).unwrap()
    }

    fn set() -> Jwks {
        parse("u", 200, SET).unwrap()
    }

    #[test]
    fn the_kid_chooses_among_fitting_keys() {
        assert_eq!(set().select(&jws("RS256", Some("r1"))).unwrap().kid.as_deref(), Some("r1"));
        assert_eq!(set().select(&jws("ES256", Some("e1"))).unwrap().kid.as_deref(), Some("e1"));
        assert_eq!(set().select(&jws("ES384", Some("e2"))).unwrap().kid.as_deref(), Some("e2"));
    }

    #[test]
    fn a_key_that_does_not_fit_the_algorithm_is_not_used() {
        // r1 says alg RS256; e1 is P-256, not P-384; enc is for encryption.
        assert_eq!(set().select(&jws("PS256", Some("r1"))), Err(KeyLookup::NotFound));
        assert_eq!(set().select(&jws("ES384", Some("e1"))), Err(KeyLookup::NotFound));
        assert_eq!(set().select(&jws("RS256", Some("enc"))), Err(KeyLookup::NotFound));
        assert_eq!(set().select(&jws("RS256", Some("e1"))), Err(KeyLookup::NotFound));
        assert_eq!(set().select(&jws("RS256", Some("missing"))), Err(KeyLookup::NotFound));
    }

    #[test]
    fn without_kid_only_a_single_fitting_key_is_used() {
        assert_eq!(set().select(&jws("RS256", None)), Err(KeyLookup::Ambiguous));
        assert_eq!(set().select(&jws("ES256", None)).unwrap().kid.as_deref(), Some("e1"));
        assert_eq!(parse("u", 200, r#"{"keys":[]}"#).unwrap().select(&jws("RS256", None)), Err(KeyLookup::NotFound));
    }

    #[test]
    fn only_public_members_reach_webcrypto() {
        let key = set().select(&jws("PS256", Some("r2"))).unwrap();
        assert_eq!(key.jwk, json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"}));
        let key = set().select(&jws("ES384", Some("e2"))).unwrap();
        assert_eq!(key.jwk, json!({"kty": "EC", "crv": "P-384", "x": "xx", "y": "yy"}));
    }

    #[test]
    fn unreadable_sets_are_errors() {
        assert_eq!(parse("u", 500, SET).unwrap_err().code(), "jwks_unavailable");
        assert_eq!(parse("u", 200, "{}").unwrap_err().code(), "jwks_unavailable");
        assert_eq!(parse("u", 200, "<html>").unwrap_err().code(), "jwks_unavailable");
    }

    #[test]
    fn the_cache_fetches_once_then_again_only_after_the_interval() {
        let mut cache = KeyCache::default();
        let t = 1_000_000;
        assert_eq!(cache.usable(false, t), None, "nothing fetched yet");
        assert_eq!(cache.usable(true, t), None);
        cache.store(set(), t);
        assert_eq!(cache.usable(false, t + 3_600_000), Some(set()), "kept while the page lives");
        assert_eq!(cache.usable(true, t + MIN_REFETCH_INTERVAL_MS - 1), Some(set()), "an unknown kid within 30 s: no new fetch");
        assert_eq!(cache.usable(true, t + MIN_REFETCH_INTERVAL_MS), None, "an unknown kid after 30 s: fetch again");
        cache.store(parse("u", 200, r#"{"keys":[]}"#).unwrap(), t + MIN_REFETCH_INTERVAL_MS);
        assert_eq!(cache.usable(true, t + MIN_REFETCH_INTERVAL_MS + 1), Some(parse("u", 200, r#"{"keys":[]}"#).unwrap()));
    }

    #[test]
    fn refetching_waits_for_the_minimum_interval() {
        assert!(!may_refetch(100_000, 100_000 + MIN_REFETCH_INTERVAL_MS - 1));
        assert!(may_refetch(100_000, 100_000 + MIN_REFETCH_INTERVAL_MS));
        assert!(!may_refetch(200_000, 100_000), "a clock that went back does not count as time passed");
    }
}
