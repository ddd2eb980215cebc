// The Leptos floor's loader, like trunk's (a file of its own for the CSP's
// script-src 'self'): the wasm-bindgen glue starts the wasm.
import init from './leptos-floor.js';

init({ module_or_path: new URL('./leptos-floor_bg.wasm', import.meta.url) });
