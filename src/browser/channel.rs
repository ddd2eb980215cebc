//! Messages between the tabs of one session (BroadcastChannel), sealed with
//! the session's key: same origin only by the platform's rule, and readable
//! and believable only by tabs that hold the session's key. Used only with
//! `token_storage: "session"`; a `"memory"` session never opens a channel.
//! The channel is this deployment's (`core::names`): another deployment on
//! the origin never hears it.

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};

use super::page;
use super::webcrypto::{Purpose, SessionKey};
use crate::core::session::SessionMessage;

/// The session's channel, open while it lives; dropping it closes it.
/// Messages go out through the same channel that listens, so a tab never
/// hears itself (a BroadcastChannel does not deliver to its own sender).
pub struct Channel {
    channel: BroadcastChannel,
    key: SessionKey,
    _handler: Closure<dyn Fn(MessageEvent)>,
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// Opens the channel and calls `on_message` for every message that opens
/// with `key` and parses; everything else (another session's, forged,
/// tampered with) is dropped. Without BroadcastChannel (or WebCrypto), tabs
/// simply do not hear each other; the shared mark still keeps them from
/// sending a rotated-out refresh token.
pub fn open(key: SessionKey, on_message: impl Fn(SessionMessage) + 'static) -> Option<Channel> {
    let channel = BroadcastChannel::new(&page::names().channel()).ok()?;
    let on_message = Rc::new(on_message);
    let opener = key.clone();
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(sealed) = event.data().as_string() else { return };
        let (key, on_message) = (opener.clone(), on_message.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let opened = key.open(&sealed, Purpose::Message).await;
            let text = opened.and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some(message) = text.and_then(|t| SessionMessage::from_json(&t)) {
                on_message(message);
            }
        });
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    Some(Channel { channel, key, _handler: handler })
}

impl Channel {
    /// Seals `message` and tells the session's other tabs.
    pub async fn post(&self, message: &SessionMessage) {
        let Ok(sealed) = self.key.seal(message.to_json().as_bytes(), Purpose::Message).await else { return };
        let _ = self.channel.post_message(&JsValue::from_str(&sealed));
    }
}
