//! Where the person goes after signing in: the page they asked for, kept
//! with the pending sign-in and restored after `/callback`.
//!
//! Only a path of this app is accepted, never a URL: a return address that
//! could point elsewhere turns the sign-in into an open redirector (RFC 9700
//! §4.11, RFC 6749 §10.15). The rule is checked when the sign-in starts and
//! again before the page is shown after the callback.

use super::error::AppError;

/// The longest return path kept (a longer one is refused, not cut).
pub const MAX_LEN: usize = 2048;

/// The return path `candidate` when it is a same-origin path under the
/// app's base path `base_path` (`""` at the root, `"/app"` under `/app/`):
/// it starts with `<base_path>/`, has no `//` or `/\` that a browser would
/// read as another host, no backslash, no scheme, no `.` or `..` segment
/// (which could climb out of the base), and no control or space character.
/// A query and a fragment are kept as given.
pub fn accept(base_path: &str, candidate: &str) -> Result<String, AppError> {
    let refused = |why: &str| Err(AppError::ReturnPathRefused { path: candidate.chars().take(200).collect(), problem: why.to_owned() });
    if candidate.len() > MAX_LEN {
        return refused("it is too long");
    }
    if candidate.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return refused("it holds a backslash, a space or a control character");
    }
    let Some(rest) = candidate.strip_prefix(base_path).and_then(|r| r.strip_prefix('/')) else {
        return refused("it is not a path under this app's base");
    };
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    if path.starts_with('/') {
        return refused("a path starting with // names another host");
    }
    let dot_segment = |s: &str| matches!(s.to_ascii_lowercase().replace("%2e", ".").as_str(), "." | "..");
    if path.split('/').any(dot_segment) {
        return refused("it has a . or .. segment");
    }
    Ok(candidate.to_owned())
}

/// The page to show once signed in: the kept return path when it still
/// passes [`accept`] (storage is only as trustworthy as the page), otherwise
/// the app's root.
pub fn after_callback(base_path: &str, kept: Option<&str>) -> String {
    kept.and_then(|path| accept(base_path, path).ok()).unwrap_or_else(|| format!("{base_path}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(base: &str, path: &str) -> bool {
        accept(base, path).is_ok()
    }

    #[test]
    fn paths_of_the_app_are_kept_as_given() {
        for path in ["/", "/notes", "/notes/3?tab=x", "/notes/3?tab=x#top", "/a/b/", "/%C3%A9t%C3%A9", "/notes?next=//evil.example"] {
            assert_eq!(accept("", path).unwrap(), path);
        }
        assert_eq!(accept("/app", "/app/notes/3?tab=x").unwrap(), "/app/notes/3?tab=x");
        assert!(accepted("/app", "/app/"));
    }

    #[test]
    fn another_host_or_scheme_is_refused() {
        for path in [
            "//evil.example",
            "//evil.example/x",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "http://127.0.0.1/",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "evil.example",
            "",
        ] {
            let e = accept("", path).unwrap_err();
            assert_eq!(e.code(), "return_path_refused", "{path:?}");
        }
    }

    #[test]
    fn control_characters_and_spaces_are_refused() {
        for path in ["/\t/evil.example", "/\n/evil.example", "/a b", "/x\u{0}", "/\u{2028}"] {
            assert!(!accepted("", path), "{path:?}");
        }
    }

    #[test]
    fn a_path_outside_the_base_is_refused() {
        for path in ["/", "/other", "/application", "/app", "/app/../evil", "/app/./x", "/app/%2e%2e/x", "/app/.%2E/x", "//app/x"] {
            assert!(!accepted("/app", path), "{path:?}");
        }
        assert!(!accepted("", "/notes/../../x"));
    }

    #[test]
    fn dots_inside_a_segment_are_fine() {
        assert!(accepted("", "/files/a..b/.well-known/x.txt"));
    }

    #[test]
    fn too_long_is_refused_not_cut() {
        let long = format!("/{}", "a".repeat(MAX_LEN));
        assert!(!accepted("", &long));
        assert!(accepted("", &long[..MAX_LEN]));
    }

    #[test]
    fn the_error_shows_the_path_as_given_within_bounds() {
        let e = accept("", &format!("https://evil.example/{}", "x".repeat(500))).unwrap_err();
        match e {
            AppError::ReturnPathRefused { path, .. } => assert_eq!(path.chars().count(), 200),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn after_the_callback_a_refused_or_missing_path_means_the_root() {
        assert_eq!(after_callback("/app", Some("/app/notes/1#x")), "/app/notes/1#x");
        assert_eq!(after_callback("/app", Some("//evil.example")), "/app/");
        assert_eq!(after_callback("", None), "/");
    }
}
