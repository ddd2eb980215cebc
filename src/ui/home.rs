//! `/`: the Sign in button, or the signed-in session.

use std::sync::Arc;

use leptos::prelude::*;

use super::{ErrorAlert, SessionSignal};
use crate::browser::page;
use crate::core::session::{describe_expiry, Session};
use crate::core::AppError;
use crate::flow::{self, AppSetup};

#[component]
pub fn Home() -> impl IntoView {
    let session = expect_context::<SessionSignal>();
    move || match session.get() {
        Some(s) => view! { <SignedIn session=s /> }.into_any(),
        None => view! { <SignedOut /> }.into_any(),
    }
}

#[component]
fn SignedOut() -> impl IntoView {
    let setup = expect_context::<Arc<AppSetup>>();
    let issuer = setup.config.issuer.clone();
    let error = RwSignal::new(None::<AppError>);
    let leaving = RwSignal::new(false);
    let sign_in = move |_| match flow::begin_sign_in(&setup) {
        Ok(()) => leaving.set(true),
        Err(e) => error.set(Some(e)),
    };
    view! {
        <section class="card">
            <h2>"Signed out"</h2>
            <p>"Sign in with " <span class="issuer">{issuer}</span> "."</p>
            <button class="primary" on:click=sign_in disabled=move || leaving.get()>"Sign in"</button>
            <Show when=move || leaving.get()>
                <p role="status" class="status">"Going to the provider…"</p>
            </Show>
        </section>
        {move || error.get().map(|e| view! { <ErrorAlert error=e /> })}
    }
}

#[component]
fn SignedIn(session: Session) -> impl IntoView {
    let signal = expect_context::<SessionSignal>();
    let claims = session.claims.as_ref();
    let sub = claims.map_or_else(|| "(no ID token: the scope has no openid)".to_owned(), |c| c.subject().to_owned());
    let name = claims.and_then(|c| c.display_name()).unwrap_or("(not given)").to_owned();
    let expires_at = session.access_token_expires_at_ms();
    let expires = match expires_at {
        Some(at) => format!("{} ({})", describe_expiry(Some(at), page::now_ms()), page::iso_time(at)),
        None => describe_expiry(None, 0),
    };
    view! {
        <section class="card">
            <h2>"Signed in"</h2>
            <dl class="facts">
                <dt>"Subject (sub)"</dt>
                <dd data-field="sub">{sub}</dd>
                <dt>"Name"</dt>
                <dd data-field="name">{name}</dd>
                <dt>"Scope"</dt>
                <dd data-field="scope">{session.scope.clone()}</dd>
                <dt>"Access token expires"</dt>
                <dd data-field="expires">{expires}</dd>
            </dl>
            <button on:click=move |_| signal.set(None)>"Sign out"</button>
        </section>
    }
}
