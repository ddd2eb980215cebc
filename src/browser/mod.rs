//! The thin browser layer: each function does one browser call and turns its
//! failure into an [`AppError`](crate::core::AppError); no protocol logic.

pub mod bound;
pub mod channel;
pub mod dpop;
pub mod http;
pub mod idb;
pub mod locks;
pub mod page;
pub mod random;
pub mod storage;
pub mod url;
pub mod webcrypto;
