//! `/callback`: where the provider sends the person back.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{ErrorAlert, Keeper, TakenCallback};
use crate::browser::page;
use crate::core::route::Route;
use crate::core::AppError;
use crate::flow::{self, AppSetup};

#[component]
pub fn Callback() -> impl IntoView {
    let setup = expect_context::<Arc<AppSetup>>();
    let keeper = expect_context::<Keeper>();
    let failure = RwSignal::new(None::<AppError>);
    let route = expect_context::<RwSignal<Route>>();

    // The response the app took out of the address bar and storage at start
    // (App); taken here, where the app did not start on /callback.
    let response = use_context::<TakenCallback>().and_then(|t| t.take()).unwrap_or_else(flow::take_callback_response);
    spawn_local(async move {
        let outcome = flow::complete_sign_in(&setup, response).await;
        match outcome {
            Ok(s) => {
                if let Err(e) = keeper.signed_in(s).await {
                    failure.try_set(Some(e));
                    return;
                }
                // The app's own folder, `/` or `/app/`, in place of /callback.
                if let Err(e) = page::replace_with_root() {
                    failure.try_set(Some(e));
                    return;
                }
                route.try_set(Route::Home);
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
