//! The one way a failure reaches the page: an element with role="alert", the
//! stable code, one sentence on what to do, the provider's own words as text,
//! and the way back to Sign in.

use leptos::prelude::*;

use crate::browser::page;
use crate::core::AppError;

/// The failure as the page shows it: `role="alert"`, the stable code in
/// `<code data-code>`, what to do, and the provider's words as text.
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    let code = error.code().to_owned();
    let code_attr = code.clone();
    let detail = error.provider_detail().cloned();
    // Leptos renders strings as text nodes, so the provider's words cannot
    // become markup.
    let description = detail.as_ref().and_then(|d| d.description.clone());
    let uri = detail.and_then(|d| d.uri);
    view! {
        <section role="alert" class="alert">
            <p class="alert-code">"Error " <code data-code=code_attr>{code}</code></p>
            <p class="alert-message">{error.message()}</p>
            {description.map(|d| view! { <p class="alert-detail">"The provider said: " <q>{d}</q></p> })}
            {uri.map(|u| view! { <p class="alert-detail">"More information (from the provider): " <span class="uri">{u}</span></p> })}
            <p><a class="back" href=page::base_url()>"Back to sign in"</a></p>
        </section>
    }
}
