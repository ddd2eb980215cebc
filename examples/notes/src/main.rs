//! Notes: a small Leptos app on pkce-spa's sign-in library. A public page,
//! two pages behind sign-in that call the local provider's notes API with
//! the access token, and deep links that survive the sign-in round trip.
//!
//! Everything about sign-in is the library's: `AuthProvider` around the
//! app, `AuthCallback` at `/callback`, `RequireAuth` around private pages,
//! `use_auth()` for the state, sign-in, sign-out and the API calls.

#[cfg(target_arch = "wasm32")]
mod app {
    use leptos::prelude::*;
    use leptos_router::components::{Route, Router, Routes, A};
    use leptos_router::hooks::use_params_map;
    use leptos_router::path;
    use pkce_spa::auth::{current_path, use_auth, AppError, Auth, AuthCallback, AuthProvider, AuthState, ErrorAlert, RequireAuth};
    use serde::Deserialize;

    #[component]
    pub fn App() -> impl IntoView {
        view! {
            <AuthProvider>
                <Router>
                    <Header />
                    <main>
                        <Routes fallback=|| view! { <p class="card">"No such page."</p> <Failure /> }>
                            <Route path=path!("/") view=Home />
                            <Route path=path!("/callback") view=AuthCallback />
                            <Route path=path!("/notes") view=|| view! { <RequireAuth><NoteList /></RequireAuth> } />
                            <Route path=path!("/notes/:id") view=|| view! { <RequireAuth><NotePage /></RequireAuth> } />
                        </Routes>
                    </main>
                </Router>
            </AuthProvider>
        }
    }

    #[component]
    fn Header() -> impl IntoView {
        let auth = use_auth();
        let who = move || match auth.state() {
            AuthState::SignedIn(s) | AuthState::Reconnecting(s) => Some(s.claims.as_ref().and_then(|c| c.display_name().map(str::to_owned)).unwrap_or_default()),
            _ => None,
        };
        view! {
            <header>
                <nav>
                    <A href="/">"Home"</A> " · " <A href="/notes">"My notes"</A>
                </nav>
                <span class="who">
                    {move || match who() {
                        Some(name) => view! {
                            "Signed in as " <strong data-field="who">{name}</strong> " "
                            <button on:click=move |_| auth.sign_out()>"Sign out"</button>
                        }.into_any(),
                        None => view! {
                            <button on:click=move |_| auth.sign_in(Some(current_path())) disabled=move || !auth.is_ready()>"Sign in"</button>
                        }.into_any(),
                    }}
                </span>
            </header>
        }
    }

    #[component]
    fn Home() -> impl IntoView {
        view! {
            <section class="card">
                <h1>"Notes"</h1>
                <p>"A public page. Your notes are behind sign-in: open " <A href="/notes">"My notes"</A> "."</p>
            </section>
            <Failure />
        }
    }

    /// Why the last sign-in or session failed, on the public pages (the
    /// pages behind sign-in show it in `RequireAuth`).
    #[component]
    fn Failure() -> impl IntoView {
        let auth = use_auth();
        move || auth.error().map(|e| view! { <ErrorAlert error=e /> })
    }

    /// The notes API's base URL: `api_url` in config.json.
    fn notes_api(auth: Auth) -> Result<String, AppError> {
        auth.config()
            .and_then(|c| c.api_url.clone())
            .ok_or(AppError::ConfigInvalid { field: "api_url".into(), problem: "this example needs the notes API's URL".into() })
    }

    #[derive(Clone, Debug, Deserialize)]
    struct NoteList {
        notes: Vec<Summary>,
    }

    #[derive(Clone, Debug, Deserialize)]
    struct Summary {
        id: String,
        title: String,
    }

    #[derive(Clone, Debug, Deserialize)]
    struct Note {
        title: String,
        body: String,
    }

    /// GET `url` with the session's access token, its answer read as `T`.
    async fn fetch<T: serde::de::DeserializeOwned>(auth: Auth, url: Result<String, AppError>) -> Result<T, AppError> {
        auth.get(&url?).await?.json()
    }

    #[component]
    fn NoteList() -> impl IntoView {
        let auth = use_auth();
        let list = LocalResource::new(move || fetch::<NoteList>(auth, notes_api(auth)));
        view! {
            <section class="card">
                <h2>"My notes"</h2>
                {move || match list.get() {
                    None => view! { <p role="status" class="status">"Loading your notes…"</p> }.into_any(),
                    Some(Err(e)) => view! { <ErrorAlert error=e /> }.into_any(),
                    Some(Ok(NoteList { notes })) => view! {
                        <ul data-section="notes">
                            {notes.into_iter().map(|n| view! { <li><A href=format!("/notes/{}", n.id)>{n.title}</A></li> }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>
        }
    }

    #[component]
    fn NotePage() -> impl IntoView {
        let auth = use_auth();
        let params = use_params_map();
        let note = LocalResource::new(move || {
            let id = params.with(|p| p.get("id").unwrap_or_default());
            fetch::<Note>(auth, notes_api(auth).map(|base| format!("{base}/{id}")))
        });
        move || match note.get() {
            None => view! { <p role="status" class="status">"Loading the note…"</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorAlert error=e /> }.into_any(),
            Some(Ok(note)) => view! {
                <article class="card" data-section="note">
                    <h2 data-field="title">{note.title}</h2>
                    <p data-field="body">{note.body}</p>
                    <p><A href="/notes">"All notes"</A></p>
                </article>
            }.into_any(),
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&info.to_string().into())));
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("notes runs in the browser: `make example` builds and serves it (see README.md).");
}
