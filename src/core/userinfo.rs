//! The UserInfo endpoint (OpenID Connect Core §5.3).

use serde_json::{Map, Value};

use super::error::AppError;

/// Reads a UserInfo response. Core §5.3.2: its `sub` must equal the ID
/// token's, or the answer may be about someone else and is not used. Only
/// the JSON form is read; a signed or encrypted answer (`application/jwt`)
/// is refused with a clear error.
pub fn parse(status: u16, content_type: Option<&str>, body: &str, id_token_sub: &str) -> Result<Map<String, Value>, AppError> {
    let failed = |problem: String| AppError::UserInfoFailed { problem };
    if status == 401 || status == 403 {
        return Err(failed(format!("HTTP {status}: the access token was not accepted")));
    }
    if !(200..300).contains(&status) {
        return Err(failed(format!("HTTP {status}")));
    }
    if content_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("application/jwt")) {
        return Err(failed("the answer is a JWT, and this app reads only JSON UserInfo: configure the application at the provider for unsigned UserInfo".to_owned()));
    }
    let Ok(Value::Object(claims)) = serde_json::from_str::<Value>(body) else {
        return Err(failed("the answer is not a JSON object".to_owned()));
    };
    match claims.get("sub").and_then(Value::as_str) {
        Some(sub) if sub == id_token_sub => Ok(claims),
        Some(_) => Err(AppError::UserInfoSubMismatch),
        None => Err(failed("the answer has no `sub`".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_of_the_same_subject() {
        let c = parse(200, Some("application/json; charset=utf-8"), r#"{"sub":"alice","email":"a@x"}"#, "alice").unwrap();
        assert_eq!(c["email"], "a@x");
    }

    #[test]
    fn another_subject_is_refused() {
        assert_eq!(parse(200, None, r#"{"sub":"mallory"}"#, "alice").unwrap_err().code(), "userinfo_sub_mismatch");
    }

    #[test]
    fn failures() {
        for (status, ct, body) in [
            (401, None, ""),
            (500, None, "{}"),
            (200, Some("application/jwt"), "a.b.c"),
            (200, None, "[]"),
            (200, None, r#"{"name":"no sub"}"#),
        ] {
            assert_eq!(parse(status, ct, body, "alice").unwrap_err().code(), "userinfo_failed", "{status} {body}");
        }
    }
}
