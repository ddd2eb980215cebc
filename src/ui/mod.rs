//! The Leptos UI. State: the app setup (config + provider) as context once
//! loaded, and the session as a signal in context; nothing global.

mod alert;
mod callback;
mod check;
mod home;
mod keeper;
mod session_view;

use std::sync::{Arc, Mutex, PoisonError};

use leptos::prelude::*;

use crate::browser::page;
use crate::core::config::Config;
use crate::core::route::Route;
use crate::core::AppError;
use crate::flow::{self, AppSetup, CallbackResponse};
pub use alert::ErrorAlert;
pub use keeper::{Keeper, Notice};

/// What `load` gives, `None` until it is there: a `LocalResource` that is
/// never loaded again, without the machinery of one (smaller wasm).
fn load_once<T: 'static>(load: impl std::future::Future<Output = T> + 'static) -> ReadSignal<Option<T>, LocalStorage> {
    let value = RwSignal::new_local(None);
    leptos::task::spawn_local(async move {
        value.try_set(Some(load.await));
    });
    value.read_only()
}

/// The authorization response `/callback` took at start, until the
/// callback page (or a failure to load the app) uses it.
#[derive(Clone, Default)]
pub struct TakenCallback(Arc<Mutex<Option<CallbackResponse>>>);

impl TakenCallback {
    pub fn take(&self) -> Option<CallbackResponse> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

#[component]
pub fn App() -> impl IntoView {
    // On /callback, before anything is loaded: the response leaves the
    // address bar and the history entry, its pending sign-in leaves storage.
    let taken = TakenCallback(Arc::new(Mutex::new((page::route() == Route::Callback).then(flow::take_callback_response))));
    provide_context(taken.clone());
    let config = load_once(flow::load_config());
    view! {
        <header class="bar">
            <span class="brand">"pkce-spa"</span>
        </header>
        <main class="page">
            {move || match config.get() {
                None => view! { <p role="status" class="status">"Loading the configuration…"</p> }.into_any(),
                Some(Ok(config)) => view! { <Routed config=Arc::new(config) /> }.into_any(),
                Some(Err(error)) => {
                    // The response can no longer be used: drop its verifier.
                    drop(taken.take());
                    view! { <ErrorAlert error=error /> }.into_any()
                }
            }}
        </main>
    }
}

/// The pages. `/check` needs only the configuration, so it works even when
/// the provider cannot be loaded; the sign-in pages wait for the provider.
/// The page shown is a signal in context (`RwSignal<Route>`): links to the
/// app's pages and the back button change it without loading the page
/// again, and `/callback` sets it to `Home` once signed in.
#[component]
fn Routed(config: Arc<Config>) -> impl IntoView {
    provide_context(config.clone());
    let route = RwSignal::new(page::route());
    page::follow_links_in_app(move |r| route.set(r));
    provide_context(route);
    // A page is made again only when another page is asked for.
    let route = Memo::new(move |_| route.get());
    let setup = load_once(flow::load_provider((*config).clone(), page::route() == Route::Callback));
    move || match setup.get() {
        None => view! { <p role="status" class="status">"Reading the provider's configuration…"</p> }.into_any(),
        Some(Ok(setup)) => view! { <Ready setup=Arc::new(setup) route=route /> }.into_any(),
        Some(Err(error)) => view! { <Broken error=error route=route /> }.into_any(),
    }
}

#[component]
fn Ready(setup: Arc<AppSetup>, route: Memo<Route>) -> impl IntoView {
    provide_context(Keeper::start(setup.clone()));
    provide_context(setup);
    move || match route.get() {
        Route::Home => view! { <home::Home /> }.into_any(),
        Route::Callback => view! { <callback::Callback /> }.into_any(),
        Route::Check => view! { <check::Check /> }.into_any(),
        Route::NotFound => view! { <NotFound /> }.into_any(),
    }
}

/// The provider could not be loaded: say why, and offer the check.
#[component]
fn Broken(error: AppError, route: Memo<Route>) -> impl IntoView {
    // The response can no longer be used: drop its verifier.
    drop(use_context::<TakenCallback>().and_then(|t| t.take()));
    let check = Memo::new(move |_| route.get() == Route::Check);
    move || match check.get() {
        true => view! { <check::Check /> }.into_any(),
        false => view! { <ErrorAlert error=error.clone() /> <CheckLink /> }.into_any(),
    }
}

#[component]
pub fn CheckLink() -> impl IntoView {
    view! { <p><a href=format!("{}check", page::base_url())>"Check provider"</a></p> }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Page not found"</h2>
            <p>"This app has no page at this address."</p>
            <p><a href=page::base_url()>"Back to sign in"</a></p>
        </section>
    }
}
