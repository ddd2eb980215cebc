//! Randomness from the browser's CSPRNG (`crypto.getRandomValues`, through
//! getrandom's `wasm_js` backend).

use crate::core::sign_in::Randomness;
use crate::core::AppError;

/// 32 octets from the CSPRNG: 256 bits for each secret, or a prefix of them
/// where fewer are needed.
pub fn bytes32() -> Result<[u8; 32], AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| AppError::RandomUnavailable)?;
    Ok(bytes)
}

/// The octets of one sign-in: its PKCE verifier, `state` and nonce, each drawn
/// on its own.
pub fn sign_in_randomness() -> Result<Randomness, AppError> {
    Ok(Randomness { verifier: bytes32()?, state: bytes32()?, nonce: bytes32()? })
}

/// A new random session id (128 bits), shared by the tabs that hold it.
pub fn session_id() -> Result<String, AppError> {
    Ok(crate::core::b64::encode(&bytes32()?[..16]))
}
