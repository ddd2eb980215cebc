//! One refresh at a time for a session, across the tabs that hold it: the
//! Web Locks API (`navigator.locks.request`). web-sys has it only behind
//! its unstable flag, so it is reached through `Reflect`.
//!
//! Any page of the origin can ask for the same lock and never give it
//! back, so the wait for it is bounded (the request timeout: the request
//! is aborted with an `AbortSignal`). Once the work has started it runs to
//! its end and its result is returned even if the lock is stolen meanwhile
//! (`steal: true` by another page): a refresh answer that arrived is never
//! dropped.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use futures::channel::oneshot;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortController;

fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    (!locks.is_undefined()).then_some(locks)
}

/// Whether this browser has Web Locks.
pub fn available() -> bool {
    lock_manager().is_some()
}

/// How a locked piece of work ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Locked<T> {
    /// It ran (under the lock; or without one where the browser has no Web
    /// Locks) and gave this.
    Ran(T),
    /// The lock was not granted within the bound: the work never started.
    NotGranted,
}

/// Runs `work` while holding the exclusive lock `name`; tabs asking for the
/// same name wait their turn, for `wait_ms` at most. Without Web Locks
/// `work` runs at once: each tab then refreshes on its own (the documented
/// fallback; a rotating provider may then end the session of a duplicated
/// tab).
pub async fn with_lock<F, Fut, T>(name: &str, wait_ms: u64, work: F) -> Locked<T>
where
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
    T: 'static,
{
    let Some(locks) = lock_manager() else {
        return Locked::Ran(work().await);
    };
    let work = Rc::new(RefCell::new(Some(work)));
    let started = Rc::new(Cell::new(false));
    let (done, result) = oneshot::channel::<T>();
    let callback = {
        let (work, started) = (work.clone(), started.clone());
        Closure::once_into_js(move |_lock: JsValue| -> Promise {
            started.set(true);
            let job = work.borrow_mut().take();
            future_to_promise(async move {
                if let Some(job) = job {
                    let _ = done.send(job().await);
                }
                Ok(JsValue::UNDEFINED)
            })
        })
    };
    let controller = AbortController::new().ok();
    let request = request(&locks, name, controller.as_ref(), &callback);
    let Some(request) = request else {
        // The lock could not be asked for: run unlocked rather than not at all.
        let job = work.borrow_mut().take();
        return match job {
            Some(job) => Locked::Ran(job().await),
            None => Locked::NotGranted,
        };
    };
    let _abort = controller.map(|c| abort_unless_started(c, started.clone(), wait_ms));
    // Resolves once the work is done; rejects when aborted before the grant
    // or when the lock is stolen while held.
    let _ = JsFuture::from(request).await;
    if !started.get() {
        return Locked::NotGranted;
    }
    match result.await {
        Ok(value) => Locked::Ran(value),
        Err(_) => Locked::NotGranted,
    }
}

/// `locks.request(name, {signal}, callback)`, or `None` if it threw.
fn request(locks: &JsValue, name: &str, controller: Option<&AbortController>, callback: &JsValue) -> Option<Promise> {
    let options = Object::new();
    if let Some(c) = controller {
        Reflect::set(&options, &JsValue::from_str("signal"), &c.signal()).ok()?;
    }
    let request = Reflect::get(locks, &JsValue::from_str("request")).ok()?.dyn_into::<Function>().ok()?;
    let args = js_sys::Array::of3(&JsValue::from_str(name), &options, callback);
    request.apply(locks, &args).ok()?.dyn_into::<Promise>().ok()
}

/// Aborts the lock request after `after_ms` unless the lock was granted by then.
struct AbortTimer {
    handle: i32,
    _fire: Closure<dyn FnMut()>,
}

impl Drop for AbortTimer {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.handle);
        }
    }
}

fn abort_unless_started(controller: AbortController, started: Rc<Cell<bool>>, after_ms: u64) -> Option<AbortTimer> {
    let fire = Closure::<dyn FnMut()>::new(move || {
        if !started.get() {
            controller.abort();
        }
    });
    let handle = web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(fire.as_ref().unchecked_ref(), after_ms.min(i32::MAX as u64) as i32)
        .ok()?;
    Some(AbortTimer { handle, _fire: fire })
}
