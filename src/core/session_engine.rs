//! The session engine: every decision about a signed-in session, as a state
//! machine with no browser in it. The browser layer feeds it [`Input`]s
//! (a timer fired, the tab became visible, the refresh lock was granted, a
//! refresh was answered, another tab said something, the person clicked
//! Sign out) and carries out the [`Output`]s it returns (arm a timer, take
//! the lock, send a refresh, keep or forget the session, tell the other
//! tabs). So rotation, retry, single flight across tabs and what ends a
//! session are all tested natively, with any order and timing of events.
//!
//! Rules, with where they come from:
//! - One refresh at a time per session, decided under the session's lock
//!   from data every tab of the session can read there (the [`Mark`]), never
//!   from timing: a refresh token that another tab rotated out is never sent
//!   again, because a rotating provider then revokes the whole grant
//!   (RFC 9700 §4.14.2, OAuth 2.1 §6.1).
//! - A refresh token answered 2xx is never sent again: the provider may have
//!   rotated it, and a rotating provider revokes the whole grant when a
//!   rotated-out token comes back (RFC 9700 §4.14.2). So an answer that
//!   fails its checks ends the session with that error ([`RefreshAnswer`]);
//!   one whose ID token only waits for the key set keeps its tokens, unused,
//!   while the key set is retried.
//! - Only a refresh that got no tokens may be sent again with the same
//!   token. An answer meaning the grant is gone ends the session
//!   (`invalid_grant`, `invalid_client`, `unauthorized_client`: RFC 6749
//!   §5.2). Any other failure (no answer, a 5xx, `temporarily_unavailable`,
//!   the lock held elsewhere) is an outage: retried with backoff, at once
//!   when the tab wakes or the browser is online again, until the refresh
//!   token's known expiry or config.json's `reconnect_limit_s`
//!   ([`schedule::give_up_at_ms`]), the session *reconnecting* meanwhile.
//! - Without a refresh token the session ends when the access token
//!   expires (`session_expired`), and an expired one is never restored.
//! - With `token_storage: "memory"` nothing leaves the tab: no message, no
//!   mark, no lock named after the session ([`Sharing::ThisTab`]).
//! - Tabs believe a message only for their own session, from a newer
//!   generation, about the same issuer and subject (replays and rollbacks
//!   are dropped). The browser layer drops what does not open with the
//!   session's key before it gets here.

use sha2::{Digest, Sha256};

use super::error::AppError;
use super::id_token::IdTokenClaims;
use super::schedule;
use super::session::{Session, SessionMessage};
use super::token::{RefreshToken, TokenResponse};

/// What became of one refresh request, as the engine must tell it apart.
// It lives for one hop from the browser layer to the engine.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum RefreshAnswer {
    /// A 2xx answer whose checks all passed; the refreshed ID token's claims.
    Tokens(TokenResponse, Option<IdTokenClaims>),
    /// No tokens came: no answer (network, timeout) or an error answer. The
    /// refresh token sent is still the one the provider knows (unless it
    /// says the grant is gone), so it may be sent again.
    NoTokens(AppError),
    /// A 2xx answer that this app refused (its ID token, its token type, a
    /// malformed field): the provider may have rotated the refresh token,
    /// so the one sent must never be sent again and the session ends.
    Refused(AppError),
    /// A 2xx answer whose ID token could not be checked because the key set
    /// could not be loaded: its tokens wait, unused, for the key set; the
    /// refresh is not repeated.
    KeysUnavailable(Box<TokenResponse>, AppError),
}

impl RefreshAnswer {
    /// The answer of a refresh whose reply could not be read as tokens:
    /// `status` is the HTTP status when an answer came.
    pub fn failed(status: Option<u16>, error: AppError) -> Self {
        match status {
            Some(200..=299) => Self::Refused(error),
            _ => Self::NoTokens(error),
        }
    }

    /// The answer of a 2xx refresh whose ID token failed its check: only a
    /// key set that could not be loaded leaves the tokens waiting.
    pub fn unchecked(tokens: TokenResponse, error: AppError) -> Self {
        match error {
            AppError::JwksUnavailable { .. } => Self::KeysUnavailable(Box::new(tokens), error),
            other => Self::Refused(other),
        }
    }
}

/// Whether other tabs can hold this session (`token_storage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// `"memory"`: the session exists in this page only.
    ThisTab,
    /// `"session"`: duplicated tabs inherit it (sessionStorage is copied).
    Tabs,
}

/// What the tabs of one session share, read and written under the
/// session's refresh lock (sealed with the session's key by the browser
/// layer, so it can be neither read nor forged by others). It holds no
/// token: the current generation and a hash of its refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The session's newest [`Session::generation`].
    pub generation: u64,
    /// base64url SHA-256 of that generation's refresh token (empty without
    /// one): tells a rotation apart without storing the token.
    pub refresh_token_sha256: String,
    /// The session ended (sign-out or a refused refresh): no tab may refresh.
    pub ended: bool,
    /// When it was written, in milliseconds since the Unix epoch.
    pub written_at_ms: u64,
}

/// An ended session's mark is kept a while for late tabs, then swept.
pub const ENDED_MARK_KEPT_MS: u64 = 60 * 60 * 1000;

impl Mark {
    fn of(session: &Session, now_ms: u64) -> Self {
        let hash = session.tokens.refresh_token.as_ref().map(hash_refresh_token).unwrap_or_default();
        Self { generation: session.generation, refresh_token_sha256: hash, ended: false, written_at_ms: now_ms }
    }

    fn ended(session: &Session, now_ms: u64) -> Self {
        Self { ended: true, ..Self::of(session, now_ms) }
    }

    /// Whether the browser layer may remove this mark from shared storage.
    pub fn is_stale(&self, now_ms: u64) -> bool {
        mark_is_stale(self.ended, self.written_at_ms, now_ms)
    }
}

/// An ended session's mark may go after [`ENDED_MARK_KEPT_MS`]; a live one
/// stays as long as its session.
pub fn mark_is_stale(ended: bool, written_at_ms: u64, now_ms: u64) -> bool {
    ended && now_ms.saturating_sub(written_at_ms) > ENDED_MARK_KEPT_MS
}

/// Whether an access token is fresh enough to be sent: it must not expire
/// within `margin_ms` (it could expire on the way); without a stated
/// lifetime it counts as fresh.
pub fn fresh_enough(session: &Session, margin_ms: u64, now_ms: u64) -> bool {
    session.access_token_expires_at_ms().is_none_or(|at| now_ms.saturating_add(margin_ms) < at)
}

/// Whether an API call may send the session's access token after waiting
/// for a renewal: never an expired one. While the session reconnects that
/// is `session_reconnecting`; otherwise it has ended (`session_expired`).
pub fn usable_for_api(session: &Session, reconnecting: bool, now_ms: u64) -> Result<(), AppError> {
    match (session.access_token_expired(now_ms), reconnecting) {
        (false, _) => Ok(()),
        (true, true) => Err(AppError::SessionReconnecting),
        (true, false) => Err(AppError::SessionExpired),
    }
}

fn hash_refresh_token(token: &RefreshToken) -> String {
    super::b64::encode(&Sha256::digest(token.secret().as_bytes()))
}

/// What happens to the session.
#[derive(Debug)]
pub enum Input {
    /// A sign-in completed in this tab.
    SignedIn(Session),
    /// A timer fired, or the tab became visible again after sleeping or
    /// being throttled: look at the clock and catch up.
    Tick,
    /// An API call needs a fresh access token now.
    RefreshWanted,
    /// The tab became visible or the browser came back online: catch up,
    /// and retry a failed refresh at once.
    Wake,
    /// The session's lock is held; the mark as read under it, if any.
    LockAcquired(Option<Mark>),
    /// The lock could not be had within the request timeout (another page
    /// of the origin may hold it); the mark as read without it, if any.
    LockUnavailable(Option<Mark>),
    /// What became of the refresh request, or of the check of its waiting
    /// ID token ([`Output::CheckIdToken`]).
    RefreshAnswered(RefreshAnswer),
    /// A message from another tab of this session (already opened with the
    /// session's key).
    Heard(SessionMessage),
    /// The person clicked Sign out in this tab.
    SignOut,
}

/// What the browser layer is to do, in order.
// Outputs live for one hop from the engine to the browser layer; boxing
// the session would only add an allocation to every refresh.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq, Eq)]
pub enum Output {
    /// Keep this session in the tab and show it (sessionStorage too, with
    /// `token_storage: "session"`).
    Keep(Session),
    /// Forget the session in this tab (memory and storage).
    Forget,
    /// The session ended: show why.
    Ended(AppError),
    /// The person signed out in another tab of this session.
    SignedOutElsewhere,
    /// Revoke these tokens and go to the provider's sign-out.
    SignOutAtProvider(Box<Session>),
    /// Feed [`Input::Tick`] after this long (capped by the browser layer at
    /// [`schedule::MAX_TIMER_MS`]); replaces any timer armed before.
    ArmTimer {
        /// The delay, in milliseconds.
        after_ms: u64,
    },
    /// Take the session's refresh lock, read the mark under it and feed
    /// [`Input::LockAcquired`]; keep the lock until the refresh is answered.
    TakeLock,
    /// Send a refresh request with this token, under the lock.
    SendRefresh(RefreshToken),
    /// Check the ID token of this waiting refresh answer again (the key set
    /// could not be loaded before) and feed [`Input::RefreshAnswered`].
    CheckIdToken(Box<TokenResponse>),
    /// Write the session's mark, under the lock ([`Sharing::Tabs`] only).
    WriteMark {
        /// The session whose mark it is ([`Session::id`]).
        session_id: String,
        /// The mark to seal and write.
        mark: Mark,
    },
    /// Tell the other tabs, sealed ([`Sharing::Tabs`] only).
    Post(SessionMessage),
}

/// What a refresh in progress started from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Flight {
    Idle,
    WaitingForLock { from_generation: u64 },
    Refreshing { from_generation: u64 },
    /// Another tab moved the session on; waiting for its tokens since then.
    Syncing { since_ms: u64 },
    /// A 2xx answer waits for the key set to check its ID token.
    AwaitingKeys { from_generation: u64, tokens: Box<TokenResponse>, checking: bool },
}

/// A retry through an outage: which one, when, and when the outage began.
#[derive(Debug)]
struct Retry {
    attempt: u32,
    at_ms: u64,
    outage_began_ms: u64,
}

/// What the mark read under (or without) the lock says about this tab's session.
enum Verdict {
    Ours,
    MovedOn,
    Ended,
}

/// While waiting for another tab's newer tokens, ask again this often.
pub const SYNC_RETRY_MS: u64 = 2_000;
/// How long a tab waits for another tab's newer tokens at least, even past
/// the expiry of its own access token: a busy or throttled tab may deliver
/// its message seconds late, and ending the session then would be wrong.
pub const SYNC_PATIENCE_MS: u64 = 15_000;

/// The state machine of one tab's session: what it holds, and the refresh
/// or retry in progress. Only [`Engine::handle`] moves it.
#[derive(Debug)]
pub struct Engine {
    sharing: Sharing,
    reconnect_limit_ms: u64,
    session: Option<Session>,
    flight: Flight,
    retry: Option<Retry>,
}

impl Engine {
    /// The engine for a page that restored `session` (or none), retrying
    /// through an outage for `reconnect_limit_ms` at most, and what to do
    /// first. A restored session that can no longer be renewed (its access
    /// token expired with no refresh token, or its refresh token's known
    /// expiry passed) is not restored: it ends as `session_expired`.
    pub fn start(sharing: Sharing, reconnect_limit_ms: u64, session: Option<Session>, now_ms: u64) -> (Self, Vec<Output>) {
        let mut engine = Self { sharing, reconnect_limit_ms, session, flight: Flight::Idle, retry: None };
        if engine.session.as_ref().is_some_and(|s| !renewable(s, now_ms)) {
            engine.clear();
            return (engine, vec![Output::Forget, Output::Ended(AppError::SessionExpired)]);
        }
        let first = engine.arm(now_ms);
        (engine, first)
    }

    /// The session this tab holds, if any.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Whether new tokens are on the way: a refresh of this tab, or another
    /// tab's that this one waits to hear of. An API call then waits for
    /// them rather than send an access token that may be expired.
    pub fn is_renewing(&self) -> bool {
        self.flight != Flight::Idle
    }

    /// Whether the session is *reconnecting*: a refresh failed for want of
    /// an answer (or a key set, or the lock) and is being retried.
    pub fn is_reconnecting(&self) -> bool {
        self.retry.is_some() || matches!(self.flight, Flight::AwaitingKeys { .. })
    }

    /// The name of the session's refresh lock, shared by its tabs; `None`
    /// with [`Sharing::ThisTab`], whose session must not be named outside
    /// the page (lock names are visible to the whole origin).
    pub fn lock_name(&self) -> Option<String> {
        let session = self.session.as_ref()?;
        (self.sharing == Sharing::Tabs).then(|| super::names::here().refresh_lock(&session.id))
    }

    /// Takes one event at `now_ms` (milliseconds since the Unix epoch) and
    /// returns what to do, in order; with [`Sharing::ThisTab`], never a
    /// message or a mark.
    pub fn handle(&mut self, input: Input, now_ms: u64) -> Vec<Output> {
        let outputs = match input {
            Input::SignedIn(session) => self.signed_in(session, now_ms),
            Input::Tick => self.tick(now_ms),
            Input::Wake => self.wake(now_ms),
            Input::RefreshWanted => self.refresh_wanted(now_ms),
            Input::LockAcquired(mark) => self.lock_acquired(mark, now_ms),
            Input::LockUnavailable(mark) => self.lock_unavailable(mark, now_ms),
            Input::RefreshAnswered(answer) => self.refresh_answered(answer, now_ms),
            Input::Heard(message) => self.heard(message, now_ms),
            Input::SignOut => self.sign_out(now_ms),
        };
        match self.sharing {
            Sharing::Tabs => outputs,
            Sharing::ThisTab => outputs.into_iter().filter(|o| !matches!(o, Output::Post(_) | Output::WriteMark { .. })).collect(),
        }
    }

    fn signed_in(&mut self, session: Session, now_ms: u64) -> Vec<Output> {
        let mark = Mark::of(&session, now_ms);
        self.session = Some(session.clone());
        self.flight = Flight::Idle;
        self.retry = None;
        let mut out = vec![Output::WriteMark { session_id: session.id.clone(), mark }, Output::Keep(session)];
        out.extend(self.arm(now_ms));
        out
    }

    /// The timer for the next refresh (or retry), from the wall clock.
    fn arm(&self, now_ms: u64) -> Vec<Output> {
        let Some(session) = &self.session else { return vec![] };
        if let Some(retry) = &self.retry {
            return vec![Output::ArmTimer { after_ms: retry.at_ms.saturating_sub(now_ms).min(schedule::RETRY_CAP_MS) }];
        }
        match (&session.tokens.refresh_token, session.tokens.expires_in) {
            (Some(_), Some(expires_in)) => {
                let elapsed = schedule::elapsed_ms(session.received_at_ms, now_ms);
                vec![Output::ArmTimer { after_ms: schedule::refresh_delay_ms(expires_in, elapsed) }]
            }
            // No refresh token: wake at the expiry, to end the session then.
            (None, Some(_)) => {
                let at = session.access_token_expires_at_ms().unwrap_or(now_ms);
                vec![Output::ArmTimer { after_ms: at.saturating_sub(now_ms) }]
            }
            (_, None) => vec![],
        }
    }

    fn tick(&mut self, now_ms: u64) -> Vec<Output> {
        let Some(session) = &self.session else { return vec![] };
        match self.flight {
            Flight::Idle => {}
            Flight::Syncing { since_ms } => return self.still_syncing(since_ms, now_ms),
            Flight::AwaitingKeys { .. } => return self.check_keys_if_due(now_ms),
            Flight::WaitingForLock { .. } | Flight::Refreshing { .. } => return vec![],
        }
        if session.tokens.refresh_token.is_none() && session.access_token_expired(now_ms) {
            return self.end(AppError::SessionExpired, now_ms, false);
        }
        let due = match (&self.retry, session.tokens.expires_in) {
            (Some(retry), _) => now_ms >= retry.at_ms,
            (None, Some(expires_in)) => {
                schedule::refresh_delay_ms(expires_in, schedule::elapsed_ms(session.received_at_ms, now_ms)) == 0
            }
            (None, None) => false,
        };
        if due && session.tokens.refresh_token.is_some() {
            self.take_lock()
        } else {
            self.arm(now_ms)
        }
    }

    /// Awake again, or online again: a retry waiting for its timer (or a
    /// waiting ID token's check) goes now; then as a tick.
    fn wake(&mut self, now_ms: u64) -> Vec<Output> {
        if let Some(retry) = &mut self.retry {
            retry.at_ms = retry.at_ms.min(now_ms);
        }
        self.tick(now_ms)
    }

    /// An API call wants fresh tokens now: a refresh starts (or a retry
    /// goes at once); one in flight is joined.
    fn refresh_wanted(&mut self, now_ms: u64) -> Vec<Output> {
        match self.flight {
            Flight::AwaitingKeys { .. } => self.wake(now_ms),
            Flight::Idle if self.session.as_ref().is_some_and(|s| s.tokens.refresh_token.is_some()) => self.take_lock(),
            _ => vec![],
        }
    }

    fn take_lock(&mut self) -> Vec<Output> {
        let Some(session) = &self.session else { return vec![] };
        self.flight = Flight::WaitingForLock { from_generation: session.generation };
        vec![Output::TakeLock]
    }

    /// Under the lock: refresh only if no other tab moved the session on.
    fn lock_acquired(&mut self, mark: Option<Mark>, now_ms: u64) -> Vec<Output> {
        let Flight::WaitingForLock { from_generation } = self.flight else { return vec![] };
        self.flight = Flight::Idle;
        let Some(session) = &self.session else { return vec![] };
        // A newer generation arrived while this tab waited for the lock.
        if session.generation != from_generation {
            return self.arm(now_ms);
        }
        let Some(token) = session.tokens.refresh_token.clone() else { return vec![] };
        match self.judge(mark.as_ref()) {
            Verdict::Ended => self.end(AppError::SessionEndedInAnotherTab, now_ms, false),
            Verdict::MovedOn => self.sync(now_ms),
            Verdict::Ours => {
                self.flight = Flight::Refreshing { from_generation };
                vec![Output::SendRefresh(token)]
            }
        }
    }

    /// No lock within the timeout: the mark, read without it, can still say
    /// the session moved on or ended. Otherwise nothing may be sent (another
    /// tab may be refreshing): an outage while the access token is valid,
    /// the end once it has expired, so no tab sits on an expired token.
    fn lock_unavailable(&mut self, mark: Option<Mark>, now_ms: u64) -> Vec<Output> {
        let Flight::WaitingForLock { .. } = self.flight else { return vec![] };
        self.flight = Flight::Idle;
        let Some(session) = &self.session else { return vec![] };
        match self.judge(mark.as_ref()) {
            Verdict::Ended => self.end(AppError::SessionEndedInAnotherTab, now_ms, false),
            Verdict::MovedOn => self.sync(now_ms),
            Verdict::Ours if session.access_token_expired(now_ms) => self.end(AppError::RefreshLockUnavailable, now_ms, false),
            Verdict::Ours => {
                let session = session.clone();
                self.retry_later(AppError::RefreshLockUnavailable, &session, now_ms)
            }
        }
    }

    /// What the mark says of this tab's session: still its own, moved on by
    /// another tab (a newer generation, or the same with another refresh
    /// token), or ended.
    fn judge(&self, mark: Option<&Mark>) -> Verdict {
        let (Some(mark), Some(session)) = (mark, &self.session) else { return Verdict::Ours };
        let hash = session.tokens.refresh_token.as_ref().map(hash_refresh_token).unwrap_or_default();
        if mark.ended {
            Verdict::Ended
        } else if mark.generation > session.generation || (mark.generation == session.generation && mark.refresh_token_sha256 != hash) {
            Verdict::MovedOn
        } else {
            Verdict::Ours
        }
    }

    /// Another tab moved the session on: ask for its tokens, and wait.
    fn sync(&mut self, now_ms: u64) -> Vec<Output> {
        let Some(session) = &self.session else { return vec![] };
        let ask = ask_for_newer(session);
        self.flight = Flight::Syncing { since_ms: now_ms };
        ask
    }

    /// Waiting for another tab's newer tokens: ask again, until the access
    /// token this tab holds has expired and [`SYNC_PATIENCE_MS`] have
    /// passed; then no tab is answering, and the session cannot go on here.
    fn still_syncing(&mut self, since_ms: u64, now_ms: u64) -> Vec<Output> {
        let Some(session) = &self.session else { return vec![] };
        let expired = session.access_token_expires_at_ms().is_none_or(|at| now_ms >= at);
        if expired && now_ms.saturating_sub(since_ms) >= SYNC_PATIENCE_MS {
            return self.end(AppError::SessionOutdated, now_ms, false);
        }
        ask_for_newer(session)
    }

    fn refresh_answered(&mut self, answer: RefreshAnswer, now_ms: u64) -> Vec<Output> {
        let from_generation = match &self.flight {
            Flight::Refreshing { from_generation } | Flight::AwaitingKeys { from_generation, .. } => *from_generation,
            _ => return vec![],
        };
        self.flight = Flight::Idle;
        let Some(session) = self.session.clone() else { return vec![] };
        // Tokens from a refresh that a newer generation overtook (only
        // possible without Web Locks) are not used.
        if session.generation != from_generation {
            return self.arm(now_ms);
        }
        match answer {
            RefreshAnswer::Tokens(tokens, claims) => match session.refreshed(tokens, claims, now_ms) {
                Ok(next) => self.adopt(next, now_ms),
                // A 2xx answer that does not continue the session.
                Err(e) => self.end(e, now_ms, true),
            },
            RefreshAnswer::NoTokens(e) if ends_the_grant(&e) => self.end(refused(e), now_ms, true),
            RefreshAnswer::NoTokens(e) => self.retry_later(e, &session, now_ms),
            RefreshAnswer::Refused(e) => self.end(e, now_ms, true),
            RefreshAnswer::KeysUnavailable(tokens, e) => self.await_keys(from_generation, tokens, e, &session, now_ms),
        }
    }

    /// A refresh succeeded: keep, mark and share the new generation.
    fn adopt(&mut self, next: Session, now_ms: u64) -> Vec<Output> {
        self.retry = None;
        self.session = Some(next.clone());
        let mut out = vec![
            Output::Keep(next.clone()),
            Output::WriteMark { session_id: next.id.clone(), mark: Mark::of(&next, now_ms) },
            Output::Post(SessionMessage::Refreshed { session: Box::new(next) }),
        ];
        out.extend(self.arm(now_ms));
        out
    }

    /// A 2xx answer waits for the key set: its refresh token, if new, is the
    /// only good one now, so the mark says the session moved on (no other
    /// tab sends the old one), and the key set is retried like an outage.
    fn await_keys(&mut self, from_generation: u64, tokens: Box<TokenResponse>, error: AppError, session: &Session, now_ms: u64) -> Vec<Output> {
        let rotated = tokens.refresh_token.as_ref().filter(|new| session.tokens.refresh_token.as_ref() != Some(*new));
        let mut out = match rotated {
            Some(new) => {
                let mark = Mark { generation: session.generation + 1, refresh_token_sha256: hash_refresh_token(new), ended: false, written_at_ms: now_ms };
                vec![Output::WriteMark { session_id: session.id.clone(), mark }]
            }
            None => vec![],
        };
        self.flight = Flight::AwaitingKeys { from_generation, tokens, checking: false };
        out.extend(self.retry_later(error, session, now_ms));
        out
    }

    /// The waiting answer's ID token is checked again once its retry is due.
    fn check_keys_if_due(&mut self, now_ms: u64) -> Vec<Output> {
        let due = self.retry.as_ref().is_none_or(|r| now_ms >= r.at_ms);
        match &mut self.flight {
            Flight::AwaitingKeys { tokens, checking, .. } if due && !*checking => {
                *checking = true;
                vec![Output::CheckIdToken(tokens.clone())]
            }
            Flight::AwaitingKeys { checking: false, .. } => self.arm(now_ms),
            _ => vec![],
        }
    }

    /// An outage: retry with backoff until the refresh token's known expiry
    /// or the reconnect limit ([`schedule::give_up_at_ms`]), then end the
    /// session with the last failure as the reason.
    fn retry_later(&mut self, error: AppError, session: &Session, now_ms: u64) -> Vec<Output> {
        let attempt = self.retry.as_ref().map_or(0, |r| r.attempt + 1);
        let outage_began_ms = self.retry.as_ref().map_or(now_ms, |r| r.outage_began_ms);
        let give_up = schedule::give_up_at_ms(outage_began_ms, self.reconnect_limit_ms, session.refresh_expires_at_ms);
        match schedule::retry_delay_ms(attempt, now_ms, give_up) {
            Some(after_ms) => {
                self.retry = Some(Retry { attempt, at_ms: now_ms.saturating_add(after_ms), outage_began_ms });
                vec![Output::ArmTimer { after_ms }]
            }
            None => self.end(gave_up(error), now_ms, true),
        }
    }

    fn heard(&mut self, message: SessionMessage, now_ms: u64) -> Vec<Output> {
        let Some(session) = &self.session else { return vec![] };
        if message.session_id() != session.id {
            return vec![];
        }
        match message {
            SessionMessage::Refreshed { session: newer } => {
                // Replays and rollbacks (not newer), and another person's
                // session under this id, are dropped.
                if newer.generation <= session.generation || !session.same_person(&newer) {
                    return vec![];
                }
                self.session = Some((*newer).clone());
                self.retry = None;
                if matches!(self.flight, Flight::Syncing { .. } | Flight::AwaitingKeys { .. }) {
                    self.flight = Flight::Idle;
                }
                let mut out = vec![Output::Keep(*newer)];
                out.extend(self.arm(now_ms));
                out
            }
            SessionMessage::Sync { generation, .. } if session.generation > generation => {
                vec![Output::Post(SessionMessage::Refreshed { session: Box::new(session.clone()) })]
            }
            SessionMessage::Sync { .. } => vec![],
            SessionMessage::SignedOut { .. } => {
                self.clear();
                vec![Output::Forget, Output::SignedOutElsewhere]
            }
            SessionMessage::Ended { .. } => {
                self.clear();
                vec![Output::Forget, Output::Ended(AppError::SessionEndedInAnotherTab)]
            }
        }
    }

    fn sign_out(&mut self, now_ms: u64) -> Vec<Output> {
        let Some(session) = self.session.take() else { return vec![] };
        self.clear();
        vec![
            Output::WriteMark { session_id: session.id.clone(), mark: Mark::ended(&session, now_ms) },
            Output::Post(SessionMessage::SignedOut { session_id: session.id.clone() }),
            Output::Forget,
            Output::SignOutAtProvider(Box::new(session)),
        ]
    }

    /// Ends the session here; `tell` also marks it ended for the other tabs.
    fn end(&mut self, reason: AppError, now_ms: u64, tell: bool) -> Vec<Output> {
        let Some(session) = self.session.take() else { return vec![] };
        self.clear();
        let mut out = vec![];
        if tell {
            out.push(Output::WriteMark { session_id: session.id.clone(), mark: Mark::ended(&session, now_ms) });
            out.push(Output::Post(SessionMessage::Ended { session_id: session.id }));
        }
        out.extend([Output::Forget, Output::Ended(reason)]);
        out
    }

    fn clear(&mut self) {
        self.session = None;
        self.flight = Flight::Idle;
        self.retry = None;
    }
}

/// RFC 6749 §5.2: these errors say the refresh token or the client is no
/// longer good, so no retry can help.
pub fn ends_the_grant(error: &AppError) -> bool {
    match error {
        AppError::Provider(e) | AppError::RefreshRejected(e) => {
            matches!(e.error.as_str(), "invalid_grant" | "invalid_client" | "unauthorized_client")
        }
        _ => false,
    }
}

/// Asks the session's other tabs for a generation newer than this tab's,
/// and looks again after [`SYNC_RETRY_MS`].
fn ask_for_newer(session: &Session) -> Vec<Output> {
    vec![
        Output::Post(SessionMessage::Sync { session_id: session.id.clone(), generation: session.generation }),
        Output::ArmTimer { after_ms: SYNC_RETRY_MS },
    ]
}

/// Whether a restored session can still be renewed or used: not when its
/// access token expired with no refresh token, nor when its refresh
/// token's known expiry has passed.
fn renewable(session: &Session, now_ms: u64) -> bool {
    let refresh_good = session.refresh_expires_at_ms.is_none_or(|at| now_ms < at);
    match session.tokens.refresh_token {
        Some(_) => refresh_good,
        None => !session.access_token_expired(now_ms),
    }
}

fn refused(error: AppError) -> AppError {
    match error {
        AppError::Provider(e) => AppError::RefreshRejected(e),
        other => other,
    }
}

/// The reason shown when retries ran out.
fn gave_up(error: AppError) -> AppError {
    match error {
        AppError::Network { url } | AppError::Timeout { url, .. } => AppError::RefreshUnreachable { url },
        AppError::TokenHttpStatus { status } => AppError::RefreshFailed { problem: format!("HTTP {status}") },
        other => AppError::RefreshFailed { problem: other.code().to_owned() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ProviderError;
    use crate::core::token::parse_response;

    const T0: u64 = 1_700_000_000_000;
    /// The reconnect limit of these tests: ten minutes.
    const LIMIT: u64 = 600_000;

    fn tokens(rt: &str, expires_in: u64) -> TokenResponse {
        parse_response(200, &format!(r#"{{"access_token":"at-{rt}","token_type":"Bearer","refresh_token":"{rt}","expires_in":{expires_in}}}"#), crate::core::dpop::Sent::NoProof).unwrap()
    }

    fn session(rt: &str, expires_in: u64) -> Session {
        Session::new("sid".into(), tokens(rt, expires_in), Some(IdTokenClaims::for_test("https://i", "alice")), "openid", T0)
    }

    fn engine(sharing: Sharing) -> Engine {
        engine_with(sharing, session("rt0", 60))
    }

    fn engine_with(sharing: Sharing, signed_in: Session) -> Engine {
        let (mut e, out) = Engine::start(sharing, LIMIT, None, T0);
        assert!(out.is_empty());
        e.handle(Input::SignedIn(signed_in), T0);
        e
    }

    fn provider(code: &str) -> AppError {
        AppError::Provider(ProviderError { error: code.into(), description: None, uri: None })
    }

    fn sent_token(out: &[Output]) -> Option<&str> {
        out.iter().find_map(|o| match o {
            Output::SendRefresh(t) => Some(t.secret()),
            _ => None,
        })
    }

    fn ended(out: &[Output]) -> Option<&str> {
        out.iter().find_map(|o| match o {
            Output::Ended(e) => Some(e.code()),
            _ => None,
        })
    }

    fn timer(out: &[Output]) -> Option<u64> {
        out.iter().find_map(|o| match o {
            Output::ArmTimer { after_ms } => Some(*after_ms),
            _ => None,
        })
    }

    /// Runs one refresh to its answer; returns every output.
    fn refresh(e: &mut Engine, mark: Option<Mark>, answer: RefreshAnswer, now: u64) -> Vec<Output> {
        assert_eq!(e.handle(Input::Tick, now), vec![Output::TakeLock]);
        let mut out = e.handle(Input::LockAcquired(mark), now);
        assert!(sent_token(&out).is_some(), "{out:?}");
        out.extend(e.handle(Input::RefreshAnswered(answer), now));
        out
    }

    fn marks(out: &[Output]) -> Vec<Mark> {
        out.iter().filter_map(|o| if let Output::WriteMark { mark, .. } = o { Some(mark.clone()) } else { None }).collect()
    }

    #[test]
    fn sign_in_keeps_the_session_marks_it_and_arms_the_refresh() {
        let (mut e, _) = Engine::start(Sharing::Tabs, LIMIT, None, T0);
        let out = e.handle(Input::SignedIn(session("rt0", 60)), T0);
        assert!(matches!(&out[1], Output::Keep(s) if s.generation == 0));
        assert_eq!(marks(&out)[0].generation, 0);
        assert_eq!(timer(&out), Some(45_000));
    }

    #[test]
    fn a_due_refresh_rotates_marks_and_tells_the_other_tabs() {
        let mut e = engine(Sharing::Tabs);
        assert_eq!(e.handle(Input::Tick, T0 + 10_000), vec![Output::ArmTimer { after_ms: 35_000 }], "not due yet");
        let out = refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt1", 60), None), T0 + 45_000);
        let next = e.session().unwrap();
        assert_eq!((next.generation, next.tokens.refresh_token.as_ref().unwrap().secret()), (1, "rt1"));
        assert_eq!(marks(&out)[0].generation, 1);
        assert_eq!(marks(&out)[0].refresh_token_sha256, hash_refresh_token(&RefreshToken::new("rt1")));
        assert!(out.iter().any(|o| matches!(o, Output::Post(SessionMessage::Refreshed { session }) if session.generation == 1)));
        assert_eq!(timer(&out), Some(45_000));
        // The next refresh sends the rotated token.
        let out = refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt2", 60), None), T0 + 90_000);
        assert!(ended(&out).is_none());
        assert_eq!(e.session().unwrap().generation, 2);
    }

    #[test]
    fn memory_sessions_never_leave_the_tab() {
        let mut e = engine(Sharing::ThisTab);
        assert_eq!(e.lock_name(), None);
        let out = refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt1", 60), None), T0 + 45_000);
        assert!(!out.iter().any(|o| matches!(o, Output::Post(_) | Output::WriteMark { .. })), "{out:?}");
        let out = e.handle(Input::SignOut, T0 + 50_000);
        assert!(!out.iter().any(|o| matches!(o, Output::Post(_) | Output::WriteMark { .. })), "{out:?}");
        let mut failing = engine(Sharing::ThisTab);
        let out = refresh(&mut failing, None, RefreshAnswer::NoTokens(provider("invalid_grant")), T0 + 45_000);
        assert!(!out.iter().any(|o| matches!(o, Output::Post(_) | Output::WriteMark { .. })), "{out:?}");
        assert_eq!(engine(Sharing::Tabs).lock_name().as_deref(), Some("pkce-spa{/}.refresh.sid"));
    }

    #[test]
    fn under_the_lock_a_newer_mark_means_another_tab_rotated_so_nothing_is_sent() {
        // Tab B's rotation message from tab A is delayed: only the mark says so.
        let mut b = engine(Sharing::Tabs);
        assert_eq!(b.handle(Input::Tick, T0 + 45_000), vec![Output::TakeLock]);
        let newer = Mark { generation: 1, refresh_token_sha256: "x".into(), ended: false, written_at_ms: T0 };
        let out = b.handle(Input::LockAcquired(Some(newer)), T0 + 45_000);
        assert_eq!(sent_token(&out), None, "the rotated-out token is never sent");
        assert!(out.contains(&Output::Post(SessionMessage::Sync { session_id: "sid".into(), generation: 0 })));
        // Seconds later, still no message: ask again, still send nothing.
        let out = b.handle(Input::Tick, T0 + 47_000);
        assert_eq!(sent_token(&out), None);
        assert!(out.iter().any(|o| matches!(o, Output::Post(SessionMessage::Sync { .. }))));
        // The delayed message lands: adopted, and the next refresh starts from it.
        let mut from_a = session("rt1", 60);
        from_a.generation = 1;
        from_a.received_at_ms = T0 + 45_000;
        let out = b.handle(Input::Heard(SessionMessage::Refreshed { session: Box::new(from_a) }), T0 + 50_000);
        assert!(matches!(&out[0], Output::Keep(s) if s.generation == 1));
        let mark = Mark::of(b.session().unwrap(), T0);
        let out = refresh(&mut b, Some(mark), RefreshAnswer::Tokens(tokens("rt2", 60), None), T0 + 90_000);
        assert!(ended(&out).is_none());
        assert_eq!(b.session().unwrap().generation, 2);
    }

    #[test]
    fn a_same_generation_mark_with_another_token_is_not_ours_either() {
        let mut e = engine(Sharing::Tabs);
        e.handle(Input::Tick, T0 + 45_000);
        let other = Mark { generation: 0, refresh_token_sha256: "other".into(), ended: false, written_at_ms: T0 };
        assert_eq!(sent_token(&e.handle(Input::LockAcquired(Some(other)), T0 + 45_000)), None);
    }

    #[test]
    fn the_own_mark_lets_the_refresh_go() {
        let mut e = engine(Sharing::Tabs);
        let own = Mark::of(e.session().unwrap(), T0);
        e.handle(Input::Tick, T0 + 45_000);
        assert_eq!(sent_token(&e.handle(Input::LockAcquired(Some(own)), T0 + 45_000)), Some("rt0"));
    }

    #[test]
    fn an_ended_mark_ends_the_session_without_sending() {
        let mut e = engine(Sharing::Tabs);
        let mark = Mark::ended(e.session().unwrap(), T0);
        e.handle(Input::Tick, T0 + 45_000);
        let out = e.handle(Input::LockAcquired(Some(mark)), T0 + 45_000);
        assert_eq!(sent_token(&out), None);
        assert_eq!(ended(&out), Some("session_ended_in_another_tab"));
    }

    #[test]
    fn waiting_for_a_rotation_that_never_comes_ends_at_expiry() {
        let mut e = engine(Sharing::Tabs);
        e.handle(Input::Tick, T0 + 45_000);
        let newer = Mark { generation: 3, refresh_token_sha256: "x".into(), ended: false, written_at_ms: T0 };
        e.handle(Input::LockAcquired(Some(newer)), T0 + 45_000);
        assert_eq!(ended(&e.handle(Input::Tick, T0 + 59_000)), None);
        assert_eq!(ended(&e.handle(Input::Tick, T0 + 60_000)), Some("session_outdated"));
    }

    #[test]
    fn a_late_rotation_message_is_waited_for_past_the_expiry() {
        // The lock came 1 s before the access token expires (6 s tokens).
        let mut e = engine_with(Sharing::Tabs, session("rt0", 6));
        e.handle(Input::Tick, T0 + 5_000);
        let newer = Mark { generation: 1, refresh_token_sha256: "x".into(), ended: false, written_at_ms: T0 };
        e.handle(Input::LockAcquired(Some(newer)), T0 + 5_000);
        assert!(e.is_renewing(), "an API call waits for the other tab's tokens");
        assert_eq!(ended(&e.handle(Input::Tick, T0 + 9_000)), None, "expired, but other tab may be slow");
        let mut from_a = session("rt1", 6);
        from_a.generation = 1;
        let out = e.handle(Input::Heard(SessionMessage::Refreshed { session: Box::new(from_a) }), T0 + 10_000);
        assert!(matches!(&out[0], Output::Keep(s) if s.generation == 1));
        assert!(!e.is_renewing());
        // With no answer at all, it ends once the patience is spent.
        let mut e = engine_with(Sharing::Tabs, session("rt0", 6));
        e.handle(Input::Tick, T0 + 5_000);
        let newer = Mark { generation: 1, refresh_token_sha256: "x".into(), ended: false, written_at_ms: T0 };
        e.handle(Input::LockAcquired(Some(newer)), T0 + 5_000);
        assert_eq!(ended(&e.handle(Input::Tick, T0 + 5_000 + SYNC_PATIENCE_MS - 1)), None);
        assert_eq!(ended(&e.handle(Input::Tick, T0 + 5_000 + SYNC_PATIENCE_MS)), Some("session_outdated"));
    }

    #[test]
    fn within_a_tab_refreshes_never_overlap() {
        let mut e = engine(Sharing::ThisTab);
        assert_eq!(e.handle(Input::Tick, T0 + 45_000), vec![Output::TakeLock]);
        assert!(e.is_renewing());
        assert_eq!(e.handle(Input::RefreshWanted, T0 + 45_001), vec![], "an API call joins the refresh in flight");
        assert_eq!(e.handle(Input::Tick, T0 + 45_002), vec![]);
        let out = e.handle(Input::LockAcquired(None), T0 + 45_003);
        assert_eq!(sent_token(&out), Some("rt0"));
        assert_eq!(e.handle(Input::RefreshWanted, T0 + 45_004), vec![]);
        e.handle(Input::RefreshAnswered(RefreshAnswer::Tokens(tokens("rt1", 60), None)), T0 + 45_005);
        assert!(!e.is_renewing());
        assert_eq!(e.handle(Input::RefreshWanted, T0 + 45_006), vec![Output::TakeLock], "idle again: an API call may refresh");
    }

    #[test]
    fn a_newer_generation_heard_while_waiting_for_the_lock_cancels_the_refresh() {
        let mut e = engine(Sharing::Tabs);
        e.handle(Input::Tick, T0 + 45_000);
        let mut newer = session("rt1", 60);
        newer.generation = 1;
        e.handle(Input::Heard(SessionMessage::Refreshed { session: Box::new(newer) }), T0 + 45_001);
        let out = e.handle(Input::LockAcquired(None), T0 + 45_002);
        assert_eq!(sent_token(&out), None);
    }

    #[test]
    fn an_answer_overtaken_by_a_newer_generation_is_not_used() {
        // Possible only without Web Locks: two tabs refresh at once.
        let mut e = engine(Sharing::Tabs);
        e.handle(Input::Tick, T0 + 45_000);
        e.handle(Input::LockAcquired(None), T0 + 45_000);
        let mut newer = session("rt-other", 60);
        newer.generation = 1;
        e.handle(Input::Heard(SessionMessage::Refreshed { session: Box::new(newer) }), T0 + 45_001);
        e.handle(Input::RefreshAnswered(RefreshAnswer::Tokens(tokens("rt-late", 60), None)), T0 + 45_002);
        assert_eq!(e.session().unwrap().tokens.refresh_token.as_ref().unwrap().secret(), "rt-other");
    }

    #[test]
    fn forged_replayed_and_foreign_messages_are_dropped() {
        let mut e = engine(Sharing::Tabs);
        refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt1", 60), None), T0 + 45_000);
        let current = e.session().unwrap().clone();
        // Replay of an older generation (rollback to a rotated-out token).
        let old = session("rt0", 60);
        assert_eq!(e.handle(Input::Heard(SessionMessage::Refreshed { session: Box::new(old) }), T0 + 46_000), vec![]);
        // Same generation again.
        assert_eq!(e.handle(Input::Heard(SessionMessage::Refreshed { session: Box::new(current.clone()) }), T0 + 46_000), vec![]);
        // A newer generation about someone else.
        let mut mallory = current.clone();
        mallory.generation = 9;
        mallory.claims = Some(IdTokenClaims::for_test("https://i", "mallory"));
        assert_eq!(e.handle(Input::Heard(SessionMessage::Refreshed { session: Box::new(mallory.clone()) }), T0 + 46_000), vec![]);
        mallory.claims = Some(IdTokenClaims::for_test("https://evil", "alice"));
        assert_eq!(e.handle(Input::Heard(SessionMessage::Refreshed { session: Box::new(mallory) }), T0 + 46_000), vec![]);
        // Another session's messages.
        assert_eq!(e.handle(Input::Heard(SessionMessage::Ended { session_id: "other".into() }), T0 + 46_000), vec![]);
        assert_eq!(e.handle(Input::Heard(SessionMessage::SignedOut { session_id: "other".into() }), T0 + 46_000), vec![]);
        assert_eq!(e.session(), Some(&current));
    }

    #[test]
    fn a_sync_request_is_answered_only_with_something_newer() {
        let mut e = engine(Sharing::Tabs);
        refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt1", 60), None), T0 + 45_000);
        let ask = |g| Input::Heard(SessionMessage::Sync { session_id: "sid".into(), generation: g });
        assert!(matches!(&e.handle(ask(0), T0 + 46_000)[..], [Output::Post(SessionMessage::Refreshed { session })] if session.generation == 1));
        assert_eq!(e.handle(ask(1), T0 + 46_000), vec![]);
    }

    #[test]
    fn sign_out_and_end_from_another_tab() {
        let mut e = engine(Sharing::Tabs);
        let out = e.handle(Input::Heard(SessionMessage::SignedOut { session_id: "sid".into() }), T0 + 1);
        assert_eq!(out, vec![Output::Forget, Output::SignedOutElsewhere]);
        assert!(e.session().is_none());
        let mut e = engine(Sharing::Tabs);
        let out = e.handle(Input::Heard(SessionMessage::Ended { session_id: "sid".into() }), T0 + 1);
        assert_eq!(ended(&out), Some("session_ended_in_another_tab"));
    }

    #[test]
    fn signing_out_marks_the_session_ended_tells_the_tabs_and_hands_over_the_tokens() {
        let mut e = engine(Sharing::Tabs);
        let out = e.handle(Input::SignOut, T0 + 1);
        assert!(marks(&out)[0].ended);
        assert!(out.contains(&Output::Post(SessionMessage::SignedOut { session_id: "sid".into() })));
        assert!(out.contains(&Output::Forget));
        assert!(matches!(out.last(), Some(Output::SignOutAtProvider(s)) if s.id == "sid"));
        assert_eq!(e.handle(Input::SignOut, T0 + 2), vec![]);
        assert_eq!(e.handle(Input::Tick, T0 + 60_000), vec![]);
    }

    #[test]
    fn only_a_gone_grant_ends_the_session_at_once() {
        for code in ["invalid_grant", "invalid_client", "unauthorized_client"] {
            let mut e = engine(Sharing::Tabs);
            let out = refresh(&mut e, None, RefreshAnswer::NoTokens(provider(code)), T0 + 45_000);
            assert_eq!(ended(&out), Some(code), "the provider's code passes through");
            assert!(marks(&out).iter().any(|m| m.ended));
            assert!(out.contains(&Output::Post(SessionMessage::Ended { session_id: "sid".into() })));
        }
        let mut e = engine(Sharing::Tabs);
        let someone_else = Some(IdTokenClaims::for_test("https://i", "bob"));
        let out = refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt1", 60), someone_else), T0 + 45_000);
        assert_eq!(ended(&out), Some("refresh_id_token_mismatch"));
    }

    #[test]
    fn failures_without_tokens_are_retried_with_the_same_token() {
        let transient = [
            provider("temporarily_unavailable"),
            provider("server_error"),
            AppError::TokenHttpStatus { status: 503 },
            AppError::Network { url: "https://t".into() },
            AppError::Timeout { url: "https://t".into(), after_ms: 15_000 },
        ];
        for error in transient {
            let code = error.code().to_owned();
            let mut e = engine(Sharing::Tabs);
            let out = refresh(&mut e, None, RefreshAnswer::NoTokens(error), T0 + 45_000);
            assert_eq!(ended(&out), None, "{code}");
            assert_eq!(timer(&out), Some(1_000), "{code}");
            assert!(marks(&out).is_empty() && !out.iter().any(|o| matches!(o, Output::Post(_))), "{code}");
            // The retry sends the same (never rotated) token and succeeds.
            assert_eq!(e.handle(Input::Tick, T0 + 45_500), vec![Output::ArmTimer { after_ms: 500 }], "{code}: not yet");
            let out = refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt1", 60), None), T0 + 46_000);
            assert_eq!(ended(&out), None);
            assert_eq!(e.session().unwrap().generation, 1);
        }
    }

    #[test]
    fn an_outage_is_retried_past_the_access_tokens_expiry_until_the_limit() {
        let mut e = engine(Sharing::Tabs);
        let mut now = T0 + 45_000;
        let mut waits = vec![];
        loop {
            let out = refresh(&mut e, None, RefreshAnswer::NoTokens(AppError::Network { url: "https://t".into() }), now);
            assert!(!out.iter().any(|o| matches!(o, Output::Forget)) || ended(&out).is_some());
            if let Some(code) = ended(&out) {
                assert_eq!(code, "refresh_network_error");
                assert!(marks(&out)[0].ended);
                break;
            }
            assert!(e.is_reconnecting());
            let wait = timer(&out).unwrap();
            waits.push(wait);
            now += wait;
        }
        assert_eq!(&waits[..7], &[1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000], "backoff, capped at a minute");
        assert!(waits[7..].iter().all(|&w| w == 60_000));
        assert!(now > T0 + 60_000, "it went on after the access token expired");
        assert!((T0 + 45_000 + LIMIT - 60_000..T0 + 45_000 + LIMIT).contains(&now), "until the reconnect limit");
    }

    #[test]
    fn an_outage_that_ends_recovers_the_session_and_its_state() {
        // A 5 s token; the token endpoint hangs past its expiry, then answers.
        let mut e = engine_with(Sharing::ThisTab, session("rt0", 5));
        let timeout = || RefreshAnswer::NoTokens(AppError::Timeout { url: "https://t".into(), after_ms: 15_000 });
        refresh(&mut e, None, timeout(), T0 + 18_750);
        assert!(e.is_reconnecting());
        let out = refresh(&mut e, None, timeout(), T0 + 34_750);
        assert_eq!(ended(&out), None, "expired 30 s ago, still reconnecting");
        let out = refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt1", 5), None), T0 + 40_000);
        assert_eq!(ended(&out), None);
        assert!(!e.is_reconnecting());
        assert_eq!(e.session().unwrap().tokens.refresh_token.as_ref().unwrap().secret(), "rt1");
    }

    #[test]
    fn the_refresh_tokens_known_expiry_ends_an_outage_sooner() {
        let mut s = session("rt0", 60);
        s.refresh_expires_at_ms = Some(T0 + 50_000);
        let mut e = engine_with(Sharing::ThisTab, s);
        let no_answer = || RefreshAnswer::NoTokens(AppError::Network { url: "https://t".into() });
        let out = refresh(&mut e, None, no_answer(), T0 + 45_000);
        assert_eq!(timer(&out), Some(1_000));
        let out = refresh(&mut e, None, no_answer(), T0 + 48_500);
        assert_eq!(ended(&out), Some("refresh_network_error"), "the next 2 s wait passes the refresh token's expiry");
    }

    #[test]
    fn waking_or_coming_online_retries_at_once() {
        let mut e = engine(Sharing::ThisTab);
        let no_answer = || RefreshAnswer::NoTokens(AppError::Network { url: "https://t".into() });
        refresh(&mut e, None, no_answer(), T0 + 45_000);
        for attempt in 1..6 {
            assert_eq!(e.handle(Input::Wake, T0 + 45_000 + attempt), vec![Output::TakeLock]);
            e.handle(Input::LockAcquired(None), T0 + 45_000 + attempt);
            e.handle(Input::RefreshAnswered(no_answer()), T0 + 45_000 + attempt);
        }
        assert_eq!(e.handle(Input::Tick, T0 + 45_010), vec![Output::ArmTimer { after_ms: 31_995 }], "the next try is 32 s away");
        assert_eq!(e.handle(Input::Wake, T0 + 45_010), vec![Output::TakeLock], "online again: at once");
        assert_eq!(sent_token(&e.handle(Input::LockAcquired(None), T0 + 45_010)), Some("rt0"));
        // An API call asks for fresh tokens during an outage: a retry goes at once too.
        let mut e = engine(Sharing::ThisTab);
        refresh(&mut e, None, no_answer(), T0 + 45_000);
        assert_eq!(e.handle(Input::RefreshWanted, T0 + 45_100), vec![Output::TakeLock]);
    }

    #[test]
    fn a_refused_2xx_answer_ends_the_session_and_its_token_is_never_sent_again() {
        let refusals = [
            AppError::IdTokenSignatureInvalid,
            AppError::IdTokenKeyNotFound { kid: Some("new".into()), search: crate::core::jwks::KeySearch::Refetched },
            AppError::TokenResponseInvalid { problem: "x".into() },
            AppError::DpopNotHonoured,
        ];
        for error in refusals {
            let code = error.code().to_owned();
            let mut e = engine(Sharing::Tabs);
            let out = refresh(&mut e, None, RefreshAnswer::Refused(error), T0 + 45_000);
            assert_eq!(ended(&out), Some(code.as_str()));
            assert!(marks(&out)[0].ended, "{code}: the other tabs may not send it either");
            assert!(e.session().is_none());
            assert_eq!(e.handle(Input::Tick, T0 + 46_000), vec![]);
            assert_eq!(e.handle(Input::RefreshWanted, T0 + 46_000), vec![]);
        }
    }

    #[test]
    fn how_a_refresh_answer_is_told_apart() {
        let e = || AppError::TokenResponseInvalid { problem: "x".into() };
        assert!(matches!(RefreshAnswer::failed(Some(200), e()), RefreshAnswer::Refused(_)));
        assert!(matches!(RefreshAnswer::failed(Some(400), provider("invalid_grant")), RefreshAnswer::NoTokens(_)));
        assert!(matches!(RefreshAnswer::failed(Some(503), e()), RefreshAnswer::NoTokens(_)));
        assert!(matches!(RefreshAnswer::failed(None, AppError::Network { url: "u".into() }), RefreshAnswer::NoTokens(_)));
        let keys = AppError::JwksUnavailable { url: "https://k".into(), problem: "x".into() };
        assert!(matches!(RefreshAnswer::unchecked(tokens("rt1", 60), keys), RefreshAnswer::KeysUnavailable(..)));
        assert!(matches!(RefreshAnswer::unchecked(tokens("rt1", 60), AppError::IdTokenSignatureInvalid), RefreshAnswer::Refused(_)));
    }

    #[test]
    fn an_answer_waiting_for_the_key_set_is_checked_again_not_refreshed_again() {
        let mut e = engine(Sharing::Tabs);
        let keys = || AppError::JwksUnavailable { url: "https://k".into(), problem: "x".into() };
        let out = refresh(&mut e, None, RefreshAnswer::unchecked(tokens("rt1", 60), keys()), T0 + 45_000);
        assert_eq!(ended(&out), None);
        assert!(e.is_reconnecting() && e.is_renewing());
        let mark = &marks(&out)[0];
        assert_eq!((mark.generation, mark.refresh_token_sha256.as_str()), (1, hash_refresh_token(&RefreshToken::new("rt1")).as_str()), "other tabs must not send rt0");
        assert_eq!(e.session().unwrap().generation, 0, "the waiting tokens are not used");
        assert_eq!(timer(&out), Some(1_000));
        // Due: the ID token is checked again; nothing is sent.
        let out = e.handle(Input::Tick, T0 + 46_000);
        assert!(matches!(&out[..], [Output::CheckIdToken(t)] if t.refresh_token.as_ref().unwrap().secret() == "rt1"));
        assert_eq!(e.handle(Input::Tick, T0 + 46_001), vec![], "one check at a time");
        let out = e.handle(Input::RefreshAnswered(RefreshAnswer::unchecked(tokens("rt1", 60), keys())), T0 + 46_500);
        assert_eq!(timer(&out), Some(2_000));
        assert_eq!(sent_token(&e.handle(Input::RefreshWanted, T0 + 46_600)), None);
        // The key set loads: the waiting tokens are adopted.
        let out = e.handle(Input::RefreshAnswered(RefreshAnswer::Tokens(tokens("rt1", 60), None)), T0 + 47_000);
        assert!(matches!(&out[0], Output::Keep(s) if s.generation == 1));
        assert!(!e.is_reconnecting());
        // A waiting ID token that then fails its check ends the session.
        let mut e = engine(Sharing::Tabs);
        refresh(&mut e, None, RefreshAnswer::unchecked(tokens("rt1", 60), keys()), T0 + 45_000);
        e.handle(Input::Wake, T0 + 45_100);
        let out = e.handle(Input::RefreshAnswered(RefreshAnswer::unchecked(tokens("rt1", 60), AppError::IdTokenSignatureInvalid)), T0 + 45_200);
        assert_eq!(ended(&out), Some("id_token_signature_invalid"));
    }

    #[test]
    fn a_lock_held_elsewhere_is_an_outage_until_the_access_token_expires() {
        let mut e = engine(Sharing::Tabs);
        assert_eq!(e.handle(Input::Tick, T0 + 45_000), vec![Output::TakeLock]);
        let out = e.handle(Input::LockUnavailable(None), T0 + 50_000);
        assert_eq!((sent_token(&out), ended(&out), timer(&out)), (None, None, Some(1_000)));
        assert!(e.is_reconnecting());
        assert_eq!(e.handle(Input::Tick, T0 + 51_000), vec![Output::TakeLock]);
        let out = e.handle(Input::LockUnavailable(None), T0 + 60_000);
        assert_eq!(ended(&out), Some("refresh_lock_unavailable"), "never sits on an expired token");
        assert!(e.session().is_none());
        // The mark, read without the lock, still tells a rotation or an end.
        let mut e = engine(Sharing::Tabs);
        e.handle(Input::Tick, T0 + 45_000);
        let newer = Mark { generation: 1, refresh_token_sha256: "x".into(), ended: false, written_at_ms: T0 };
        let out = e.handle(Input::LockUnavailable(Some(newer)), T0 + 50_000);
        assert!(out.iter().any(|o| matches!(o, Output::Post(SessionMessage::Sync { .. }))));
        let mut e = engine(Sharing::Tabs);
        e.handle(Input::Tick, T0 + 45_000);
        let ended_mark = Mark::ended(e.session().unwrap(), T0);
        assert_eq!(ended(&e.handle(Input::LockUnavailable(Some(ended_mark)), T0 + 50_000)), Some("session_ended_in_another_tab"));
    }

    #[test]
    fn catching_up_after_sleep_or_a_clock_jump() {
        // The tab slept through the refresh time: a tick on becoming visible
        // refreshes at once, from the wall clock.
        let mut e = engine(Sharing::Tabs);
        assert_eq!(e.handle(Input::Tick, T0 + 10 * 60_000), vec![Output::TakeLock]);
        // Clock set back: as if no time passed, the full wait again (no loop).
        let mut e = engine(Sharing::Tabs);
        assert_eq!(e.handle(Input::Tick, T0 - 3_600_000), vec![Output::ArmTimer { after_ms: 45_000 }]);
    }

    #[test]
    fn tiny_lifetimes_never_refresh_in_a_tight_loop() {
        for expires_in in [0, 1] {
            let (mut e, _) = Engine::start(Sharing::Tabs, LIMIT, None, T0);
            let out = e.handle(Input::SignedIn(session("rt0", expires_in)), T0);
            assert_eq!(timer(&out), Some(schedule::MIN_REFRESH_AFTER_MS));
            assert_eq!(e.handle(Input::Tick, T0 + 100), vec![Output::ArmTimer { after_ms: schedule::MIN_REFRESH_AFTER_MS - 100 }]);
            let out = refresh(&mut e, None, RefreshAnswer::Tokens(tokens("rt1", expires_in), None), T0 + schedule::MIN_REFRESH_AFTER_MS);
            assert_eq!(timer(&out), Some(schedule::MIN_REFRESH_AFTER_MS));
        }
    }

    #[test]
    fn without_a_refresh_token_the_session_ends_when_the_access_token_expires() {
        let mut s = session("rt0", 60);
        s.tokens.refresh_token = None;
        let (mut e, _) = Engine::start(Sharing::Tabs, LIMIT, None, T0);
        let out = e.handle(Input::SignedIn(s.clone()), T0);
        assert_eq!(timer(&out), Some(60_000), "woken at the expiry");
        assert_eq!(e.handle(Input::RefreshWanted, T0), vec![]);
        assert_eq!(e.handle(Input::Tick, T0 + 30_000), vec![Output::ArmTimer { after_ms: 30_000 }]);
        let out = e.handle(Input::Tick, T0 + 60_000);
        assert_eq!(ended(&out), Some("session_expired"));
        assert!(out.contains(&Output::Forget));
        assert!(e.session().is_none());
        // Each tab ends it by its own clock (a throttled one when it wakes).
        let (mut asleep, _) = Engine::start(Sharing::Tabs, LIMIT, Some(s.clone()), T0 + 1_000);
        assert_eq!(ended(&asleep.handle(Input::Wake, T0 + 600_000)), Some("session_expired"));
        // An expired one is never restored.
        let (e, out) = Engine::start(Sharing::Tabs, LIMIT, Some(s), T0 + 60_000);
        assert!(e.session().is_none());
        assert_eq!(out, vec![Output::Forget, Output::Ended(AppError::SessionExpired)]);
    }

    #[test]
    fn a_session_whose_refresh_token_expired_is_never_restored() {
        let mut s = session("rt0", 60);
        s.refresh_expires_at_ms = Some(T0 + 3_600_000);
        let (e, _) = Engine::start(Sharing::Tabs, LIMIT, Some(s.clone()), T0 + 120_000);
        assert!(e.session().is_some(), "access token expired, refresh token good: restored and refreshed");
        let (e, out) = Engine::start(Sharing::Tabs, LIMIT, Some(s), T0 + 3_600_000);
        assert!(e.session().is_none());
        assert_eq!(ended(&out), Some("session_expired"));
    }

    #[test]
    fn without_a_lifetime_nothing_is_scheduled_and_an_outage_is_retried_to_the_limit() {
        let mut s = session("rt0", 60);
        s.tokens.expires_in = None;
        let (mut e, out) = Engine::start(Sharing::ThisTab, LIMIT, Some(s), T0);
        assert_eq!(timer(&out), None);
        let mut now = T0;
        loop {
            assert_eq!(e.handle(Input::RefreshWanted, now), vec![Output::TakeLock]);
            e.handle(Input::LockAcquired(None), now);
            let out = e.handle(Input::RefreshAnswered(RefreshAnswer::NoTokens(AppError::TokenHttpStatus { status: 502 })), now);
            if ended(&out).is_some() {
                break;
            }
            now += timer(&out).unwrap();
        }
        assert!(now >= T0 + LIMIT - 60_000);
    }

    #[test]
    fn an_api_call_never_sends_an_expired_token() {
        let s = session("rt0", 60);
        assert!(usable_for_api(&s, true, T0 + 59_999).is_ok());
        assert_eq!(usable_for_api(&s, true, T0 + 60_000).unwrap_err().code(), "session_reconnecting");
        assert_eq!(usable_for_api(&s, false, T0 + 60_000).unwrap_err().code(), "session_expired");
    }

    #[test]
    fn stray_inputs_are_ignored() {
        let mut e = engine(Sharing::Tabs);
        assert_eq!(e.handle(Input::LockAcquired(None), T0), vec![]);
        assert_eq!(e.handle(Input::RefreshAnswered(RefreshAnswer::Tokens(tokens("x", 60), None)), T0), vec![]);
        assert_eq!(e.session().unwrap().generation, 0);
        let (mut empty, _) = Engine::start(Sharing::Tabs, LIMIT, None, T0);
        assert_eq!(empty.handle(Input::Tick, T0), vec![]);
        assert_eq!(empty.handle(Input::Heard(SessionMessage::Ended { session_id: "sid".into() }), T0), vec![]);
    }

    #[test]
    fn freshness_for_an_api_call() {
        let s = session("rt0", 60);
        assert!(fresh_enough(&s, 30_000, T0 + 29_999));
        assert!(!fresh_enough(&s, 30_000, T0 + 30_000));
        let mut untimed = s.clone();
        untimed.tokens.expires_in = None;
        assert!(fresh_enough(&untimed, 30_000, u64::MAX));
    }

    #[test]
    fn ended_marks_are_swept_after_an_hour() {
        let s = session("rt0", 60);
        assert!(!Mark::of(&s, T0).is_stale(T0 + 10 * ENDED_MARK_KEPT_MS));
        assert!(!Mark::ended(&s, T0).is_stale(T0 + ENDED_MARK_KEPT_MS));
        assert!(Mark::ended(&s, T0).is_stale(T0 + ENDED_MARK_KEPT_MS + 1));
    }
}
