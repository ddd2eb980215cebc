//! ID token validation (OpenID Connect Core §3.1.3.7). [`verify`] is the
//! only way to [`IdTokenClaims`]: the signature is checked with a key from the
//! provider's key set, then every claim rule, so no part of the app can show a
//! claim that was not checked.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384};

use super::error::AppError;
use super::jwks::{Jwks, KeyLookup, KeySearch, PublicKey};
use super::jws::{self, Alg, Jws};
use super::authorize::Nonce;
use super::issuer::Issuer;
use super::token::IdToken;
use super::b64;

/// How far the provider's clock may be from ours (Core §3.1.3.7 items 9-10
/// allow for "a small leeway").
pub const CLOCK_LEEWAY_S: u64 = 60;
/// How old `iat` may be: a token from the token endpoint was issued just now.
pub const MAX_IAT_AGE_S: u64 = 600;

/// The claims the app shows or checks later, built only by [`verify`].
/// (`from_stored` reads them back from this tab's own sessionStorage or a
/// tab of the same session, where they are written only after validation.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdTokenClaims {
    sub: String,
    iss: String,
    name: Option<String>,
    preferred_username: Option<String>,
    email: Option<String>,
    /// `aud`, `azp`, `auth_time` and `nonce`: what a refreshed ID token must
    /// repeat (Core §12.2), kept for that comparison only.
    aud: Vec<String>,
    azp: Option<String>,
    auth_time: Option<u64>,
    nonce: Option<String>,
}

impl IdTokenClaims {
    /// `sub`: who signed in; UserInfo and refreshed ID tokens must name the same
    /// (Core §5.3.2, §12.2).
    pub fn subject(&self) -> &str {
        &self.sub
    }

    /// `iss`, as checked (Core §3.1.3.7 item 2); for Entra, the tenant's issuer.
    pub fn issuer(&self) -> &str {
        &self.iss
    }

    /// `email`, when the token carries one; `email_verified` is not read.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The best name to greet the person with: `name`, else
    /// `preferred_username` (Core §5.1).
    pub fn display_name(&self) -> Option<&str> {
        self.name.as_deref().or(self.preferred_username.as_deref())
    }

    /// OpenID Connect Core §12.2: a refreshed ID token must name the same
    /// `iss`, `sub` and `aud` as the first, the same `azp` (none if the
    /// first had none), an `auth_time` equal to the first's when it carries
    /// one, and a `nonce`, if any, equal to the first's. `Err` names the
    /// first claim that differs.
    pub fn continues(&self, first: &IdTokenClaims) -> Result<(), &'static str> {
        let same_aud = {
            let (mut a, mut b) = (self.aud.clone(), first.aud.clone());
            a.sort();
            b.sort();
            a == b
        };
        let differs = [
            ("iss", self.iss != first.iss),
            ("sub", self.sub != first.sub),
            ("aud", !same_aud),
            ("azp", self.azp != first.azp),
            ("auth_time", self.auth_time.is_some() && self.auth_time != first.auth_time),
            ("nonce", self.nonce.is_some() && self.nonce != first.nonce),
        ];
        match differs.iter().find(|(_, d)| *d) {
            Some((claim, _)) => Err(claim),
            None => Ok(()),
        }
    }

    /// The claims as the session keeps them (core::session_json).
    pub(crate) fn to_stored(&self) -> Value {
        use super::json::Object;
        Object::default()
            .with("sub", self.sub.as_str())
            .with("iss", self.iss.as_str())
            .put("name", self.name.as_deref())
            .put("preferred_username", self.preferred_username.as_deref())
            .put("email", self.email.as_deref())
            .with("aud", Value::from(self.aud.clone()))
            .put("azp", self.azp.as_deref())
            .put("auth_time", self.auth_time)
            .put("nonce", self.nonce.as_deref())
            .into()
    }

    /// Claims kept by [`Self::to_stored`]: checked by [`verify`] when the
    /// session began, read back from this tab's storage or a sealed message
    /// of the same session.
    pub(crate) fn from_stored(v: &Value) -> Option<Self> {
        use super::json::{optional_string, string};
        Some(Self {
            sub: string(v, "sub")?,
            iss: string(v, "iss")?,
            name: optional_string(v, "name")?,
            preferred_username: optional_string(v, "preferred_username")?,
            email: optional_string(v, "email")?,
            aud: super::json::optional_strings(v, "aud")?.filter(|a| !a.is_empty())?,
            azp: optional_string(v, "azp")?,
            auth_time: super::json::optional_u64(v, "auth_time")?,
            nonce: optional_string(v, "nonce")?,
        })
    }
}

#[cfg(test)]
impl IdTokenClaims {
    pub(crate) fn for_test(iss: &str, sub: &str) -> Self {
        Self {
            sub: sub.into(),
            iss: iss.into(),
            name: None,
            preferred_username: None,
            email: None,
            aud: vec!["client".into()],
            azp: None,
            auth_time: None,
            nonce: None,
        }
    }

    pub(crate) fn with_test_claims(self, aud: &[&str], azp: Option<&str>, auth_time: Option<u64>, nonce: Option<&str>) -> Self {
        Self {
            aud: aud.iter().map(|&a| a.to_owned()).collect(),
            azp: azp.map(str::to_owned),
            auth_time,
            nonce: nonce.map(str::to_owned),
            ..self
        }
    }
}

/// What the token must say, from the configuration and the pending request.
pub struct Expectations<'a> {
    /// The provider's issuer, with its tenant rule (Entra).
    pub issuer: &'a Issuer,
    /// This app's `client_id`: `aud` must contain it, and `azp`, when present
    /// or needed, must be it (Core §3.1.3.7 items 3-5).
    pub client_id: &'a str,
    /// The nonce sent in the authorization request (Core §3.1.3.7 item 11).
    pub nonce: Option<&'a Nonce>,
    /// The access token of the same response, for `at_hash` (Core §3.2.2.9).
    pub access_token: &'a str,
    /// The page's clock, in seconds since the Unix epoch, for `exp`, `iat` and `nbf`.
    pub now_s: u64,
}

/// The provider's key set for the ID token of one token response
/// ([`crate::core::jwks::ResponseKeys`]).
#[allow(async_fn_in_trait)]
pub trait KeySource {
    /// The set in hand, fetched when there is none yet.
    async fn key_set(&self) -> Result<Jwks, AppError>;
    /// After an unknown `kid`: the set fetched again, or why it is not
    /// ([`crate::core::jwks::KeyCache::may_refetch`] decides).
    async fn refetch(&self) -> Result<Result<Jwks, KeySearch>, AppError>;
}

/// Checks a signature (the browser: WebCrypto).
#[allow(async_fn_in_trait)]
pub trait SignatureVerifier {
    /// Whether `signature` is `alg`'s signature of `signing_input` under `key`;
    /// an error only when the check itself cannot run.
    async fn verify(&self, alg: Alg, key: &PublicKey, signing_input: &[u8], signature: &[u8]) -> Result<bool, AppError>;
}

/// Validates an ID token and returns its claims.
pub async fn verify(
    token: &IdToken,
    keys: &impl KeySource,
    verifier: &impl SignatureVerifier,
    expected: &Expectations<'_>,
) -> Result<IdTokenClaims, AppError> {
    let jws = jws::parse(token.secret())?;
    // Core §10.1.1: an unfamiliar `kid` sends the verifier back to `jwks_uri`,
    // once, when the rule of KeyCache::may_refetch allows it.
    let (found, search) = match keys.key_set().await?.select(&jws) {
        Err(KeyLookup::NotFound) => match keys.refetch().await? {
            Ok(set) => (set.select(&jws), KeySearch::Refetched),
            Err(search) => (Err(KeyLookup::NotFound), search),
        },
        found => (found, KeySearch::Refetched),
    };
    let key = found.map_err(|lookup| match lookup {
        KeyLookup::NotFound => AppError::IdTokenKeyNotFound { kid: jws.kid.clone(), search },
        KeyLookup::Ambiguous => AppError::IdTokenKeyAmbiguous,
    })?;
    if !verifier.verify(jws.alg, &key, jws.signing_input.as_bytes(), &jws.signature).await? {
        return Err(AppError::IdTokenSignatureInvalid);
    }
    validate_claims(&jws, expected)
}

/// The claim rules of Core §3.1.3.7, in its order, after the signature.
fn validate_claims(jws: &Jws, expected: &Expectations<'_>) -> Result<IdTokenClaims, AppError> {
    let claims = &jws.payload;
    let sub = string(claims, "sub").filter(|s| !s.is_empty()).ok_or(AppError::IdTokenSubMissing)?;
    // Item 2: the issuer, exactly; for Entra, the tenant must be one
    // config.json accepts, and the `{tenantid}` template takes the token's
    // own `tid` (issuer.rs).
    let iss = string(claims, "iss").unwrap_or_default();
    expected.issuer.check_token(string(claims, "iss"), string(claims, "tid"))?;
    check_audience(claims, expected.client_id)?;
    check_times(claims, expected.now_s)?;
    // Item 11: the nonce of this request, so a token cannot be replayed.
    if let Some(nonce) = expected.nonce {
        if !string(claims, "nonce").is_some_and(|claim| nonce.matches(claim)) {
            return Err(AppError::NonceMismatch);
        }
    }
    if let Some(at_hash) = claims.get("at_hash") {
        if at_hash.as_str() != Some(access_token_hash(jws.alg, expected.access_token).as_str()) {
            return Err(AppError::AtHashMismatch);
        }
    }
    Ok(IdTokenClaims {
        sub: sub.to_owned(),
        iss: iss.to_owned(),
        name: string(claims, "name").map(str::to_owned),
        preferred_username: string(claims, "preferred_username").map(str::to_owned),
        email: string(claims, "email").map(str::to_owned),
        aud: audiences(claims).into_iter().map(str::to_owned).collect(),
        azp: string(claims, "azp").map(str::to_owned),
        auth_time: claims.get("auth_time").and_then(Value::as_u64),
        nonce: string(claims, "nonce").map(str::to_owned),
    })
}

fn string<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Items 3-5: `aud` holds our client_id; with other audiences beside it,
/// `azp` must be our client_id, and an `azp` present must be ours anyway.
fn check_audience(claims: &Map<String, Value>, client_id: &str) -> Result<(), AppError> {
    let audiences = audiences(claims);
    if !audiences.contains(&client_id) {
        return Err(AppError::AudienceMismatch { client_id: client_id.to_owned() });
    }
    let azp = claims.get("azp");
    let needs_azp = audiences.len() > 1;
    if (needs_azp || azp.is_some()) && azp.and_then(Value::as_str) != Some(client_id) {
        return Err(AppError::AzpMismatch { client_id: client_id.to_owned() });
    }
    Ok(())
}

/// `aud`: one string or an array of them (RFC 7519 §4.1.3).
fn audiences(claims: &Map<String, Value>) -> Vec<&str> {
    match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Items 9-10 and RFC 7519 §4.1.5: `exp` in the future, `iat` present and
/// recent, `nbf` (when present) not in the future, each with the leeway.
fn check_times(claims: &Map<String, Value>, now_s: u64) -> Result<(), AppError> {
    let now = now_s as f64;
    let leeway = CLOCK_LEEWAY_S as f64;
    let number = |name: &str| -> Result<Option<f64>, AppError> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| AppError::IdTokenMalformed {
                problem: format!("the `{name}` claim is not a number"),
            }),
        }
    };
    let exp = number("exp")?.ok_or_else(|| AppError::IdTokenMalformed { problem: "the `exp` claim is missing".to_owned() })?;
    if now > exp + leeway {
        return Err(AppError::IdTokenExpired);
    }
    let iat = number("iat")?.ok_or_else(|| AppError::IdTokenIatInvalid { problem: "it is missing".to_owned() })?;
    if iat > now + leeway {
        return Err(AppError::IdTokenIatInvalid { problem: "it is in the future".to_owned() });
    }
    if now > iat + MAX_IAT_AGE_S as f64 + leeway {
        return Err(AppError::IdTokenIatInvalid { problem: "it is more than ten minutes old".to_owned() });
    }
    if number("nbf")?.is_some_and(|nbf| nbf > now + leeway) {
        return Err(AppError::IdTokenNotYetValid);
    }
    Ok(())
}

/// Core §3.2.2.9: the left half of the hash of the access token, with the
/// hash of the token's `alg`, base64url-encoded.
pub fn access_token_hash(alg: Alg, access_token: &str) -> String {
    let digest = match alg {
        Alg::ES384 => Sha384::digest(access_token.as_bytes()).to_vec(),
        Alg::RS256 | Alg::PS256 | Alg::ES256 => Sha256::digest(access_token.as_bytes()).to_vec(),
    };
    b64::encode(&digest[..digest.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::jwks;
    use crate::core::jws::compact;
    use serde_json::json;
    use crate::core::jwks::{KeyCache, ResponseKeys};
    use std::cell::Cell;
    use std::sync::Mutex;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    const NOW: u64 = 1_800_000_000;
    const ISSUER: &str = "https://idp.example";
    const CLIENT: &str = "client-1";
    const KEYS: &str = r#"{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"},{"kty":"EC","kid":"e","crv":"P-384","x":"a","y":"b"}]}"#;

    /// The fakes below answer at once, so one poll finishes the future.
    fn run<F: Future>(f: F) -> F::Output {
        match pin!(f).as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("a fake stayed pending"),
        }
    }

    /// The provider's `jwks_uri` as the tests serve it: `sets[n]` for the
    /// n-th fetch (the last one from then on), with a clock they move.
    struct Served {
        sets: Vec<&'static str>,
        fetches: Cell<usize>,
        now_ms: Cell<u64>,
    }

    impl jwks::Fetch for &Served {
        async fn fetch(&self) -> Result<Jwks, AppError> {
            let n = self.fetches.get();
            self.fetches.set(n + 1);
            jwks::parse("u", 200, self.sets[n.min(self.sets.len() - 1)])
        }

        fn now_ms(&self) -> u64 {
            self.now_ms.get()
        }
    }

    fn served(sets: &[&'static str]) -> Served {
        Served { sets: sets.to_vec(), fetches: Cell::new(0), now_ms: Cell::new(NOW * 1000) }
    }

    /// A page's key cache, and the key source of a token response that
    /// arrives now, as flow.rs makes them.
    struct Page {
        cache: Mutex<KeyCache>,
        served: Served,
    }

    impl Page {
        fn new(sets: &[&'static str]) -> Self {
            Self { cache: Mutex::default(), served: served(sets) }
        }

        /// The prefetch that runs in parallel with the code exchange.
        fn prefetch(&self) {
            run(jwks::prefetch(&self.cache, &&self.served));
        }

        /// A token response arrives: its ID token is checked.
        fn response(&self, t: &IdToken) -> Result<IdTokenClaims, AppError> {
            run(verify(t, &ResponseKeys::new(&self.cache, &self.served), &Sevens, &expected()))
        }

        fn fetches(&self) -> usize {
            self.served.fetches.get()
        }

        fn wait_ms(&self, ms: u64) {
            self.served.now_ms.set(self.served.now_ms.get() + ms);
        }
    }

    const ROTATED: &str = r#"{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"},{"kty":"RSA","kid":"k2","n":"AQAB","e":"AQAB"}]}"#;

    fn search_of(e: AppError) -> KeySearch {
        match e {
            AppError::IdTokenKeyNotFound { search, .. } => search,
            other => panic!("not id_token_key_not_found: {other:?}"),
        }
    }

    /// Accepts a signature of all 7s: the real check is WebCrypto's, tested in the browser.
    struct Sevens;

    impl SignatureVerifier for Sevens {
        async fn verify(&self, _: Alg, _: &PublicKey, _: &[u8], signature: &[u8]) -> Result<bool, AppError> {
            Ok(signature.iter().all(|b| *b == 7))
        }
    }

    fn claims() -> Value {
        json!({"iss": ISSUER, "sub": "alice", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 5,
               "nonce": "n-1", "name": "Alice", "at_hash": access_token_hash(Alg::RS256, "AT")})
    }

    fn token_with(header: Value, claims: Value) -> IdToken {
        IdToken::new(compact(&header, &claims, &[7; 64]))
    }

    fn token(edit: impl FnOnce(&mut Map<String, Value>)) -> IdToken {
        let mut c = claims();
        edit(c.as_object_mut().unwrap());
        token_with(json!({"alg": "RS256", "kid": "k1"}), c)
    }

    static EXACT: std::sync::LazyLock<Issuer> = std::sync::LazyLock::new(|| Issuer::exact(ISSUER));
    static NONCE: std::sync::LazyLock<Nonce> = std::sync::LazyLock::new(|| Nonce::from_stored("n-1".into()));

    fn expected() -> Expectations<'static> {
        Expectations { issuer: &EXACT, client_id: CLIENT, nonce: Some(&NONCE), access_token: "AT", now_s: NOW }
    }

    fn check(t: &IdToken) -> Result<IdTokenClaims, AppError> {
        Page::new(&[KEYS]).response(t)
    }

    fn code_of(t: &IdToken) -> String {
        check(t).unwrap_err().code().to_owned()
    }

    #[test]
    fn a_valid_token_gives_its_claims() {
        let c = check(&token(|_| {})).unwrap();
        assert_eq!((c.subject(), c.issuer(), c.display_name()), ("alice", ISSUER, Some("Alice")));
    }

    #[test]
    fn a_bad_signature_is_refused() {
        let t = IdToken::new(compact(&json!({"alg": "RS256", "kid": "k1"}), &claims(), &[8; 64]));
        assert_eq!(code_of(&t), "id_token_signature_invalid");
    }

    #[test]
    fn header_rules_come_first() {
        assert_eq!(code_of(&token_with(json!({"alg": "none"}), claims())), "id_token_alg_unsupported");
        assert_eq!(code_of(&token_with(json!({"alg": "HS256", "kid": "k1"}), claims())), "id_token_alg_unsupported");
        assert_eq!(code_of(&token_with(json!({"alg": "RS256", "jku": "https://evil"}), claims())), "id_token_header_refused");
    }

    #[test]
    fn an_alg_that_does_not_fit_the_key_finds_no_key() {
        // k1 is RSA: an ES256 token naming it has no key.
        let t = IdToken::new(compact(&json!({"alg": "ES256", "kid": "k1"}), &claims(), &[7; 64]));
        assert_eq!(code_of(&t), "id_token_key_not_found");
    }

    #[test]
    fn an_unknown_kid_after_a_prefetch_fetches_the_set_once_more() {
        // Defect 5: the set fetched in parallel with the code exchange was
        // asked for before the token response: the provider may have
        // published the token's key since.
        let page = Page::new(&[KEYS, ROTATED]);
        page.prefetch();
        assert!(page.response(&token_with(json!({"alg": "RS256", "kid": "k2"}), claims())).is_ok());
        assert_eq!(page.fetches(), 2, "the prefetch and one refetch");

        let never = Page::new(&[KEYS]);
        never.prefetch();
        let e = never.response(&token_with(json!({"alg": "RS256", "kid": "k2"}), claims())).unwrap_err();
        assert_eq!(never.fetches(), 2, "one refetch, no loop");
        assert!(e.message().contains("even after fetching the set again"), "{}", e.message());
        assert_eq!(search_of(e), KeySearch::Refetched);
    }

    #[test]
    fn an_unknown_kid_does_not_refetch_a_set_fetched_after_the_response() {
        // No prefetch (or a failed one): the set is fetched when the token is
        // checked, after its response arrived, so it has every published key.
        let page = Page::new(&[KEYS, ROTATED]);
        let e = page.response(&token_with(json!({"alg": "RS256", "kid": "k2"}), claims())).unwrap_err();
        assert_eq!(e.code(), "id_token_key_not_found");
        assert_eq!(page.fetches(), 1);
        assert!(!e.message().contains("even after"), "{}", e.message());
        assert_eq!(search_of(e), KeySearch::FetchedAfterResponse);
    }

    #[test]
    fn unknown_kids_refetch_at_most_once_per_interval() {
        let page = Page::new(&[KEYS]);
        page.prefetch();
        let unknown = |kid: &str| token_with(json!({"alg": "RS256", "kid": kid}), claims());
        assert_eq!(search_of(page.response(&unknown("x1")).unwrap_err()), KeySearch::Refetched);
        assert_eq!(page.fetches(), 2);
        // The next token response (a refresh, say) 10 s later: no refetch.
        page.wait_ms(10_000);
        let e = page.response(&unknown("x2")).unwrap_err();
        assert_eq!(page.fetches(), 2, "one refetch in the interval");
        assert!(e.message().contains("less than 30 seconds ago"), "{}", e.message());
        assert_eq!(search_of(e), KeySearch::RefetchedRecently);
        // Once the interval has passed, a new unknown kid fetches again.
        page.wait_ms(jwks::MIN_REFETCH_INTERVAL_MS);
        assert_eq!(search_of(page.response(&unknown("x3")).unwrap_err()), KeySearch::Refetched);
        assert_eq!(page.fetches(), 3);
        // A known kid never fetches.
        assert!(page.response(&token(|_| {})).is_ok());
        assert_eq!(page.fetches(), 3);
    }

    #[test]
    fn no_kid_and_several_fitting_keys_is_refused() {
        let two = Page::new(&[r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#]);
        let t = token_with(json!({"alg": "RS256"}), claims());
        assert_eq!(two.response(&t).unwrap_err().code(), "id_token_key_ambiguous");
    }

    #[test]
    fn issuer_must_match_exactly() {
        assert_eq!(code_of(&token(|c| { c.insert("iss".into(), json!("https://idp.example/")); })), "issuer_mismatch");
        assert_eq!(code_of(&token(|c| { c.remove("iss"); })), "issuer_mismatch");
    }

    #[test]
    fn entra_template_issuer_takes_the_tid() {
        use crate::core::issuer::{Tenants, CONSUMERS_TENANT_ID};
        let guid = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let entra = |tid: Option<&str>| {
            let iss = format!("https://login.microsoftonline.com/{}/v2.0", tid.unwrap_or(guid));
            token(|c| {
                c.insert("iss".into(), json!(iss));
                if let Some(t) = tid {
                    c.insert("tid".into(), json!(t));
                }
            })
        };
        let with = |tenants: Tenants, t: &IdToken| {
            let issuer = Issuer::new(template, tenants);
            run(verify(t, &ResponseKeys::new(&Mutex::default(), &served(&[KEYS])), &Sevens, &Expectations { issuer: &issuer, ..expected() })).map(|_| ()).map_err(|e| e.code().to_owned())
        };
        let common = || Tenants::Common { allowed: None };
        assert_eq!(with(common(), &entra(Some(guid))), Ok(()));
        assert_eq!(with(common(), &entra(None)), Err("tenant_not_allowed".into()));
        let other = "00000000-0000-0000-0000-000000000001";
        let wrong_tid = token(|c| {
            c.insert("iss".into(), json!(format!("https://login.microsoftonline.com/{guid}/v2.0")));
            c.insert("tid".into(), json!(other));
        });
        assert_eq!(with(common(), &wrong_tid), Err("issuer_mismatch".into()));
        // Defect 7: organizations refuses personal accounts, an allowed list limits.
        assert_eq!(with(Tenants::Organizations { allowed: None }, &entra(Some(CONSUMERS_TENANT_ID))), Err("tenant_not_allowed".into()));
        assert_eq!(with(Tenants::Organizations { allowed: None }, &entra(Some(guid))), Ok(()));
        assert_eq!(with(Tenants::Common { allowed: Some(vec![other.into()]) }, &entra(Some(guid))), Err("tenant_not_allowed".into()));
        assert_eq!(with(Tenants::Consumers, &entra(Some(guid))), Err("tenant_not_allowed".into()));
        assert_eq!(with(Tenants::Consumers, &entra(Some(CONSUMERS_TENANT_ID))), Ok(()));
    }

    #[test]
    fn audience_and_azp() {
        assert_eq!(code_of(&token(|c| { c.insert("aud".into(), json!("other")); })), "audience_mismatch");
        assert_eq!(code_of(&token(|c| { c.remove("aud"); })), "audience_mismatch");
        assert!(check(&token(|c| { c.insert("aud".into(), json!([CLIENT])); })).is_ok());
        assert_eq!(code_of(&token(|c| { c.insert("aud".into(), json!([CLIENT, "api"])); })), "azp_mismatch");
        assert_eq!(
            code_of(&token(|c| { c.insert("aud".into(), json!([CLIENT, "api"])); c.insert("azp".into(), json!("api")); })),
            "azp_mismatch"
        );
        assert!(check(&token(|c| { c.insert("aud".into(), json!([CLIENT, "api"])); c.insert("azp".into(), json!(CLIENT)); })).is_ok());
        assert_eq!(code_of(&token(|c| { c.insert("azp".into(), json!("someone")); })), "azp_mismatch");
    }

    #[test]
    fn expiry_with_leeway() {
        assert!(check(&token(|c| { c.insert("exp".into(), json!(NOW - CLOCK_LEEWAY_S)); })).is_ok());
        assert_eq!(code_of(&token(|c| { c.insert("exp".into(), json!(NOW - CLOCK_LEEWAY_S - 1)); })), "id_token_expired");
        assert_eq!(code_of(&token(|c| { c.remove("exp"); })), "id_token_malformed");
        assert_eq!(code_of(&token(|c| { c.insert("exp".into(), json!("soon")); })), "id_token_malformed");
    }

    #[test]
    fn issued_at_must_be_present_and_recent() {
        assert_eq!(code_of(&token(|c| { c.remove("iat"); })), "id_token_iat_invalid");
        assert!(check(&token(|c| { c.insert("iat".into(), json!(NOW + CLOCK_LEEWAY_S)); })).is_ok());
        assert_eq!(code_of(&token(|c| { c.insert("iat".into(), json!(NOW + CLOCK_LEEWAY_S + 1)); })), "id_token_iat_invalid");
        assert_eq!(code_of(&token(|c| { c.insert("iat".into(), json!(NOW - MAX_IAT_AGE_S - CLOCK_LEEWAY_S - 1)); })), "id_token_iat_invalid");
    }

    #[test]
    fn not_before_with_leeway() {
        assert!(check(&token(|c| { c.insert("nbf".into(), json!(NOW + CLOCK_LEEWAY_S)); })).is_ok());
        assert_eq!(code_of(&token(|c| { c.insert("nbf".into(), json!(NOW + 3600)); })), "id_token_not_yet_valid");
    }

    #[test]
    fn nonce_must_be_the_requests() {
        assert_eq!(code_of(&token(|c| { c.insert("nonce".into(), json!("other")); })), "nonce_mismatch");
        assert_eq!(code_of(&token(|c| { c.remove("nonce"); })), "nonce_mismatch");
        let no_nonce_expected = Expectations { nonce: None, ..expected() };
        let longer = token(|c| { c.insert("nonce".into(), json!("n-1x")); });
        assert_eq!(code_of(&longer), "nonce_mismatch");
        let page = Page::new(&[KEYS]);
        let keys = ResponseKeys::new(&page.cache, &page.served);
        assert!(run(verify(&token(|c| { c.remove("nonce"); }), &keys, &Sevens, &no_nonce_expected)).is_ok());
    }

    #[test]
    fn sub_must_be_present() {
        assert_eq!(code_of(&token(|c| { c.remove("sub"); })), "id_token_sub_missing");
        assert_eq!(code_of(&token(|c| { c.insert("sub".into(), json!("")); })), "id_token_sub_missing");
    }

    #[test]
    fn at_hash_when_present_must_match() {
        assert_eq!(code_of(&token(|c| { c.insert("at_hash".into(), json!("AAAAAAAAAAAAAAAAAAAAAA")); })), "at_hash_mismatch");
        assert!(check(&token(|c| { c.remove("at_hash"); })).is_ok());
    }

    #[test]
    fn at_hash_follows_the_algorithm() {
        // Half of SHA-256 is 16 octets (22 base64url characters), of SHA-384 24 (32).
        assert_eq!(access_token_hash(Alg::RS256, "x").len(), 22);
        assert_eq!(access_token_hash(Alg::ES384, "x").len(), 32);
        assert_ne!(access_token_hash(Alg::RS256, "a"), access_token_hash(Alg::RS256, "b"));
    }
}
