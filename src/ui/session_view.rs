//! The signed-in view: who, which scope, the access token's expiry and last
//! refresh, the UserInfo claims, the API call, and Sign out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pkce_spa::auth::{use_auth, ApiAnswer, AppError, ErrorAlert, Session};
use pkce_spa::browser::page;
use pkce_spa::core::session::describe_expiry;
use serde_json::{Map, Value};

#[component]
pub fn SignedIn() -> impl IntoView {
    let auth = use_auth();
    let field = move |read: fn(&Session) -> String| move || auth.session().as_ref().map(read).unwrap_or_default();
    view! {
        <section class="card">
            <h2>"Signed in"</h2>
            {move || auth.is_reconnecting().then(|| view! {
                <p role="status" class="status" data-field="reconnecting">"Reconnecting to the provider… the session is renewed as soon as it answers."</p>
            })}
            <dl class="facts">
                <dt>"Subject (sub)"</dt>
                <dd data-field="sub">{field(subject)}</dd>
                <dt>"Name"</dt>
                <dd data-field="name">{field(name)}</dd>
                <dt>"Scope"</dt>
                <dd data-field="scope">{field(|s| s.scope.clone())}</dd>
                <dt>"Access token expires"</dt>
                <dd data-field="expires">{field(expires)}</dd>
                <dt>"Tokens bound to"</dt>
                <dd data-field="binding">{field(|s| s.describe_binding())}</dd>
                <dt>"Last refreshed"</dt>
                <dd data-field="refreshed">{field(|s| s.refreshed_at_ms.map_or_else(|| "not yet".to_owned(), page::iso_time))}</dd>
            </dl>
            <button on:click=move |_| auth.sign_out()>"Sign out"</button>
        </section>
        <UserInfo />
        {move || auth.config().and_then(|c| c.api_url.clone()).map(|url| view! { <ApiCall url=url /> })}
    }
}

fn subject(s: &Session) -> String {
    s.claims.as_ref().map_or_else(|| "(no ID token: the scope has no openid)".to_owned(), |c| c.subject().to_owned())
}

fn name(s: &Session) -> String {
    s.claims.as_ref().and_then(|c| c.display_name()).unwrap_or("(not given)").to_owned()
}

fn expires(s: &Session) -> String {
    match s.access_token_expires_at_ms() {
        Some(at) => format!("{} ({})", describe_expiry(Some(at), page::now_ms()), page::iso_time(at)),
        None => describe_expiry(None, 0),
    }
}

/// UserInfo, loaded once per session (not on every refresh).
#[component]
fn UserInfo() -> impl IntoView {
    let auth = use_auth();
    let session_id = Memo::new(move |_| auth.session().map(|s| s.id));
    // Loaded with spawn_local into a signal rather than a LocalResource
    // (smaller wasm); an answer for a session no longer shown is dropped.
    let claims = RwSignal::new_local(None);
    Effect::new(move |_| {
        let id = session_id.get();
        claims.set(None);
        leptos::task::spawn_local(async move {
            let answer = match id {
                Some(_) => auth.userinfo().await,
                None => Ok(None),
            };
            if session_id.try_get_untracked() == Some(id) {
                claims.try_set(Some(answer));
            }
        });
    });
    move || match claims.get() {
        None => Some(view! { <p role="status" class="status">"Loading UserInfo…"</p> }.into_any()),
        Some(Ok(None)) => None,
        Some(Ok(Some(claims))) => Some(claims_view(claims).into_any()),
        Some(Err(e)) => Some(view! { <ErrorAlert error=e /> }.into_any()),
    }
}

fn claims_view(claims: Map<String, Value>) -> impl IntoView {
    let rows = claims
        .into_iter()
        .map(|(name, value)| {
            let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            view! { <dt>{name.clone()}</dt><dd data-claim=name>{text}</dd> }
        })
        .collect_view();
    view! {
        <section class="card" data-section="userinfo">
            <h3>"UserInfo"</h3>
            <dl class="facts">{rows}</dl>
        </section>
    }
}

#[component]
fn ApiCall(url: String) -> impl IntoView {
    let auth = use_auth();
    let answer = RwSignal::new(None::<Result<ApiAnswer, AppError>>);
    let busy = RwSignal::new(false);
    let target = url.clone();
    let call = move |_| {
        let url = target.clone();
        busy.set(true);
        spawn_local(async move {
            let result = auth.get(&url).await;
            busy.try_set(false);
            // not_signed_in: the session ended meanwhile (the signed-out page says why).
            if !matches!(result, Err(AppError::NotSignedIn)) {
                answer.try_set(Some(result));
            }
        });
    };
    view! {
        <section class="card" data-section="api">
            <h3>"API"</h3>
            <p><span class="uri">{url}</span></p>
            <button on:click=call disabled=move || busy.get()>"Call the API"</button>
            {move || busy.get().then(|| view! { <p role="status" class="status">"Calling the API…"</p> })}
            {move || answer.with(|a| match a {
                None => None,
                Some(Ok(a)) => Some(view! {
                    <dl class="facts">
                        <dt>"Status"</dt><dd data-field="api-status">{a.status}</dd>
                        <dt>"Body"</dt><dd><pre data-field="api-body">{a.body.clone()}</pre></dd>
                    </dl>
                }.into_any()),
                Some(Err(e)) => Some(view! { <ErrorAlert error=e.clone() /> }.into_any()),
            })}
        </section>
    }
}
