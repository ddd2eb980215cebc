//! Reading an API's answer as JSON, for apps that call their API through
//! the library: a status outside 2xx and a body that is not the expected
//! JSON are errors with a code, like every other failure.

use serde::de::DeserializeOwned;

use super::error::AppError;

/// `body` as `T` when `status` is 2xx. Otherwise `api_refused` with the
/// status and, when the body is an RFC 6750 §3 / RFC 6749 §5.2 style error
/// object, its `error` code (so a 401 `invalid_token` says so).
pub fn read_json<T: DeserializeOwned>(url: &str, status: u16, body: &str) -> Result<T, AppError> {
    if !(200..300).contains(&status) {
        let error = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(|e| e.chars().take(64).collect()));
        return Err(AppError::ApiRefused { url: url.to_owned(), status, error });
    }
    serde_json::from_str(body).map_err(|e| AppError::ApiAnswerInvalid { url: url.to_owned(), problem: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Note {
        id: String,
    }

    #[test]
    fn a_2xx_body_is_read_as_the_type_asked_for() {
        assert_eq!(read_json::<Note>("https://api.example/n", 200, r#"{"id":"1","x":2}"#).unwrap(), Note { id: "1".into() });
    }

    #[test]
    fn another_status_is_refused_with_the_apis_error_code() {
        let e = read_json::<Note>("https://api.example/n", 401, r#"{"error":"invalid_token"}"#).unwrap_err();
        assert_eq!(e, AppError::ApiRefused { url: "https://api.example/n".into(), status: 401, error: Some("invalid_token".into()) });
        assert_eq!(e.code(), "api_refused");
        assert!(e.message().contains("invalid_token"), "{}", e.message());
        let e = read_json::<Note>("https://api.example/n", 404, "not json").unwrap_err();
        assert_eq!(e, AppError::ApiRefused { url: "https://api.example/n".into(), status: 404, error: None });
    }

    #[test]
    fn a_body_of_another_shape_is_invalid() {
        let e = read_json::<Note>("https://api.example/n", 200, r#"{"name":"x"}"#).unwrap_err();
        assert_eq!(e.code(), "api_answer_invalid");
    }
}
