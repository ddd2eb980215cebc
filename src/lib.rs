//! pkce-spa: sign-in for a static Rust single-page app with any OpenID
//! Connect / OAuth 2.0 provider, as a public client (Authorization Code +
//! PKCE, no secret).
//!
//! - [`core`]: the protocol, pure Rust, tested natively.
//! - `browser`: the thin layer over the browser's storage, HTTP, navigation
//!   and randomness (wasm only).
//! - `flow`: the sign-in steps wired to the browser (wasm only).
//! - `ui`: the Leptos components (wasm only).

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod flow;
#[cfg(target_arch = "wasm32")]
pub mod session_flow;
#[cfg(target_arch = "wasm32")]
pub mod session_runner;
#[cfg(target_arch = "wasm32")]
pub mod ui;
