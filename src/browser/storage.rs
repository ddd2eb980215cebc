//! What the app keeps in the browser. In this tab's sessionStorage (per tab,
//! gone when the tab closes, IETF browser-based apps BCP): pending sign-in
//! requests and which responses were handled, the logout `state`, a
//! sign-out problem to report and, with `token_storage: "session"` only, the
//! session and its key. In localStorage only the sealed mark the tabs of a
//! session share and, for such a session, the servers' DPoP nonces; never a
//! token. (The DPoP key
//! is in IndexedDB: `browser::dpop`.) Every key is this deployment's
//! (`core::names`, from the app's base path): another deployment on the
//! origin has its own, and nothing here reads or removes another's.

use gloo_storage::{SessionStorage, Storage};

use crate::core::authorize::State;
use crate::core::session::Session;
use crate::core::pending::{self, KeptDiscovery, PendingRequest};
use crate::core::{dpop, AppError};

use super::page::names;

/// gloo-storage throws when the storage object is missing (some privacy
/// modes), so look first.
fn available() -> Result<(), AppError> {
    let storage = web_sys::window().map(|w| w.session_storage());
    match storage {
        Some(Ok(Some(_))) => Ok(()),
        _ => Err(AppError::Storage { problem: "sessionStorage is blocked".to_owned() }),
    }
}

/// The raw storage, for listing keys (gloo-storage has no iterator over keys).
fn raw() -> Result<web_sys::Storage, AppError> {
    available()?;
    Ok(SessionStorage::raw())
}

/// Keeps the pending sign-in under its `state` (`Names::pending`) for
/// the callback.
pub fn save_pending(state: &State, request: &PendingRequest) -> Result<(), AppError> {
    set_text(&names().pending(state), &request.to_json())
}

/// Removes the pending request for `state` and returns it: whatever happens
/// next, it cannot be used a second time. An entry that no longer parses
/// (edited by hand) counts as absent.
pub fn take_pending(state: &State) -> Result<Option<PendingRequest>, AppError> {
    available()?;
    let key = names().pending(state);
    Ok(take_text(&key).and_then(|text| PendingRequest::from_json(&text)))
}

/// Marks the response for `state` as handled (see `Names::handled`).
pub fn mark_handled(state: &State, now_ms: u64) -> Result<(), AppError> {
    set_text(&names().handled(state), &now_ms.to_string())
}

/// Whether this tab already handled a response with `state`.
pub fn was_handled(state: &State) -> Result<bool, AppError> {
    Ok(raw()?.get_item(&names().handled(state)).ok().flatten().is_some_and(|v| v.parse::<u64>().is_ok()))
}

/// A value that is plain text (a time, a key, a sentence): stored as is,
/// without serde.
fn set_text(key: &str, value: &str) -> Result<(), AppError> {
    raw()?.set_item(key, value).map_err(|_| AppError::Storage { problem: "sessionStorage refused to store (full?)".to_owned() })
}

/// A plain-text value.
fn get_text(key: &str) -> Option<String> {
    raw().ok()?.get_item(key).ok().flatten()
}

/// Removes a plain-text value and gives it back.
fn take_text(key: &str) -> Option<String> {
    let storage = raw().ok()?;
    let value = storage.get_item(key).ok().flatten();
    let _ = storage.remove_item(key);
    value
}

/// This deployment's keys in `storage`.
fn keys_of(storage: &web_sys::Storage, prefix: &str) -> Vec<String> {
    let length = storage.length().unwrap_or(0);
    (0..length).filter_map(|i| storage.key(i).ok().flatten()).filter(|k| k.starts_with(prefix)).collect()
}

fn our_keys() -> Result<Vec<String>, AppError> {
    let names = names();
    Ok(keys_of(&raw()?, "").into_iter().filter(|k| names.owns(k)).collect())
}

/// The redirect URIs of the sign-ins this tab has pending and not expired:
/// where the provider was asked to send its answers. None when storage is
/// blocked.
pub fn pending_redirect_uris(now_ms: u64) -> Vec<String> {
    let Ok(keys) = our_keys() else { return Vec::new() };
    let prefix = names().pending_prefix();
    keys.iter()
        .filter(|k| k.starts_with(&prefix))
        .filter_map(|k| get_text(k).and_then(|text| PendingRequest::from_json(&text)))
        .filter(|p| !pending::is_expired(p.created_at_ms, now_ms))
        .map(|p| p.redirect_uri)
        .collect()
}

/// Did this tab handle a response lately?
pub fn any_handled() -> Result<bool, AppError> {
    Ok(our_keys()?.iter().any(|k| k.starts_with(&names().handled_prefix())))
}

/// Removes pending requests and handled marks past their lifetime, so an
/// abandoned sign-in's verifier does not stay in the tab.
pub fn sweep(now_ms: u64) -> Result<(), AppError> {
    let storage = raw()?;
    let names = names();
    for key in our_keys()? {
        let value = storage.get_item(&key).ok().flatten().unwrap_or_default();
        if pending::is_stale(&names, &key, &value, now_ms) {
            let _ = storage.remove_item(&key);
        }
    }
    Ok(())
}

/// Keeps the discovery document for this tab's `/callback`.
pub fn keep_discovery(kept: &KeptDiscovery) {
    if let Ok(storage) = raw() {
        let _ = storage.set_item(&names().discovery(), &kept.to_text());
    }
}

/// The discovery document kept by [`keep_discovery`], if any and readable.
pub fn kept_discovery() -> Option<KeptDiscovery> {
    KeptDiscovery::from_text(&get_text(&names().discovery())?)
}

/// Keeps the session in this tab's sessionStorage (`token_storage: "session"`).
pub fn save_session(session: &Session) -> Result<(), AppError> {
    set_text(&names().session(), &session.to_json())
}

/// The session a reload of this tab left, if any and readable.
pub fn load_session() -> Option<Session> {
    Session::from_json(&get_text(&names().session())?)
}

/// Forgets the session and its key in this tab.
pub fn clear_session() {
    if available().is_ok() {
        SessionStorage::delete(names().session());
        SessionStorage::delete(names().session_key());
    }
}

/// Keeps the session's AES-GCM key beside the session, base64url (a
/// duplicated tab inherits both; no other tab has them).
pub fn save_session_key(key: &[u8; 32]) -> Result<(), AppError> {
    set_text(&names().session_key(), &crate::core::b64::encode(key))
}

/// The session's key, if this tab (or the tab it was duplicated from) kept one.
pub fn load_session_key() -> Option<[u8; 32]> {
    crate::core::b64::decode(&get_text(&names().session_key())?)?.try_into().ok()
}

/// The mark the tabs of a session share (see `core::session_engine::Mark`),
/// in localStorage because every tab of the origin must read it under the
/// lock: only sealed with the session's key, never a token. `ended` and
/// `at` are outside the seal only so that any tab can sweep old marks.
/// Stored as the text `<at> <ended: 0 or 1> <sealed>`.
pub struct StoredMark {
    /// The [`Mark`](crate::core::session_engine::Mark) as JSON, sealed with the
    /// session's key.
    pub sealed: String,
    /// The session ended; readable without the key.
    pub ended: bool,
    /// When the mark was written, in milliseconds since the Unix epoch.
    pub at: u64,
}

impl StoredMark {
    fn to_text(&self) -> String {
        format!("{} {} {}", self.at, u8::from(self.ended), self.sealed)
    }

    fn from_text(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, ' ');
        let at = parts.next()?.parse().ok()?;
        let ended = match parts.next()? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        Some(Self { sealed: parts.next()?.to_owned(), ended, at })
    }
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The mark of `session_id`, still sealed; `None` without localStorage or mark.
pub fn read_mark(session_id: &str) -> Option<StoredMark> {
    let text = local()?.get_item(&format!("{}{session_id}", names().mark_prefix())).ok()??;
    StoredMark::from_text(&text)
}

/// Writes the mark; without localStorage, tabs fall back to the messages.
pub fn write_mark(session_id: &str, mark: &StoredMark) {
    if let Some(storage) = local() {
        let _ = storage.set_item(&format!("{}{session_id}", names().mark_prefix()), &mark.to_text());
    }
}

/// Removes the marks of this deployment that `stale(ended, at)` says are
/// no longer needed.
pub fn sweep_marks(stale: impl Fn(bool, u64) -> bool) {
    let Some(storage) = local() else { return };
    for key in keys_of(&storage, &names().mark_prefix()) {
        let value = storage.get_item(&key).ok().flatten().unwrap_or_default();
        let stale = StoredMark::from_text(&value).is_none_or(|m| stale(m.ended, m.at));
        if stale {
            let _ = storage.remove_item(&key);
        }
    }
}

/// The latest DPoP nonce of a server (RFC 9449 §8.2) for `slot`
/// (`core::dpop::nonce_slots`: its endpoint, its origin), in localStorage
/// so that the tabs of a `"session"` session share it. A nonce is not a
/// secret: the server gives it to anyone who asks. Any page of the origin
/// can write localStorage: a value that is not a nonce's syntax (RFC 9449
/// §8.1, `core::dpop::is_nonce`) is not one.
pub fn dpop_nonce(slot: &str) -> Option<String> {
    local()?.get_item(&names().dpop_nonce(slot)).ok()?.filter(|n| dpop::is_nonce(n))
}

/// Keeps a server's latest DPoP nonce for the session's tabs; best effort.
pub fn save_dpop_nonce(slot: &str, nonce: &str) {
    if let (Some(storage), true) = (local(), dpop::is_nonce(nonce)) {
        let _ = storage.set_item(&names().dpop_nonce(slot), nonce);
    }
}

/// Removes every DPoP nonce this deployment kept: the session is over.
pub fn forget_dpop_nonces() {
    let Some(storage) = local() else { return };
    for key in keys_of(&storage, &names().dpop_nonce_prefix()) {
        let _ = storage.remove_item(&key);
    }
}

/// Keeps the `state` sent to the provider's end-session endpoint.
pub fn save_logout_state(state: &State, now_ms: u64) -> Result<(), AppError> {
    set_text(&format!("{}{}", names().logout_prefix(), state.as_str()), &now_ms.to_string())
}

/// Removes and reports the logout `state`, if this tab sent it.
pub fn take_logout_state(state: &str) -> Result<bool, AppError> {
    raw()?;
    Ok(take_text(&format!("{}{state}", names().logout_prefix())).is_some_and(|v| v.parse::<u64>().is_ok()))
}

/// Keeps the revocation problem for the page the provider's sign-out
/// returns to, so that page can report it.
pub fn save_sign_out_problem(problem: &str) -> Result<(), AppError> {
    set_text(&names().sign_out_problem(), problem)
}

/// Removes and returns the kept revocation problem, once.
pub fn take_sign_out_problem() -> Option<String> {
    take_text(&names().sign_out_problem())
}
