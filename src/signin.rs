//! The sign-in page alone, as its own build (`pkce-spa-signin`): what the
//! app's root shows to someone signed out, without the session engine, the
//! callback, the ID token's checks or the provider check, so the first load
//! is about two thirds of the whole app's. The loader (scripts/post-build.mjs)
//! starts it at the root when this tab keeps no session; every other page,
//! and the root with a session or a query, starts the whole app (src/main.rs).

// The app's pages (src/ui/), of which this build mounts the sign-in page only.
#[cfg(target_arch = "wasm32")]
#[allow(dead_code)]
#[path = "ui/mod.rs"]
mod ui;

#[cfg(target_arch = "wasm32")]
fn main() {
    ui::start(ui::SignInApp);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("pkce-spa runs in the browser: `make dev` builds and serves it (see README.md).");
}
