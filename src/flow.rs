//! The sign-in flow, step by step: each function runs one protocol step of
//! the core against the browser layer.

use std::sync::{Arc, Mutex, PoisonError};

use crate::browser::url::BrowserUrls;
use crate::browser::webcrypto::WebCrypto;
use crate::browser::{http, page, random, storage};
use crate::core::authorize::State;
use crate::core::callback::{self, Exchange, Found, ValidatedCallback};
use crate::core::check::{self, Discovery, TokenProbe};
use crate::core::config::{self, Config};
use crate::core::discovery::{self, Provider};
use crate::core::id_token::{self, Expectations, IdTokenClaims, KeySource};
use crate::core::jwks::{self, Jwks, KeyCache};
use crate::core::session::Session;
use crate::core::token::{self, TokenResponse};
use crate::core::{sign_in, url, AppError};

/// What the app knows before anyone signs in.
#[derive(Clone, Debug)]
pub struct AppSetup {
    pub config: Config,
    pub provider: Provider,
    /// The provider's key set, kept while the page lives.
    keys: Arc<Mutex<KeyCache>>,
}

/// Reads config.json beside index.html.
pub async fn load_config() -> Result<Config, AppError> {
    let base = page::base_url();
    let url = format!("{base}config.json");
    let reply = http::get(&url).await.map_err(|_| AppError::ConfigMissing { url: url.clone(), status: None })?;
    if !(200..300).contains(&reply.status) {
        return Err(AppError::ConfigMissing { url, status: Some(reply.status) });
    }
    let config = config::parse(&reply.body, &base, &BrowserUrls)?;
    http::set_timeout_ms(config.request_timeout_ms);
    Ok(config)
}

/// Reads the provider's discovery document, unless config.json names both
/// endpoints, and settles what the sign-in talks to.
pub async fn load_provider(config: Config) -> Result<AppSetup, AppError> {
    let metadata = if config.has_endpoints() { None } else { Some(discover(&config).await?) };
    let provider = discovery::resolve(&config, metadata, &BrowserUrls)?;
    Ok(AppSetup { config, provider, keys: Arc::default() })
}

/// Runs the provider check: the raw discovery document, then a token
/// request with a made-up code, whose answer must be a readable OAuth error.
pub async fn check_provider(config: &Config) -> Vec<check::CheckItem> {
    let found = if config.has_endpoints() {
        Discovery::NotUsed
    } else {
        let url = discovery::discovery_url(&config.issuer);
        match http::get(&url).await {
            Err(_) => Discovery::Unreadable { url, problem: "no answer from this origin".to_owned() },
            Ok(reply) if !(200..300).contains(&reply.status) => Discovery::Unreadable { url, problem: format!("HTTP {}", reply.status) },
            Ok(reply) => match serde_json::from_str(&reply.body) {
                Ok(doc @ serde_json::Value::Object(_)) => Discovery::Found(doc),
                _ => Discovery::Unreadable { url, problem: "not a JSON object".to_owned() },
            },
        }
    };
    let token_endpoint = config.endpoints.token_endpoint.clone().or_else(|| match &found {
        Discovery::Found(doc) => doc.get("token_endpoint").and_then(|v| v.as_str()).map(str::to_owned),
        _ => None,
    });
    // The document is not trusted yet: its token endpoint is probed only
    // when it passes the same URL rules as config.json's.
    let probe = match token_endpoint {
        Some(endpoint) if url::problem(&endpoint, &BrowserUrls).is_none() => probe_token_endpoint(config, &endpoint).await,
        _ => TokenProbe::NotRun,
    };
    let origin = crate::core::url::origin(&page::base_url()).unwrap_or_default().to_owned();
    check::evaluate(config, &found, &probe, &origin)
}

async fn probe_token_endpoint(config: &Config, endpoint: &str) -> TokenProbe {
    let Ok(bytes) = random::bytes32() else { return TokenProbe::NotRun };
    let request = check::probe_request(endpoint, config, crate::core::pkce::CodeVerifier::from_random(bytes));
    match http::post_form(&request).await {
        Err(_) => TokenProbe::NoAnswer,
        Ok(reply) => match token::parse_response(reply.status, &reply.body) {
            Err(AppError::Provider(e)) => TokenProbe::OAuthError(e.code().to_owned()),
            _ => TokenProbe::Other(reply.status),
        },
    }
}

async fn discover(config: &Config) -> Result<discovery::ProviderMetadata, AppError> {
    let url = discovery::discovery_url(&config.issuer);
    let reply = http::get(&url).await.map_err(|_| AppError::DiscoveryFailed {
        url: url.clone(),
        problem: "no answer: the issuer may be wrong, the provider down, or this origin not allowed (CORS)".to_owned(),
    })?;
    discovery::parse_metadata(&url, reply.status, &reply.body, &config.issuer_rule)
}

/// Makes the PKCE pair, state and nonce, keeps the pending request in
/// sessionStorage under its state, and leaves for the provider.
pub fn begin_sign_in(setup: &AppSetup) -> Result<(), AppError> {
    let now = page::now_ms();
    storage::sweep(now)?;
    let start = sign_in::start(&setup.config, &setup.provider, random::sign_in_randomness()?, now);
    storage::save_pending(&start.state, &start.pending)?;
    page::go_to(&start.url)
}

/// The authorization response as `/callback` found it: already out of the
/// address bar and the history entry, and every pending sign-in it names
/// already out of storage ([`take_callback_response`]).
pub struct CallbackResponse {
    query: String,
    cleared: Result<(), AppError>,
    found: Result<Found, AppError>,
}

impl std::fmt::Debug for CallbackResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The query holds the code and the state.
        f.debug_struct("CallbackResponse")
            .field("query", &"[redacted]")
            .field("cleared", &self.cleared)
            .field("found", &self.found)
            .finish()
    }
}

/// The very first thing `/callback` does, before config.json or the
/// provider is loaded: takes `code`, `state`, `iss` and the error parameters
/// out of the address bar and the history entry (RFC 9700 §4.2.4), then
/// consumes every pending sign-in the response names, so that whatever goes
/// wrong next (a malformed response, config.json or discovery failing) no
/// code stays in the history and no verifier or nonce in storage.
pub fn take_callback_response() -> CallbackResponse {
    let query = page::query();
    let cleared = if callback::is_empty(&query) { Ok(()) } else { page::strip_query() };
    let found = consume(&query);
    CallbackResponse { query, cleared, found }
}

fn consume(query: &str) -> Result<Found, AppError> {
    let now = page::now_ms();
    let states = callback::states_named(query);
    // A reload of /callback: the response already left the address bar.
    let mut found = if callback::is_empty(query) && storage::any_handled()? { Found::AlreadyHandled } else { Found::Nothing };
    for state in &states {
        found = found.or(take_once(state, now)?);
    }
    storage::sweep(now)?;
    Ok(found)
}

/// Takes the pending request for `state` out of storage (it is used once)
/// and leaves a mark, so a second look at the same response is recognised.
fn take_once(state: &State, now_ms: u64) -> Result<Found, AppError> {
    match storage::take_pending(state)? {
        Some(found) => {
            storage::mark_handled(state, now_ms)?;
            Ok(Found::Pending(found))
        }
        None if storage::was_handled(state)? => Ok(Found::AlreadyHandled),
        None => Ok(Found::Nothing),
    }
}

/// Decides on the response ([`callback::validate`]) and, when it holds a
/// code for a sign-in of this tab, exchanges it and validates what comes back.
pub async fn complete_sign_in(setup: &AppSetup, response: CallbackResponse) -> Result<Session, AppError> {
    let CallbackResponse { query, cleared, found } = response;
    cleared?;
    let validated = callback::validate(callback::parse(&query), found?, &setup.provider, page::now_ms())?;
    exchange(setup, validated).await
}

async fn exchange(setup: &AppSetup, validated: ValidatedCallback) -> Result<Session, AppError> {
    let (request, exchange) = validated.token_request(setup.provider.token_endpoint(), &setup.config.client_id);
    // The ID token's keys are fetched while the code is exchanged, not
    // after: one round trip less between the callback and signed in. A
    // failure here is met again, and reported, when the token is checked.
    let keys = ProviderKeys::of(setup);
    let prefetch = async {
        if exchange.id_token_required {
            let _ = keys.key_set(false).await;
        }
    };
    let (reply, ()) = futures::future::join(http::post_form(&request), prefetch).await;
    let reply = reply?;
    let tokens = token::parse_response(reply.status, &reply.body)?;
    let claims = validate_id_token(setup, &tokens, &exchange).await?;
    let id = random::session_id()?;
    Ok(Session::new(id, tokens, claims, &exchange.scope, page::now_ms()))
}

/// OpenID Connect Core §3.1.3.7 on the response's ID token; with the openid
/// scope there must be one (§3.1.3.3).
async fn validate_id_token(setup: &AppSetup, tokens: &TokenResponse, exchange: &Exchange) -> Result<Option<IdTokenClaims>, AppError> {
    let Some(id_token) = exchange.id_token(tokens)? else {
        return Ok(None);
    };
    let expected = Expectations {
        issuer: &setup.provider.issuer,
        client_id: &setup.config.client_id,
        nonce: exchange.nonce.as_ref(),
        access_token: tokens.access_token.secret(),
        now_s: page::now_ms() / 1000,
    };
    id_token::verify(id_token, &ProviderKeys::of(setup), &WebCrypto, &expected).await.map(Some)
}

/// The key set at `jwks_uri`, fetched once per page and again after an
/// unknown `kid`, at most every [`jwks::MIN_REFETCH_INTERVAL_MS`].
pub struct ProviderKeys<'a> {
    url: Option<&'a str>,
    cache: &'a Mutex<KeyCache>,
}

impl<'a> ProviderKeys<'a> {
    pub fn of(setup: &'a AppSetup) -> Self {
        Self { url: setup.provider.endpoints().jwks_uri.as_deref(), cache: &setup.keys }
    }
}

impl KeySource for ProviderKeys<'_> {
    async fn key_set(&self, refresh: bool) -> Result<Jwks, AppError> {
        let url = self.url.ok_or(AppError::JwksUriMissing)?;
        let now = page::now_ms();
        if let Some(set) = self.cache.lock().unwrap_or_else(PoisonError::into_inner).usable(refresh, now) {
            return Ok(set);
        }
        let reply = http::get(url).await.map_err(|_| AppError::JwksUnavailable {
            url: url.to_owned(),
            problem: "no answer: the provider may be down or not allow this origin (CORS)".to_owned(),
        })?;
        let set = jwks::parse(url, reply.status, &reply.body)?;
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).store(set.clone(), now);
        Ok(set)
    }
}
