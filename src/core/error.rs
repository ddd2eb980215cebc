//! The one error type of the app. Each variant has a stable snake_case code
//! (what tests and people search for) and one sentence that says what
//! happened and what to do. A provider's own `error` passes through as the
//! code; its description is kept apart so the UI can show it as text.

use std::borrow::Cow;
use std::fmt;

use super::jwks::KeySearch;

/// An error response from the provider: RFC 6749 §4.1.2.1 (authorization
/// endpoint) or §5.2 (token endpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderError {
    /// The `error` code as received; [`ProviderError::code`] decides whether
    /// it is shown as is.
    pub error: String,
    /// `error_description`: the provider's own words, shown only as text.
    pub description: Option<String>,
    /// `error_uri`: the provider's page about the error, shown only as text.
    pub uri: Option<String>,
}

impl ProviderError {
    /// The code to show: the provider's `error` as is when it is made of the
    /// characters RFC 6749 §4.1.2.1 allows (%x20-21 / %x23-5B / %x5D-7E),
    /// otherwise a generic code, so a hostile value cannot pose as ours.
    pub fn code(&self) -> &str {
        let allowed = |c: char| matches!(c, '\x20'..='\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E');
        if !self.error.is_empty() && self.error.len() <= 64 && self.error.chars().all(allowed) {
            &self.error
        } else {
            "provider_error"
        }
    }

    fn message(&self) -> &'static str {
        match self.error.as_str() {
            "access_denied" => "The sign-in was cancelled or refused at the provider. Sign in again, or ask the provider's administrator to give you access to this application.",
            "invalid_grant" => "The provider did not accept the authorization code or the PKCE verifier (it may have expired or been used already). Sign in again.",
            "invalid_client" | "unauthorized_client" => "The provider does not accept this client_id for this request. Check that the application is registered as a public client (token endpoint auth method none) with the authorization code grant.",
            "invalid_scope" => "The provider refused the requested scope. Change `scope` in config.json to scopes the application is allowed.",
            "invalid_request" => "The provider says the request is malformed. Check the redirect URI and PKCE settings of the application at the provider.",
            "unsupported_response_type" | "unsupported_grant_type" => "The provider does not allow the authorization code grant for this application. Enable it in the provider's console.",
            "login_required" | "consent_required" | "interaction_required" => "The provider needs you to sign in interactively. Sign in again.",
            "invalid_request_uri" => "The pushed sign-in request expired before it was used (the page waited too long): start again with Sign in.",
            "invalid_dpop_proof" | "use_dpop_nonce" => "The provider refused this page's DPoP proof: check this computer's clock, then sign in again (or set `dpop` to false in config.json).",
            "server_error" | "temporarily_unavailable" => "The provider had a problem handling the request. Wait a moment and sign in again.",
            _ => "The provider returned an error. Read its description below, then check the application's settings at the provider.",
        }
    }
}

/// Every failure the app can show. Raised by the step that detects it and
/// carried up to the page unchanged, so the code a person reads names the
/// rule that failed, not the place where it was noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppError {
    // config.json
    /// config.json could not be fetched (absent, or an HTTP error).
    ConfigMissing {
        /// The address config.json was fetched from.
        url: String,
        /// The HTTP status of a non-2xx answer; `None` when no answer came.
        status: Option<u16>,
    },
    /// config.json is not JSON.
    ConfigUnreadable {
        /// The JSON parser's complaint.
        problem: String,
    },
    /// config.json is JSON but a field is missing, mistyped or invalid.
    ConfigInvalid {
        /// The field's name, dotted for nested ones (`provider.tenant`).
        field: String,
        /// What is wrong with it, in a few words.
        problem: String,
    },
    /// A public client has no secret (RFC 6749 §2.1, RFC 9700 §2.1.1).
    ConfigHasSecret,

    // Discovery: the provider's metadata
    /// The discovery document could not be fetched or read.
    DiscoveryFailed {
        /// The discovery document's address.
        url: String,
        /// Why it could not be used: no answer, an HTTP status, or bad JSON.
        problem: String,
    },
    /// OpenID Connect Discovery §4.3: the `issuer` in the document must be
    /// identical to the configured one.
    DiscoveryIssuerMismatch {
        /// The issuer config.json names (Entra: its template).
        expected: String,
        /// The `issuer` the document names.
        found: String,
    },
    /// The provider's metadata lacks something this client needs.
    MetadataInvalid {
        /// The metadata member at fault, e.g. `authorization_endpoint`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// RFC 7636 §4.2: this client only ever uses S256.
    PkceS256Unsupported,

    // The authorization response (`/callback`)
    /// The authorization response is malformed (RFC 6749 §4.1.2, §3.1).
    CallbackInvalid {
        /// What is malformed, e.g. a repeated parameter.
        problem: String,
    },
    /// No pending sign-in for the returned `state` (RFC 6749 §10.12).
    StateMismatch,
    /// An error response from the provider, passed through.
    Provider(ProviderError),
    /// An error response whose `state` this tab never issued: shown without
    /// the provider's text, which an attacker could have written.
    UnsolicitedError,
    /// RFC 9207 §2.4: the provider says it sends `iss`, and it is absent.
    CallbackIssMissing,
    /// RFC 9207 §2.4: the `iss` of the response is not our issuer (mix-up).
    CallbackIssMismatch {
        /// The issuer this client accepts.
        expected: String,
        /// The response's `iss`.
        found: String,
    },
    /// This tab already used this authorization response.
    CallbackAlreadyHandled,
    /// The pending sign-in is older than its lifetime.
    SignInExpired,

    // The token endpoint
    /// The token endpoint answered with a non-2xx status and no OAuth error.
    TokenHttpStatus {
        /// The HTTP status code.
        status: u16,
    },
    /// The token endpoint's 2xx body is not a valid RFC 6749 §5.1 response.
    TokenResponseInvalid {
        /// Which requirement of §5.1 the body misses.
        problem: String,
    },
    /// RFC 6749 §7.1: the client must understand the token type.
    TokenTypeUnsupported {
        /// The `token_type` the provider sent.
        token_type: String,
    },

    // The ID token and its keys
    /// The ID token is not a decodable JWS compact serialization, or its
    /// `exp` is missing or a claim of time is not a number.
    IdTokenMalformed {
        /// Which part could not be decoded, or which claim is missing or mistyped.
        problem: String,
    },
    /// Core §3.1.3.3: a response to an `openid` request carries an ID token.
    IdTokenMissing,
    /// The `alg` is not one of RS256, PS256, ES256, ES384.
    IdTokenAlgUnsupported {
        /// The header's `alg`, or `(missing)`.
        alg: String,
    },
    /// The header names its own key (`jwk`, `jku`, `x5u`, …) or a `crit` extension.
    IdTokenHeaderRefused {
        /// The refused header member's name.
        member: String,
    },
    /// No key in the provider's key set fits the token.
    IdTokenKeyNotFound {
        /// The header's `kid`, when it names one.
        kid: Option<String>,
        /// Whether the set was fetched again for it, and if not, why not.
        search: KeySearch,
    },
    /// No `kid` and several keys fit.
    IdTokenKeyAmbiguous,
    /// The signature does not verify with the selected key, or its length
    /// does not fit its `alg`.
    IdTokenSignatureInvalid,
    /// The key set at `jwks_uri` could not be read.
    JwksUnavailable {
        /// The `jwks_uri` fetched.
        url: String,
        /// Why it could not be used: no answer, an HTTP status, or bad JSON.
        problem: String,
    },
    /// An ID token arrived and no `jwks_uri` is known to check it with.
    JwksUriMissing,
    /// Core §3.1.3.7 item 2.
    IssuerMismatch {
        /// The configured issuer (Entra: its template).
        expected: String,
        /// The token's `iss`; empty when it has none.
        found: String,
    },
    /// Core §3.1.3.7 item 3.
    AudienceMismatch {
        /// This app's `client_id`, which `aud` lacks.
        client_id: String,
    },
    /// Core §3.1.3.7 items 4-5.
    AzpMismatch {
        /// This app's `client_id`, which `azp` is not.
        client_id: String,
    },
    /// Core §3.1.3.7 item 9.
    IdTokenExpired,
    /// Core §3.1.3.7 item 10.
    IdTokenIatInvalid {
        /// Why `iat` is refused: missing, in the future, or too old.
        problem: String,
    },
    /// RFC 7519 §4.1.5.
    IdTokenNotYetValid,
    /// Core §3.1.3.7 item 11.
    NonceMismatch,
    /// Core §2: `sub` is required.
    IdTokenSubMissing,
    /// Core §3.2.2.9.
    AtHashMismatch,
    /// Entra: the ID token's tenant (`tid`) is not one config.json accepts
    /// (`organizations`, `consumers`, `allowed_tenants`).
    TenantNotAllowed {
        /// The token's `tid`, or `(none)`.
        tid: String,
        /// Which rule of config.json refused it.
        why: String,
    },

    // The session: refresh, UserInfo, sign-out
    /// The provider refused a refresh (revoked, reused or expired grant): the
    /// session is over. The provider's code passes through.
    RefreshRejected(ProviderError),
    /// Refreshes got no answer for as long as the session may reconnect.
    RefreshUnreachable {
        /// The token endpoint that did not answer.
        url: String,
    },
    /// Transient refresh failures went on for as long as the session may
    /// reconnect.
    RefreshFailed {
        /// The last failure: an HTTP status or another error's code.
        problem: String,
    },
    /// Another tab renewed this session, and its new tokens never reached
    /// this tab before the access token expired.
    SessionOutdated,
    /// Core §12.2: a refreshed ID token does not continue the first.
    RefreshIdTokenMismatch {
        /// The first claim that differs (`iss`, `sub`, `aud`, `azp`,
        /// `auth_time` or `nonce`).
        claim: &'static str,
    },
    /// RFC 9449 §5: a refresh of DPoP-bound tokens was answered with bearer
    /// tokens.
    DpopBindingDropped,
    /// The access token expired and there is no refresh token to renew it.
    SessionExpired,
    /// An API call came while the session was reconnecting, and the access
    /// token had expired by the end of its wait.
    SessionReconnecting,
    /// The session's refresh lock could not be had in time (another page
    /// of the origin holds it) and the access token has expired.
    RefreshLockUnavailable,
    /// The UserInfo endpoint did not give usable claims.
    UserInfoFailed {
        /// What was wrong with the answer.
        problem: String,
    },
    /// Core §5.3.2: UserInfo is about another subject.
    UserInfoSubMismatch,
    /// The return from the provider's logout carries an unexpected `state`.
    LogoutStateMismatch,
    /// Another tab of this session was told by the provider that it ended.
    SessionEndedInAnotherTab,
    /// Revoking a token at sign-out failed (the local sign-out happened).
    RevocationFailed {
        /// Each failed revocation's reason, joined with `; `.
        problem: String,
    },

    // DPoP (RFC 9449) and PAR (RFC 9126)
    /// `dpop: true`, and the provider does not offer ES256 proofs (§5.1).
    DpopUnsupported {
        /// The algorithms discovery lists, comma-separated; `None` when it
        /// lists none.
        offered: Option<String>,
    },
    /// `dpop: true`, a proof was sent, and the tokens came back `Bearer`.
    DpopNotHonoured,
    /// `par: true`, and the provider has no PAR endpoint (RFC 9126 §5).
    ParUnsupported,
    /// The PAR endpoint's answer is not an RFC 9126 §2.2 response.
    ParResponseInvalid {
        /// What is missing: an HTTP status or no `request_uri`.
        problem: String,
    },

    // The browser
    /// `crypto.subtle` is missing (not a secure context) or failed.
    WebCryptoUnavailable {
        /// Which WebCrypto call failed.
        problem: String,
    },
    /// The request got no answer within the time allowed (`request_timeout_s`).
    Timeout {
        /// The address requested.
        url: String,
        /// The time allowed, in milliseconds.
        after_ms: u64,
    },
    /// The request never got an HTTP answer: offline, refused, or blocked by CORS.
    Network {
        /// The address requested.
        url: String,
    },
    /// sessionStorage, or IndexedDB (which holds the DPoP key), is
    /// unavailable or failed.
    Storage {
        /// What failed, and in which storage.
        problem: String,
    },
    /// The browser's CSPRNG is unavailable.
    RandomUnavailable,
    /// The browser refused a navigation or history change.
    Navigation {
        /// Which call was refused.
        problem: String,
    },

    // The library's API
    /// The page to return to after sign-in is not a path of this app
    /// (`core::return_to`: RFC 9700 §4.11, no open redirect).
    ReturnPathRefused {
        /// The path as given, at most 200 characters of it.
        path: String,
        /// Which rule it breaks.
        problem: String,
    },
    /// An API call was asked for with nobody signed in.
    NotSignedIn,
    /// The API answered with a status outside 2xx (`core::api::read_json`).
    ApiRefused {
        /// The URL called.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The `error` member of its JSON body, if any (RFC 6750 §3).
        error: Option<String>,
    },
    /// The API's 2xx body is not the JSON the app expects.
    ApiAnswerInvalid {
        /// The URL called.
        url: String,
        /// What the JSON parser said.
        problem: String,
    },
}

impl AppError {
    /// The stable machine code shown in the alert.
    pub fn code(&self) -> &str {
        self.describe().0
    }

    /// One sentence: what happened and what to do.
    pub fn message(&self) -> String {
        self.describe().1.into_owned()
    }

    /// Each error's code and message, side by side: a new error is one arm
    /// here (and its variant above).
    fn describe(&self) -> (&str, Cow<'static, str>) {
        match self {
            // config.json
            Self::ConfigMissing { url, status } => {
                let how = status.map_or_else(|| "could not be fetched".to_owned(), |s| format!("answered HTTP {s}"));
                ("config_missing", format!("The configuration file {url} {how}: put a config.json with at least `issuer` and `client_id` beside index.html.").into())
            }
            Self::ConfigUnreadable { problem } => ("config_unreadable", format!("config.json is not valid JSON ({problem}): fix the file and reload.").into()),
            Self::ConfigInvalid { field, problem } => ("config_invalid", format!("config.json, field `{field}`: {problem}.").into()),
            Self::ConfigHasSecret => ("config_client_secret", "config.json contains `client_secret`, but this app is a public client that cannot keep a secret: remove the field and register the application at the provider as a public client (token endpoint auth method none) with PKCE.".into()),

            // Discovery: the provider's metadata
            Self::DiscoveryFailed { url, problem } => ("discovery_failed", format!(
                "The provider's discovery document at {url} could not be read ({problem}): check `issuer` in config.json, or set `authorization_endpoint` and `token_endpoint` there."
            ).into()),
            Self::DiscoveryIssuerMismatch { expected, found } => ("discovery_issuer_mismatch", format!(
                "The discovery document names the issuer \"{found}\" but config.json says \"{expected}\": they must be identical, so copy the provider's issuer into config.json exactly (watch the trailing slash)."
            ).into()),
            Self::MetadataInvalid { field, problem } => ("metadata_invalid", format!(
                "The provider's discovery document, field `{field}`: {problem}; set the endpoint in config.json or fix the provider's metadata."
            ).into()),
            Self::PkceS256Unsupported => ("pkce_s256_unsupported", "The provider does not list S256 in `code_challenge_methods_supported`, and this app never falls back to `plain`: enable PKCE with S256 for the application at the provider.".into()),

            // The authorization response (`/callback`)
            Self::CallbackInvalid { problem } => ("callback_invalid", format!(
                "The sign-in response is malformed ({problem}): start again with Sign in."
            ).into()),
            Self::StateMismatch => ("state_mismatch", "This sign-in response does not belong to a sign-in started in this tab (unknown or already used state), so it was not used: start again with Sign in.".into()),
            Self::Provider(e) => (e.code(), e.message().into()),
            Self::UnsolicitedError => ("unsolicited_error_response", "An error response arrived for a sign-in this tab did not start, so its text is not shown: start again with Sign in.".into()),
            Self::CallbackIssMissing => ("callback_iss_missing", "The provider announces that it names itself (`iss`) in sign-in responses, and this response does not, so it may come from another provider: start again with Sign in.".into()),
            Self::CallbackIssMismatch { expected, found } => ("callback_iss_mismatch", format!(
                "This sign-in response names the issuer \"{found}\" instead of \"{expected}\", so it was refused before any code was sent (mix-up defence): start again with Sign in."
            ).into()),
            Self::CallbackAlreadyHandled => ("callback_already_handled", "This sign-in response was already used in this tab (a reload or the back button), and a code is exchanged only once: start again with Sign in.".into()),
            Self::SignInExpired => ("sign_in_expired", "This sign-in was started more than ten minutes ago and has expired: start again with Sign in.".into()),

            // The token endpoint
            Self::TokenHttpStatus { status } => ("token_http_error", format!(
                "The token endpoint answered HTTP {status} without an OAuth error: check `token_endpoint` in config.json and the provider's status, then sign in again."
            ).into()),
            Self::TokenResponseInvalid { problem } => ("token_response_invalid", format!(
                "The token endpoint's answer is not a valid token response ({problem}): check that `token_endpoint` points at the provider's OAuth token endpoint."
            ).into()),
            Self::TokenTypeUnsupported { token_type } => ("token_type_unsupported", format!(
                "The provider issued a token of type \"{token_type}\", and this app only uses Bearer tokens: configure the application at the provider to issue Bearer tokens."
            ).into()),

            // The ID token and its keys
            Self::IdTokenMalformed { problem } => ("id_token_malformed", format!(
                "The provider's ID token could not be read ({problem}): check that the provider is an OpenID Connect provider, then sign in again."
            ).into()),
            Self::IdTokenMissing => ("id_token_missing", "The provider answered a sign-in with the openid scope without an ID token: enable OpenID Connect (the openid scope) for the application at the provider, then sign in again.".into()),
            Self::IdTokenAlgUnsupported { alg } => ("id_token_alg_unsupported", format!(
                "The ID token is signed with \"{alg}\", and this app accepts only RS256, PS256, ES256 and ES384 (never none or a shared-secret HS algorithm): set the application's ID token signing algorithm at the provider to one of those."
            ).into()),
            Self::IdTokenHeaderRefused { member } => ("id_token_header_refused", format!(
                "The ID token's header carries `{member}`, which would let the token choose the key it is checked with, so it was refused: sign in again, and report it to the provider's administrator if it repeats."
            ).into()),
            Self::IdTokenKeyNotFound { kid, search } => ("id_token_key_not_found", format!(
                "No key in the provider's key set (jwks_uri) fits the ID token{}, {}",
                kid.as_ref().map(|k| format!(" (kid \"{k}\")")).unwrap_or_default(),
                match search {
                    KeySearch::Refetched => "even after fetching the set again: check `issuer` / `jwks_uri` in config.json and the provider's signing keys.",
                    KeySearch::FetchedAfterResponse => "and the set was fetched after the token arrived, so the provider does not publish the key it signed with: check `issuer` / `jwks_uri` in config.json and the provider's signing keys.",
                    KeySearch::RefetchedRecently => "and the set was fetched again for another unknown key less than 30 seconds ago: try again in a minute; if it repeats, check `issuer` / `jwks_uri` in config.json and the provider's signing keys.",
                }
            ).into()),
            Self::IdTokenKeyAmbiguous => ("id_token_key_ambiguous", "The ID token names no key (no kid) and several of the provider's keys fit, so this app will not guess: have the provider put `kid` in its ID tokens, or publish one signing key.".into()),
            Self::IdTokenSignatureInvalid => ("id_token_signature_invalid", "The ID token's signature does not verify with the provider's key, so its tokens were thrown away: sign in again, and check `issuer` and `jwks_uri` in config.json if it repeats.".into()),
            Self::JwksUnavailable { url, problem } => ("jwks_unavailable", format!(
                "The provider's key set at {url} could not be read ({problem}): check that it is reachable from this origin (CORS), then sign in again."
            ).into()),
            Self::JwksUriMissing => ("jwks_uri_missing", "An ID token arrived but no key set is known to check it: add `jwks_uri` to config.json, or remove the endpoints from config.json so that discovery provides it.".into()),
            Self::IssuerMismatch { expected, found } => ("issuer_mismatch", format!(
                "The ID token was issued by \"{found}\", not by \"{expected}\", so it was refused: check `issuer` in config.json (it must match the provider's exactly), then sign in again."
            ).into()),
            Self::AudienceMismatch { client_id } => ("audience_mismatch", format!(
                "The ID token is not meant for this client (its `aud` lacks \"{client_id}\"): check `client_id` in config.json, then sign in again."
            ).into()),
            Self::AzpMismatch { client_id } => ("azp_mismatch", format!(
                "The ID token was issued to another party (`azp` is not \"{client_id}\"), so it was refused: check the application's settings at the provider, then sign in again."
            ).into()),
            Self::IdTokenExpired => ("id_token_expired", "The ID token had already expired when it arrived: check that this computer's clock is right, then sign in again.".into()),
            Self::IdTokenIatInvalid { problem } => ("id_token_iat_invalid", format!(
                "The ID token's issue time (`iat`) is not acceptable: {problem}. Check that this computer's clock is right, then sign in again."
            ).into()),
            Self::IdTokenNotYetValid => ("id_token_not_yet_valid", "The ID token is not valid yet (`nbf` is in the future): check that this computer's clock is right, then sign in again.".into()),
            Self::NonceMismatch => ("nonce_mismatch", "The ID token's nonce is not the one this sign-in sent, so it may be a replayed token: sign in again.".into()),
            Self::IdTokenSubMissing => ("id_token_sub_missing", "The ID token names no subject (`sub`), so there is no one to sign in: check the provider's ID token settings, then sign in again.".into()),
            Self::AtHashMismatch => ("at_hash_mismatch", "The ID token's `at_hash` does not match the access token issued with it, so both were thrown away: sign in again.".into()),
            Self::TenantNotAllowed { tid, why } => ("tenant_not_allowed", format!(
                "The account you signed in with belongs to the Microsoft tenant {tid}, which this app does not accept ({why}), so its tokens were thrown away: sign in with an account of an accepted tenant, or change `provider.tenant` / `provider.allowed_tenants` in config.json."
            ).into()),

            // The session: refresh, UserInfo, sign-out
            Self::RefreshRejected(e) => (e.code(), "Your session ended at the provider (the refresh token was revoked, already used or expired): sign in again.".into()),
            Self::RefreshUnreachable { url } => ("refresh_network_error", format!(
                "The session could not be renewed because {url} did not answer for as long as the session may reconnect (or until the refresh token expired): check the network, then sign in again."
            ).into()),
            Self::RefreshFailed { problem } => ("refresh_failed", format!(
                "The session could not be renewed for as long as it may reconnect (the last attempt failed with {problem}): sign in again."
            ).into()),
            Self::SessionOutdated => ("session_outdated", "Another tab of this session renewed it, and its new tokens did not reach this tab in time, so the session ended here: sign in again (or keep using the other tab).".into()),
            Self::RefreshIdTokenMismatch { claim } => ("refresh_id_token_mismatch", format!(
                "The provider's renewed ID token has another `{claim}` than the sign-in's (OpenID Connect Core §12.2), so the session was ended: sign in again."
            ).into()),
            Self::DpopBindingDropped => ("dpop_binding_dropped", "The provider renewed DPoP-bound tokens with bearer tokens, which were not used, so the session ended: sign in again, and check the provider's DPoP setting for this client.".into()),
            Self::SessionExpired => ("session_expired", "Your session has ended: the access token expired and the provider gave no refresh token to renew it. Sign in again.".into()),
            Self::SessionReconnecting => ("session_reconnecting", "The session is reconnecting to the provider and the access token has expired, so the request was not sent: try again in a moment.".into()),
            Self::RefreshLockUnavailable => ("refresh_lock_unavailable", "The session could not be renewed because another page of this site holds its refresh lock, and the access token expired: close other pages of this site, then sign in again.".into()),
            Self::UserInfoFailed { problem } => ("userinfo_failed", format!("The UserInfo endpoint gave no usable claims ({problem}): the rest of the session is unaffected; check the provider's UserInfo settings.").into()),
            Self::UserInfoSubMismatch => ("userinfo_sub_mismatch", "The UserInfo endpoint answered about another person than the ID token names, so its claims were not shown: report this to the provider's administrator.".into()),
            Self::LogoutStateMismatch => ("logout_state_mismatch", "The return from the provider's sign-out carries a state this tab did not send: you are signed out here; sign in again if you want.".into()),
            Self::SessionEndedInAnotherTab => ("session_ended_in_another_tab", "Another tab of this session was told by the provider that the session ended, so it ended here too: sign in again.".into()),
            Self::RevocationFailed { problem } => ("revocation_failed", format!(
                "You are signed out here, but the provider could not be told to revoke the tokens ({problem}): they stay valid until they expire."
            ).into()),

            // DPoP and PAR
            Self::DpopUnsupported { offered } => ("dpop_unsupported", format!(
                "config.json says `dpop: true`, but the provider does not offer DPoP proofs with ES256 (its discovery lists {}): turn DPoP on for the application at the provider, or set `dpop` to \"auto\" or false.",
                offered.as_deref().map_or_else(|| "no `dpop_signing_alg_values_supported`".to_owned(), |a| format!("only {a}"))
            ).into()),
            Self::DpopNotHonoured => ("dpop_not_honoured", "config.json says `dpop: true`, but the provider answered the proof with bearer tokens, which were not used: turn on DPoP-bound tokens at the provider, or set `dpop` to \"auto\".".into()),
            Self::ParUnsupported => ("par_unsupported", "config.json says `par: true`, but the provider has no `pushed_authorization_request_endpoint`: turn PAR on at the provider, name the endpoint in config.json, or set `par` to \"auto\".".into()),
            Self::ParResponseInvalid { problem } => ("par_response_invalid", format!(
                "The provider's pushed authorization request endpoint gave no usable answer ({problem}): check the application's PAR settings at the provider, then sign in again."
            ).into()),

            // The browser
            Self::WebCryptoUnavailable { problem } => ("webcrypto_unavailable", format!(
                "The browser's WebCrypto failed ({problem}): use a current browser, over https or on localhost."
            ).into()),
            Self::Timeout { url, after_ms } => ("request_timeout", format!(
                "{url} did not answer within {} s: check the network and the provider's status, then try again.",
                after_ms / 1000
            ).into()),
            Self::Network { url } => ("network_error", format!(
                "No answer could be read from {url}: check that the provider is reachable and that it allows this page's origin (CORS) for the application."
            ).into()),
            Self::Storage { problem } => ("storage_unavailable", format!(
                "The browser's sessionStorage is not available ({problem}): allow site data for this page (or leave private mode) and reload."
            ).into()),
            Self::RandomUnavailable => ("random_unavailable", "The browser's secure random generator is not available: use a current browser over https or localhost.".into()),
            Self::Navigation { problem } => ("navigation_failed", format!(
                "The browser refused to navigate ({problem}): reload the page and sign in again."
            ).into()),
            Self::ReturnPathRefused { path, problem } => ("return_path_refused", format!(
                "The page to return to after sign-in, {path}, is refused ({problem}): only a page of this app can be; open the app's own address and sign in from there."
            ).into()),
            Self::NotSignedIn => ("not_signed_in", "Nobody is signed in, so the API cannot be called: sign in first.".into()),
            Self::ApiRefused { url, status, error } => ("api_refused", format!(
                "{url} answered HTTP {status}{}: check that the API accepts this provider's access tokens for this scope.",
                error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default()
            ).into()),
            Self::ApiAnswerInvalid { url, problem } => ("api_answer_invalid", format!(
                "{url} answered, but not with the JSON this page expects ({problem}): check the API's URL in config.json."
            ).into()),
        }
    }

    /// The provider's own words, to be shown as text beside the message.
    pub fn provider_detail(&self) -> Option<&ProviderError> {
        match self {
            Self::Provider(e) | Self::RefreshRejected(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, message) = self.describe();
        write!(f, "{code}: {message}")
    }
}

impl std::error::Error for AppError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(error: &str) -> AppError {
        AppError::Provider(ProviderError { error: error.into(), description: None, uri: None })
    }

    #[test]
    fn provider_codes_pass_through() {
        assert_eq!(provider("access_denied").code(), "access_denied");
        assert_eq!(provider("invalid_grant").code(), "invalid_grant");
        assert_eq!(provider("vendor_specific").code(), "vendor_specific");
    }

    #[test]
    fn provider_codes_outside_the_rfc_charset_are_replaced() {
        assert_eq!(provider("bad\"quote").code(), "provider_error");
        assert_eq!(provider("").code(), "provider_error");
        assert_eq!(provider("\u{202e}rtl").code(), "provider_error");
    }

    #[test]
    fn every_message_is_one_sentence_ending_in_a_period() {
        let samples = [
            AppError::ConfigHasSecret,
            AppError::StateMismatch,
            AppError::Network { url: "https://x".into() },
            provider("access_denied"),
            provider("something_new"),
        ];
        for e in samples {
            let m = e.message();
            assert!(m.ends_with('.'), "{m}");
            assert!(!e.code().is_empty());
        }
    }
}
