//! One IndexedDB object store, `pkce-spa{<base path>}` / `keys` (the
//! database is this deployment's: `core::names`), for the values that
//! only IndexedDB can keep: a `CryptoKey` is stored as the object it is
//! (structured clone) and stays non-extractable, where sessionStorage could
//! only hold exported, readable bytes. Every wait is bounded by the request
//! timeout (`bound::within_timeout`): another page of the origin holding
//! the database open must not hold the app up for ever.

use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransactionMode};

use super::{bound, page};
use crate::core::AppError;

const STORE: &str = "keys";

fn failed(problem: &str) -> AppError {
    AppError::Storage { problem: format!("IndexedDB: {problem}") }
}

/// The request's result once it succeeds, within the request timeout.
async fn settled(request: &IdbRequest) -> Result<JsValue, AppError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        let ok = Closure::once_into_js(move || resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED)));
        let fail = Closure::once_into_js(move || reject.call0(&JsValue::NULL));
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(fail.unchecked_ref()));
    });
    bound::within_timeout(promise).await.map_err(|e| match e {
        bound::Unsettled::Rejected(_) => failed("a request failed"),
        bound::Unsettled::TimedOut(ms) => failed(&format!("no answer within {ms} ms")),
    })
}

async fn open() -> Result<IdbDatabase, AppError> {
    let factory = web_sys::window().and_then(|w| w.indexed_db().ok().flatten()).ok_or_else(|| failed("not available"))?;
    let request = factory.open_with_u32(&page::names().database(), 1).map_err(|_| failed("cannot open"))?;
    let creating = request.clone();
    let upgrade = Closure::once_into_js(move || {
        if let Ok(db) = creating.result() {
            let _ = db.unchecked_into::<IdbDatabase>().create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    Ok(settled(&request).await?.unchecked_into())
}

async fn store(mode: IdbTransactionMode) -> Result<IdbObjectStore, AppError> {
    let db = open().await?;
    let transaction = db.transaction_with_str_and_mode(STORE, mode).map_err(|_| failed("no transaction"))?;
    transaction.object_store(STORE).map_err(|_| failed("no object store"))
}

/// Stores `value` (structured clone, so a `CryptoKey` stays one) under `key`,
/// replacing what was there.
pub async fn put(key: &str, value: &JsValue) -> Result<(), AppError> {
    let request = store(IdbTransactionMode::Readwrite).await?.put_with_key(value, &JsValue::from_str(key)).map_err(|_| failed("cannot write"))?;
    settled(&request).await.map(|_| ())
}

/// The value under `key`, `None` when there is none.
pub async fn get(key: &str) -> Result<Option<JsValue>, AppError> {
    let request = store(IdbTransactionMode::Readonly).await?.get(&JsValue::from_str(key)).map_err(|_| failed("cannot read"))?;
    let value = settled(&request).await?;
    Ok((!value.is_undefined()).then_some(value))
}

/// Removes the value under `key`, if any.
pub async fn delete(key: &str) -> Result<(), AppError> {
    let request = store(IdbTransactionMode::Readwrite).await?.delete(&JsValue::from_str(key)).map_err(|_| failed("cannot delete"))?;
    settled(&request).await.map(|_| ())
}

/// Every key and value of the store, in key order.
pub async fn entries() -> Result<Vec<(String, JsValue)>, AppError> {
    let store = store(IdbTransactionMode::Readonly).await?;
    let keys = store.get_all_keys().map_err(|_| failed("cannot list"))?;
    let values = store.get_all().map_err(|_| failed("cannot list"))?;
    let (keys, values): (js_sys::Array, js_sys::Array) = (settled(&keys).await?.unchecked_into(), settled(&values).await?.unchecked_into());
    Ok(keys.iter().zip(values.iter()).filter_map(|(k, v)| Some((k.as_string()?, v))).collect())
}
