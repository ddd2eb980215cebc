//! The session as the views see it: signals fed by the session runner
//! (`crate::session_runner`), which carries out the session engine's
//! decisions. Nothing is decided here.

use std::sync::Arc;

use leptos::prelude::*;

use crate::core::session::Session;
use crate::core::AppError;
use crate::flow::AppSetup;
use crate::session_runner::{Event, SessionRunner};

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
    runner: StoredValue<SessionRunner, LocalStorage>,
}

impl Keeper {
    /// Creates the keeper for the current reactive owner and starts the session runner.
    pub fn start(setup: Arc<AppSetup>) -> Self {
        let session = RwSignal::new(None);
        let notice = RwSignal::new(None);
        let show = move |s: Option<Session>, n: Option<Option<Notice>>| {
            session.try_set(s);
            if let Some(n) = n {
                notice.try_set(n);
            }
        };
        let runner = SessionRunner::start(setup, move |event| match event {
            Event::Session(s) => show(s, None),
            Event::Ended(e) => show(None, Some(Some(Notice::Failure(e)))),
            Event::SignedOutElsewhere => show(None, Some(Some(Notice::SignedOut))),
            Event::SigningOut => show(None, Some(Some(Notice::SigningOut))),
            Event::SignedOut(None) => show(None, Some(Some(Notice::SignedOut))),
            Event::SignedOut(Some(e)) | Event::Failed(e) => show(None, Some(Some(Notice::Failure(e)))),
        });
        Self { session, notice, runner: StoredValue::new_local(runner) }
    }

    pub fn setup(&self) -> Arc<AppSetup> {
        self.runner.with_value(SessionRunner::setup)
    }

    pub fn runner(&self) -> SessionRunner {
        self.runner.get_value()
    }

    /// A sign-in completed on `/callback`.
    pub async fn signed_in(&self, session: Session) -> Result<(), AppError> {
        self.notice.set(None);
        self.runner().signed_in(session).await
    }

    pub fn sign_out(&self) {
        self.runner().sign_out();
    }
}
