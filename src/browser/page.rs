//! Where the app is (its base URL under any public path), the address bar,
//! navigation away, and the clock.

use std::cell::RefCell;

use crate::core::names::{self, Names};
use crate::core::route::{ReturnPaths, Route};
use crate::core::url::{ParsedUrl, UrlParser};
use crate::core::AppError;

thread_local! {
    /// Where config.json puts the callback and the sign-out return, once read.
    static RETURN_PATHS: RefCell<Option<ReturnPaths>> = const { RefCell::new(None) };
}

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

/// Whether the build finds its files relative to the page (trunk's
/// `public_url = "./"`): the loader then writes the base into the
/// `<meta name="pkce-spa-public-url">` that scripts/post-build.mjs marks
/// `data-relative`; without that meta, the base is the page's folder too.
pub fn relative_build() -> bool {
    let meta = window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=pkce-spa-public-url]").ok().flatten());
    meta.is_none_or(|m| m.has_attribute("data-relative"))
}

/// The address bar's origin and path, as the URL parser reads them.
pub fn here_url() -> Option<ParsedUrl> {
    crate::browser::url::BrowserUrls.parse(&window()?.location().href().ok()?)
}

/// From now on, [`route`] places the callback and the sign-out return at
/// `paths` (config.json's `redirect_uri` and `post_logout_redirect_uri`).
pub fn set_return_paths(paths: ReturnPaths) {
    RETURN_PATHS.with(|r| *r.borrow_mut() = Some(paths));
}

/// The page `pathname` shows: [`Route::at`] once config.json placed the
/// return paths, [`Route::of`] before.
fn route_of(base_path: &str, pathname: &str) -> Route {
    RETURN_PATHS.with(|r| match &*r.borrow() {
        Some(paths) => Route::at(base_path, pathname, paths),
        None => Route::of(base_path, pathname),
    })
}

/// The app's base path: `""` at the root, `"/app"` under `/app/`.
pub fn base_path() -> String {
    let url = base_url();
    let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.trim_end_matches('/').to_owned()
}

/// The names of this deployment's storage keys, database, locks and channel
/// (`core::names`), from the app's base path: the same for the whole page.
pub fn names() -> Names {
    names::here_or_init(|| Names::for_base(&base_path()))
}

/// The path in the address bar, as the browser encodes it.
pub fn pathname() -> String {
    window().and_then(|w| w.location().pathname().ok()).unwrap_or_default()
}

/// The page of the app the address bar shows.
pub fn route() -> Route {
    route_of(&base_path(), &pathname())
}

/// The address bar's path, query and fragment: where to return after a sign-in.
pub fn here() -> String {
    let Some(location) = window().map(|w| w.location()) else { return "/".to_owned() };
    format!("{}{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default(), location.hash().unwrap_or_default())
}

/// Shows `path` (of this app) in the address bar in place of the current
/// history entry, without loading it, and tells the app's router with a
/// `popstate` event (leptos_router and [`follow_links_in_app`] both listen).
pub fn show_in_app(path: &str) -> Result<(), AppError> {
    let failed = || AppError::Navigation { problem: "history.replaceState was refused".to_owned() };
    let w = window().ok_or_else(failed)?;
    w.history().map_err(|_| failed())?.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).map_err(|_| failed())?;
    let event = web_sys::Event::new("popstate").map_err(|_| failed())?;
    w.dispatch_event(&event).map_err(|_| failed())?;
    Ok(())
}

/// Keeps the app's own pages within this page load, for the rest of its
/// life: a plain click on a link to one of them (`Back to sign in`, `Check
/// provider`) adds it to the history instead of loading it, and the back
/// and forward buttons move between them; `show` gets the page each time.
/// A click with a modifier key or another button, a link with a `target`,
/// `download` or `rel="external"`, and a link out of the app load as usual.
pub fn follow_links_in_app(show: impl Fn(Route) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(w) = window() else { return };
    let base = base_path();
    let show = std::rc::Rc::new(show);
    let on_click = {
        let (w, base, show) = (w.clone(), base.clone(), show.clone());
        Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
            if ev.default_prevented() || ev.button() != 0 || ev.meta_key() || ev.alt_key() || ev.ctrl_key() || ev.shift_key() {
                return;
            }
            let Some(a) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("a[href]").ok().flatten())
                .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
            else {
                return;
            };
            let external = a.get_attribute("rel").is_some_and(|rel| rel.split_ascii_whitespace().any(|p| p == "external"));
            let location = w.location();
            if !a.target().is_empty() || a.has_attribute("download") || external || Ok(a.origin()) != location.origin() {
                return;
            }
            let path = a.pathname();
            let route = route_of(&base, &path);
            if route == Route::NotFound {
                return;
            }
            ev.prevent_default();
            let to = format!("{path}{}{}", a.search(), a.hash());
            if to != here() {
                if let Ok(history) = w.history() {
                    let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&to));
                }
            }
            w.scroll_to_with_x_and_y(0.0, 0.0);
            show(route);
        })
    };
    let on_popstate = Closure::<dyn Fn()>::new(move || show(route_of(&base, &pathname())));
    let _ = w.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    let _ = w.add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
    // The app's pages live as long as the page: nothing removes them.
    on_click.forget();
    on_popstate.forget();
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
pub struct WakeListener {
    window: web_sys::Window,
    document: web_sys::Document,
    on_visible: wasm_bindgen::closure::Closure<dyn FnMut()>,
    on_online: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Drop for WakeListener {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        let _ = self.document.remove_event_listener_with_callback("visibilitychange", self.on_visible.as_ref().unchecked_ref());
        let _ = self.window.remove_event_listener_with_callback("online", self.on_online.as_ref().unchecked_ref());
    }
}

/// Calls `f` whenever the page becomes visible again (timers of a hidden
/// tab are throttled or frozen, and a sleeping computer stops them all) and
/// whenever the browser comes back online (a retry need not wait its turn).
pub fn on_wake(f: impl Fn() + 'static) -> Option<WakeListener> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let window = window()?;
    let document = window.document()?;
    let f = std::rc::Rc::new(f);
    let watched = document.clone();
    let on_visible = {
        let f = f.clone();
        Closure::<dyn FnMut()>::new(move || {
            if watched.visibility_state() == web_sys::VisibilityState::Visible {
                f();
            }
        })
    };
    let on_online = Closure::<dyn FnMut()>::new(move || f());
    document.add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref()).ok()?;
    window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref()).ok()?;
    Some(WakeListener { window, document, on_visible, on_online })
}
