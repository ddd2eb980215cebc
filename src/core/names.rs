//! Every name the app gives to something the whole origin shares: each
//! sessionStorage and localStorage key, the IndexedDB database, the Web
//! Locks and the BroadcastChannel. Storage, databases, locks and channels
//! are one per origin, and one origin may serve several deployments of the
//! app (`/`, `/app/`, `/pr/42/`), each with its own config.json and
//! provider: every name is scoped to the deployment's base path, so that
//! two deployments in one tab never read, sweep or refresh each other's
//! session. The base path is the scope because the callback and the loader
//! (scripts/post-build.mjs) need the names before config.json is read.
//!
//! Every name starts with `pkce-spa{<base path>}.` (the database's is
//! `pkce-spa{<base path>}`). A browser's `location.pathname` never holds
//! `{` or `}` (URL Standard, path percent-encode set); they are escaped
//! here all the same, so that no deployment's prefix is a prefix of
//! another's.

use std::cell::OnceCell;

use sha2::{Digest, Sha256};

use super::authorize::State;
use super::b64;

/// What every name starts with, before the scope.
pub const APP: &str = "pkce-spa";

/// The names of one deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// `pkce-spa{<base path>}`.
    scope: String,
}

thread_local! {
    /// This page's names, settled once ([`here_or_init`]).
    static HERE: OnceCell<Names> = const { OnceCell::new() };
}

/// This page's names: settled by the first call (the browser layer's
/// `page::names()`, from the app's base path, which every use of storage
/// goes through) and the same for the rest of the page's life.
pub fn here_or_init(make: impl FnOnce() -> Names) -> Names {
    HERE.with(|here| here.get_or_init(make).clone())
}

/// This page's names as the browser layer settled them; those of the root
/// deployment when nothing has yet (native tests).
pub fn here() -> Names {
    here_or_init(|| Names::for_base("/"))
}

impl Names {
    /// The names of the deployment whose base path is `base_path` (`""` or
    /// `"/"` at the root, `"/app"` or `"/app/"` under `/app/`).
    pub fn for_base(base_path: &str) -> Self {
        let inner = base_path.trim_matches('/');
        let path = if inner.is_empty() { "/".to_owned() } else { format!("/{inner}/") };
        let path = path.replace('{', "%7B").replace('}', "%7D");
        Self { scope: format!("{APP}{{{path}}}") }
    }

    fn name(&self, what: &str) -> String {
        format!("{}.{what}", self.scope)
    }

    /// Whether `key` is one of this deployment's names.
    pub fn owns(&self, key: &str) -> bool {
        key.strip_prefix(self.scope.as_str()).is_some_and(|rest| rest.starts_with('.'))
    }

    /// The prefix of every pending-request key (sessionStorage).
    pub fn pending_prefix(&self) -> String {
        self.name("pending.")
    }

    /// The sessionStorage key of the pending request for `state`.
    pub fn pending(&self, state: &State) -> String {
        format!("{}{}", self.pending_prefix(), state.as_str())
    }

    /// The prefix of the marks left by handled responses.
    pub fn handled_prefix(&self) -> String {
        self.name("handled.")
    }

    /// The mark that a response with this state was handled, so that a
    /// second look at it says "already handled" rather than "unknown
    /// state". The key is a hash of the state: no state stays in storage
    /// after its callback.
    pub fn handled(&self, state: &State) -> String {
        format!("{}{}", self.handled_prefix(), b64::encode(&Sha256::digest(state.as_str().as_bytes())))
    }

    /// The prefix of the `state` kept while the provider signs the person out.
    pub fn logout_prefix(&self) -> String {
        self.name("logout.")
    }

    /// The discovery document read when the last sign-in started, for its
    /// `/callback` (`pending::KeptDiscovery`).
    pub fn discovery(&self) -> String {
        self.name("discovery")
    }

    /// The signed-in session, with `token_storage: "session"`; the loader
    /// reads it too (scripts/post-build.mjs).
    pub fn session(&self) -> String {
        self.name("session")
    }

    /// The session's AES-GCM key, beside the session.
    pub fn session_key(&self) -> String {
        self.name("session-key")
    }

    /// A revocation problem kept across the trip to the provider's sign-out.
    pub fn sign_out_problem(&self) -> String {
        self.name("sign-out-problem")
    }

    /// The prefix of the sealed marks the tabs of a session share (localStorage).
    pub fn mark_prefix(&self) -> String {
        self.name("mark.")
    }

    /// The prefix of the servers' DPoP nonces (localStorage).
    pub fn dpop_nonce_prefix(&self) -> String {
        self.name("dpop-nonce.")
    }

    /// The localStorage key of the DPoP nonce kept for `slot`
    /// (`dpop::nonce_slots`).
    pub fn dpop_nonce(&self, slot: &str) -> String {
        format!("{}{slot}", self.dpop_nonce_prefix())
    }

    /// The IndexedDB database of the DPoP keys.
    pub fn database(&self) -> String {
        self.scope.clone()
    }

    /// The Web Lock under which a tab of the session refreshes it.
    pub fn refresh_lock(&self, session_id: &str) -> String {
        format!("{}{session_id}", self.name("refresh."))
    }

    /// The BroadcastChannel of the session's tabs.
    pub fn channel(&self) -> String {
        self.name("session")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASES: [&str; 5] = ["/", "/app/", "/pr/42/", "/pr/4/", "/pr/42/x/"];

    fn all(n: &Names) -> Vec<String> {
        let state = State::from_random([1; 32]);
        vec![
            n.pending(&state),
            n.handled(&state),
            format!("{}x", n.logout_prefix()),
            n.discovery(),
            n.session(),
            n.session_key(),
            n.sign_out_problem(),
            format!("{}sid", n.mark_prefix()),
            n.dpop_nonce("https://as.example"),
            n.refresh_lock("sid"),
            n.channel(),
        ]
    }

    #[test]
    fn the_root_and_a_subpath_are_the_same_deployment_however_written() {
        assert_eq!(Names::for_base(""), Names::for_base("/"));
        assert_eq!(Names::for_base("/pr/42"), Names::for_base("/pr/42/"));
        assert_eq!(Names::for_base("/").session(), "pkce-spa{/}.session");
        assert_eq!(Names::for_base("/pr/42").database(), "pkce-spa{/pr/42/}");
    }

    #[test]
    fn distinct_bases_give_disjoint_names_and_own_only_theirs() {
        for a in BASES {
            for b in BASES.iter().filter(|b| **b != a) {
                let (na, nb) = (Names::for_base(a), Names::for_base(b));
                assert_ne!(na.database(), nb.database());
                for name in all(&na) {
                    assert!(na.owns(&name), "{a} owns {name}");
                    assert!(!nb.owns(&name), "{b} does not own {name}");
                    for other in all(&nb) {
                        assert!(!other.starts_with(&name) && !name.starts_with(&other), "{name} / {other}");
                    }
                }
                for prefix in [na.pending_prefix(), na.handled_prefix(), na.logout_prefix(), na.mark_prefix(), na.dpop_nonce_prefix()] {
                    assert!(!all(&nb).iter().any(|n| n.starts_with(&prefix)), "{prefix} is a prefix of {b}'s");
                }
            }
        }
    }

    #[test]
    fn braces_in_a_base_cannot_reach_another_scope() {
        let odd = Names::for_base("/a}.session/");
        assert!(!Names::for_base("/a/").owns(&odd.session()));
        assert!(!odd.session().contains("a}"));
    }

    #[test]
    fn the_key_formats_keep_their_shape() {
        let n = Names::for_base("/pr/42/");
        let state = State::from_random([2; 32]);
        assert_eq!(n.pending(&state), format!("pkce-spa{{/pr/42/}}.pending.{}", state.as_str()));
        let handled = n.handled(&state);
        assert!(handled.starts_with("pkce-spa{/pr/42/}.handled."));
        assert!(!handled.contains(state.as_str()), "a hash of the state, not the state");
        assert_ne!(handled, n.handled(&State::from_random([3; 32])));
        assert_eq!(n.session_key(), "pkce-spa{/pr/42/}.session-key");
        assert_eq!(n.dpop_nonce("https://as.example"), "pkce-spa{/pr/42/}.dpop-nonce.https://as.example");
        assert_eq!(n.refresh_lock("sid"), "pkce-spa{/pr/42/}.refresh.sid");
        assert_eq!(n.channel(), "pkce-spa{/pr/42/}.session");
        assert!(!n.owns("pkce-spa.session"), "the unscoped names of older versions are not ours");
        assert!(!n.owns("pkce-spa{/pr/42/}"), "the database's name is no storage key");
    }

    #[test]
    fn the_loader_reads_the_same_session_key() {
        // scripts/post-build.mjs builds the name in JavaScript before the wasm
        // loads: the same prefix, escape and suffix as `for_base` and `session`.
        let loader = include_str!("../../scripts/post-build.mjs");
        let formula = "'pkce-spa{' + scopePath.replace(/[{}]/g, (c) => (c === '{' ? '%7B' : '%7D')) + '}.session'";
        assert!(loader.contains(formula), "post-build.mjs no longer names the session like core::names");
        assert_eq!(Names::for_base("/").session(), format!("{APP}{{/}}.session"));
    }
}
