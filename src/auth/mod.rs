//! Sign-in for a Leptos 0.8 client-side app: the public API.
//!
//! Wrap the app in [`AuthProvider`], give `/callback` (or wherever
//! config.json's `redirect_uri` points) the [`AuthCallback`] component, put
//! the pages that need a signed-in person in [`RequireAuth`], and read the
//! state or act through [`use_auth`]:
//!
//! ```no_run
//! use leptos::prelude::*;
//! use pkce_spa::auth::{use_auth, AuthCallback, AuthProvider, AuthState, RequireAuth};
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     // Reads config.json beside index.html (issuer, client_id, ...).
//!     view! { <AuthProvider><Pages /></AuthProvider> }
//! }
//!
//! #[component]
//! fn Pages() -> impl IntoView {
//!     let auth = use_auth();
//!     move || match auth.on_callback() {
//!         true => view! { <AuthCallback /> }.into_any(),
//!         false => view! { <RequireAuth><Hello /></RequireAuth> }.into_any(),
//!     }
//! }
//!
//! #[component]
//! fn Hello() -> impl IntoView {
//!     let auth = use_auth();
//!     let name = move || match auth.state() {
//!         AuthState::SignedIn(s) => s.claims.as_ref().map(|c| c.subject().to_owned()).unwrap_or_default(),
//!         _ => String::new(),
//!     };
//!     view! { <p>"Hello, " {name}</p> <button on:click=move |_| auth.sign_out()>"Sign out"</button> }
//! }
//! ```
//!
//! A page that only offers Sign in can be a build of its own on
//! [`SignInProvider`] instead: the session engine, the callback and the ID
//! token's checks stay out of its wasm, for a smaller first load. This
//! repository's app does so at its root (`src/signin.rs`, and the loader's
//! choice in `scripts/post-build.mjs`).
//!
//! Every decision (PKCE, `state`, the ID token's checks, refresh, who to
//! trust across tabs) is made in [`crate::core`], which needs no Leptos; this
//! module only shows its outcome and carries the person's clicks to it.

mod alert;
mod callback;
mod check;
mod provider;
mod require;

use std::sync::Arc;

use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::browser::page;
use crate::flow::{self, AppSetup, CallbackResponse};
use crate::session_flow;
use crate::session_runner::SessionRunner;

pub use crate::core::config::Config;
pub use crate::core::id_token::IdTokenClaims;
pub use crate::core::session::Session;
pub use crate::core::AppError;
pub use crate::session_flow::ApiAnswer;
pub use alert::ErrorAlert;
pub use callback::AuthCallback;
pub use check::ProviderCheck;
pub use provider::{AuthProvider, SignInProvider};
pub use require::RequireAuth;

/// Where the sign-in stands, as [`Auth::state`] reads it.
#[derive(Clone, Debug)]
pub enum AuthState {
    /// config.json or the provider's metadata is still loading.
    Loading,
    /// Nobody is signed in; [`Auth::sign_in`] starts.
    SignedOut,
    /// On the way to the provider, or back from it with a code to exchange.
    SigningIn,
    /// Signed in: the session, its ID token's claims validated
    /// (OpenID Connect Core §3.1.3.7) before it got here.
    SignedIn(Session),
    /// Signed in, but renewing the session found no answer (or no key set,
    /// or its lock held elsewhere) and is being retried: the tokens in hand
    /// are still used while valid; an API call then waits, or fails with
    /// `session_reconnecting`, and is never sent with an expired token.
    Reconnecting(Session),
    /// The last step failed: the error says what to do. When
    /// [`Auth::setup_error`] is `None`, [`Auth::sign_in`] may try again.
    Failed(AppError),
}

/// What happened to the last session, for the signed-out page to say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Revoking the tokens, then leaving for the provider's sign-out.
    SigningOut,
    /// Back from the provider's sign-out, its `state` checked.
    SignedOutAtProvider,
    /// Signed out here (or in another tab of this session).
    SignedOut,
}

/// What is moving now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Busy {
    Idle,
    Leaving,
    Callback,
}

/// The handle on the sign-in: `Copy`, from [`use_auth`] anywhere under
/// [`AuthProvider`]. Its reads are reactive.
#[derive(Clone, Copy)]
pub struct Auth {
    config: RwSignal<Option<Arc<Config>>, LocalStorage>,
    setup: RwSignal<Option<Arc<AppSetup>>, LocalStorage>,
    setup_error: RwSignal<Option<AppError>>,
    failure: RwSignal<Option<AppError>>,
    session: RwSignal<Option<Session>>,
    reconnecting: RwSignal<bool>,
    notice: RwSignal<Option<Notice>>,
    busy: RwSignal<Busy>,
    on_callback: RwSignal<bool>,
    runner: StoredValue<Option<SessionRunner>, LocalStorage>,
    /// The authorization response taken out of the address bar at start.
    taken: StoredValue<Option<CallbackResponse>, LocalStorage>,
}

/// The sign-in's handle, provided by [`AuthProvider`].
///
/// # Panics
/// Outside an [`AuthProvider`]: that is a mistake in the app's code.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// The address bar's path, query and fragment (`/notes/3?tab=x#top`): the
/// `return_to` of a "Sign in" that should come back to this page.
pub fn current_path() -> String {
    page::here()
}

/// The absolute URL of the app's folder (`https://host/` or
/// `https://host/app/`), for links to the app's own pages.
pub fn base_url() -> String {
    page::base_url()
}

/// A configuration in config.json's format, checked by the same rules, for
/// [`AuthProvider`]'s `config` when the app builds it in code; relative
/// URLs are taken relative to the app's base.
pub fn config_from_json(json: &str) -> Result<Config, AppError> {
    flow::parse_config(json)
}

/// Whether the page is the callback before config.json is read: the app's
/// `/callback`, the redirect URI of a sign-in this tab has pending, or that
/// of `config` when the app gives one in code.
fn at_callback(config: Option<&Config>) -> bool {
    let configured = config.is_some_and(|c| page::pathname() == c.return_paths.callback);
    configured || flow::callback_at_start()
}

impl Auth {
    /// Where the sign-in stands (reactive).
    pub fn state(&self) -> AuthState {
        if let Some(session) = self.session.get() {
            return match self.reconnecting.get() {
                true => AuthState::Reconnecting(session),
                false => AuthState::SignedIn(session),
            };
        }
        if self.is_signing_in() {
            return AuthState::SigningIn;
        }
        match self.error() {
            Some(e) => AuthState::Failed(e),
            None if self.is_ready() => AuthState::SignedOut,
            None => AuthState::Loading,
        }
    }

    /// Whether the page is on its way to the provider or exchanging the code (reactive).
    pub fn is_signing_in(&self) -> bool {
        self.busy.get() != Busy::Idle
    }

    /// The failure of the last step, when it left nobody signed in: the
    /// error of [`AuthState::Failed`] (reactive).
    pub fn error(&self) -> Option<AppError> {
        self.setup_error.get().or_else(|| self.failure.get())
    }

    /// Whether the page is the callback, where the provider sends the person
    /// back (the path of config.json's `redirect_uri`, by default
    /// `/callback`), and the callback is not done yet (reactive): an app
    /// without a router shows [`AuthCallback`] while this holds. (With
    /// leptos_router, give that path the `AuthCallback` view instead.)
    pub fn on_callback(&self) -> bool {
        self.on_callback.get()
    }

    /// Whether someone is signed in (reactive; changes only on sign-in and out).
    pub fn is_signed_in(&self) -> bool {
        self.session.with(Option::is_some)
    }

    /// Whether the session is reconnecting: see [`AuthState::Reconnecting`] (reactive).
    pub fn is_reconnecting(&self) -> bool {
        self.reconnecting.get()
    }

    /// The signed-in session, refreshed in place (reactive).
    pub fn session(&self) -> Option<Session> {
        self.session.get()
    }

    /// What happened to the last session, for a signed-out page (reactive).
    pub fn notice(&self) -> Option<Notice> {
        self.notice.get()
    }

    /// The configuration, once read (reactive): enough for [`ProviderCheck`]
    /// even when the provider cannot be reached.
    pub fn config(&self) -> Option<Arc<Config>> {
        self.config.get()
    }

    /// Whether the provider's metadata is loaded, so sign-in can start (reactive).
    pub fn is_ready(&self) -> bool {
        self.setup.with(Option::is_some)
    }

    /// The failure that keeps any sign-in from starting: config.json or the
    /// provider's metadata could not be used (reactive).
    pub fn setup_error(&self) -> Option<AppError> {
        self.setup_error.get()
    }

    /// Leaves for the provider's sign-in. `return_to`: the page of this app
    /// to show afterwards (path, query and fragment, e.g.
    /// `/notes/3?tab=x`); anything but a path under the app's base is
    /// refused with `return_path_refused` (RFC 9700 §4.11). Without it, the
    /// app's root. A failure shows as [`AuthState::Failed`].
    pub fn sign_in(&self, return_to: Option<String>) {
        let Some(setup) = self.setup.get_untracked() else { return };
        let (busy, failure) = (self.busy, self.failure);
        failure.set(None);
        self.notice.set(None);
        busy.set(Busy::Leaving);
        leptos::task::spawn_local(async move {
            if let Err(e) = flow::begin_sign_in(&setup, return_to.as_deref()).await {
                busy.try_set(Busy::Idle);
                failure.try_set(Some(e));
            }
        });
    }

    /// Signs out: revokes the tokens (RFC 7009), ends the session in every
    /// tab that shares it, and visits the provider's sign-out when it has one.
    pub fn sign_out(&self) {
        if let Some(runner) = self.runner.get_value() {
            runner.sign_out();
        }
    }

    /// GET `url` with the session's access token: refreshed first when it is
    /// about to expire (waiting for it while the session reconnects, up to
    /// the request timeout, and never sending an expired token:
    /// `session_reconnecting`, `session_expired`), with a DPoP proof when it
    /// is bound to this page's key (RFC 9449 §7), as Bearer otherwise
    /// (RFC 6750). The token goes to exactly this URL: call only APIs meant
    /// to receive it.
    pub async fn get(&self, url: &str) -> Result<ApiAnswer, AppError> {
        let runner = self.runner.get_value().ok_or(AppError::NotSignedIn)?;
        runner.call_api(url).await
    }

    /// The provider's UserInfo claims for this session (Core §5.3, `sub`
    /// checked against the ID token's), or `None` when the provider has no
    /// UserInfo endpoint or the session no ID token.
    pub async fn userinfo(&self) -> Result<Option<Map<String, Value>>, AppError> {
        let (Some(setup), Some(session)) = (self.setup.get_untracked(), self.session.get_untracked()) else {
            return Err(AppError::NotSignedIn);
        };
        session_flow::userinfo(&setup, &session).await
    }
}
