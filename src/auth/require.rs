//! [`RequireAuth`]: a page that needs a signed-in person.

use leptos::prelude::*;

use super::{use_auth, AuthState, ErrorAlert};

/// Shows `children` to a signed-in person; to anyone else, a "Sign in"
/// button that comes back to this very page (path, query and fragment)
/// afterwards, and the error of the last attempt if it failed.
#[component]
pub fn RequireAuth(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    // Made again only on sign-in and sign-out, not on every refresh.
    let signed_in = Memo::new(move |_| auth.is_signed_in());
    move || match signed_in.get() {
        true => children().into_any(),
        false => view! { <SignInRequired /> }.into_any(),
    }
}

#[component]
fn SignInRequired() -> impl IntoView {
    let auth = use_auth();
    let sign_in = move |_| auth.sign_in(Some(super::current_path()));
    move || match auth.state() {
        AuthState::Loading => view! { <p role="status" class="status">"Loading…"</p> }.into_any(),
        AuthState::SigningIn | AuthState::SignedIn(_) | AuthState::Reconnecting(_) => view! { <p role="status" class="status">"Going to the provider…"</p> }.into_any(),
        state => {
            let error = match state {
                AuthState::Failed(e) => Some(e),
                _ => None,
            };
            let can_sign_in = auth.setup_error.with(Option::is_none);
            view! {
                <section class="card" data-section="sign-in-required">
                    <h2>"Sign in required"</h2>
                    <p>"Sign in to see this page."</p>
                    {can_sign_in.then(|| view! { <button class="primary" on:click=sign_in>"Sign in"</button> })}
                </section>
                {error.map(|e| view! { <ErrorAlert error=e /> })}
            }
            .into_any()
        }
    }
}
