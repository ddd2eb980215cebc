//! pkce-spa: sign-in for a static Rust single-page app with any OpenID
//! Connect / OAuth 2.0 provider, as a public client (Authorization Code +
//! PKCE, no secret).
//!
//! - [`auth`]: **the library for Leptos 0.8 apps** (feature `leptos`, on by
//!   default): `AuthProvider`, `use_auth`, `AuthCallback`, `RequireAuth`.
//! - [`core`]: the protocol, pure Rust with no browser types, tested
//!   natively; usable from any framework (Yew, Dioxus, plain wasm-bindgen).
//! - `browser`: the thin layer over the browser: storage, HTTP, the page
//!   (address, navigation, clock, timers, visibility), its URL parser,
//!   randomness, WebCrypto, Web Locks and the tabs' channel (wasm only).
//! - `flow`: the sign-in steps wired to the browser (wasm only).
//! - `session_flow`: the session's requests wired to the browser: refresh,
//!   UserInfo, the API call, revocation, the provider's sign-out (wasm only).
//! - `session_runner`: runs `core::session_engine` in the browser (wasm only).
//!
//! Without the `leptos` feature (`default-features = false`), nothing of
//! Leptos is compiled: the core and the browser layer only.
#![deny(missing_docs)]

pub mod core;

#[cfg(all(target_arch = "wasm32", feature = "leptos"))]
pub mod auth;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod flow;
#[cfg(target_arch = "wasm32")]
pub mod session_flow;
#[cfg(target_arch = "wasm32")]
pub mod session_runner;
