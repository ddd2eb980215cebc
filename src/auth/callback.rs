//! [`AuthCallback`]: the page at `/callback`, where the provider sends the
//! person back.

use leptos::prelude::*;

use super::{use_auth, Auth, Busy, ErrorAlert};
use crate::browser::page;
use crate::core::AppError;
use crate::flow;

/// Completes the sign-in: checks the authorization response (`state`,
/// `iss`: RFC 6749 §10.12, RFC 9207), exchanges the code with the PKCE
/// verifier (RFC 7636 §4.5), validates the ID token (OpenID Connect Core
/// §3.1.3.7), then shows the page the person asked for when they signed in
/// (in place of `/callback`, without loading the page). Shows a progress
/// line meanwhile, and the error if anything fails: that error belongs to
/// this page (the state is [`super::AuthState::SignedOut`] afterwards), so the way
/// back to Sign in starts clean.
#[component]
pub fn AuthCallback() -> impl IntoView {
    let auth = use_auth();
    let failure = RwSignal::new(None::<AppError>);
    // Once the provider's metadata is there, and only once.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let ready = auth.is_ready();
        if ready {
            complete(auth, failure);
        }
        ready
    });
    move || match failure.get().or_else(|| auth.error()) {
        Some(e) => view! { <ErrorAlert error=e /> }.into_any(),
        None => view! { <p role="status" class="status">"Signing you in: exchanging the authorization code…"</p> }.into_any(),
    }
}

fn complete(auth: Auth, failure: RwSignal<Option<AppError>>) {
    let Some(setup) = auth.setup.get_untracked() else { return };
    let Some(runner) = auth.runner.get_value() else { return };
    // Taken at start (AuthProvider); taken here when the app did not start on /callback.
    let response = auth.taken.try_update_value(Option::take).flatten().unwrap_or_else(flow::take_callback_response);
    auth.busy.set(Busy::Callback);
    leptos::task::spawn_local(async move {
        let outcome: Result<(), AppError> = async {
            let signed_in = flow::complete_sign_in(&setup, response).await?;
            runner.signed_in(signed_in.session).await?;
            page::show_in_app(&signed_in.return_to)?;
            auth.on_callback.try_set(false);
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            failure.try_set(Some(e));
        }
        auth.busy.try_set(Busy::Idle);
    });
}
