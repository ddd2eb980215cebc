//! Starting a sign-in: from configuration and fresh randomness to the URL to
//! visit and the pending request to keep. Pure, so the whole step can be
//! tested and shown; the browser layer supplies the bytes and the clock.

use super::authorize::{self, AuthorizationRequest, Nonce, State};
use super::config::Config;
use super::discovery::Provider;
use super::error::AppError;
use super::par;
use super::pending::PendingRequest;
use super::pkce::CodeVerifier;
use super::token::TokenRequest;

/// Random octets from the browser's CSPRNG, one set per sign-in.
pub struct Randomness {
    /// For the PKCE `code_verifier` (RFC 7636 §4.1).
    pub verifier: [u8; 32],
    /// For `state` (RFC 6749 §10.12).
    pub state: [u8; 32],
    /// For `nonce`, used when the scope has `openid` (Core §3.1.2.1).
    pub nonce: [u8; 32],
}

/// What starting a sign-in produces.
#[derive(Debug)]
pub struct SignInStart {
    /// The request's `state`, which the pending request is kept under.
    pub state: State,
    /// The authorization request, as the URL to visit when it is not pushed.
    pub url: String,
    /// With PAR (RFC 9126): the request to push first.
    pub push: Option<Push>,
    /// What the callback needs, to keep under `state` until it comes back.
    pub pending: PendingRequest,
}

/// The pushed authorization request, and whether a plain one may go instead
/// when the page gets no answer from the PAR endpoint (see [`par::Use`]).
#[derive(Debug)]
pub struct Push {
    /// The PAR request (RFC 9126 §2.1).
    pub request: TokenRequest,
    /// Whether a plain authorization request may go when the PAR endpoint gives
    /// no answer.
    pub fallback: bool,
}

/// What the page adds to a sign-in: the thumbprint of the DPoP key made for
/// it, when DPoP is used ([`Provider::uses_dpop`]), and the page to return
/// to, already accepted by [`return_to::accept`](super::return_to::accept).
#[derive(Debug, Default)]
pub struct Extras {
    /// The DPoP key's thumbprint (RFC 7638), sent as `dpop_jkt` (RFC 9449 §10).
    pub dpop_jkt: Option<String>,
    /// The page of this app to show after the callback.
    pub return_to: Option<String>,
}

/// The sign-in's first step.
pub fn start(config: &Config, provider: &Provider, random: Randomness, now_ms: u64, extras: Extras) -> Result<SignInStart, AppError> {
    let Extras { dpop_jkt, return_to } = extras;
    let verifier = CodeVerifier::from_random(random.verifier);
    // OpenID Connect Core §3.1.2.1: the nonce goes with requests for an ID token.
    let nonce = authorize::scope_has_openid(&config.scope).then(|| Nonce::from_random(random.nonce));
    let request = AuthorizationRequest {
        client_id: config.client_id.clone(),
        redirect_uri: config.redirect_uri.clone(),
        scope: config.scope.clone(),
        state: State::from_random(random.state),
        code_challenge: verifier.challenge(),
        nonce: nonce.clone(),
        dpop_jkt: dpop_jkt.clone(),
        extra: config.extra_authorize_params.clone(),
    };
    let url = request.url(provider.authorization_endpoint());
    let push = match par::decide(config.par, provider)? {
        par::Use::No => None,
        par::Use::Push { endpoint, fallback } => Some(Push { request: par::request(endpoint, &request), fallback }),
    };
    let pending = PendingRequest {
        code_verifier: verifier,
        nonce,
        redirect_uri: config.redirect_uri.clone(),
        scope: config.scope.clone(),
        created_at_ms: now_ms,
        dpop_jkt,
        return_to,
    };
    Ok(SignInStart { state: request.state, url, push, pending })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{config, discovery};

    fn setup(scope: &str) -> (Config, Provider) {
        let c = config::parse(
            &format!(r#"{{"issuer":"https://i.example","client_id":"c","scope":"{scope}",
                "authorization_endpoint":"https://i.example/authorize","token_endpoint":"https://i.example/token"}}"#),
            "https://app.example/",
            &crate::core::url::testing::Whatwg,
        )
        .unwrap();
        let p = discovery::resolve(&c, None, &crate::core::url::testing::Whatwg).unwrap();
        (c, p)
    }

    fn random() -> Randomness {
        Randomness { verifier: [1; 32], state: [2; 32], nonce: [3; 32] }
    }

    #[test]
    fn the_challenge_sent_is_the_one_of_the_verifier_kept() {
        let (c, p) = setup("openid profile");
        let s = start(&c, &p, random(), 42, Extras::default()).unwrap();
        assert!(s.url.contains(&format!("code_challenge={}&", s.pending.code_verifier.challenge().as_str())));
        assert_eq!(s.pending.redirect_uri, "https://app.example/callback");
        assert_eq!(s.pending.created_at_ms, 42);
        assert!(s.url.contains(&format!("nonce={}", s.pending.nonce.as_ref().unwrap().as_str())));
        assert!(s.url.starts_with("https://i.example/authorize?"));
        assert!(s.url.contains(&format!("state={}&", s.state.as_str())));
    }

    #[test]
    fn the_dpop_key_is_bound_to_the_code_and_kept() {
        let (c, p) = setup("openid");
        let s = start(&c, &p, random(), 0, Extras { dpop_jkt: Some("jkt-1".into()), return_to: None }).unwrap();
        assert!(s.url.contains("dpop_jkt=jkt-1"), "{}", s.url);
        assert_eq!(s.pending.dpop_jkt.as_deref(), Some("jkt-1"));
        assert!(s.push.is_none(), "no PAR endpoint, no push");
    }

    #[test]
    fn a_pushed_request_carries_what_the_url_would() {
        let (mut c, p) = setup("openid");
        c.endpoints.pushed_authorization_request_endpoint = Some("https://i.example/par".into());
        let p = discovery::resolve(&c, p.metadata, &crate::core::url::testing::Whatwg).unwrap();
        let s = start(&c, &p, random(), 0, Extras { dpop_jkt: Some("jkt-1".into()), return_to: None }).unwrap();
        let push = s.push.unwrap();
        assert_eq!(push.request.url, "https://i.example/par");
        assert!(push.fallback, "auto: only discovery asked for it");
        assert_eq!(push.request.body, s.url.split_once('?').unwrap().1);
    }

    #[test]
    fn no_nonce_without_openid() {
        let (c, p) = setup("api.read");
        let s = start(&c, &p, random(), 0, Extras::default()).unwrap();
        assert!(s.pending.nonce.is_none());
        assert!(!s.url.contains("nonce="));
    }

    #[test]
    fn the_return_path_stays_with_the_pending_sign_in_and_off_the_wire() {
        let (c, p) = setup("openid");
        let extras = Extras { dpop_jkt: None, return_to: Some("/notes/3?tab=x".into()) };
        let s = start(&c, &p, random(), 0, extras).unwrap();
        assert_eq!(s.pending.return_to.as_deref(), Some("/notes/3?tab=x"));
        assert!(!s.url.contains("notes"), "{}", s.url);
    }
}
