//! The app of the design, built on the library's public API
//! ([`pkce_spa::auth`]): its pages and views only. Which page shows is a
//! signal in context, following the address bar.

mod home;
mod session_view;

use leptos::prelude::*;
use pkce_spa::auth::{self, use_auth, Auth, AuthCallback, AuthProvider, ErrorAlert, ProviderCheck, SignInProvider};
use pkce_spa::browser::page;
use pkce_spa::core::route::Route;

/// Starts a build with its app: a panic is a bug, and the hook at least puts
/// its message and location in the console (console_error_panic_hook adds a
/// JS stack of the stripped wasm's function numbers, and its glue to the
/// first load); then the app is mounted to the body.
pub fn start<V: IntoView + 'static>(app: fn() -> V) {
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&info.to_string().into())));
    leptos::mount::mount_to_body(app);
}

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Bar />
        <main class="page">
            <AuthProvider>
                <Pages />
            </AuthProvider>
        </main>
    }
}

/// The sign-in page alone: the `pkce-spa-signin` build (src/signin.rs),
/// which the loader starts at the app's root when no session is kept in this
/// tab. It looks and acts like [`App`] at `/` for someone signed out; its
/// links load their page (and with it the whole app).
#[component]
pub fn SignInApp() -> impl IntoView {
    view! {
        <Bar />
        <main class="page">
            <SignInProvider>
                <SignInPage />
            </SignInProvider>
        </main>
    }
}

#[component]
fn Bar() -> impl IntoView {
    view! {
        <header class="bar">
            <span class="brand">"pkce-spa"</span>
        </header>
    }
}

/// How far loading got: the page is made again only when that changes.
#[derive(Clone, Copy, PartialEq)]
enum Phase {
    LoadingConfig,
    LoadingProvider,
    /// config.json is unusable: nothing else can work.
    ConfigFailed,
    /// The provider cannot be loaded: say why, and offer the check.
    ProviderFailed,
    Ready,
}

fn phase(auth: Auth) -> Memo<Phase> {
    Memo::new(move |_| match (auth.setup_error().is_some(), auth.config().is_some(), auth.is_ready()) {
        (true, false, _) => Phase::ConfigFailed,
        (true, true, _) => Phase::ProviderFailed,
        (false, false, _) => Phase::LoadingConfig,
        (false, true, false) => Phase::LoadingProvider,
        (false, true, true) => Phase::Ready,
    })
}

/// What every page shows until the provider is loaded, or instead of it.
fn waiting(phase: Phase, auth: Auth) -> AnyView {
    let error = move || auth.error().map(|e| view! { <ErrorAlert error=e /> });
    match phase {
        Phase::ConfigFailed => error().into_any(),
        Phase::ProviderFailed => view! { {error()} <CheckLink /> }.into_any(),
        Phase::LoadingConfig => view! { <p role="status" class="status">"Loading the configuration…"</p> }.into_any(),
        Phase::LoadingProvider => view! { <p role="status" class="status">"Reading the provider's configuration…"</p> }.into_any(),
        Phase::Ready => ().into_any(),
    }
}

/// The pages. `/check` needs only the configuration, so it works even when
/// the provider cannot be loaded; the sign-in pages wait for the provider.
/// The callback and the sign-out return are where config.json's
/// `redirect_uri` and `post_logout_redirect_uri` put them, so the page is
/// read again once it is loaded.
/// Links to the app's pages and the back button change the page without
/// loading it again, and the callback puts `Home` in its place once signed in.
#[component]
fn Pages() -> impl IntoView {
    let auth = use_auth();
    let route = RwSignal::new(page::route());
    page::follow_links_in_app(move |r| route.set(r));
    Effect::new(move |_| {
        if auth.config().is_some() {
            route.set(page::route());
        }
    });
    // The callback as decided at start (a pending sign-in's redirect URI)
    // stays the callback where config.json now says otherwise.
    let start = page::pathname();
    let taken_here = move || auth.on_callback() && page::pathname() == start;
    let route = Memo::new(move |_| route.get());
    let phase = phase(auth);
    move || match (phase.get(), route.get()) {
        (Phase::ProviderFailed | Phase::LoadingProvider | Phase::Ready, Route::Check) => view! { <ProviderCheck /> }.into_any(),
        (Phase::Ready, Route::Home | Route::SignedOut) => view! { <home::Home /> }.into_any(),
        (Phase::Ready, Route::Callback) => view! { <AuthCallback /> }.into_any(),
        (Phase::Ready, Route::NotFound) if taken_here() => view! { <AuthCallback /> }.into_any(),
        (Phase::Ready, Route::NotFound) => view! { <NotFound /> }.into_any(),
        (phase, _) => waiting(phase, auth),
    }
}

/// [`SignInApp`]'s one page: `/` for someone signed out.
#[component]
fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let phase = phase(auth);
    move || match phase.get() {
        Phase::Ready => view! { <home::SignedOut /> }.into_any(),
        phase => waiting(phase, auth),
    }
}

#[component]
pub fn CheckLink() -> impl IntoView {
    view! { <p><a href=format!("{}check", auth::base_url())>"Check provider"</a></p> }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Page not found"</h2>
            <p>"This app has no page at this address."</p>
            <p><a href=auth::base_url()>"Back to sign in"</a></p>
        </section>
    }
}
