//! `/`: the Sign in button, or the signed-in session.

use std::sync::Arc;

use leptos::prelude::*;

use super::session_view::SignedIn;
use super::{CheckLink, ErrorAlert, Keeper, Notice};
use crate::browser::{page, storage};
use crate::core::AppError;
use crate::flow::{self, AppSetup};
use crate::session_flow;

#[component]
pub fn Home() -> impl IntoView {
    let keeper = expect_context::<Keeper>();
    // Back from the provider's sign-out: check the state it returns.
    match session_flow::finish_sign_out(&page::query()) {
        Ok(true) => keeper.notice.set(Some(match storage::take_sign_out_problem() {
            // Signed out at the provider, but a token could not be revoked.
            Some(problem) => Notice::Failure(AppError::RevocationFailed { problem }),
            None => Notice::SignedOutAtProvider,
        })),
        Ok(false) => {}
        Err(e) => keeper.notice.set(Some(Notice::Failure(e))),
    }
    let signed_in = Memo::new(move |_| keeper.session.with(Option::is_some));
    move || if signed_in.get() { view! { <SignedIn /> }.into_any() } else { view! { <SignedOut /> }.into_any() }
}

#[component]
fn SignedOut() -> impl IntoView {
    let keeper = expect_context::<Keeper>();
    let setup = expect_context::<Arc<AppSetup>>();
    let issuer = setup.config.issuer.clone();
    let leaving = RwSignal::new(false);
    let sign_in = move |_| {
        leaving.set(true);
        let setup = setup.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = flow::begin_sign_in(&setup).await {
                leaving.set(false);
                keeper.notice.set(Some(Notice::Failure(e)));
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Signed out"</h2>
            <p>"Sign in with " <span class="issuer">{issuer}</span> "."</p>
            <button class="primary" on:click=sign_in disabled=move || leaving.get()>"Sign in"</button>
            {move || leaving.get().then(|| view! { <p role="status" class="status">"Going to the provider…"</p> })}
            {move || notice_line(keeper.notice.get())}
            <CheckLink />
        </section>
        {move || match keeper.notice.get() {
            Some(Notice::Failure(e)) => Some(view! { <ErrorAlert error=e /> }),
            _ => None,
        }}
    }
}

fn notice_line(notice: Option<Notice>) -> Option<AnyView> {
    let text = match notice? {
        Notice::SigningOut => return Some(view! { <p role="status" class="status">"Signing out…"</p> }.into_any()),
        Notice::SignedOutAtProvider => "You are signed out, here and at the provider.",
        Notice::SignedOut => "You are signed out.",
        Notice::Failure(_) => return None,
    };
    Some(view! { <p class="status" data-field="signed-out-notice">{text}</p> }.into_any())
}
