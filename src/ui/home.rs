//! `/`: the Sign in button, or the signed-in session.

use leptos::prelude::*;
use pkce_spa::auth::{use_auth, ErrorAlert, Notice};

use super::session_view::SignedIn;
use super::CheckLink;

#[component]
pub fn Home() -> impl IntoView {
    let auth = use_auth();
    let signed_in = Memo::new(move |_| auth.is_signed_in());
    move || if signed_in.get() { view! { <SignedIn /> }.into_any() } else { view! { <SignedOut /> }.into_any() }
}

/// Also the whole of [`super::SignInApp`]'s page.
#[component]
pub fn SignedOut() -> impl IntoView {
    let auth = use_auth();
    // Read inside the view (reactive): config() is a signal.
    let issuer = move || auth.config().map(|c| c.issuer.clone()).unwrap_or_default();
    let leaving = move || auth.is_signing_in();
    view! {
        <section class="card">
            <h2>"Signed out"</h2>
            <p>"Sign in with " <span class="issuer">{issuer}</span> "."</p>
            <button class="primary" on:click=move |_| auth.sign_in(None) disabled=leaving>"Sign in"</button>
            {move || leaving().then(|| view! { <p role="status" class="status">"Going to the provider…"</p> })}
            {move || notice_line(auth.notice())}
            <CheckLink />
        </section>
        {move || auth.error().map(|e| view! { <ErrorAlert error=e /> })}
    }
}

fn notice_line(notice: Option<Notice>) -> Option<AnyView> {
    let text = match notice? {
        Notice::SigningOut => return Some(view! { <p role="status" class="status">"Signing out…"</p> }.into_any()),
        Notice::SignedOutAtProvider => "You are signed out, here and at the provider.",
        Notice::SignedOut => "You are signed out.",
    };
    Some(view! { <p class="status" data-field="signed-out-notice">{text}</p> }.into_any())
}
