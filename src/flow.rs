//! The sign-in flow, step by step: each function runs one protocol step of
//! the core against the browser layer.

use std::sync::{Arc, Mutex};

use crate::browser::dpop::{self, Nonces, ProofKey};
use crate::browser::http::{self, Outgoing, Reply};
use crate::browser::url::BrowserUrls;
use crate::browser::webcrypto::WebCrypto;
use crate::browser::{page, random, storage};
use crate::core::authorize::State;
use crate::core::callback::{self, Exchange, Found, ValidatedCallback};
use crate::core::check::{self, Discovery, TokenProbe};
use crate::core::config::{self, Config, TokenStorage};
use crate::core::discovery::{self, Provider};
use crate::core::endpoints::Endpoint;
use crate::core::id_token::{self, Expectations, IdTokenClaims, KeySource};
use crate::core::jwks::{self, Jwks, KeyCache, KeySearch};
use crate::core::session::{Deployment, Session};
use crate::core::dpop::Sent;
use crate::core::pending::KeptDiscovery;
use crate::core::token::{self, TokenRequest, TokenResponse};
use crate::core::url::UrlParser;
use crate::core::{par, return_to, route, sign_in, url, AppError};

/// What the app knows before anyone signs in.
#[derive(Clone, Debug)]
pub struct AppSetup {
    /// The validated config.json.
    pub config: Config,
    /// The issuer and endpoints in use, config.json's over discovered ones.
    pub provider: Provider,
    /// The provider's key set, kept while the page lives.
    keys: Arc<Mutex<KeyCache>>,
}

impl AppSetup {
    /// What a session made under this setup belongs to.
    pub fn deployment(&self) -> Deployment<'_> {
        Deployment { issuer: self.provider.issuer.as_str(), client_id: &self.config.client_id, token_endpoint: self.provider.token_endpoint() }
    }
}

/// Reads config.json beside index.html.
pub async fn load_config() -> Result<Config, AppError> {
    let url = format!("{}config.json", page::base_url());
    let reply = http::get(&url).await.map_err(|_| AppError::ConfigMissing { url: url.clone(), status: None })?;
    if !(200..300).contains(&reply.status) {
        return Err(AppError::ConfigMissing { url, status: Some(reply.status) });
    }
    parse_config(&reply.body)
}

/// A configuration in config.json's format, with every rule of
/// [`config::parse`]; relative URLs are relative to the app's base.
pub fn parse_config(json: &str) -> Result<Config, AppError> {
    config::parse(json, &page::base_url(), &BrowserUrls)
}

/// Applies what of `config` the browser layer needs before any request,
/// and places the callback and the sign-out return where it says; refused
/// when this build cannot show them there ([`ReturnPaths::check`]).
///
/// [`ReturnPaths::check`]: crate::core::route::ReturnPaths::check
pub fn use_config(config: &Config) -> Result<(), AppError> {
    http::set_timeout_ms(config.request_timeout_ms);
    config.return_paths.check(&page::base_path(), page::relative_build())?;
    page::set_return_paths(config.return_paths.clone());
    Ok(())
}

/// Whether this page is the callback before config.json is read
/// ([`route::callback_at_start`]): `<base>/callback`, or the redirect URI of
/// a sign-in this tab has pending.
pub fn callback_at_start() -> bool {
    let Some(here) = page::here_url() else { return false };
    let pending: Vec<_> = storage::pending_redirect_uris(page::now_ms()).iter().filter_map(|u| BrowserUrls.parse(u)).collect();
    route::callback_at_start(&page::base_path(), &here, &pending)
}

/// Reads the provider's discovery document, unless config.json names both
/// endpoints, and settles what the sign-in talks to. On `/callback`
/// (`on_callback`) the document this tab read when the sign-in started is
/// used again, when it is young enough ([`KeptDiscovery`]).
pub async fn load_provider(config: Config, on_callback: bool) -> Result<AppSetup, AppError> {
    let metadata = if config.has_endpoints() { None } else { Some(discover(&config, on_callback).await?) };
    let provider = discovery::resolve(&config, metadata, &BrowserUrls)?;
    Ok(AppSetup { config, provider, keys: Arc::default() })
}

/// Runs the provider check: the raw discovery document, then a token
/// request with a made-up code, whose answer must be a readable OAuth error;
/// with DPoP or PAR offered, the same with a `DPoP` header and a push.
pub async fn check_provider(config: &Config) -> Vec<check::CheckItem> {
    let mut date = None;
    let found = if config.has_endpoints() {
        Discovery::NotUsed
    } else {
        let url = discovery::discovery_url(&config.issuer);
        match http::get(&url).await {
            Err(_) => Discovery::Unreadable { url, problem: "no answer from this origin".to_owned() },
            Ok(reply) if !(200..300).contains(&reply.status) => Discovery::Unreadable { url, problem: format!("HTTP {}", reply.status) },
            Ok(reply) => {
                date = reply.date;
                match serde_json::from_str(&reply.body) {
                    Ok(doc @ serde_json::Value::Object(_)) => Discovery::Found(doc),
                    _ => Discovery::Unreadable { url, problem: "not a JSON object".to_owned() },
                }
            }
        }
    };
    let endpoint = |e: Endpoint| -> Option<String> {
        let url = e.get(&config.endpoints).map(str::to_owned).or_else(|| match &found {
            Discovery::Found(doc) => doc.get(e.name).and_then(|v| v.as_str()).map(str::to_owned),
            _ => None,
        });
        // The document is not trusted yet: its endpoints are probed only
        // when they pass the same URL rules as config.json's.
        url.filter(|u| url::problem(u, &BrowserUrls).is_none())
    };
    let probe = match endpoint(Endpoint::TOKEN) {
        Some(token_endpoint) => probe_token_endpoint(config, &token_endpoint, None).await,
        None => TokenProbe::NotRun,
    };
    let dpop = match endpoint(Endpoint::TOKEN) {
        Some(token_endpoint) if check::dpop_offered(&found) && matches!(probe, TokenProbe::OAuthError(_)) => {
            probe_token_endpoint(config, &token_endpoint, Some(check::PROBE_CODE)).await
        }
        _ => TokenProbe::NotRun,
    };
    let par = match endpoint(Endpoint::PAR) {
        Some(par_endpoint) => probe_reply(http::post_form(&check::par_probe_request(&par_endpoint, config), None).await),
        None => TokenProbe::NotRun,
    };
    let clock_offset_s = date.as_deref().and_then(check::http_date_s).map(|s| s - (page::now_ms() / 1000) as i64);
    let origin = crate::core::url::origin(&page::base_url()).unwrap_or_default().to_owned();
    let mut items = check::evaluate(config, &found, &probe, &origin);
    items.extend(check::feature_items(config, &found, &check::FeatureProbes { dpop, par, clock_offset_s }, &origin));
    items
}

/// The token probe, with `proof` as a (made-up) `DPoP` header when given:
/// whether the endpoint's CORS lets that header through.
async fn probe_token_endpoint(config: &Config, endpoint: &str, proof: Option<&str>) -> TokenProbe {
    let Ok(bytes) = random::bytes32() else { return TokenProbe::NotRun };
    let request = check::probe_request(endpoint, config, crate::core::pkce::CodeVerifier::from_random(bytes));
    probe_reply(http::post_form(&request, proof).await)
}

fn probe_reply(reply: Result<Reply, AppError>) -> TokenProbe {
    match reply {
        Err(_) => TokenProbe::NoAnswer,
        Ok(reply) => match token::parse_response(reply.status, &reply.body, Sent::NoProof) {
            Err(AppError::Provider(e)) => TokenProbe::OAuthError(e.code().to_owned()),
            _ => TokenProbe::Other(reply.status),
        },
    }
}

async fn discover(config: &Config, on_callback: bool) -> Result<discovery::ProviderMetadata, AppError> {
    let url = discovery::discovery_url(&config.issuer);
    let now = page::now_ms();
    let kept = on_callback.then(storage::kept_discovery).flatten();
    if let Some(body) = kept.as_ref().and_then(|k| k.body_for(&url, now)) {
        return discovery::parse_metadata(&url, 200, body, &config.issuer_rule);
    }
    let reply = http::get(&url).await.map_err(|_| AppError::DiscoveryFailed {
        url: url.clone(),
        problem: "no answer: the issuer may be wrong, the provider down, or this origin not allowed (CORS)".to_owned(),
    })?;
    let metadata = discovery::parse_metadata(&url, reply.status, &reply.body, &config.issuer_rule)?;
    storage::keep_discovery(&KeptDiscovery { url, fetched_at_ms: now, body: reply.body });
    Ok(metadata)
}

/// Makes the PKCE pair, state and nonce (and the DPoP key, when DPoP is
/// used), keeps the pending request in sessionStorage under its state, with
/// the page to return to (`return_to`, refused unless
/// [`return_to::accept`] takes it), pushes the request when PAR is used, and
/// leaves for the provider.
pub async fn begin_sign_in(setup: &AppSetup, return_to: Option<&str>) -> Result<(), AppError> {
    let return_to = return_to.map(|path| return_to::accept(&page::base_path(), path)).transpose()?;
    let now = page::now_ms();
    storage::sweep(now)?;
    let key = match setup.provider.uses_dpop(setup.config.dpop)? {
        true => Some(new_proof_key().await?),
        false => None,
    };
    let extras = sign_in::Extras { dpop_jkt: key.map(|k| k.jkt().to_owned()), return_to };
    let start = sign_in::start(&setup.config, &setup.provider, random::sign_in_randomness()?, now, extras)?;
    storage::save_pending(&start.state, &start.pending)?;
    let url = match start.push {
        None => start.url,
        Some(push) => {
            let answer = http::post_form(&push.request, None).await;
            let answer = answer.as_ref().map(|reply| (reply.status, reply.body.as_str())).map_err(Clone::clone);
            par::destination(answer, push.fallback, start.url, setup.provider.authorization_endpoint(), &setup.config.client_id)?
        }
    };
    page::go_to(&url)
}

/// A DPoP key for one sign-in, kept in IndexedDB until its callback (or,
/// when the sign-in never comes back, until [`sweep_proof_keys`]).
async fn new_proof_key() -> Result<ProofKey, AppError> {
    let key = ProofKey::generate().await?;
    key.keep(true).await?;
    Ok(key)
}

/// The authorization response as `/callback` found it: already out of the
/// address bar and the history entry, and every pending sign-in it names
/// already out of storage ([`take_callback_response`]).
pub struct CallbackResponse {
    query: String,
    cleared: Result<(), AppError>,
    found: Result<Found, AppError>,
}

impl CallbackResponse {
    /// The thumbprint of the DPoP key of the sign-in this response answers.
    pub fn proof_key(&self) -> Option<&str> {
        match &self.found {
            Ok(Found::Pending(pending)) => pending.dpop_jkt.as_deref(),
            _ => None,
        }
    }
}

/// A callback that will not complete (config.json or the provider could
/// not be loaded): its DPoP key goes from IndexedDB at once.
pub async fn drop_callback_response(response: CallbackResponse) {
    if let Some(jkt) = response.proof_key() {
        dpop::forget(jkt).await;
    }
}

/// At a start, once the configuration is read: removes the DPoP keys of
/// sign-ins that never came back ([`dpop::sweep`]), when the provider is
/// one this app uses DPoP with (no key is made otherwise).
pub async fn sweep_proof_keys(setup: &AppSetup) {
    if matches!(setup.provider.uses_dpop(setup.config.dpop), Ok(true)) {
        dpop::sweep(page::now_ms()).await;
    }
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

/// The very first thing the callback does, before config.json or the
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

/// A completed sign-in: the session, and the page to show now (the one the
/// person asked for, or the app's root: [`return_to::after_callback`]).
#[derive(Debug)]
pub struct SignedIn {
    /// The new session, its tokens and claims validated.
    pub session: Session,
    /// The path to show in place of `/callback`.
    pub return_to: String,
}

/// Decides on the response ([`callback::validate`]) and, when it holds a
/// code for a sign-in of this tab, exchanges it and validates what comes
/// back. When it fails, the sign-in's DPoP key is removed at once: no
/// session will use it.
pub async fn complete_sign_in(setup: &AppSetup, response: CallbackResponse) -> Result<SignedIn, AppError> {
    let jkt = response.proof_key().map(str::to_owned);
    let CallbackResponse { query, cleared, found } = response;
    let outcome = async {
        cleared?;
        let validated = callback::validate(callback::parse(&query), found?, &setup.provider, page::now_ms())?;
        exchange(setup, validated).await
    }
    .await;
    if let (Err(_), Some(jkt)) = (&outcome, jkt) {
        dpop::forget(&jkt).await;
    }
    outcome
}

async fn exchange(setup: &AppSetup, validated: ValidatedCallback) -> Result<SignedIn, AppError> {
    let (request, exchange) = validated.token_request(setup.provider.token_endpoint(), &setup.config.client_id);
    // The ID token's keys are fetched while the code is exchanged, not
    // after: one round trip less between the callback and signed in. A
    // failure here is met again, and reported, when the token is checked.
    let prefetch = async {
        if exchange.id_token_required {
            jwks::prefetch(&setup.keys, &JwksUri(setup.provider.endpoints().jwks_uri.as_deref())).await;
        }
    };
    let key = match &exchange.dpop_jkt {
        Some(jkt) => Some(dpop::find(jkt).await?),
        None => None,
    };
    let (reply, ()) = futures::future::join(post_token_request(&request, key.as_ref(), nonces(&setup.config)), prefetch).await;
    let reply = reply?;
    let sent = Sent::of(setup.config.dpop, key.is_some());
    let tokens = token::parse_response(reply.status, &reply.body, sent)?;
    let claims = validate_id_token(setup, &tokens, &exchange).await?;
    if let Some(key) = &key {
        dpop::settle(key.jkt(), setup.config.token_storage == TokenStorage::Session).await?;
    }
    let id = random::session_id()?;
    let return_to = return_to::after_callback(&page::base_path(), exchange.return_to.as_deref());
    let session =
        Session::new(id, tokens, claims, &exchange.scope, page::now_ms()).with_dpop_key(exchange.dpop_jkt).made_under(&setup.deployment());
    Ok(SignedIn { session, return_to })
}

/// A token request, with a DPoP proof of `key` when there is one (RFC 9449
/// §5) and the nonce dance the token endpoint may ask for (§8).
pub async fn post_token_request(request: &TokenRequest, key: Option<&ProofKey>, nonces: Nonces) -> Result<Reply, AppError> {
    match key {
        None => http::send(&Outgoing::form(request)).await,
        Some(key) => dpop::with_proof(key, nonces, Outgoing::form(request)).await,
    }
}

/// Servers' DPoP nonces are shared by the tabs exactly when the session is.
pub fn nonces(config: &Config) -> Nonces {
    match config.token_storage {
        TokenStorage::Session => Nonces::SharedByTabs,
        TokenStorage::Memory => Nonces::PageOnly,
    }
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

/// The key set at `jwks_uri` for the ID token of a token response that has
/// arrived: fetched once per page, and again after an unknown `kid` by the
/// rule of [`jwks::KeyCache::may_refetch`].
pub struct ProviderKeys<'a>(jwks::ResponseKeys<'a, JwksUri<'a>>);

impl<'a> ProviderKeys<'a> {
    /// The key source of this setup's `jwks_uri`, sharing its cache. Make it
    /// once the token response has arrived: it notes that moment.
    pub fn of(setup: &'a AppSetup) -> Self {
        Self(jwks::ResponseKeys::new(&setup.keys, JwksUri(setup.provider.endpoints().jwks_uri.as_deref())))
    }
}

impl KeySource for ProviderKeys<'_> {
    async fn key_set(&self) -> Result<Jwks, AppError> {
        self.0.key_set().await
    }

    async fn refetch(&self) -> Result<Result<Jwks, KeySearch>, AppError> {
        self.0.refetch().await
    }
}

/// A GET of `jwks_uri`, when there is one.
struct JwksUri<'a>(Option<&'a str>);

impl jwks::Fetch for JwksUri<'_> {
    async fn fetch(&self) -> Result<Jwks, AppError> {
        let url = self.0.ok_or(AppError::JwksUriMissing)?;
        let reply = http::get(url).await.map_err(|_| AppError::JwksUnavailable {
            url: url.to_owned(),
            problem: "no answer: the provider may be down or not allow this origin (CORS)".to_owned(),
        })?;
        jwks::parse(url, reply.status, &reply.body)
    }

    fn now_ms(&self) -> u64 {
        page::now_ms()
    }
}
