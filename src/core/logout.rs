//! Signing out at the provider: OpenID Connect RP-Initiated Logout 1.0.

use super::authorize::State;
use super::callback;
use super::url;

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

    #[test]
    fn reads_the_returned_state() {
        assert_eq!(returned_state("?state=abc").as_deref(), Some("abc"));
        assert_eq!(returned_state("?x=1"), None);
        assert_eq!(returned_state(""), None);
    }
}
