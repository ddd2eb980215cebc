//! Whatever arrives from the address bar, the provider or config.json, the
//! parsers answer with a value or an error, never a panic.
#![cfg(not(target_arch = "wasm32"))]

use pkce_spa::core::issuer::IssuerRule;
use pkce_spa::core::url::{ParsedUrl, UrlParser};
use pkce_spa::core::dpop::{self, Sent};
use pkce_spa::core::{callback, config, discovery, jwks, jws, par, presets, token, url as url_rules};
use proptest::prelude::*;

/// The `url` crate as the WHATWG parser (the browser build uses the browser's own).
struct Whatwg;

impl UrlParser for Whatwg {
    fn parse(&self, input: &str) -> Option<ParsedUrl> {
        let u = url::Url::parse(input).ok()?;
        Some(ParsedUrl {
            scheme: u.scheme().to_owned(),
            has_credentials: !u.username().is_empty() || u.password().is_some(),
            host: u.host_str().unwrap_or_default().to_owned(),
            has_fragment: u.fragment().is_some(),
            origin: u.origin().ascii_serialization(),
            path: u.path().to_owned(),
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn callback_query(q in ".*") {
        let _ = callback::parse(&q);
        let _ = callback::states_named(&q);
        let _ = callback::has_response_params(&q);
    }

    #[test]
    fn callback_query_of_known_names(parts in prop::collection::vec(("(code|state|error|error_description|iss|x)", "[a-z%+=&0-9]{0,6}"), 0..6)) {
        let q: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = callback::parse(&q.join("&"));
    }

    #[test]
    fn token_response(status in 0u16..600, body in ".*") {
        for sent in [Sent::NoProof, Sent::Proof, Sent::ProofRequired] {
            let _ = token::parse_response(status, &body, sent);
        }
    }

    #[test]
    fn par_response_and_nonce_challenges(status in 0u16..600, body in ".*", header in prop::option::of(".*"), nonce in prop::option::of(".*")) {
        let _ = par::parse_response(status, &body);
        let _ = dpop::nonce_asked(status, &body, header.as_deref(), nonce.as_deref());
        let _ = dpop::htu(&body);
    }

    #[test]
    fn token_response_json(status in 0u16..600, at in prop::option::of(".{0,4}"), tt in prop::option::of("(Bearer|bearer|DPoP|)"), exp in prop::option::of(any::<i64>())) {
        let mut obj = serde_json::Map::new();
        if let Some(at) = at { obj.insert("access_token".into(), at.into()); }
        if let Some(tt) = tt { obj.insert("token_type".into(), tt.into()); }
        if let Some(exp) = exp { obj.insert("expires_in".into(), exp.into()); }
        let text = serde_json::Value::Object(obj).to_string();
        for sent in [Sent::NoProof, Sent::Proof, Sent::ProofRequired] {
            let _ = token::parse_response(status, &text, sent);
        }
    }

    #[test]
    fn jwt_decoder(t in ".*") {
        let _ = jws::parse(&t);
    }

    #[test]
    fn jwt_decoder_of_three_base64url_parts(a in "[A-Za-z0-9_-]{0,40}", b in "[A-Za-z0-9_-]{0,80}", c in "[A-Za-z0-9_-]{0,8}") {
        let _ = jws::parse(&format!("{a}.{b}.{c}"));
    }

    #[test]
    fn key_set(status in 0u16..600, body in ".*") {
        let _ = jwks::parse("u", status, &body);
    }

    #[test]
    fn provider_preset(name in "(pingone|okta|adobe_ims|cloudentity|keycloak|auth0|entra|generic|x)", field in "[a-z_]{1,14}", value in ".{0,12}") {
        let mut obj = serde_json::Map::new();
        obj.insert("name".into(), name.into());
        obj.insert(field, value.into());
        let _ = presets::parse(&obj);
    }

    #[test]
    fn config_file(text in ".*") {
        let _ = config::parse(&text, "http://127.0.0.1:8080/", &Whatwg);
    }

    #[test]
    fn url_rules(text in ".*") {
        let _ = url_rules::problem(&text, &Whatwg);
        let _ = url_rules::is_loopback(&text);
    }

    #[test]
    fn plain_http_passes_only_on_a_loopback_host(host in "[a-z0-9.\\\\@:\\[\\]-]{1,24}") {
        let input = format!("http://{host}/token");
        if url_rules::problem(&input, &Whatwg).is_none() {
            let parsed = url::Url::parse(&input).unwrap();
            let loopback = match parsed.host() {
                Some(url::Host::Ipv4(a)) => a.is_loopback(),
                Some(url::Host::Ipv6(a)) => a.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
                None => false,
            };
            prop_assert!(loopback, "{} passed as loopback", input);
        }
    }

    #[test]
    fn discovery_document(status in 0u16..600, body in ".*") {
        let _ = discovery::parse_metadata("u", status, &body, &IssuerRule::Exact("https://i.example".into()));
    }
}
