//! The URL rules the protocol needs. URLs are read with a WHATWG URL
//! parser, the reading the browser's `fetch` and navigation make: in the
//! browser, the browser's own `URL` (`browser::url`); in native tests, the
//! `url` crate (a dev-dependency, so its IDNA tables stay out of the wasm).
//! The core decides on the parsed parts only, never on the raw string's look.

/// The parts of a URL as a WHATWG URL parser reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedUrl {
    /// The scheme, lower case, without `:`.
    pub scheme: String,
    /// `username` or `password` is not empty.
    pub has_credentials: bool,
    /// The host as the parser serializes it: a domain in lower-case ASCII,
    /// an IPv4 address in dotted decimal, an IPv6 address in brackets.
    pub host: String,
    /// A fragment is present (even an empty one).
    pub has_fragment: bool,
    /// The origin as the parser serializes it (`https://host[:port]`, the
    /// default port left out).
    pub origin: String,
    /// The path as the parser serializes it (`location.pathname`'s form).
    pub path: String,
}

/// A WHATWG URL parser: `None` when the input is not an absolute URL.
pub trait UrlParser {
    /// The parts of `input`, or `None` when it is not an absolute URL.
    fn parse(&self, input: &str) -> Option<ParsedUrl>;
}

/// Why a URL is not acceptable as an issuer, endpoint or redirect URI, or
/// `None` when it is.
///
/// RFC 9700 §2.6 / RFC 6749 §3.1, §3.1.2.1: endpoints use TLS, so `https`;
/// plain `http` only on a loopback host, where nothing crosses a network.
/// RFC 6749 §3.1, §3.1.2: an endpoint or redirect URI has no fragment.
pub fn problem(url: &str, parser: &dyn UrlParser) -> Option<&'static str> {
    // The WHATWG parser drops tabs and newlines and trims spaces: refused
    // before parsing, so what is checked is what was written.
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("must not contain spaces or control characters");
    }
    let Some(parsed) = parser.parse(url) else {
        return Some("must be an absolute URL starting with https://");
    };
    if parsed.has_credentials {
        return Some("must not contain user information (user@)");
    }
    if parsed.host.is_empty() {
        return Some("has no host");
    }
    if parsed.has_fragment || url.contains('#') {
        return Some("must not contain a fragment (#)");
    }
    match parsed.scheme.as_str() {
        "https" => None,
        "http" if is_loopback(&parsed.host) => None,
        "http" => Some("must use https (plain http is accepted only for a loopback host: localhost, a name under .localhost, 127.0.0.0/8 and [::1])"),
        _ => Some("must be an https URL"),
    }
}

/// A loopback host, decided on the parsed host: an IPv4 address in
/// 127.0.0.0/8, `[::1]`, `localhost`, or a name under `.localhost`
/// (RFC 6761 §6.3; browsers resolve these to the loopback interface).
pub fn is_loopback(host: &str) -> bool {
    host == "[::1]" || host == "localhost" || (host.ends_with(".localhost") && host.len() > ".localhost".len()) || ipv4(host).is_some_and(|o| o[0] == 127)
}

/// A dotted-decimal IPv4 address, as the WHATWG parser serializes one.
fn ipv4(host: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = host.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
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

/// The `url` crate as the WHATWG parser of native tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{ParsedUrl, UrlParser};

    pub struct Whatwg;

    impl UrlParser for Whatwg {
        fn parse(&self, input: &str) -> Option<ParsedUrl> {
            let u = url::Url::parse(input).ok()?;
            Some(ParsedUrl {
                scheme: u.scheme().to_owned(),
                has_credentials: !u.username().is_empty() || u.password().is_some(),
                host: u.host_str().unwrap_or_default().to_owned(),
                has_fragment: u.fragment().is_some(),
                origin: u.origin().ascii_serialization(),
                path: u.path().to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Whatwg;
    use super::*;

    fn check(url: &str) -> Option<&'static str> {
        problem(url, &Whatwg)
    }

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for ok in [
            "https://auth.pingone.eu/0d5b/as",
            "http://localhost:9400",
            "http://LOCALHOST:9400/x",
            "http://app.localhost:9400/x",
            "http://127.0.0.1:9400/x",
            "http://127.255.0.9/x",
            "http://127.1/x",
            "http://0x7f.0.0.1/x",
            "http://[::1]:8080/callback",
            "http://[0:0:0:0:0:0:0:1]/callback",
            "https://idp.example/authorize?tenant=a",
        ] {
            assert_eq!(check(ok), None, "{ok}");
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
            "https://idp.example/a#",
            "https://user@idp.example",
            "https://:pw@idp.example",
            "https://idp.example/a b",
            "https://idp.example/a\tb",
        ] {
            assert!(check(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn loopback_look_alikes_are_refused() {
        // A domain that starts like a loopback address.
        assert_eq!(Whatwg.parse("http://127.0.0.1.nip.io/token").unwrap().host, "127.0.0.1.nip.io");
        assert!(check("http://127.0.0.1.nip.io/token").is_some());
        // The WHATWG parser reads a backslash as a path separator: this goes
        // to evil.example, whatever the `.localhost` after it.
        assert_eq!(Whatwg.parse("http://evil.example\\.localhost/token").unwrap().host, "evil.example");
        assert!(check("http://evil.example\\.localhost/token").is_some());
        for bad in [
            "http://localhost.evil.example/",
            "http://127.0.0.1@evil.example/",
            "http://evil.example/127.0.0.1",
            "http://128.0.0.1/",
            "http://[::2]/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost./",
        ] {
            assert!(check(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn loopback_is_decided_on_the_parsed_host() {
        assert!(is_loopback("127.0.0.1") && is_loopback("127.9.8.7") && is_loopback("[::1]"));
        assert!(is_loopback("localhost") && is_loopback("a.b.localhost"));
        assert!(!is_loopback(".localhost") && !is_loopback("xlocalhost") && !is_loopback("127.0.0.1.nip.io"));
        assert!(!is_loopback("127.0.0") && !is_loopback("127.0.0.256") && !is_loopback("127.00.0.1"));
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
