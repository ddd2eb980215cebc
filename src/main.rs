#[cfg(target_arch = "wasm32")]
fn main() {
    // A panic is a bug; the hook at least puts it in the console with its location.
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(pkce_spa::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("pkce-spa runs in the browser: `make dev` builds and serves it (see README.md).");
}
