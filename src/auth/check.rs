//! [`ProviderCheck`]: the provider check, item by item.

use leptos::prelude::*;

use super::use_auth;
use crate::browser::page;
use crate::core::check::{self, CheckItem};
use crate::flow;

/// Checks, from this page, whether the provider is set up for this public
/// client: discovery, CORS, PKCE S256, the redirect URI, DPoP, PAR, the
/// clock (`core::check`). Needs only the configuration, so it works when
/// sign-in cannot.
#[component]
pub fn ProviderCheck() -> impl IntoView {
    let auth = use_auth();
    let config = Memo::new(move |_| auth.config.with(|c| c.is_some()));
    move || match config.get() {
        false => view! { <p role="status" class="status">"Loading the configuration…"</p> }.into_any(),
        true => view! { <Checked /> }.into_any(),
    }
}

#[component]
fn Checked() -> impl IntoView {
    let Some(config) = use_auth().config.get_untracked() else { return ().into_any() };
    let issuer = config.issuer.clone();
    let items = RwSignal::new_local(None);
    leptos::task::spawn_local(async move {
        items.try_set(Some(flow::check_provider(&config).await));
    });
    view! {
        <section class="card">
            <h2>"Provider check"</h2>
            <p>"Is " <span class="issuer">{issuer}</span> " set up for this public client?"</p>
            {move || match items.get() {
                None => view! { <p role="status" class="status">"Checking the provider…"</p> }.into_any(),
                Some(items) => results(items).into_any(),
            }}
            <p><a href=page::base_url()>"Back to sign in"</a></p>
        </section>
    }
    .into_any()
}

fn results(items: Vec<CheckItem>) -> impl IntoView {
    let failing = check::failing(&items);
    let summary = match failing {
        0 => "All required checks pass.".to_owned(),
        1 => "1 required check fails.".to_owned(),
        n => format!("{n} required checks fail."),
    };
    let rows = items
        .into_iter()
        .map(|i| {
            let (id, status) = (i.id.as_str(), i.status.as_str());
            view! {
                <li data-check=id data-status=status class=format!("check {status}")>
                    <span class="mark">{status}</span>
                    " "
                    <strong>{i.label}</strong>
                    <br />
                    <span class="detail">{i.detail}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="checks" data-section="provider-check">{rows}</ul>
        <p data-field="check-summary"><strong>{summary}</strong></p>
    }
}
