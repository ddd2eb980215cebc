//! Runs the session engine (`core::session_engine`) in the browser: feeds it
//! what happens (timers, the tab becoming visible, the refresh lock, refresh
//! answers, sealed messages from the session's other tabs) and carries out
//! what it decides (storage, the shared mark, timers, messages, requests).
//! Every decision is the engine's; this module only moves data. No Leptos:
//! the UI hears of changes through the [`Event`] callback.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use crate::browser::webcrypto::{Purpose, SessionKey};
use crate::browser::{bound, channel, http, locks, page, random, storage};
use crate::core::config::TokenStorage;
use crate::core::logout::{self, SignOutEnd};
use crate::core::schedule;
use crate::core::session::Session;
use crate::core::session_engine::{self, Engine, Input, Mark, Output, Sharing};
use crate::core::AppError;
use crate::flow::AppSetup;
use crate::browser::dpop;
use crate::session_flow::{self, ApiAnswer};

/// What the UI is told.
// Events live for one call from the runner to the UI.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Event {
    /// The session to show (`None`: signed out).
    Session(Option<Session>),
    /// The session is reconnecting (a refresh is retried through an
    /// outage), or no longer.
    Reconnecting(bool),
    /// The session ended, and why.
    Ended(AppError),
    /// Signed out in another tab of this session.
    SignedOutElsewhere,
    /// Signing out: revoking, then leaving for the provider.
    SigningOut,
    /// Signed out without a trip to the provider; the revocation problem, if any.
    SignedOut(Option<AppError>),
    /// Something the browser refused on the way out.
    Failed(AppError),
}

/// An API call refreshes first when the token has less than this left.
pub const API_FRESHNESS_MS: u64 = 30_000;

/// The session engine of this page, with what it needs in the browser; a
/// cheap handle, cloned into every callback.
#[derive(Clone)]
pub struct SessionRunner(Rc<Runner>);

struct Runner {
    setup: Arc<AppSetup>,
    sharing: Sharing,
    engine: RefCell<Engine>,
    key: RefCell<Option<SessionKey>>,
    channel: RefCell<Option<Rc<channel::Channel>>>,
    timer: RefCell<Option<page::Timer>>,
    wake: RefCell<Option<page::WakeListener>>,
    /// What the UI was last told of [`Engine::is_reconnecting`].
    reconnecting: Cell<bool>,
    /// Resolvers of API calls waiting for the refresh in flight.
    waiters: RefCell<Vec<js_sys::Function>>,
    /// The DPoP key of the session last kept, to forget with it.
    dpop_jkt: RefCell<Option<String>>,
    tell: Box<dyn Fn(Event)>,
}

impl SessionRunner {
    /// Restores the session this tab kept (`token_storage: "session"`), if
    /// it was made under this configuration ([`Session::belongs_to`]) and
    /// can still be renewed, and starts keeping it alive.
    pub fn start(setup: Arc<AppSetup>, tell: impl Fn(Event) + 'static) -> Self {
        let sharing = match setup.config.token_storage {
            TokenStorage::Session => Sharing::Tabs,
            TokenStorage::Memory => Sharing::ThisTab,
        };
        let kept = (sharing == Sharing::Tabs).then(storage::load_session).flatten();
        let restored = match kept {
            Some(s) if s.belongs_to(&setup.deployment()) => Some(s),
            // Made under another configuration: never sent to this one's endpoints.
            Some(_) => {
                storage::clear_session();
                None
            }
            None => None,
        };
        let now = page::now_ms();
        storage::sweep_marks(|ended, at| session_engine::mark_is_stale(ended, at, now));
        let (engine, first) = Engine::start(sharing, setup.config.reconnect_limit_ms, restored, now);
        let restored = engine.session().cloned();
        let runner = Self(Rc::new(Runner {
            setup,
            sharing,
            engine: RefCell::new(engine),
            key: RefCell::default(),
            channel: RefCell::default(),
            timer: RefCell::default(),
            wake: RefCell::default(),
            reconnecting: Cell::new(false),
            waiters: RefCell::default(),
            dpop_jkt: RefCell::new(restored.as_ref().and_then(|s| s.dpop_jkt.clone())),
            tell: Box::new(tell),
        }));
        (runner.0.tell)(Event::Session(restored.clone()));
        let me = runner.clone();
        *runner.0.wake.borrow_mut() = page::on_wake(move || me.feed_and_carry(Input::Wake));
        let me = runner.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if restored.is_some() && sharing == Sharing::Tabs {
                let raw = storage::load_session_key();
                me.use_key(raw).await;
            }
            me.carry(first).await;
        });
        runner
    }

    /// The configuration and provider the session runs with.
    pub fn setup(&self) -> Arc<AppSetup> {
        self.0.setup.clone()
    }

    /// The session the engine holds now, if any.
    pub fn session(&self) -> Option<Session> {
        self.0.engine.borrow().session().cloned()
    }

    /// A sign-in completed in this tab: with `"session"` storage, a new key
    /// for the tabs this one will be duplicated into.
    pub async fn signed_in(&self, session: Session) -> Result<(), AppError> {
        if self.0.sharing == Sharing::Tabs {
            let raw = random::bytes32()?;
            storage::save_session_key(&raw)?;
            self.use_key(Some(raw)).await;
        }
        let outputs = self.feed(Input::SignedIn(session));
        self.carry(outputs).await;
        Ok(())
    }

    /// Signs out here, in the other tabs, and at the provider.
    pub fn sign_out(&self) {
        self.feed_and_carry(Input::SignOut);
    }

    /// The current session with an access token that may be sent: when
    /// little time is left, refreshes first (or joins the refresh in
    /// flight, or retries at once while reconnecting) and waits for it, up
    /// to the request timeout; never an expired token
    /// ([`session_engine::usable_for_api`]).
    pub async fn fresh_session(&self) -> Result<Session, AppError> {
        let stale = self.session().is_some_and(|s| !session_engine::fresh_enough(&s, API_FRESHNESS_MS, page::now_ms()));
        if stale {
            let outputs = self.feed(Input::RefreshWanted);
            self.carry(outputs).await;
            if self.0.engine.borrow().is_renewing() {
                self.refresh_done().await;
            }
        }
        let session = self.session().ok_or(AppError::NotSignedIn)?;
        session_engine::usable_for_api(&session, self.0.engine.borrow().is_reconnecting(), page::now_ms())?;
        Ok(session)
    }

    /// Calls the configured API with a fresh access token.
    pub async fn call_api(&self, url: &str) -> Result<ApiAnswer, AppError> {
        let session = self.fresh_session().await?;
        session_flow::call_api(&self.0.setup, url, &session).await
    }

    /// Feeds the engine and tells the UI when *reconnecting* changed.
    fn feed(&self, input: Input) -> Vec<Output> {
        let (outputs, reconnecting) = {
            let mut engine = self.0.engine.borrow_mut();
            let outputs = engine.handle(input, page::now_ms());
            (outputs, engine.is_reconnecting())
        };
        if self.0.reconnecting.replace(reconnecting) != reconnecting {
            self.tell(Event::Reconnecting(reconnecting));
        }
        outputs
    }

    fn feed_and_carry(&self, input: Input) {
        let outputs = self.feed(input);
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move { me.carry(outputs).await });
    }

    /// Imports the session key and listens to the session's other tabs.
    async fn use_key(&self, raw: Option<[u8; 32]>) {
        let key = match raw {
            Some(raw) => SessionKey::import(&raw).await.ok(),
            None => None,
        };
        let me = self.clone();
        let channel = key.clone().and_then(|k| channel::open(k, move |message| me.feed_and_carry(Input::Heard(message))));
        *self.0.channel.borrow_mut() = channel.map(Rc::new);
        *self.0.key.borrow_mut() = key;
    }

    /// Carries out the engine's outputs, in order.
    async fn carry(&self, outputs: Vec<Output>) {
        for output in outputs {
            match output {
                Output::Keep(session) => self.keep(session),
                Output::Forget => self.forget().await,
                Output::Ended(reason) => self.tell(Event::Ended(reason)),
                Output::SignedOutElsewhere => self.tell(Event::SignedOutElsewhere),
                Output::SignOutAtProvider(session) => self.sign_out_at_provider(*session),
                Output::ArmTimer { after_ms } => self.arm(after_ms),
                Output::TakeLock => self.take_lock(),
                // Only ever the answer to `LockAcquired`, carried out there.
                Output::SendRefresh(_) => {}
                Output::CheckIdToken(tokens) => self.check_id_token(*tokens),
                Output::WriteMark { session_id, mark } => self.write_mark(&session_id, &mark).await,
                Output::Post(message) => {
                    let channel = self.0.channel.borrow().clone();
                    if let Some(channel) = channel {
                        channel.post(&message).await;
                    }
                }
            }
        }
        if !self.0.engine.borrow().is_renewing() {
            self.wake_waiters();
        }
    }

    fn tell(&self, event: Event) {
        (self.0.tell)(event);
    }

    /// The session is over in this tab: its storage, and its DPoP key (from
    /// IndexedDB too, since no tab of the session can use it any more).
    async fn forget(&self) {
        storage::clear_session();
        dpop::forget_nonces();
        let jkt = self.0.dpop_jkt.borrow_mut().take();
        if let Some(jkt) = jkt {
            dpop::forget(&jkt).await;
        }
    }

    fn keep(&self, session: Session) {
        self.0.dpop_jkt.borrow_mut().clone_from(&session.dpop_jkt);
        if self.0.sharing == Sharing::Tabs {
            // Not fatal: a reload will ask to sign in again.
            if let Err(e) = storage::save_session(&session) {
                web_sys::console::warn_1(&e.to_string().into());
            }
        }
        self.tell(Event::Session(Some(session)));
    }

    fn arm(&self, after_ms: u64) {
        let me = self.clone();
        let timer = page::after_ms(schedule::timer_ms(after_ms), move || me.feed_and_carry(Input::Tick));
        *self.0.timer.borrow_mut() = timer;
    }

    /// Takes the session's lock (none for a `"memory"` session: one tab
    /// only), reads the mark under it, and refreshes if the engine says so,
    /// holding the lock until the answer is handled and the mark written.
    /// The wait for the lock is bounded; without it the engine decides from
    /// the mark read outside it ([`Input::LockUnavailable`]).
    fn take_lock(&self) {
        let me = self.clone();
        let name = self.0.engine.borrow().lock_name();
        wasm_bindgen_futures::spawn_local(async move {
            let work = {
                let me = me.clone();
                move || async move { me.refresh_under_lock().await }
            };
            let outcome = match name {
                Some(name) => locks::with_lock(&name, http::timeout_ms(), work).await,
                None => {
                    work().await;
                    locks::Locked::Ran(())
                }
            };
            if outcome == locks::Locked::NotGranted {
                let mark = me.read_mark().await;
                me.feed_and_carry(Input::LockUnavailable(mark));
            }
        });
    }

    async fn refresh_under_lock(&self) {
        let mark = self.read_mark().await;
        let mut outputs = self.feed(Input::LockAcquired(mark));
        let token = outputs.iter().position(|o| matches!(o, Output::SendRefresh(_))).map(|i| outputs.remove(i));
        self.carry(outputs).await;
        if let Some(Output::SendRefresh(token)) = token {
            let jkt = self.session().and_then(|s| s.dpop_jkt);
            let answer = session_flow::refresh(&self.0.setup, token, jkt.as_deref()).await;
            let outputs = self.feed(Input::RefreshAnswered(answer));
            self.carry(outputs).await;
        }
    }

    /// Checks the ID token of a refresh answer that waited for the key set.
    fn check_id_token(&self, tokens: crate::core::token::TokenResponse) {
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let answer = session_flow::check_refreshed_id_token(&me.0.setup, tokens).await;
            me.feed_and_carry(Input::RefreshAnswered(answer));
        });
    }

    async fn read_mark(&self) -> Option<Mark> {
        let key = self.0.key.borrow().clone()?;
        let id = self.session()?.id;
        let stored = storage::read_mark(&id)?;
        let opened = key.open(&stored.sealed, Purpose::Mark).await?;
        Mark::from_json(&String::from_utf8(opened).ok()?)
    }

    async fn write_mark(&self, session_id: &str, mark: &Mark) {
        let Some(key) = self.0.key.borrow().clone() else { return };
        if let Ok(sealed) = key.seal(mark.to_json().as_bytes(), Purpose::Mark).await {
            storage::write_mark(session_id, &storage::StoredMark { sealed, ended: mark.ended, at: mark.written_at_ms });
        }
    }

    /// Waits until the refresh in flight is over, up to the request timeout.
    async fn refresh_done(&self) {
        let promise = js_sys::Promise::new(&mut |resolve, _| self.0.waiters.borrow_mut().push(resolve));
        let _ = bound::within_timeout(promise).await;
    }

    fn wake_waiters(&self) {
        let waiters = std::mem::take(&mut *self.0.waiters.borrow_mut());
        for resolve in waiters {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    }

    /// Revokes the tokens, then goes to the provider's end-session endpoint
    /// whatever became of the revocation (`core::logout::sign_out_end`).
    fn sign_out_at_provider(&self, session: Session) {
        self.tell(Event::SigningOut);
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let setup = me.0.setup.clone();
            let problems = session_flow::revoke(&setup, &session).await;
            let url = match session_flow::end_session_url(&setup, &session) {
                Ok(url) => url,
                Err(e) => return me.tell(Event::Failed(e)),
            };
            let problem = (!problems.is_empty()).then(|| AppError::RevocationFailed { problem: problems.join("; ") });
            match logout::sign_out_end(url, problems) {
                SignOutEnd::AtProvider { url, .. } => {
                    if let Some(AppError::RevocationFailed { problem }) = &problem {
                        let _ = storage::save_sign_out_problem(problem);
                    }
                    if let Err(e) = page::go_to(&url) {
                        me.tell(Event::Failed(e));
                    }
                }
                SignOutEnd::HereOnly { .. } => me.tell(Event::SignedOut(problem)),
            }
        });
    }
}
