//! The few URL rules the protocol needs, without a URL parser in the wasm.

/// Why a URL is not acceptable as an issuer, endpoint or redirect URI, or
/// `None` when it is.
///
/// RFC 9700 §2.6 / RFC 6749 §3.1, §3.1.2.1: endpoints use TLS, so `https`;
/// plain `http` only on a loopback host, where nothing crosses a network.
/// RFC 6749 §3.1, §3.1.2: an endpoint or redirect URI has no fragment.
pub fn problem(url: &str) -> Option<&'static str> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("must not contain spaces or control characters");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Some("must be an absolute URL starting with https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Some("must not contain user information (user@)");
    }
    let host = host_of(authority);
    if host.is_empty() {
        return Some("has no host");
    }
    if url.contains('#') {
        return Some("must not contain a fragment (#)");
    }
    match scheme {
        "https" => None,
        "http" if is_loopback(host) => None,
        "http" => Some("must use https (plain http is accepted only for localhost, 127.0.0.1 and [::1])"),
        _ => Some("must be an https URL"),
    }
}

fn host_of(authority: &str) -> &str {
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || host == "::1" || host.starts_with("127.")
}

/// `base` + `?` or `&` + `query`, keeping a query the base already has.
pub fn with_query(base: &str, query: &str) -> String {
    let base = base.split('#').next().unwrap_or(base);
    let sep = match base.find('?') {
        None => "?",
        Some(i) if i + 1 == base.len() || base.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{base}{sep}{query}")
}

/// The origin (`scheme://host[:port]`) of an absolute URL.
pub fn origin(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let end = url[scheme_end..].find(['/', '?', '#']).map_or(url.len(), |i| scheme_end + i);
    Some(&url[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for ok in [
            "https://auth.pingone.eu/0d5b/as",
            "http://localhost:9400",
            "http://127.0.0.1:9400/x",
            "http://[::1]:8080/callback",
            "https://idp.example/authorize?tenant=a",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn other_urls_are_refused_with_a_reason() {
        for bad in [
            "http://idp.example",
            "ftp://idp.example",
            "idp.example/authorize",
            "https://",
            "https://idp.example/a#frag",
            "https://user@idp.example",
            "https://idp.example/a b",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn with_query_keeps_an_existing_query_and_drops_a_fragment() {
        assert_eq!(with_query("https://a/x", "b=1"), "https://a/x?b=1");
        assert_eq!(with_query("https://a/x?t=2", "b=1"), "https://a/x?t=2&b=1");
        assert_eq!(with_query("https://a/x?", "b=1"), "https://a/x?b=1");
        assert_eq!(with_query("https://a/x#f", "b=1"), "https://a/x?b=1");
    }

    #[test]
    fn origin_is_scheme_host_and_port() {
        assert_eq!(origin("http://127.0.0.1:9400/token?x"), Some("http://127.0.0.1:9400"));
        assert_eq!(origin("https://a.example"), Some("https://a.example"));
        assert_eq!(origin("nope"), None);
    }
}
