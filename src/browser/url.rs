//! The browser's own WHATWG URL parser (`new URL(...)`): the reading its
//! `fetch` and navigations make, handed to the core as parts
//! ([`crate::core::url::ParsedUrl`]).

use crate::core::url::{ParsedUrl, UrlParser};

/// The [`UrlParser`] of the wasm build: `new URL(input)`.
pub struct BrowserUrls;

impl UrlParser for BrowserUrls {
    fn parse(&self, input: &str) -> Option<ParsedUrl> {
        let url = web_sys::Url::new(input).ok()?;
        let protocol = url.protocol();
        Some(ParsedUrl {
            scheme: protocol.strip_suffix(':').unwrap_or(&protocol).to_owned(),
            has_credentials: !url.username().is_empty() || !url.password().is_empty(),
            host: url.hostname(),
            // `hash` is "" for an empty fragment too; the core also looks for `#`.
            has_fragment: !url.hash().is_empty(),
            origin: url.origin(),
            path: url.pathname(),
        })
    }
}
