//! Signing out at the provider: OpenID Connect RP-Initiated Logout 1.0.

use super::authorize::State;
use super::callback;
use super::token::{self, TokenRequest, TokenResponse};
use super::url;

/// The revocation requests of a sign-out (RFC 7009 §2.1), refresh token
/// first (revoking it may end the whole grant, §2.1), then the access token.
/// Each is sent whatever became of the one before: a failed revocation of
/// the refresh token must not leave the access token unrevoked.
pub fn revocations(endpoint: Option<&str>, tokens: &TokenResponse, client_id: &str) -> Vec<TokenRequest> {
    let Some(endpoint) = endpoint else { return vec![] };
    let refresh = tokens.refresh_token.as_ref().map(|t| (t.secret(), "refresh_token"));
    let access = Some((tokens.access_token.secret(), "access_token"));
    [refresh, access].into_iter().flatten().map(|(value, hint)| token::revocation_request(endpoint, value, hint, client_id)).collect()
}

/// Reads a revocation answer: RFC 7009 §2.2 says 200, also for a token the
/// provider no longer knows; anything else is the problem to report.
pub fn revocation_problem(url: &str, status: u16, body: &str) -> Option<String> {
    if status == 200 {
        return None;
    }
    let code = token::parse_response(status, body, crate::core::dpop::Sent::NoProof).err().and_then(|e| e.provider_detail().map(|p| p.code().to_owned()));
    Some(match code {
        Some(code) => format!("{url} answered HTTP {status} ({code})"),
        None => format!("{url} answered HTTP {status}"),
    })
}

/// What a sign-out ends with. Revocation problems are reported, and never
/// stop the local sign-out or the end-session redirect: the provider's own
/// session must end even when revocation failed (on a shared computer the
/// next "Sign in" would otherwise sign the person straight back in).
#[derive(Debug, PartialEq, Eq)]
pub enum SignOutEnd {
    /// Go to the provider's end-session endpoint.
    AtProvider {
        /// The end-session request ([`end_session_url`]).
        url: String,
        /// One line per revocation that failed ([`revocation_problem`]).
        revocation_problems: Vec<String>,
    },
    /// No end-session endpoint: signed out here (and revoked, if it could).
    HereOnly {
        /// One line per revocation that failed ([`revocation_problem`]).
        revocation_problems: Vec<String>,
    },
}

/// Where the sign-out goes once the revocations are answered: the provider,
/// when an end-session URL is known.
pub fn sign_out_end(end_session_url: Option<String>, revocation_problems: Vec<String>) -> SignOutEnd {
    match end_session_url {
        Some(url) => SignOutEnd::AtProvider { url, revocation_problems },
        None => SignOutEnd::HereOnly { revocation_problems },
    }
}

/// The end-session request (RP-Initiated Logout §2): the ID token as a hint
/// of who signs out, our client_id, where to come back, and a `state` to
/// recognise the return.
pub fn end_session_url(
    endpoint: &str,
    id_token_hint: Option<&str>,
    client_id: &str,
    post_logout_redirect_uri: Option<&str>,
    state: &State,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(hint) = id_token_hint {
        query.append_pair("id_token_hint", hint);
    }
    query.append_pair("client_id", client_id);
    if let Some(uri) = post_logout_redirect_uri {
        query.append_pair("post_logout_redirect_uri", uri);
        // §3: state is returned only with a post_logout_redirect_uri.
        query.append_pair("state", state.as_str());
    }
    url::with_query(endpoint, &query.finish())
}

/// The `state` a return from the provider's logout carries, if any.
pub fn returned_state(query: &str) -> Option<String> {
    if callback::is_empty(query) {
        return None;
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "state").map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_end_session_request() {
        let state = State::from_random([3; 32]);
        let u = end_session_url("https://i.example/logout?x=1", Some("a.b.c"), "c 1", Some("https://app.example/"), &state);
        assert!(u.starts_with("https://i.example/logout?x=1&id_token_hint=a.b.c&client_id=c+1&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2F&state="));
        assert!(u.ends_with(state.as_str()));
        let bare = end_session_url("https://i.example/logout", None, "c", None, &state);
        assert_eq!(bare, "https://i.example/logout?client_id=c");
    }

    fn tokens(extra: &str) -> TokenResponse {
        token::parse_response(200, &format!(r#"{{"access_token":"AT","token_type":"Bearer"{extra}}}"#), crate::core::dpop::Sent::NoProof).unwrap()
    }

    #[test]
    fn revokes_the_refresh_token_then_the_access_token() {
        let both = revocations(Some("https://i/revoke"), &tokens(r#","refresh_token":"RT""#), "c");
        let bodies: Vec<_> = both.iter().map(|r| r.body.as_str()).collect();
        assert_eq!(bodies, ["token=RT&token_type_hint=refresh_token&client_id=c", "token=AT&token_type_hint=access_token&client_id=c"]);
        assert_eq!(revocations(Some("https://i/revoke"), &tokens(""), "c").len(), 1);
        assert!(revocations(None, &tokens(r#","refresh_token":"RT""#), "c").is_empty());
    }

    #[test]
    fn a_revocation_is_good_only_with_200() {
        assert_eq!(revocation_problem("https://i/r", 200, ""), None);
        assert_eq!(
            revocation_problem("https://i/r", 400, r#"{"error":"unsupported_token_type"}"#).as_deref(),
            Some("https://i/r answered HTTP 400 (unsupported_token_type)")
        );
        assert_eq!(revocation_problem("https://i/r", 503, "down").as_deref(), Some("https://i/r answered HTTP 503"));
    }

    #[test]
    fn a_failed_revocation_never_stops_the_provider_sign_out() {
        let problems = vec!["https://i/r answered HTTP 400".to_owned()];
        assert_eq!(
            sign_out_end(Some("https://i/logout".into()), problems.clone()),
            SignOutEnd::AtProvider { url: "https://i/logout".into(), revocation_problems: problems.clone() }
        );
        assert_eq!(sign_out_end(None, problems.clone()), SignOutEnd::HereOnly { revocation_problems: problems });
    }

    #[test]
    fn reads_the_returned_state() {
        assert_eq!(returned_state("?state=abc").as_deref(), Some("abc"));
        assert_eq!(returned_state("?x=1"), None);
        assert_eq!(returned_state(""), None);
    }
}
