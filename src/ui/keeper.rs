//! Keeps the session alive: restores and persists it (`token_storage`),
//! refreshes it before the access token expires, one refresh at a time
//! across the tabs that hold it, and hears what the other tabs say.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{channel, locks, page, storage};
use crate::core::config::TokenStorage;
use crate::core::schedule;
use crate::core::session::{Session, SessionMessage};
use crate::core::AppError;
use crate::flow::AppSetup;
use crate::session_flow;

/// What the signed-out page has to say.
#[derive(Clone, Debug)]
pub enum Notice {
    Failure(AppError),
    SigningOut,
    SignedOutAtProvider,
    SignedOut,
}

/// The session and what runs around it; `Copy`, handed out as context.
#[derive(Clone, Copy)]
pub struct Keeper {
    pub session: RwSignal<Option<Session>>,
    pub notice: RwSignal<Option<Notice>>,
    setup: StoredValue<Arc<AppSetup>>,
    timer: StoredValue<Option<TimeoutHandle>>,
}

impl Keeper {
    /// Creates the keeper for the current reactive owner and starts it.
    pub fn start(setup: Arc<AppSetup>) -> Self {
        let storage_kind = setup.config.token_storage;
        let restored = (storage_kind == TokenStorage::Session).then(storage::load_session).flatten();
        let keeper = Self {
            session: RwSignal::new(restored),
            notice: RwSignal::new(None),
            setup: StoredValue::new(setup),
            timer: StoredValue::new(None),
        };
        Effect::new(move |_| keeper.session.with(|s| persist(storage_kind, s.as_ref())));
        Effect::new(move |_| keeper.session.with(|s| keeper.arm_refresh(s.as_ref())));
        channel::listen(move |message| keeper.hear(message));
        keeper
    }

    pub fn setup(&self) -> Arc<AppSetup> {
        self.setup.get_value()
    }

    fn disarm(&self) {
        if let Some(handle) = self.timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    }

    fn arm(&self, delay_ms: u64, attempt: u32) {
        self.disarm();
        let keeper = *self;
        let wait = Duration::from_millis(schedule::timer_ms(delay_ms));
        let handle = set_timeout_with_handle(move || keeper.on_timer(attempt), wait);
        self.timer.set_value(handle.ok());
    }

    /// Schedules the next refresh of `session` (none without a refresh token
    /// or a stated lifetime).
    fn arm_refresh(&self, session: Option<&Session>) {
        self.disarm();
        let Some(s) = session else { return };
        let (Some(_), Some(expires_in)) = (&s.tokens.refresh_token, s.tokens.expires_in) else { return };
        self.arm(schedule::refresh_delay_ms(expires_in, elapsed_ms(s)), 0);
    }

    fn on_timer(self, attempt: u32) {
        // A capped timer (see `schedule::timer_ms`) wakes before the refresh
        // is due: arm again for the rest.
        let not_due = self.session.with_untracked(|s| {
            s.as_ref().and_then(|s| s.tokens.expires_in.map(|e| schedule::refresh_delay_ms(e, elapsed_ms(s))))
        });
        if attempt == 0 && not_due.is_some_and(|ms| ms > 0) {
            return self.session.with_untracked(|s| self.arm_refresh(s.as_ref()));
        }
        spawn_local(async move {
            match self.refresh_now().await {
                Ok(()) => {}
                Err(AppError::Network { url }) => self.retry(attempt, url),
                Err(e) => self.end(e),
            }
        });
    }

    /// A refresh got no answer: try again with backoff while the access
    /// token is still valid, then end the session.
    fn retry(&self, attempt: u32, url: String) {
        let Some(s) = self.session.get_untracked() else { return };
        let wait = s.tokens.expires_in.and_then(|e| schedule::retry_delay_ms(attempt, e, elapsed_ms(&s)));
        match wait {
            Some(ms) => self.arm(ms, attempt + 1),
            None => self.end(AppError::RefreshUnreachable { url }),
        }
    }

    /// Refreshes now, unless another tab (or an earlier run here) already
    /// rotated the refresh token this run started from: under the session's
    /// lock, so at most one refresh request per session is in flight and a
    /// rotated refresh token is never sent again.
    pub async fn refresh_now(&self) -> Result<(), AppError> {
        let Some(before) = self.session.get_untracked() else { return Ok(()) };
        let Some(started_from) = before.tokens.refresh_token.clone() else { return Ok(()) };
        let keeper = *self;
        let lock = format!("pkce-spa.refresh.{}", before.id);
        let outcome = locks::with_lock(&lock, move || async move {
            // A rotation another tab posted just before releasing the lock
            // may still be on its way: let it land before deciding.
            page::sleep_ms(50).await;
            let Some(current) = keeper.session.get_untracked() else { return Ok(()) };
            if current.id != before.id || current.tokens.refresh_token.as_ref() != Some(&started_from) {
                return Ok(());
            }
            let next = session_flow::refresh(&keeper.setup.get_value(), &current).await?;
            channel::post(&SessionMessage::Refreshed { session: Box::new(next.clone()) });
            keeper.session.set(Some(next));
            Ok(())
        })
        .await;
        outcome.unwrap_or(Ok(()))
    }

    /// Ends the session here and in the other tabs, with the reason shown.
    pub fn end(&self, reason: AppError) {
        if let Some(s) = self.session.get_untracked() {
            channel::post(&SessionMessage::Ended { session_id: s.id });
        }
        self.session.set(None);
        self.notice.set(Some(Notice::Failure(reason)));
    }

    fn hear(&self, message: SessionMessage) {
        let ours = self.session.with_untracked(|s| s.as_ref().is_some_and(|s| s.id == message.session_id()));
        if !ours {
            return;
        }
        match message {
            SessionMessage::Refreshed { session } => self.session.set(Some(*session)),
            SessionMessage::SignedOut { .. } => {
                self.session.set(None);
                self.notice.set(Some(Notice::SignedOut));
            }
            SessionMessage::Ended { .. } => {
                self.session.set(None);
                self.notice.set(Some(Notice::Failure(AppError::SessionEndedInAnotherTab)));
            }
        }
    }

    /// Signs out: every tab forgets the session, the provider revokes the
    /// tokens, then (when it has one) its end-session endpoint ends its own
    /// session and sends the person back.
    pub fn sign_out(&self) {
        let Some(session) = self.session.get_untracked() else { return };
        channel::post(&SessionMessage::SignedOut { session_id: session.id.clone() });
        self.session.set(None);
        self.notice.set(Some(Notice::SigningOut));
        let keeper = *self;
        spawn_local(async move {
            let setup = keeper.setup.get_value();
            let next = match session_flow::revoke(&setup, &session).await {
                Err(e) => Err(e),
                Ok(()) => session_flow::end_session_url(&setup, &session),
            };
            let notice = match next.and_then(|url| url.map_or(Ok(false), |u| page::go_to(&u).map(|()| true))) {
                Ok(true) => return, // leaving for the provider
                Ok(false) => Notice::SignedOut,
                Err(e) => Notice::Failure(e),
            };
            keeper.notice.set(Some(notice));
        });
    }
}

fn elapsed_ms(session: &Session) -> u64 {
    schedule::elapsed_ms(session.received_at_ms, page::now_ms())
}

fn persist(kind: TokenStorage, session: Option<&Session>) {
    match (kind, session) {
        (TokenStorage::Session, Some(s)) => {
            // Not fatal: a reload will ask to sign in again.
            if let Err(e) = storage::save_session(s) {
                leptos::logging::warn!("{e}");
            }
        }
        _ => storage::clear_session(),
    }
}
