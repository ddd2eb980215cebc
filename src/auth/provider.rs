//! [`AuthProvider`]: loads the configuration and the provider, takes the
//! authorization response out of the address bar, and runs the session;
//! [`SignInProvider`]: the loading alone, for a page that only offers Sign in.

use std::sync::Arc;

use leptos::prelude::*;

use super::{Auth, Busy, Notice};
use crate::browser::{page, storage};
use crate::core::config::Config;
use crate::core::route::Route;
use crate::core::session::Session;
use crate::core::AppError;
use crate::flow::{self, AppSetup};
use crate::session_flow;
use crate::session_runner::{Event, SessionRunner};

/// Sets up sign-in for everything inside it and provides the [`Auth`]
/// handle ([`super::use_auth`]). The configuration is read at run time from
/// config.json beside index.html, unless `config` is given (see
/// [`super::config_from_json`]); the children render at once, while it loads.
///
/// At the callback (`/callback`, or the redirect URI of a sign-in this tab
/// has pending), the very first thing it does is take the provider's answer
/// out of the address bar and history (RFC 9700 §4.2.4) and its pending
/// sign-in out of storage, whatever happens next; at `redirect_uri`'s path
/// with no sign-in pending there, as soon as config.json is read. At the
/// root or `post_logout_redirect_uri`'s path, it checks the `state` of a
/// return from the provider's sign-out.
#[component]
pub fn AuthProvider(
    /// A configuration built in code, instead of config.json.
    #[prop(optional)]
    config: Option<Config>,
    children: Children,
) -> impl IntoView {
    let on_callback = super::at_callback(config.as_ref());
    provide(config, on_callback, take_late_callback, start_session);
    children()
}

/// [`AuthProvider`] for a page that only offers Sign in: it reads the
/// configuration and the provider's metadata, and [`Auth::sign_in`] works,
/// but no session is restored or run and no authorization response is taken.
/// What it leaves out (the session engine, the callback, the ID token's
/// checks) is left out of the wasm too, when the build uses nothing else:
/// a smaller first load for a landing page, while `/callback` and the
/// signed-in pages load a build with [`AuthProvider`]. Never at `/callback`.
#[component]
pub fn SignInProvider(
    /// A configuration built in code, instead of config.json.
    #[prop(optional)]
    config: Option<Config>,
    children: Children,
) -> impl IntoView {
    provide(config, false, |_| {}, |auth, setup| {
        auth.setup.try_set(Some(setup));
    });
    children()
}

/// Provides the [`Auth`] handle and starts loading: `configured` runs once
/// the configuration is in use, `start` once the provider's metadata is in.
/// (Passed as functions, so a build with [`SignInProvider`] alone leaves the
/// callback's code out of its wasm.)
fn provide(config: Option<Config>, on_callback: bool, configured: fn(Auth), start: fn(Auth, Arc<AppSetup>)) {
    // This deployment's names (core::names), settled before anything uses them.
    let _ = page::names();
    let auth = Auth {
        config: RwSignal::new_local(None),
        setup: RwSignal::new_local(None),
        setup_error: RwSignal::new(None),
        failure: RwSignal::new(None),
        session: RwSignal::new(None),
        reconnecting: RwSignal::new(false),
        notice: RwSignal::new(None),
        busy: RwSignal::new(Busy::Idle),
        on_callback: RwSignal::new(on_callback),
        runner: StoredValue::new_local(None),
        taken: StoredValue::new_local(on_callback.then(flow::take_callback_response)),
    };
    provide_context(auth);
    leptos::task::spawn_local(async move {
        match load(auth, config, configured).await {
            Ok(setup) => {
                let setup = Arc::new(setup);
                start(auth, setup.clone());
                // Keys of sign-ins that never came back, at every start, the
                // sign-in page's too (after the start: a callback's own key
                // is younger than any swept).
                flow::sweep_proof_keys(&setup).await;
            }
            Err(e) => {
                // The response can no longer be used: drop its verifier,
                // and its DPoP key.
                let taken = auth.taken.try_update_value(Option::take).flatten();
                auth.setup_error.try_set(Some(e));
                if let Some(response) = taken {
                    flow::drop_callback_response(response).await;
                }
            }
        }
    });
}

/// config.json, then the provider's metadata (at the callback, the document
/// kept when the sign-in started).
async fn load(auth: Auth, config: Option<Config>, configured: fn(Auth)) -> Result<AppSetup, AppError> {
    let config = match config {
        Some(config) => config,
        None => flow::load_config().await?,
    };
    flow::use_config(&config)?;
    configured(auth);
    auth.config.try_set(Some(Arc::new(config.clone())));
    flow::load_provider(config, auth.on_callback.try_get_untracked().unwrap_or(false)).await
}

/// At `redirect_uri`'s path with no sign-in of this tab pending there (so
/// not known as the callback before config.json): a stale or forged answer,
/// taken out now and refused by the callback.
fn take_late_callback(auth: Auth) {
    if auth.on_callback.try_get_untracked() == Some(false) && page::route() == Route::Callback {
        auth.taken.try_set_value(Some(flow::take_callback_response()));
        auth.on_callback.try_set(true);
    }
}

fn start_session(auth: Auth, setup: Arc<AppSetup>) {
    let Auth { session, reconnecting, notice, failure, .. } = auth;
    let show = move |s: Option<Session>, n: Option<Notice>, e: Option<AppError>| {
        session.try_set(s);
        notice.try_set(n);
        failure.try_set(e);
    };
    let runner = SessionRunner::start(setup.clone(), move |event| match event {
        Event::Session(s) => {
            session.try_set(s);
        }
        Event::Reconnecting(r) => {
            reconnecting.try_set(r);
        }
        Event::Ended(e) | Event::SignedOut(Some(e)) | Event::Failed(e) => show(None, None, Some(e)),
        Event::SignedOutElsewhere | Event::SignedOut(None) => show(None, Some(Notice::SignedOut), None),
        Event::SigningOut => show(None, Some(Notice::SigningOut), None),
    });
    auth.runner.try_set_value(Some(runner));
    auth.setup.try_set(Some(setup));
    if matches!(page::route(), Route::Home | Route::SignedOut) {
        finish_sign_out(auth);
    }
}

/// Back from the provider's sign-out, at the app's root or the path of
/// `post_logout_redirect_uri`: check the `state` it returns (RP-Initiated
/// Logout §3).
fn finish_sign_out(auth: Auth) {
    match session_flow::finish_sign_out(&page::query()) {
        Ok(true) => match storage::take_sign_out_problem() {
            // Signed out at the provider, but a token could not be revoked.
            Some(problem) => {
                auth.failure.set(Some(AppError::RevocationFailed { problem }));
            }
            None => auth.notice.set(Some(Notice::SignedOutAtProvider)),
        },
        Ok(false) => {}
        Err(e) => auth.failure.set(Some(e)),
    }
}

