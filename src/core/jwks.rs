//! The provider's JSON Web Key Set (RFC 7517 §5) from `jwks_uri`: which key
//! checks a token, and when the set may be fetched again.

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};

use super::error::AppError;
use super::id_token::KeySource;
use super::jws::{Alg, Jws};

/// An unknown `kid` fetches the key set again (the provider may have rotated
/// its keys), but such refetches come at most once in this interval, so a
/// stream of tokens with made-up `kid`s cannot make the app hammer the
/// provider. The first fetch of the set does not count.
pub const MIN_REFETCH_INTERVAL_MS: u64 = 30_000;

/// Whether [`MIN_REFETCH_INTERVAL_MS`] has passed since `last_ms`.
pub fn may_refetch(last_ms: u64, now_ms: u64) -> bool {
    now_ms.saturating_sub(last_ms) >= MIN_REFETCH_INTERVAL_MS
}

/// A point in the order of this page's key-set events (a fetch starting, a
/// token response arriving): whether a set was asked for after a response
/// arrived is a question of order, which no clock reading can get wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment(u64);

/// What was done about a `kid` the set in hand does not have, so the
/// message of `id_token_key_not_found` says what is true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySearch {
    /// The set was fetched again after the token response arrived, and still
    /// has no such key.
    Refetched,
    /// Not fetched again: the set in hand was asked for after the token
    /// response arrived, so it lists every key the provider had published
    /// when it signed the token.
    FetchedAfterResponse,
    /// Not fetched again: another unknown key had the set fetched again less
    /// than [`MIN_REFETCH_INTERVAL_MS`] ago.
    RefetchedRecently,
}

/// The key set in hand and when its fetch started, kept while the page lives.
/// The rule for an unknown `kid` ([`KeyCache::may_refetch`]): one refetch,
/// unless the set in hand was fetched after the token response arrived;
/// refetches for unknown keys at most once per [`MIN_REFETCH_INTERVAL_MS`].
#[derive(Debug, Default)]
pub struct KeyCache {
    /// The set, and the moment its fetch started.
    fetched: Option<(Jwks, Moment)>,
    /// When the last refetch for an unknown key started, in ms.
    last_refetch_ms: Option<u64>,
    /// The events so far, behind [`Moment`].
    events: u64,
}

impl KeyCache {
    fn next(&mut self) -> Moment {
        self.events += 1;
        Moment(self.events)
    }

    /// Notes that a token response has arrived; its ID token is checked
    /// against this moment.
    pub fn response_arrived(&mut self) -> Moment {
        self.next()
    }

    /// The set in hand, when one was fetched.
    pub fn in_hand(&self) -> Option<Jwks> {
        self.fetched.as_ref().map(|(set, _)| set.clone())
    }

    /// Notes that a fetch starts now; a refetch for an unknown key
    /// (`for_unknown_kid`) counts against [`MIN_REFETCH_INTERVAL_MS`] from
    /// now, whether it succeeds or not.
    pub fn fetch_starts(&mut self, for_unknown_kid: bool, now_ms: u64) -> Moment {
        if for_unknown_kid {
            self.last_refetch_ms = Some(now_ms);
        }
        self.next()
    }

    /// Keeps a set whose fetch started at `started`, unless one whose fetch
    /// started later is already kept.
    pub fn store(&mut self, set: Jwks, started: Moment) {
        if self.fetched.as_ref().is_none_or(|(_, kept)| *kept < started) {
            self.fetched = Some((set, started));
        }
    }

    /// Whether the ID token of the response that arrived at `response`, whose
    /// `kid` the set in hand does not have, may fetch the set again. Not when
    /// the set was asked for after that response arrived: the provider
    /// publishes a key before it signs with it (OpenID Connect Core §10.1.1:
    /// keys are added to the set, then used), so a newer set would list no
    /// more. Not within
    /// [`MIN_REFETCH_INTERVAL_MS`] of the last refetch for an unknown key.
    /// A set asked for before the response, even a moment before (fetched
    /// in parallel with the code exchange), may predate the key.
    pub fn may_refetch(&self, response: Moment, now_ms: u64) -> Result<(), KeySearch> {
        if self.fetched.as_ref().is_some_and(|(_, started)| *started > response) {
            return Err(KeySearch::FetchedAfterResponse);
        }
        if self.last_refetch_ms.is_some_and(|last| !may_refetch(last, now_ms)) {
            return Err(KeySearch::RefetchedRecently);
        }
        Ok(())
    }
}

/// Fetching the set at `jwks_uri` (the browser: a GET), and the clock.
#[allow(async_fn_in_trait)]
pub trait Fetch {
    /// The set as the provider serves it now.
    async fn fetch(&self) -> Result<Jwks, AppError>;
    /// The page's clock, in ms since the Unix epoch.
    fn now_ms(&self) -> u64;
}

fn lock(cache: &Mutex<KeyCache>) -> MutexGuard<'_, KeyCache> {
    cache.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn fetch_into(cache: &Mutex<KeyCache>, fetch: &impl Fetch, for_unknown_kid: bool) -> Result<Jwks, AppError> {
    let started = lock(cache).fetch_starts(for_unknown_kid, fetch.now_ms());
    let set = fetch.fetch().await?;
    lock(cache).store(set.clone(), started);
    Ok(set)
}

/// Fetches the set while the code is exchanged, when none is in hand (the
/// first fetch: not counted as a refetch). A failure is met again, and
/// reported, when the ID token is checked.
pub async fn prefetch(cache: &Mutex<KeyCache>, fetch: &impl Fetch) {
    if lock(cache).in_hand().is_none() {
        let _ = fetch_into(cache, fetch, false).await;
    }
}

/// The key source for the ID token of one token response: made once that
/// response has arrived, which it notes ([`KeyCache::response_arrived`]).
pub struct ResponseKeys<'a, F> {
    cache: &'a Mutex<KeyCache>,
    arrived: Moment,
    fetch: F,
}

impl<'a, F: Fetch> ResponseKeys<'a, F> {
    /// Make this after the token response is read, never before: a set
    /// fetched after this moment is taken to list the token's key.
    pub fn new(cache: &'a Mutex<KeyCache>, fetch: F) -> Self {
        let arrived = lock(cache).response_arrived();
        Self { cache, arrived, fetch }
    }
}

impl<F: Fetch> KeySource for ResponseKeys<'_, F> {
    async fn key_set(&self) -> Result<Jwks, AppError> {
        let in_hand = lock(self.cache).in_hand();
        match in_hand {
            Some(set) => Ok(set),
            None => fetch_into(self.cache, &self.fetch, false).await,
        }
    }

    async fn refetch(&self) -> Result<Result<Jwks, KeySearch>, AppError> {
        let allowed = lock(self.cache).may_refetch(self.arrived, self.fetch.now_ms());
        match allowed {
            Ok(()) => fetch_into(self.cache, &self.fetch, true).await.map(Ok),
            Err(search) => Ok(Err(search)),
        }
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

    const T: u64 = 1_000_000;

    #[test]
    fn the_set_in_hand_is_kept_while_the_page_lives() {
        let mut cache = KeyCache::default();
        assert_eq!(cache.in_hand(), None, "nothing fetched yet");
        let started = cache.fetch_starts(false, T);
        cache.store(set(), started);
        assert_eq!(cache.in_hand(), Some(set()));
        // A fetch that started earlier but ended later does not replace a newer set.
        let older = cache.fetch_starts(false, T);
        let newer = cache.fetch_starts(false, T);
        cache.store(parse("u", 200, r#"{"keys":[]}"#).unwrap(), newer);
        cache.store(set(), older);
        assert_eq!(cache.in_hand(), Some(parse("u", 200, r#"{"keys":[]}"#).unwrap()));
    }

    #[test]
    fn a_first_fetch_started_before_the_response_allows_one_refetch() {
        // The prefetch runs in parallel with the code exchange: it starts
        // before the token response arrives, and may end before or after.
        for ends_after_response in [false, true] {
            let mut cache = KeyCache::default();
            let started = cache.fetch_starts(false, T);
            if !ends_after_response {
                cache.store(set(), started);
            }
            let response = cache.response_arrived();
            if ends_after_response {
                cache.store(set(), started);
            }
            assert_eq!(cache.may_refetch(response, T + 1), Ok(()), "the first fetch is no refetch");
            let again = cache.fetch_starts(true, T + 1);
            cache.store(set(), again);
            assert_eq!(cache.may_refetch(response, T + 2), Err(KeySearch::FetchedAfterResponse), "once");
        }
    }

    #[test]
    fn a_set_fetched_after_the_response_is_not_fetched_again() {
        let mut cache = KeyCache::default();
        let response = cache.response_arrived();
        let started = cache.fetch_starts(false, T);
        cache.store(set(), started);
        assert_eq!(cache.may_refetch(response, T), Err(KeySearch::FetchedAfterResponse));
        assert_eq!(cache.may_refetch(response, T + 3_600_000), Err(KeySearch::FetchedAfterResponse), "whatever the time");
    }

    #[test]
    fn refetches_for_unknown_keys_come_at_most_once_per_interval() {
        let mut cache = KeyCache::default();
        let first = cache.fetch_starts(false, T);
        cache.store(set(), first);
        let response = cache.response_arrived();
        assert_eq!(cache.may_refetch(response, T), Ok(()));
        let refetch = cache.fetch_starts(true, T);
        cache.store(set(), refetch);
        // A later response (a refresh) with another unknown kid.
        let later = cache.response_arrived();
        assert_eq!(cache.may_refetch(later, T + MIN_REFETCH_INTERVAL_MS - 1), Err(KeySearch::RefetchedRecently));
        assert_eq!(cache.may_refetch(later, T + MIN_REFETCH_INTERVAL_MS), Ok(()));
        // A refetch that failed counts too: it asked the provider.
        let mut failed = KeyCache::default();
        let response = failed.response_arrived();
        failed.fetch_starts(true, T);
        assert_eq!(failed.may_refetch(response, T + 1), Err(KeySearch::RefetchedRecently));
    }

    #[test]
    fn refetching_waits_for_the_minimum_interval() {
        assert!(!may_refetch(100_000, 100_000 + MIN_REFETCH_INTERVAL_MS - 1));
        assert!(may_refetch(100_000, 100_000 + MIN_REFETCH_INTERVAL_MS));
        assert!(!may_refetch(200_000, 100_000), "a clock that went back does not count as time passed");
    }
}
