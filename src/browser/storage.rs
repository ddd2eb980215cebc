//! Pending sign-in requests in sessionStorage: per tab, gone when the tab
//! closes, never shared with other tabs or kept on disk like localStorage
//! (IETF browser-based apps BCP). Tokens are never written here.

use gloo_storage::errors::StorageError;
use gloo_storage::{SessionStorage, Storage};

use crate::core::authorize::State;
use crate::core::pending::{self, PendingRequest};
use crate::core::AppError;

/// gloo-storage throws when the storage object is missing (some privacy
/// modes), so look first.
fn available() -> Result<(), AppError> {
    let storage = web_sys::window().map(|w| w.session_storage());
    match storage {
        Some(Ok(Some(_))) => Ok(()),
        _ => Err(AppError::Storage { problem: "sessionStorage is blocked".to_owned() }),
    }
}

fn failed(e: StorageError) -> AppError {
    AppError::Storage { problem: e.to_string() }
}

pub fn save_pending(state: &State, request: &PendingRequest) -> Result<(), AppError> {
    available()?;
    SessionStorage::set(pending::storage_key(state), request).map_err(failed)
}

/// Removes the pending request for `state` and returns it: whatever happens
/// next, it cannot be used a second time. An entry that no longer parses
/// (edited by hand) counts as absent.
pub fn take_pending(state: &State) -> Result<Option<PendingRequest>, AppError> {
    available()?;
    let key = pending::storage_key(state);
    let found = SessionStorage::get::<PendingRequest>(&key);
    SessionStorage::delete(&key);
    match found {
        Ok(request) => Ok(Some(request)),
        Err(StorageError::KeyNotFound(_) | StorageError::SerdeError(_)) => Ok(None),
        Err(e) => Err(failed(e)),
    }
}
