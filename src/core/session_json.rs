//! The JSON of what a session keeps and sends: the [`Session`] in this tab's
//! sessionStorage (`token_storage: "session"`), the [`SessionMessage`]s
//! between its tabs and the refresh [`Mark`], written and read field by
//! field. serde's derives for these nested types, with their `Option`
//! fields, were about 9 KB of the wasm (bench/README.md); reading through
//! `serde_json::Value`, which the app parses anyway, costs a fraction.
//!
//! The format is the derives' (absent fields are also read as `None`). A
//! session kept by an earlier build, without the `deployment` it was made
//! under, does not read: it could not be matched against the configuration.

use serde_json::Value;

use super::id_token::IdTokenClaims;
use super::json::{optional_bool, optional_string, optional_u64, string, u64_field, Object};
use super::session::{Session, SessionMessage};
use super::session_engine::Mark;
use super::token::{AccessToken, IdToken, RefreshToken, TokenResponse};

fn tokens_value(t: &TokenResponse) -> Value {
    Object::default()
        .with("access_token", t.access_token.secret())
        .with("token_type", t.token_type.as_str())
        .put("expires_in", t.expires_in)
        .put("scope", t.scope.as_deref())
        .put("refresh_token", t.refresh_token.as_ref().map(RefreshToken::secret))
        .put("id_token", t.id_token.as_ref().map(IdToken::secret))
        .put("refresh_expires_in", t.refresh_expires_in)
        .into()
}

fn tokens_from(v: &Value) -> Option<TokenResponse> {
    Some(TokenResponse {
        access_token: AccessToken::new(string(v, "access_token")?),
        token_type: string(v, "token_type")?,
        expires_in: optional_u64(v, "expires_in")?,
        scope: optional_string(v, "scope")?,
        refresh_token: optional_string(v, "refresh_token")?.map(RefreshToken::new),
        id_token: optional_string(v, "id_token")?.map(IdToken::new),
        refresh_expires_in: optional_u64(v, "refresh_expires_in")?,
    })
}

fn session_value(s: &Session) -> Value {
    Object::default()
        .with("id", s.id.as_str())
        .with("tokens", tokens_value(&s.tokens))
        .put("claims", s.claims.as_ref().map(IdTokenClaims::to_stored))
        .with("scope", s.scope.as_str())
        .with("received_at_ms", s.received_at_ms)
        .put("refreshed_at_ms", s.refreshed_at_ms)
        .with("generation", s.generation)
        .put("dpop_jkt", s.dpop_jkt.as_deref())
        .put("refresh_expires_at_ms", s.refresh_expires_at_ms)
        .with("deployment", s.deployment.as_str())
        .into()
}

fn session_from(v: &Value) -> Option<Session> {
    let claims = match v.get("claims") {
        None | Some(Value::Null) => None,
        Some(c) => Some(IdTokenClaims::from_stored(c)?),
    };
    Some(Session {
        id: string(v, "id")?,
        tokens: tokens_from(v.get("tokens")?)?,
        claims,
        scope: string(v, "scope")?,
        received_at_ms: u64_field(v, "received_at_ms")?,
        refreshed_at_ms: optional_u64(v, "refreshed_at_ms")?,
        generation: optional_u64(v, "generation")?.unwrap_or(0),
        dpop_jkt: optional_string(v, "dpop_jkt")?,
        refresh_expires_at_ms: optional_u64(v, "refresh_expires_at_ms")?,
        deployment: string(v, "deployment")?,
    })
}

impl Session {
    /// The session as this tab keeps it.
    pub fn to_json(&self) -> String {
        session_value(self).to_string()
    }

    /// A session kept by [`Self::to_json`]; `None` when the text is not one.
    pub fn from_json(text: &str) -> Option<Self> {
        session_from(&serde_json::from_str(text).ok()?)
    }
}

impl SessionMessage {
    /// The message as it is sealed and sent: `{"<kind>": {fields}}`.
    pub fn to_json(&self) -> String {
        let (kind, fields) = match self {
            Self::Refreshed { session } => ("refreshed", Object::default().with("session", session_value(session))),
            Self::SignedOut { session_id } => ("signed_out", Object::default().with("session_id", session_id.as_str())),
            Self::Ended { session_id } => ("ended", Object::default().with("session_id", session_id.as_str())),
            Self::Sync { session_id, generation } => {
                ("sync", Object::default().with("session_id", session_id.as_str()).with("generation", *generation))
            }
        };
        Value::from(Object::default().with(kind, fields)).to_string()
    }

    /// A message written by [`Self::to_json`]; `None` when the text is not one.
    pub fn from_json(text: &str) -> Option<Self> {
        let Value::Object(outer) = serde_json::from_str(text).ok()? else { return None };
        let mut entries = outer.iter();
        let (Some((kind, v)), None) = (entries.next(), entries.next()) else { return None };
        match kind.as_str() {
            "refreshed" => Some(Self::Refreshed { session: Box::new(session_from(v.get("session")?)?) }),
            "signed_out" => Some(Self::SignedOut { session_id: string(v, "session_id")? }),
            "ended" => Some(Self::Ended { session_id: string(v, "session_id")? }),
            "sync" => Some(Self::Sync { session_id: string(v, "session_id")?, generation: u64_field(v, "generation")? }),
            _ => None,
        }
    }
}

impl Mark {
    /// The mark as it is sealed and stored.
    pub fn to_json(&self) -> String {
        Value::from(
            Object::default()
                .with("generation", self.generation)
                .with("refresh_token_sha256", self.refresh_token_sha256.as_str())
                .with("ended", self.ended)
                .with("written_at_ms", self.written_at_ms),
        )
        .to_string()
    }

    /// A mark written by [`Self::to_json`]; `None` when the text is not one.
    pub fn from_json(text: &str) -> Option<Self> {
        let v: Value = serde_json::from_str(text).ok()?;
        Some(Self {
            generation: u64_field(&v, "generation")?,
            refresh_token_sha256: string(&v, "refresh_token_sha256")?,
            ended: optional_bool(&v, "ended")?.unwrap_or(false),
            written_at_ms: u64_field(&v, "written_at_ms")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::dpop::Sent;
    use crate::core::token::parse_response;

    fn full_session() -> Session {
        let body = r#"{"access_token":"AT","token_type":"DPoP","expires_in":300,"scope":"openid email","refresh_token":"RT","id_token":"a.b.c"}"#;
        let tokens = parse_response(200, body, Sent::Proof).unwrap();
        let claims = IdTokenClaims::for_test("https://issuer.example", "alice");
        let first = Session::new("sid".into(), tokens.clone(), Some(claims), "openid", 1_000).with_dpop_key(Some("jkt".into()));
        first.refreshed(tokens, None, 2_000).unwrap()
    }

    #[test]
    fn a_session_reads_back_as_it_was_written() {
        let s = full_session();
        assert_eq!(Session::from_json(&s.to_json()), Some(s));
        let bare = Session::new("s".into(), parse_response(200, r#"{"access_token":"a","token_type":"Bearer"}"#, Sent::NoProof).unwrap(), None, "openid", 5);
        assert_eq!(Session::from_json(&bare.to_json()), Some(bare));
    }

    #[test]
    fn a_session_without_its_deployment_does_not_read() {
        // An earlier build's session: nothing says which provider it is for.
        let old = r#"{"id":"s","tokens":{"access_token":"a","token_type":"Bearer","expires_in":60,"scope":null,"refresh_token":"RT","id_token":null},"claims":{"sub":"alice","iss":"https://i","aud":["c"],"name":null,"preferred_username":"al","email":null},"scope":"openid","received_at_ms":7,"refreshed_at_ms":null,"generation":2,"dpop_jkt":null}"#;
        assert_eq!(Session::from_json(old), None);
        let with = old.replace(r#""dpop_jkt":null"#, r#""dpop_jkt":null,"deployment":"d""#);
        let s = Session::from_json(&with).unwrap();
        assert_eq!((s.id.as_str(), s.generation, s.received_at_ms, s.deployment.as_str()), ("s", 2, 7, "d"));
        assert_eq!(s.tokens.refresh_token.unwrap().secret(), "RT");
        assert_eq!(s.claims.unwrap().display_name(), Some("al"));
    }

    #[test]
    fn what_is_not_a_session_is_none() {
        let good = full_session().to_json();
        for bad in [
            "",
            "[]",
            "{}",
            &good.replace(r#""id":"sid""#, r#""id":7"#),
            &good.replace(r#""access_token":"AT""#, r#""access_token":null"#),
            &good.replace(r#""expires_in":300"#, r#""expires_in":"300""#),
            &good.replace(r#""received_at_ms":2000"#, r#""received_at_ms":-1"#),
            &good.replace(r#""sub":"alice""#, r#""sub":null"#),
            &good.replace(r#""aud":["client"]"#, r#""aud":[]"#),
        ] {
            assert_eq!(Session::from_json(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_message_reads_back_and_others_do_not() {
        let messages = [
            SessionMessage::Refreshed { session: Box::new(full_session()) },
            SessionMessage::SignedOut { session_id: "sid".into() },
            SessionMessage::Ended { session_id: "sid".into() },
            SessionMessage::Sync { session_id: "sid".into(), generation: 3 },
        ];
        for m in messages {
            assert_eq!(SessionMessage::from_json(&m.to_json()).as_ref(), Some(&m));
        }
        assert_eq!(SessionMessage::Sync { session_id: "s".into(), generation: 3 }.to_json(), r#"{"sync":{"generation":3,"session_id":"s"}}"#);
        for bad in [r#"{}"#, r#"{"unknown":{"session_id":"s"}}"#, r#"{"ended":{"session_id":"s"},"sync":{"session_id":"s","generation":1}}"#, r#"{"sync":{"session_id":"s"}}"#, r#""ended""#] {
            assert_eq!(SessionMessage::from_json(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_mark_reads_back_and_ended_defaults_to_false() {
        let mark = Mark { generation: 4, refresh_token_sha256: "h".into(), ended: true, written_at_ms: 9 };
        assert_eq!(Mark::from_json(&mark.to_json()), Some(mark));
        let old = Mark::from_json(r#"{"generation":1,"refresh_token_sha256":"","written_at_ms":2}"#).unwrap();
        assert!(!old.ended);
        assert_eq!(Mark::from_json(r#"{"generation":1,"refresh_token_sha256":"","ended":"yes","written_at_ms":2}"#), None);
    }
}
