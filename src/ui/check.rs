//! `/check`: the provider check, item by item.

use std::sync::Arc;

use leptos::prelude::*;

use crate::browser::page;
use crate::core::check::{self, CheckItem};
use crate::core::config::Config;
use crate::flow;

#[component]
pub fn Check() -> impl IntoView {
    let config = expect_context::<Arc<Config>>();
    let issuer = config.issuer.clone();
    let items = super::load_once(async move { flow::check_provider(&config).await });
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
