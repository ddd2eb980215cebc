//! Which page of the app an address shows. The app lives in one folder (its
//! base path: `""` at the root, `"/app"` under `/app/`); inside it there are
//! three pages, anything else is "not found". Matched on the raw
//! `location.pathname`, case-sensitively; one trailing slash is allowed
//! after `callback` and `check`.

/// A page of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: Sign in, or the signed-in session.
    Home,
    /// `/callback`: where the provider sends the person back.
    Callback,
    /// `/check`: the provider check.
    Check,
    /// Any other path, in the app's folder or outside it.
    NotFound,
}

impl Route {
    /// The page `pathname` shows, for an app whose base path is `base_path`
    /// (`""` at the root, `"/app"`, without a trailing slash).
    pub fn of(base_path: &str, pathname: &str) -> Route {
        match pathname.strip_prefix(base_path) {
            Some("/") => Route::Home,
            Some("/callback" | "/callback/") => Route::Callback,
            Some("/check" | "/check/") => Route::Check,
            _ => Route::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Route::{self, *};

    #[test]
    fn each_page_at_the_root() {
        assert_eq!(Route::of("", "/"), Home);
        assert_eq!(Route::of("", "/callback"), Callback);
        assert_eq!(Route::of("", "/callback/"), Callback);
        assert_eq!(Route::of("", "/check"), Check);
        assert_eq!(Route::of("", "/check/"), Check);
    }

    #[test]
    fn each_page_under_a_subpath() {
        assert_eq!(Route::of("/app", "/app/"), Home);
        assert_eq!(Route::of("/app", "/app/callback"), Callback);
        assert_eq!(Route::of("/app", "/app/callback/"), Callback);
        assert_eq!(Route::of("/app", "/app/check"), Check);
        assert_eq!(Route::of("/app", "/app/check/"), Check);
    }

    #[test]
    fn anything_else_is_not_found() {
        for (base, path) in [
            ("", ""),
            ("", "//"),
            ("", "/callbacks"),
            ("", "/callback//"),
            ("", "/callback/x"),
            ("", "/Check"),
            ("", "/index.html"),
            ("", "/app/callback"),
            ("/app", "/app"),
            ("/app", "/"),
            ("/app", "/callback"),
            ("/app", "/check"),
            ("/app", "/application/check"),
            ("/app", "/appcallback"),
            ("/app", "/other/app/check"),
        ] {
            assert_eq!(Route::of(base, path), NotFound, "{base:?} {path:?}");
        }
    }
}
