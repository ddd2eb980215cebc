//! JSON objects field by field, through `serde_json::Value` (which the app
//! parses anyway): an `Object` to write, and readers that tell an absent
//! or `null` field (`Some(None)`) from one of the wrong type (`None`). What
//! the app stores and sends is written and read this way rather than with
//! serde's derives, whose code per type weighed several KB of the wasm
//! (bench/README.md).

use serde_json::{Map, Value};

/// An object being written.
#[derive(Default)]
pub(crate) struct Object(Map<String, Value>);

impl Object {
    /// Adds `name`, unless `value` is `None`.
    pub(crate) fn put(mut self, name: &str, value: Option<impl Into<Value>>) -> Self {
        if let Some(value) = value {
            self.0.insert(name.to_owned(), value.into());
        }
        self
    }

    /// Adds `name` with `value`.
    pub(crate) fn with(self, name: &str, value: impl Into<Value>) -> Self {
        self.put(name, Some(value))
    }
}

impl From<Object> for Value {
    fn from(object: Object) -> Self {
        Value::Object(object.0)
    }
}

/// A field that may be absent or `null` (`Some(None)`), read by `read`:
/// `None` when it is there and `read` does not take it.
fn optional<T>(v: &Value, name: &str, read: impl Fn(&Value) -> Option<T>) -> Option<Option<T>> {
    match v.get(name) {
        None | Some(Value::Null) => Some(None),
        Some(field) => read(field).map(Some),
    }
}

/// A string field that may be absent or `null`: `None` when it is neither
/// that nor a string.
pub(crate) fn optional_string(v: &Value, name: &str) -> Option<Option<String>> {
    optional(v, name, |field| field.as_str().map(str::to_owned))
}

/// A string field that must be there.
pub(crate) fn string(v: &Value, name: &str) -> Option<String> {
    optional_string(v, name)?
}

/// A whole number field that may be absent or `null`: `None` when it is
/// neither that nor a whole number.
pub(crate) fn optional_u64(v: &Value, name: &str) -> Option<Option<u64>> {
    optional(v, name, Value::as_u64)
}

/// A whole number field that must be there.
pub(crate) fn u64_field(v: &Value, name: &str) -> Option<u64> {
    optional_u64(v, name)?
}

/// A `true` or `false` field that may be absent or `null`: `None` when it
/// is neither that nor a boolean.
pub(crate) fn optional_bool(v: &Value, name: &str) -> Option<Option<bool>> {
    optional(v, name, Value::as_bool)
}

/// A list of strings that may be absent or `null`: `None` when it is
/// neither that nor a list of strings only.
pub(crate) fn optional_strings(v: &Value, name: &str) -> Option<Option<Vec<String>>> {
    optional(v, name, |field| field.as_array()?.iter().map(|item| item.as_str().map(str::to_owned)).collect())
}
