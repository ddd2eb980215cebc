//! The protocol core: every OAuth 2.0 / OpenID Connect step as plain Rust with
//! no browser types, so each rule is unit-tested natively and the data each
//! step produces can be shown (a later flow inspector reads the same values).
//!
//! Data flows config -> discovery -> sign_in -> callback -> token -> session.

pub mod api;
pub mod authorize;
pub mod b64;
pub mod callback;
pub mod check;
pub mod config;
pub mod discovery;
pub mod dpop;
pub mod endpoints;
pub mod error;
pub mod fields;
pub mod id_token;
pub mod issuer;
pub mod json;
pub mod jwks;
pub mod jws;
pub mod names;
pub mod pending;
pub mod logout;
pub mod par;
pub mod pkce;
pub mod presets;
pub mod return_to;
pub mod route;
pub mod schedule;
pub mod secret;
pub mod session;
pub mod session_engine;
pub mod session_json;
pub mod sign_in;
pub mod token;
pub mod url;
pub mod userinfo;

pub use error::AppError;
