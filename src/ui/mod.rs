//! The Leptos UI. State: the app setup (config + provider) as context once
//! loaded, and the session as a signal in context; nothing global.

mod alert;
mod callback;
mod home;
mod keeper;
mod session_view;

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::browser::page;
use crate::flow::{self, AppSetup};
pub use alert::ErrorAlert;
pub use keeper::{Keeper, Notice};

#[component]
pub fn App() -> impl IntoView {
    let setup = LocalResource::new(flow::load);
    view! {
        <header class="bar">
            <span class="brand">"pkce-spa"</span>
        </header>
        <main class="page">
            {move || match setup.get() {
                None => view! { <p role="status" class="status">"Loading the configuration…"</p> }.into_any(),
                Some(Ok(setup)) => view! { <Routed setup=Arc::new(setup) /> }.into_any(),
                Some(Err(error)) => view! { <ErrorAlert error=error /> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Routed(setup: Arc<AppSetup>) -> impl IntoView {
    provide_context(Keeper::start(setup.clone()));
    provide_context(setup);
    view! {
        <Router base=page::base_path()>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=home::Home />
                <Route path=path!("/callback") view=callback::Callback />
            </Routes>
        </Router>
    }
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
