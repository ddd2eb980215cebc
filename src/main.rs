//! The app of the design: the sign-in, the session, the provider check,
//! built on the library's public API only (`pkce_spa::auth`).

// Shared with the sign-in page's build (src/signin.rs): each mounts its own
// part, and the other's is left out of its wasm.
#[cfg(target_arch = "wasm32")]
#[allow(dead_code)]
mod ui;

#[cfg(target_arch = "wasm32")]
fn main() {
    ui::start(ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("pkce-spa runs in the browser: `make dev` builds and serves it (see README.md).");
}
