//! A bound on every wait for the browser: a promise that has not settled
//! within the page's request timeout (`request_timeout_s`) counts as failed.
//! IndexedDB, WebCrypto and Web Locks can each be held up (another page of
//! the origin holding a lock or a database open), and nothing in this layer
//! may wait for ever.

use js_sys::{Array, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How a bounded wait ended without a value.
#[derive(Debug)]
pub enum Unsettled {
    /// The promise rejected, with this value.
    Rejected(JsValue),
    /// It had not settled after this many milliseconds.
    TimedOut(u64),
}

/// A promise that resolves to `marker` after `after_ms`.
fn timer(after_ms: u64, marker: JsValue) -> Promise {
    Promise::new(&mut |resolve, _| {
        let marker = marker.clone();
        let fire = Closure::once_into_js(move || resolve.call1(&JsValue::NULL, &marker));
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(fire.unchecked_ref(), after_ms.min(i32::MAX as u64) as i32);
        }
    })
}

/// `promise`'s value, unless it rejects or `after_ms` pass first.
pub async fn within(promise: Promise, after_ms: u64) -> Result<JsValue, Unsettled> {
    // A fresh object no promise of the browser can resolve to.
    let marker: JsValue = js_sys::Object::new().into();
    let race = Promise::race(&Array::of2(&promise, &timer(after_ms, marker.clone())));
    match JsFuture::from(race).await {
        Ok(value) if value == marker => Err(Unsettled::TimedOut(after_ms)),
        Ok(value) => Ok(value),
        Err(e) => Err(Unsettled::Rejected(e)),
    }
}

/// [`within`] the page's request timeout (`request_timeout_s`).
pub async fn within_timeout(promise: Promise) -> Result<JsValue, Unsettled> {
    within(promise, super::http::timeout_ms()).await
}
