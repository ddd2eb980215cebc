//! Where the app is (its base URL under any public path), the address bar,
//! navigation away, and the clock.

use crate::core::AppError;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The absolute URL of the folder that holds index.html, ending in `/`.
/// The build writes the public URL (`/`, `/app/`) into
/// `<meta name="pkce-spa-public-url">` (scripts/post-build.mjs); without it,
/// the folder of the document's base URL.
pub fn base_url() -> String {
    let document = window().and_then(|w| w.document());
    let origin = window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let public_url = document
        .as_ref()
        .and_then(|d| d.query_selector("meta[name=pkce-spa-public-url]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .filter(|p| p.starts_with('/') && p.ends_with('/'));
    if let Some(path) = public_url {
        return format!("{origin}{path}");
    }
    let base = document.and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    let folder = base.split(['?', '#']).next().unwrap_or_default();
    match folder.rfind('/') {
        Some(i) => folder[..=i].to_owned(),
        None => format!("{folder}/"),
    }
}

/// The base path for the router: `""` at the root, `"/app"` under `/app/`.
pub fn base_path() -> String {
    let url = base_url();
    let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.trim_end_matches('/').to_owned()
}

/// Whether the address bar shows the app's `/callback` page.
pub fn is_callback_path() -> bool {
    let path = window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    crate::core::callback::is_callback_path(&base_path(), &path)
}

/// The raw query string of the address bar, with its `?`.
pub fn query() -> String {
    window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

/// Replaces the current history entry with the same path and no query or
/// fragment, so the authorization code and state leave the address bar and
/// the history (RFC 9700 §4.2.4, browser-based apps BCP).
pub fn strip_query() -> Result<(), AppError> {
    let failed = |problem: &str| AppError::Navigation { problem: problem.to_owned() };
    let w = window().ok_or_else(|| failed("no window"))?;
    let path = w.location().pathname().map_err(|_| failed("no location"))?;
    let history = w.history().map_err(|_| failed("no history"))?;
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path))
        .map_err(|_| failed("history.replaceState was refused"))
}

/// Leaves the app for `url` (the provider's authorization endpoint).
pub fn go_to(url: &str) -> Result<(), AppError> {
    let failed = || AppError::Navigation { problem: "location.assign was refused".to_owned() };
    window().ok_or_else(failed)?.location().assign(url).map_err(|_| failed())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A time in ms since the epoch, as an ISO 8601 UTC string.
pub fn iso_time(ms: u64) -> String {
    String::from(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).to_iso_string())
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A timer that calls back once; dropping it cancels it.
pub struct Timer {
    handle: i32,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(w) = window() {
            w.clear_timeout_with_handle(self.handle);
        }
    }
}

/// Calls `f` after `ms` milliseconds (capped by the caller: `setTimeout`
/// fires at once past 2^31-1 ms).
pub fn after_ms(ms: u64, f: impl FnOnce() + 'static) -> Option<Timer> {
    use wasm_bindgen::JsCast;
    let mut f = Some(f);
    let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        if let Some(f) = f.take() {
            f();
        }
    });
    let delay = i32::try_from(ms).unwrap_or(i32::MAX);
    let handle = window()?.set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), delay).ok()?;
    Some(Timer { handle, _callback: callback })
}

/// Listens while it lives.
pub struct VisibilityListener {
    document: web_sys::Document,
    callback: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Drop for VisibilityListener {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        let _ = self.document.remove_event_listener_with_callback("visibilitychange", self.callback.as_ref().unchecked_ref());
    }
}

/// Calls `f` whenever the page becomes visible again: timers of a hidden
/// tab are throttled or frozen, and a sleeping computer stops them all.
pub fn on_visible(f: impl Fn() + 'static) -> Option<VisibilityListener> {
    use wasm_bindgen::JsCast;
    let document = window()?.document()?;
    let watched = document.clone();
    let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        if watched.visibility_state() == web_sys::VisibilityState::Visible {
            f();
        }
    });
    document.add_event_listener_with_callback("visibilitychange", callback.as_ref().unchecked_ref()).ok()?;
    Some(VisibilityListener { document, callback })
}
