//! Messages between the tabs of one session (BroadcastChannel): rotated
//! tokens and sign-out. Same origin only, by the platform's rule.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};

use crate::core::session::SessionMessage;

const NAME: &str = "pkce-spa.session";

/// Tells the other tabs. Without BroadcastChannel, tabs simply do not hear
/// each other; each keeps its own session.
pub fn post(message: &SessionMessage) {
    let Ok(channel) = BroadcastChannel::new(NAME) else { return };
    if let Ok(text) = serde_json::to_string(message) {
        let _ = channel.post_message(&JsValue::from_str(&text));
    }
    channel.close();
}

/// Calls `on_message` for every message from another tab, for as long as
/// the current reactive owner lives.
pub fn listen(on_message: impl Fn(SessionMessage) + 'static) {
    let Ok(channel) = BroadcastChannel::new(NAME) else { return };
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let parsed = event.data().as_string().and_then(|text| serde_json::from_str::<SessionMessage>(&text).ok());
        if let Some(message) = parsed {
            on_message(message);
        }
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    let kept = send_wrapper::SendWrapper::new((channel, handler));
    on_cleanup(move || {
        let (channel, _handler) = kept.take();
        channel.set_onmessage(None);
        channel.close();
    });
}
