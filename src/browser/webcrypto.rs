//! ID token signatures checked by the browser's WebCrypto
//! (`SubtleCrypto.importKey` of the provider's JWK, then `verify`), so no RSA
//! or elliptic-curve code is compiled into the app. Every WebCrypto call is
//! bounded by the request timeout ([`settle`]).

use js_sys::{Array, Object, Promise, JSON};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, SubtleCrypto};

use super::bound;

use crate::core::id_token::SignatureVerifier;
use crate::core::jwks::PublicKey;
use crate::core::jws::Alg;
use crate::core::{b64, AppError};

/// The [`SignatureVerifier`] of the wasm build: ID token signatures checked
/// with `SubtleCrypto.verify`.
pub struct WebCrypto;

fn unavailable(problem: &str) -> AppError {
    AppError::WebCryptoUnavailable { problem: problem.to_owned() }
}

pub(super) fn subtle() -> Result<SubtleCrypto, AppError> {
    let window = web_sys::window().ok_or_else(|| unavailable("no window"))?;
    let crypto = window.crypto().map_err(|_| unavailable("no window.crypto"))?;
    // `crypto.subtle` is undefined outside a secure context.
    let subtle = js_sys::Reflect::get(&crypto, &JsValue::from_str("subtle")).map_err(|_| unavailable("no crypto.subtle"))?;
    if subtle.is_undefined() {
        return Err(unavailable("crypto.subtle exists only over https or on localhost"));
    }
    Ok(subtle.unchecked_into())
}

/// A WebCrypto promise's value, or `webcrypto_unavailable` saying `what`
/// failed, or that it took longer than the request timeout.
pub(super) async fn settle(promise: Promise, what: &str) -> Result<JsValue, AppError> {
    match bound::within_timeout(promise).await {
        Ok(value) => Ok(value),
        Err(bound::Unsettled::Rejected(_)) => Err(unavailable(what)),
        Err(bound::Unsettled::TimedOut(ms)) => Err(unavailable(&format!("{what}: no result within {ms} ms"))),
    }
}

fn object(value: &serde_json::Value) -> Result<Object, AppError> {
    JSON::parse(&value.to_string()).map(JsCast::unchecked_into).map_err(|_| unavailable("could not build a WebCrypto argument"))
}

impl SignatureVerifier for WebCrypto {
    async fn verify(&self, alg: Alg, key: &PublicKey, signing_input: &[u8], signature: &[u8]) -> Result<bool, AppError> {
        let subtle = subtle()?;
        let usages = Array::of1(&JsValue::from_str("verify"));
        let import = subtle
            .import_key_with_object("jwk", &object(&key.jwk)?, &object(&alg.import_params())?, false, &usages)
            .map_err(|_| unavailable("importKey is missing"))?;
        let key_name = key.kid.as_deref().unwrap_or("without kid");
        let crypto_key: CryptoKey =
            settle(import, &format!("the provider's key {key_name} could not be imported for {}", alg.name())).await?.unchecked_into();
        let check = subtle
            .verify_with_object_and_u8_array_and_u8_array(&object(&alg.verify_params())?, &crypto_key, signature, signing_input)
            .map_err(|_| unavailable("verify is missing"))?;
        let verdict = settle(check, "verify failed").await?;
        Ok(verdict.as_bool() == Some(true))
    }
}

/// The key that only the tabs of one session hold (AES-GCM, 256 bits): made
/// at sign-in, kept beside the session in this tab's sessionStorage (which a
/// duplicated tab inherits), imported as non-extractable. Messages between
/// the session's tabs and the mark they share are sealed with it, so other
/// same-origin script can neither read nor forge them.
#[derive(Clone)]
pub struct SessionKey(CryptoKey);

/// What a sealed value is for (AES-GCM additional data): a mark cannot be
/// replayed as a message, nor the other way round.
#[derive(Clone, Copy)]
pub enum Purpose {
    /// A message to the session's other tabs (`browser::channel`).
    Message,
    /// The mark the session's tabs share in localStorage.
    Mark,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Message => b"pkce-spa.message.v1",
            Self::Mark => b"pkce-spa.mark.v1",
        }
    }
}

fn aes_gcm(iv: &[u8], purpose: Purpose) -> Result<Object, AppError> {
    let params = Object::new();
    let set = |name: &str, value: &JsValue| js_sys::Reflect::set(&params, &JsValue::from_str(name), value);
    set("name", &JsValue::from_str("AES-GCM"))
        .and_then(|_| set("iv", &js_sys::Uint8Array::from(iv).into()))
        .and_then(|_| set("additionalData", &js_sys::Uint8Array::from(purpose.label()).into()))
        .map_err(|_| unavailable("could not build the AES-GCM parameters"))?;
    Ok(params)
}

impl SessionKey {
    /// Imports the raw key bytes; the `CryptoKey` cannot be exported again.
    pub async fn import(raw: &[u8; 32]) -> Result<Self, AppError> {
        let subtle = subtle()?;
        let usages = Array::of2(&JsValue::from_str("encrypt"), &JsValue::from_str("decrypt"));
        let bytes: Object = js_sys::Uint8Array::from(&raw[..]).into();
        let import = subtle.import_key_with_str("raw", &bytes, "AES-GCM", false, &usages).map_err(|_| unavailable("importKey is missing"))?;
        let key = settle(import, "the session key could not be imported").await?;
        Ok(Self(key.unchecked_into()))
    }

    /// `iv.ciphertext`, both base64url, with a fresh 96-bit IV.
    pub async fn seal(&self, plaintext: &[u8], purpose: Purpose) -> Result<String, AppError> {
        let iv = &crate::browser::random::bytes32()?[..12];
        let subtle = subtle()?;
        let promise = subtle
            .encrypt_with_object_and_u8_array(&aes_gcm(iv, purpose)?, &self.0, plaintext)
            .map_err(|_| unavailable("encrypt is missing"))?;
        let sealed = settle(promise, "encrypt failed").await?;
        let bytes = js_sys::Uint8Array::new(&sealed).to_vec();
        Ok(format!("{}.{}", b64::encode(iv), b64::encode(&bytes)))
    }

    /// The plaintext, or `None` for anything not sealed with this key for
    /// this purpose (forged, tampered with, from another session).
    pub async fn open(&self, sealed: &str, purpose: Purpose) -> Option<Vec<u8>> {
        let (iv, ciphertext) = sealed.split_once('.')?;
        let (iv, ciphertext) = (b64::decode(iv)?, b64::decode(ciphertext)?);
        if iv.len() != 12 {
            return None;
        }
        let promise = subtle().ok()?.decrypt_with_object_and_u8_array(&aes_gcm(&iv, purpose).ok()?, &self.0, &ciphertext).ok()?;
        let plain = settle(promise, "decrypt failed").await.ok()?;
        Some(js_sys::Uint8Array::new(&plain).to_vec())
    }
}
