//! `/callback`: where the provider sends the person back.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::{ErrorAlert, Keeper};
use crate::browser::page;
use crate::core::AppError;
use crate::flow::{self, AppSetup};

#[component]
pub fn Callback() -> impl IntoView {
    let setup = expect_context::<Arc<AppSetup>>();
    let keeper = expect_context::<Keeper>();
    let failure = RwSignal::new(None::<AppError>);
    let navigate = use_navigate();

    // Read the response once, when the page is created, and take it out of
    // the address bar at once, whatever it holds.
    let query = page::query();
    let cleared = page::strip_query();
    spawn_local(async move {
        let outcome = match cleared {
            Ok(()) => flow::complete_sign_in(&setup, &query).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(s) => {
                keeper.notice.set(None);
                keeper.session.set(Some(s));
                // The app's own folder, `/` or `/app/`, with its trailing slash.
                let home = format!("{}/", page::base_path());
                navigate(&home, NavigateOptions { resolve: false, replace: true, ..Default::default() });
            }
            Err(e) => {
                failure.try_set(Some(e));
            }
        }
    });

    move || match failure.get() {
        None => view! { <p role="status" class="status">"Signing you in: exchanging the authorization code…"</p> }.into_any(),
        Some(e) => view! { <ErrorAlert error=e /> }.into_any(),
    }
}
