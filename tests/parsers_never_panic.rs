//! Whatever arrives from the address bar, the provider or config.json, the
//! parsers answer with a value or an error, never a panic.
#![cfg(not(target_arch = "wasm32"))]

use pkce_spa::core::presets::IssuerRule;
use pkce_spa::core::{callback, config, discovery, jwks, jws, presets, token};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn callback_query(q in ".*") {
        let _ = callback::parse(&q);
    }

    #[test]
    fn callback_query_of_known_names(parts in prop::collection::vec(("(code|state|error|error_description|iss|x)", "[a-z%+=&0-9]{0,6}"), 0..6)) {
        let q: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = callback::parse(&q.join("&"));
    }

    #[test]
    fn token_response(status in 0u16..600, body in ".*") {
        let _ = token::parse_response(status, &body);
    }

    #[test]
    fn token_response_json(status in 0u16..600, at in prop::option::of(".{0,4}"), tt in prop::option::of("(Bearer|bearer|DPoP|)"), exp in prop::option::of(any::<i64>())) {
        let mut obj = serde_json::Map::new();
        if let Some(at) = at { obj.insert("access_token".into(), at.into()); }
        if let Some(tt) = tt { obj.insert("token_type".into(), tt.into()); }
        if let Some(exp) = exp { obj.insert("expires_in".into(), exp.into()); }
        let _ = token::parse_response(status, &serde_json::Value::Object(obj).to_string());
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
        let _ = config::parse(&text, "http://127.0.0.1:8080/");
    }

    #[test]
    fn discovery_document(status in 0u16..600, body in ".*") {
        let _ = discovery::parse_metadata("u", status, &body, &IssuerRule::Exact("https://i.example".into()));
    }
}
