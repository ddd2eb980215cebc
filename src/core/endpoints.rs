//! The provider's seven endpoints, by their OpenID Connect Discovery metadata
//! names: one struct for the values (config.json, a preset, the discovery
//! document, the resolved provider) and one table, [`Endpoint::ALL`], for the
//! code that goes through all of them by name.

/// One URL per endpoint, each absent until known. The field names are the
/// Discovery metadata names (OpenID Connect Discovery §3, RFC 8414 §2), which
/// config.json uses too.
// Deserialize in tests only: there it proves each entry of the table reads
// the field of its own name. The app reads the fields through the table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Deserialize))]
pub struct Endpoints {
    /// Where the browser is sent to sign in (RFC 6749 §3.1).
    pub authorization_endpoint: Option<String>,
    /// Where the code and refresh tokens are exchanged (RFC 6749 §3.2).
    pub token_endpoint: Option<String>,
    /// Where the provider's signing keys are.
    pub jwks_uri: Option<String>,
    /// Where the signed-in view reads the person's claims (Core §5.3).
    pub userinfo_endpoint: Option<String>,
    /// Where sign-out revokes the tokens (RFC 7009).
    pub revocation_endpoint: Option<String>,
    /// The provider's own sign-out (RP-Initiated Logout).
    pub end_session_endpoint: Option<String>,
    /// Pushed authorization requests (RFC 9126 §5).
    pub pushed_authorization_request_endpoint: Option<String>,
}

/// One endpoint: its name, whether the sign-in needs it, and its field in
/// [`Endpoints`].
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    /// The Discovery metadata name, which is also the config.json field.
    pub name: &'static str,
    /// The sign-in cannot start without it.
    pub required: bool,
    field: fn(&Endpoints) -> &Option<String>,
    field_mut: fn(&mut Endpoints) -> &mut Option<String>,
}

impl Endpoint {
    /// `authorization_endpoint`: required.
    pub const AUTHORIZATION: Self =
        Self { name: "authorization_endpoint", required: true, field: |e| &e.authorization_endpoint, field_mut: |e| &mut e.authorization_endpoint };
    /// `token_endpoint`: required.
    pub const TOKEN: Self = Self { name: "token_endpoint", required: true, field: |e| &e.token_endpoint, field_mut: |e| &mut e.token_endpoint };
    /// `jwks_uri`: not needed to start; an ID token without it is refused
    /// ([`JwksUriMissing`](crate::core::AppError::JwksUriMissing)).
    pub const JWKS: Self = Self { name: "jwks_uri", required: false, field: |e| &e.jwks_uri, field_mut: |e| &mut e.jwks_uri };
    /// `userinfo_endpoint`: optional; without it no UserInfo claims are shown.
    pub const USERINFO: Self =
        Self { name: "userinfo_endpoint", required: false, field: |e| &e.userinfo_endpoint, field_mut: |e| &mut e.userinfo_endpoint };
    /// `revocation_endpoint`: optional; without it sign-out cannot revoke the tokens.
    pub const REVOCATION: Self =
        Self { name: "revocation_endpoint", required: false, field: |e| &e.revocation_endpoint, field_mut: |e| &mut e.revocation_endpoint };
    /// `end_session_endpoint`: optional; without it sign-out ends only the app's session.
    pub const END_SESSION: Self =
        Self { name: "end_session_endpoint", required: false, field: |e| &e.end_session_endpoint, field_mut: |e| &mut e.end_session_endpoint };

    /// `pushed_authorization_request_endpoint`: optional; [`par::decide`](crate::core::par::decide)
    /// says whether it is used.
    pub const PAR: Self = Self {
        name: "pushed_authorization_request_endpoint",
        required: false,
        field: |e| &e.pushed_authorization_request_endpoint,
        field_mut: |e| &mut e.pushed_authorization_request_endpoint,
    };

    /// Every endpoint, in the order they are read and checked.
    pub const ALL: [Self; 7] = [Self::AUTHORIZATION, Self::TOKEN, Self::JWKS, Self::USERINFO, Self::REVOCATION, Self::END_SESSION, Self::PAR];

    /// This endpoint's URL in `endpoints`, when known.
    pub fn get(self, endpoints: &Endpoints) -> Option<&str> {
        (self.field)(endpoints).as_deref()
    }

    /// Sets this endpoint's URL in `endpoints`.
    pub fn set(self, endpoints: &mut Endpoints, url: Option<String>) {
        *(self.field_mut)(endpoints) = url;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_reads_and_writes_its_own_field() {
        let mut endpoints = Endpoints::default();
        for (i, endpoint) in Endpoint::ALL.into_iter().enumerate() {
            endpoint.set(&mut endpoints, Some(format!("https://i.example/{i}")));
        }
        let json: serde_json::Value = serde_json::from_str(
            r#"{"authorization_endpoint":"https://i.example/0","token_endpoint":"https://i.example/1","jwks_uri":"https://i.example/2",
                "userinfo_endpoint":"https://i.example/3","revocation_endpoint":"https://i.example/4","end_session_endpoint":"https://i.example/5",
                "pushed_authorization_request_endpoint":"https://i.example/6"}"#,
        )
        .unwrap();
        assert_eq!(endpoints, serde_json::from_value(json.clone()).unwrap());
        for endpoint in Endpoint::ALL {
            assert_eq!(endpoint.get(&endpoints), json[endpoint.name].as_str(), "{}", endpoint.name);
        }
        assert_eq!(Endpoint::ALL.iter().filter(|e| e.required).count(), 2);
    }
}
