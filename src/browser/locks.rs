//! One refresh at a time for a session, across the tabs that hold it: the
//! Web Locks API (`navigator.locks.request`). web-sys has it only behind
//! its unstable flag, so it is reached through `Reflect`.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};

fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    (!locks.is_undefined()).then_some(locks)
}

/// Whether this browser has Web Locks.
pub fn available() -> bool {
    lock_manager().is_some()
}

/// Runs `work` while holding the exclusive lock `name`; tabs asking for the
/// same name wait their turn. Without Web Locks `work` runs at once: each tab
/// then refreshes on its own (the documented fallback; a rotating provider
/// may then end the session of a duplicated tab). `None` only if `work`
/// started under the lock and never finished.
pub async fn with_lock<F, Fut, T>(name: &str, work: F) -> Option<T>
where
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
    T: 'static,
{
    let Some(locks) = lock_manager() else {
        return Some(work().await);
    };
    let work = Rc::new(RefCell::new(Some(work)));
    let output: Rc<RefCell<Option<T>>> = Rc::default();
    let (pending_work, slot) = (work.clone(), output.clone());
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        future_to_promise(async move {
            let job = pending_work.borrow_mut().take();
            if let Some(job) = job {
                let value = job().await;
                *slot.borrow_mut() = Some(value);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call2(&locks, &JsValue::from_str(name), &callback).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok());
    if let Some(promise) = request {
        let _ = JsFuture::from(promise).await;
    }
    let done = output.borrow_mut().take();
    if done.is_some() {
        return done;
    }
    // The lock could not be requested: run unlocked rather than not at all.
    let job = work.borrow_mut().take();
    match job {
        Some(job) => Some(job().await),
        None => None,
    }
}
