//! The DPoP key pair (RFC 9449) and the requests that carry its proofs.
//! The key is made by WebCrypto with `extractable: false`: the page can ask
//! it to sign, and nothing can read the private key out, not even this app.
//! Its public half is what the provider binds the tokens to. It is kept in
//! IndexedDB (as the `CryptoKey` objects, never as bytes) from the
//! authorization request to the callback, then with `token_storage:
//! "session"` for the tabs of the session, or only in the page with
//! `"memory"`. A key kept for a sign-in that never came back (abandoned at
//! the provider, a callback that failed before it could remove it) is
//! swept at a later start ([`sweep`]). Every decision (what a proof says, whether to retry with a
//! nonce) is `core::dpop`'s.

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CryptoKey;

use super::http::{self, Outgoing, Reply};
use super::webcrypto::{self, subtle};
use super::{idb, page, random, storage};
use crate::core::dpop::{self, ProofClaims, PublicJwk};
use crate::core::{b64, AppError};

/// A proof key: the private key (non-extractable) and its public JWK.
#[derive(Clone)]
pub struct ProofKey {
    private: CryptoKey,
    public: CryptoKey,
    jwk: PublicJwk,
    jkt: String,
}

thread_local! {
    /// The keys this page holds, by thumbprint.
    static KEYS: RefCell<Vec<ProofKey>> = const { RefCell::new(Vec::new()) };
    /// The latest nonce of each endpoint (its `htu`), as this page knows it.
    static NONCES: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// Where the endpoints' nonces are kept: in the page, and for a session the
/// tabs share (`token_storage: "session"`) in localStorage too, so a tab
/// does not pay the nonce round trip again for what another tab learnt.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nonces {
    /// `token_storage: "memory"`: the nonces stay in this page.
    PageOnly,
    /// `token_storage: "session"`: also in localStorage, for the session's tabs.
    SharedByTabs,
}

impl Nonces {
    /// The nonce to prove with, from the slots [`dpop::nonce_slots`] names.
    fn latest(self, url: &str) -> Option<String> {
        dpop::nonce_slots(url).into_iter().find_map(|slot| {
            let here = NONCES.with(|n| n.borrow().iter().find(|(s, _)| s == slot).map(|(_, v)| v.clone()));
            here.or_else(|| (self == Self::SharedByTabs).then(|| storage::dpop_nonce(slot)).flatten())
        })
    }

    fn keep(self, url: &str, nonce: &str) {
        if !dpop::is_nonce(nonce) {
            return;
        }
        for slot in dpop::nonce_slots(url) {
            NONCES.with(|n| {
                let mut n = n.borrow_mut();
                n.retain(|(s, _)| s != slot);
                n.push((slot.to_owned(), nonce.to_owned()));
            });
            if self == Self::SharedByTabs {
                storage::save_dpop_nonce(slot, nonce);
            }
        }
    }
}

fn unavailable(problem: &str) -> AppError {
    AppError::WebCryptoUnavailable { problem: format!("DPoP key: {problem}") }
}

fn set(target: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(name), value);
}

fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn ecdsa(with_hash: bool) -> Object {
    let params = Object::new();
    set(&params, "name", &"ECDSA".into());
    if with_hash {
        set(&params, "hash", &"SHA-256".into());
    } else {
        set(&params, "namedCurve", &"P-256".into());
    }
    params
}

impl ProofKey {
    /// A new P-256 key pair whose private key cannot be exported.
    pub async fn generate() -> Result<Self, AppError> {
        let usages = Array::of2(&"sign".into(), &"verify".into());
        let made = subtle()?.generate_key_with_object(&ecdsa(false), false, &usages).map_err(|_| unavailable("generateKey is missing"))?;
        let pair = webcrypto::settle(made, "ECDSA P-256 keys cannot be made").await?;
        Self::from_pair(get(&pair, "privateKey").unchecked_into(), get(&pair, "publicKey").unchecked_into()).await
    }

    async fn from_pair(private: CryptoKey, public: CryptoKey) -> Result<Self, AppError> {
        let exported = subtle()?.export_key("jwk", &public).map_err(|_| unavailable("exportKey is missing"))?;
        let jwk = webcrypto::settle(exported, "the public key cannot be read").await?;
        let coordinate = |name| get(&jwk, name).as_string().ok_or_else(|| unavailable("the public key has no coordinates"));
        let jwk = PublicJwk { x: coordinate("x")?, y: coordinate("y")? };
        let jkt = jwk.thumbprint();
        Ok(Self { private, public, jwk, jkt })
    }

    /// The RFC 7638 thumbprint the tokens are bound to.
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// The private key, for the tests that it cannot be exported.
    pub fn private_key(&self) -> &CryptoKey {
        &self.private
    }

    /// A proof for one request (RFC 9449 §4.2).
    pub async fn proof(&self, method: &str, url: &str, nonce: Option<&str>, access_token: Option<&str>) -> Result<String, AppError> {
        let claims = ProofClaims {
            method,
            url,
            iat_s: page::now_ms() / 1000,
            jti: b64::encode(&random::bytes32()?[..16]),
            nonce,
            access_token,
        };
        let input = dpop::signing_input(&self.jwk, &claims);
        let signing = subtle()?
            .sign_with_object_and_u8_array(&ecdsa(true), &self.private, input.as_bytes())
            .map_err(|_| unavailable("sign is missing"))?;
        let signature = webcrypto::settle(signing, "signing failed").await?;
        Ok(dpop::proof(&input, &js_sys::Uint8Array::new(&signature).to_vec()))
    }

    /// Keeps the key in this page, and in IndexedDB when `lasting` (a
    /// sign-in's key until its callback), with its creation time and not
    /// settled yet ([`settle`]).
    pub async fn keep(&self, lasting: bool) -> Result<(), AppError> {
        KEYS.with(|keys| {
            let mut keys = keys.borrow_mut();
            keys.retain(|k| k.jkt != self.jkt);
            keys.push(self.clone());
        });
        if lasting {
            self.store(false).await?;
        }
        Ok(())
    }

    /// Writes the key's record: the two `CryptoKey`s, when it was kept and
    /// whether a session took it.
    async fn store(&self, settled: bool) -> Result<(), AppError> {
        let record = Object::new();
        set(&record, "privateKey", &self.private);
        set(&record, "publicKey", &self.public);
        set(&record, CREATED_AT, &JsValue::from_f64(page::now_ms() as f64));
        set(&record, SETTLED, &JsValue::from_bool(settled));
        idb::put(&self.jkt, &record).await
    }
}

/// The key with this thumbprint: this page's, or the one IndexedDB keeps
/// for the session's tabs.
pub async fn find(jkt: &str) -> Result<ProofKey, AppError> {
    if let Some(key) = KEYS.with(|keys| keys.borrow().iter().find(|k| k.jkt == jkt).cloned()) {
        return Ok(key);
    }
    let key = stored(jkt).await?;
    key.keep(false).await?;
    Ok(key)
}

/// The key IndexedDB keeps under this thumbprint.
pub async fn stored(jkt: &str) -> Result<ProofKey, AppError> {
    let record = idb::get(jkt).await?.ok_or_else(|| AppError::Storage { problem: "the DPoP key of this session is gone from IndexedDB".to_owned() })?;
    let key = ProofKey::from_pair(get(&record, "privateKey").unchecked_into(), get(&record, "publicKey").unchecked_into()).await?;
    if key.jkt != jkt {
        return Err(AppError::Storage { problem: "IndexedDB holds another DPoP key under this session's".to_owned() });
    }
    Ok(key)
}

/// After the callback: the key stays in IndexedDB for the session's tabs
/// (`lasting`), marked settled so that no sweep takes it, or leaves it and
/// lives in this page only.
pub async fn settle(jkt: &str, lasting: bool) -> Result<(), AppError> {
    if !lasting {
        return idb::delete(jkt).await;
    }
    find(jkt).await?.store(true).await
}

/// The session ended, or its sign-in failed: the key goes, from the page
/// and from IndexedDB.
pub async fn forget(jkt: &str) {
    KEYS.with(|keys| keys.borrow_mut().retain(|k| k.jkt != jkt));
    let _ = idb::delete(jkt).await;
}

/// The record's creation time, in milliseconds since the Unix epoch.
const CREATED_AT: &str = "createdAtMs";
/// Whether a session took the key (the callback settled it).
const SETTLED: &str = "settled";

/// At a start: removes from IndexedDB the keys of sign-ins that never came
/// back ([`dpop::kept_key_is_stale`]); a session's key stays. Best effort.
pub async fn sweep(now_ms: u64) {
    let Ok(entries) = idb::entries().await else { return };
    for (jkt, record) in entries {
        let created = get(&record, CREATED_AT).as_f64().filter(|t| t.is_finite() && *t >= 0.0).map(|t| t as u64);
        let settled = get(&record, SETTLED).as_bool() == Some(true);
        if dpop::kept_key_is_stale(created, settled, now_ms) {
            let _ = idb::delete(&jkt).await;
        }
    }
}

/// The session is over: the servers' nonces this page and (for a
/// `"session"` session) its tabs kept go with it.
pub fn forget_nonces() {
    NONCES.with(|n| n.borrow_mut().clear());
    storage::forget_dpop_nonces();
}

/// Sends `outgoing` with a proof, once more with the server's nonce when
/// it asks for one ([`dpop::nonce_asked`]). The latest nonce is kept for
/// the next proof (RFC 9449 §8.2; where: [`dpop::nonce_slots`]).
pub async fn with_proof(key: &ProofKey, nonces: Nonces, mut outgoing: Outgoing<'_>) -> Result<Reply, AppError> {
    let known = nonces.latest(outgoing.url);
    let reply = attempt(key, nonces, &mut outgoing, known.as_deref()).await?;
    match dpop::nonce_asked(reply.status, &reply.body, reply.www_authenticate.as_deref(), reply.dpop_nonce.as_deref()) {
        Some(asked) => attempt(key, nonces, &mut outgoing, Some(&asked)).await,
        None => Ok(reply),
    }
}

/// One send of `outgoing` with a fresh proof carrying `nonce`.
async fn attempt(key: &ProofKey, nonces: Nonces, outgoing: &mut Outgoing<'_>, nonce: Option<&str>) -> Result<Reply, AppError> {
    outgoing.proof = Some(key.proof(outgoing.method(), outgoing.url, nonce, outgoing.access_token).await?);
    let reply = http::send(outgoing).await?;
    if let Some(fresh) = &reply.dpop_nonce {
        // Kept only when it is a nonce's syntax (RFC 9449 §8.1).
        nonces.keep(outgoing.url, fresh);
    }
    Ok(reply)
}
