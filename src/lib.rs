//! pkce-spa: sign-in for a static Rust single-page app with any OpenID
//! Connect / OAuth 2.0 provider, as a public client (Authorization Code +
//! PKCE, no secret).
//!
//! - [`core`]: the protocol, pure Rust with no browser types, tested natively.
//! - `browser`: the thin layer over the browser: storage, HTTP, the page
//!   (address, navigation, clock, timers, visibility), its URL parser,
//!   randomness, WebCrypto, Web Locks and the tabs' channel (wasm only).
//! - `flow`: the sign-in steps wired to the browser (wasm only).
//! - `session_flow`: the session's requests wired to the browser: refresh,
//!   UserInfo, the API call, revocation, the provider's sign-out (wasm only).
//! - `session_runner`: runs `core::session_engine` in the browser (wasm only).
//! - `ui`: the Leptos components, views only (wasm only).

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
