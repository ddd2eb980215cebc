//! Which page of the app an address shows. The app lives in one folder (its
//! base path: `""` at the root, `"/app"` under `/app/`); inside it there are
//! three pages, anything else is "not found". Matched on the raw
//! `location.pathname`, case-sensitively; one trailing slash is allowed
//! after `callback` and `check`.
//!
//! The provider sends the person back to two more addresses, wherever
//! config.json puts them on the app's origin ([`ReturnPaths`]): the
//! callback (`redirect_uri`, by default `<base>/callback`) and the return
//! from its sign-out (`post_logout_redirect_uri`, by default the root).
//! Those are matched exactly, as the provider sends them.

use super::error::AppError;
use super::url::ParsedUrl;

/// A page of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: Sign in, or the signed-in session.
    Home,
    /// `/callback` or the path of `redirect_uri`: where the provider sends
    /// the person back.
    Callback,
    /// `/check`: the provider check.
    Check,
    /// The path of `post_logout_redirect_uri`, when it is not the root:
    /// back from the provider's sign-out.
    SignedOut,
    /// Any other path, in the app's folder or outside it.
    NotFound,
}

/// The paths on the app's origin where the provider sends the person back:
/// of `redirect_uri` and of `post_logout_redirect_uri`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnPaths {
    /// The path of `redirect_uri` (RFC 6749 §3.1.2).
    pub callback: String,
    /// The path of `post_logout_redirect_uri` (RP-Initiated Logout §3).
    pub signed_out: String,
}

impl ReturnPaths {
    /// The defaults for an app at `base_path`: `<base>/callback` and `<base>/`.
    pub fn defaults(base_path: &str) -> Self {
        Self { callback: format!("{base_path}/callback"), signed_out: format!("{base_path}/") }
    }

    /// Whether the app at `base_path` can show both pages. Neither may be
    /// one of the app's own pages (the callback at the root or `check`
    /// would take every visit there for an answer, the sign-out return at
    /// `check` or a callback would never be seen), nor may the two be one.
    /// `relative_build`: the build finds its files relative to the page
    /// (trunk's `public_url = "./"`, no absolute `--public-url`), so only a
    /// page directly in the app's folder can start it: any other path gets
    /// `index.html` from the host's fallback, but not the app.
    pub fn check(&self, base_path: &str, relative_build: bool) -> Result<(), AppError> {
        let default_callback = format!("{base_path}/callback");
        let taken = |field: &str, path: &str| {
            invalid(field, &format!("is this app's own page {path}: give it a page of its own, such as {default_callback}"))
        };
        if matches!(fixed(base_path, &self.callback), Route::Home | Route::Check) {
            return Err(taken("redirect_uri", &self.callback));
        }
        if self.signed_out == self.callback || matches!(fixed(base_path, &self.signed_out), Route::Callback | Route::Check) {
            return Err(taken("post_logout_redirect_uri", &self.signed_out));
        }
        if relative_build {
            for (field, path) in [("redirect_uri", &self.callback), ("post_logout_redirect_uri", &self.signed_out)] {
                if !in_folder(base_path, path) {
                    return Err(invalid(field, &format!(
                        "is at {path}, not directly in this app's folder {base_path}/: this build finds its files \
                         relative to the page, so it starts only there. Use an address in the folder (such as \
                         {default_callback}), or build with trunk's --public-url set to the app's path (docs/hosting/)"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A page directly in the folder `base_path`: `<base>/name`, no deeper.
fn in_folder(base_path: &str, path: &str) -> bool {
    path.strip_prefix(base_path).and_then(|rest| rest.strip_prefix('/')).is_some_and(|name| !name.contains('/'))
}

fn invalid(field: &str, problem: &str) -> AppError {
    AppError::ConfigInvalid { field: field.to_owned(), problem: problem.to_owned() }
}

/// The app's own pages, by their fixed paths.
fn fixed(base_path: &str, pathname: &str) -> Route {
    match pathname.strip_prefix(base_path) {
        Some("/") => Route::Home,
        Some("/callback" | "/callback/") => Route::Callback,
        Some("/check" | "/check/") => Route::Check,
        _ => Route::NotFound,
    }
}

impl Route {
    /// The page `pathname` shows, for an app whose base path is `base_path`
    /// (`""` at the root, `"/app"`, without a trailing slash), with the
    /// default return paths: what the app knows before config.json is read.
    pub fn of(base_path: &str, pathname: &str) -> Route {
        fixed(base_path, pathname)
    }

    /// The page `pathname` shows once config.json has placed the return
    /// paths (`returns`, passed by [`ReturnPaths::check`]): `redirect_uri`'s
    /// path is the callback (`<base>/callback` then is not, unless it is the
    /// configured one), `post_logout_redirect_uri`'s the sign-out return
    /// (at the root, that is the home page, which handles it).
    pub fn at(base_path: &str, pathname: &str, returns: &ReturnPaths) -> Route {
        let page = fixed(base_path, pathname);
        if pathname == returns.callback {
            Route::Callback
        } else if pathname == returns.signed_out && page == Route::NotFound {
            Route::SignedOut
        } else if page == Route::Callback && fixed(base_path, &returns.callback) != Route::Callback {
            Route::NotFound
        } else {
            page
        }
    }
}

/// Whether the page `here` (its origin and path) is the callback before
/// config.json is read: it is `<base>/callback`, or the redirect URI of a
/// sign-in this tab has pending (`pending`, each as the URL parser reads
/// it), where the provider was asked to send its answer. That answer is
/// then taken out of the address bar and its pending sign-in consumed before
/// anything else (RFC 9700 §4.2.4), wherever `redirect_uri` points.
pub fn callback_at_start(base_path: &str, here: &ParsedUrl, pending: &[ParsedUrl]) -> bool {
    Route::of(base_path, &here.path) == Route::Callback || pending.iter().any(|p| p.origin == here.origin && p.path == here.path)
}

#[cfg(test)]
mod tests {
    use super::Route::{self, *};
    use super::*;

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

    fn returns(callback: &str, signed_out: &str) -> ReturnPaths {
        ReturnPaths { callback: callback.into(), signed_out: signed_out.into() }
    }

    #[test]
    fn the_defaults_route_as_the_fixed_pages() {
        for base in ["", "/app"] {
            let defaults = ReturnPaths::defaults(base);
            assert_eq!(defaults.check(base, true), Ok(()));
            for rest in ["/", "/callback", "/callback/", "/check", "/check/", "/x", "/callback/x", "/signed-out"] {
                let path = format!("{base}{rest}");
                assert_eq!(Route::at(base, &path, &defaults), Route::of(base, &path), "{path}");
            }
        }
    }

    #[test]
    fn the_callback_is_where_redirect_uri_points() {
        let r = returns("/app/signin-return", "/app/");
        assert_eq!(Route::at("/app", "/app/signin-return", &r), Callback);
        assert_eq!(Route::at("/app", "/app/signin-return/", &r), NotFound, "matched exactly");
        assert_eq!(Route::at("/app", "/app/callback", &r), NotFound, "not the callback any more");
        assert_eq!(Route::at("/app", "/app/", &r), Home);
        assert_eq!(Route::at("/app", "/app/check", &r), Check);
        let outside = returns("/oauth/callback", "/");
        assert_eq!(Route::at("", "/oauth/callback", &outside), Callback);
        assert_eq!(Route::at("", "/callback", &outside), NotFound);
    }

    #[test]
    fn the_sign_out_return_is_where_post_logout_redirect_uri_points() {
        let r = returns("/callback", "/signed-out");
        assert_eq!(Route::at("", "/signed-out", &r), SignedOut);
        assert_eq!(Route::at("", "/signed-out/", &r), NotFound);
        assert_eq!(Route::at("", "/", &r), Home);
        assert_eq!(Route::at("", "/callback", &r), Callback);
        assert_eq!(Route::at("", "/", &returns("/callback", "/")), Home, "at the root: the home page handles it");
    }

    #[test]
    fn the_app_s_own_pages_cannot_be_return_paths() {
        let field = |r: ReturnPaths| match r.check("/app", false) {
            Err(AppError::ConfigInvalid { field, problem }) => {
                assert!(problem.contains("/app/callback"), "{problem}");
                field
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(field(returns("/app/", "/app/")), "redirect_uri");
        assert_eq!(field(returns("/app/check", "/app/")), "redirect_uri");
        assert_eq!(field(returns("/app/check/", "/app/")), "redirect_uri");
        assert_eq!(field(returns("/app/cb", "/app/cb")), "post_logout_redirect_uri");
        assert_eq!(field(returns("/app/cb", "/app/check")), "post_logout_redirect_uri");
        assert_eq!(field(returns("/app/cb", "/app/callback")), "post_logout_redirect_uri");
        assert_eq!(returns("/app/callback/", "/app/bye").check("/app", false), Ok(()));
    }

    #[test]
    fn a_relative_build_serves_only_pages_directly_in_its_folder() {
        let problem = |r: ReturnPaths, base: &str| match r.check(base, true) {
            Err(AppError::ConfigInvalid { field, problem }) => {
                assert!(problem.contains("--public-url") && problem.contains("docs/hosting/"), "{problem}");
                field
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(problem(returns("/oauth/callback", "/"), ""), "redirect_uri");
        assert_eq!(problem(returns("/app/login/return", "/app/"), "/app"), "redirect_uri");
        assert_eq!(problem(returns("/signin-return", "/app/"), "/app"), "redirect_uri", "outside the folder");
        assert_eq!(problem(returns("/app/cb", "/app/bye/now"), "/app"), "post_logout_redirect_uri");
        assert_eq!(problem(returns("/app/cb", "/"), "/app"), "post_logout_redirect_uri");
        for ok in [returns("/signin-return", "/signed-out"), returns("/signin-oidc", "/")] {
            assert_eq!(ok.check("", true), Ok(()));
        }
        assert_eq!(returns("/app/signin-return", "/app/signed-out").check("/app", true), Ok(()));
        // An absolute build (--public-url) starts anywhere the host serves it.
        assert_eq!(returns("/oauth/callback", "/login/signed-out").check("/app", false), Ok(()));
    }

    fn at(origin: &str, path: &str) -> ParsedUrl {
        ParsedUrl { scheme: "https".into(), has_credentials: false, host: String::new(), has_fragment: false, origin: origin.into(), path: path.into() }
    }

    #[test]
    fn before_config_the_callback_is_callback_or_a_pending_sign_in_s_redirect_uri() {
        let o = "https://app.example";
        assert!(callback_at_start("", &at(o, "/callback"), &[]));
        assert!(callback_at_start("/app", &at(o, "/app/callback/"), &[]));
        assert!(!callback_at_start("", &at(o, "/signin-return"), &[]));
        let pending = [at(o, "/signin-return"), at(o, "/other")];
        assert!(callback_at_start("", &at(o, "/signin-return"), &pending));
        assert!(!callback_at_start("", &at(o, "/signin-return/"), &pending), "the path exactly");
        assert!(!callback_at_start("", &at("https://other.example", "/signin-return"), &pending), "same origin only");
        assert!(!callback_at_start("", &at(o, "/"), &pending));
    }
}
