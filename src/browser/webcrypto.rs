//! ID token signatures checked by the browser's WebCrypto
//! (`SubtleCrypto.importKey` of the provider's JWK, then `verify`), so no RSA
//! or elliptic-curve code is compiled into the app.

use js_sys::{Array, Object, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use crate::core::id_token::SignatureVerifier;
use crate::core::jwks::PublicKey;
use crate::core::jws::Alg;
use crate::core::AppError;

pub struct WebCrypto;

fn unavailable(problem: &str) -> AppError {
    AppError::WebCryptoUnavailable { problem: problem.to_owned() }
}

fn subtle() -> Result<SubtleCrypto, AppError> {
    let window = web_sys::window().ok_or_else(|| unavailable("no window"))?;
    let crypto = window.crypto().map_err(|_| unavailable("no window.crypto"))?;
    // `crypto.subtle` is undefined outside a secure context.
    let subtle = js_sys::Reflect::get(&crypto, &JsValue::from_str("subtle")).map_err(|_| unavailable("no crypto.subtle"))?;
    if subtle.is_undefined() {
        return Err(unavailable("crypto.subtle exists only over https or on localhost"));
    }
    Ok(subtle.unchecked_into())
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
        let crypto_key: CryptoKey = JsFuture::from(import)
            .await
            .map_err(|_| unavailable(&format!("the provider's key {key_name} could not be imported for {}", alg.name())))?
            .unchecked_into();
        let check = subtle
            .verify_with_object_and_u8_array_and_u8_array(&object(&alg.verify_params())?, &crypto_key, signature, signing_input)
            .map_err(|_| unavailable("verify is missing"))?;
        let verdict = JsFuture::from(check).await.map_err(|_| unavailable("verify failed"))?;
        Ok(verdict.as_bool() == Some(true))
    }
}
