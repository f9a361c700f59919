//! The Radist.Online client's error type.

use serde_json::Value;
use th_core::Secret;
use th_core::secret::scrub;

pub use crate::generated::ApiErrorCode;

/// Everything a Radist.Online call can fail with: the shared kinds of [`th_core::Error`] (bad
/// input, transport, HTTP status, decoding, configuration, pagination) and
/// [`Error::Service`](th_core::Error::Service) with an [`ApiError`].
///
/// No variant carries the API key or a secret of the request (bot token, password, login code):
/// bodies kept for diagnosis are scrubbed.
pub type Error = th_core::Error<ApiError>;

/// Radist.Online's own error kinds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The service answered with an error status and a JSON body.
    #[error("Radist.Online API error {code} (HTTP {status}): {message}")]
    Api {
        /// The error code: from the body when it has one, else from the status.
        code: ApiErrorCode,
        /// The service's message (`detail`), secrets scrubbed.
        message: String,
        /// The HTTP status.
        status: u16,
        /// The body as received, secrets scrubbed.
        body: String,
    },
}

impl th_core::ServiceError for ApiError {
    type Code = ApiErrorCode;

    fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            ApiError::Api { code, .. } => Some(code),
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. } => Some(*status),
        }
    }

    fn is_retryable(&self) -> bool {
        match self {
            ApiError::Api { code, .. } => code.is_retryable(),
        }
    }

    /// Code `unauthorized`, or HTTP 401.
    fn is_unauthorized(&self) -> bool {
        match self {
            ApiError::Api { code, status, .. } => {
                *code == ApiErrorCode::Unauthorized || *status == 401
            }
        }
    }

    /// Code `not_found`, or HTTP 404.
    fn is_not_found(&self) -> bool {
        match self {
            ApiError::Api { code, status, .. } => *code == ApiErrorCode::NotFound || *status == 404,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        th_core::Error::Service(e)
    }
}

impl ApiError {
    /// An API error from a non-success response with a JSON body.
    ///
    /// The code comes from `code`, `detail.code`, `error` / `error.code` or a 422's
    /// `detail[0].type`, else from the status; the message from `detail` (a string, or
    /// `detail.message`, or a 422's `detail[0].msg`), `message` or `error.message`.
    pub(crate) fn from_api_body(status: u16, body: &Value, raw: &str, secrets: &[&Secret]) -> Self {
        let detail = body.get("detail");
        let str_at = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let code = str_at(body.get("code"))
            .or_else(|| str_at(detail.and_then(|d| d.get("code"))))
            .or_else(|| str_at(body.get("error")))
            .or_else(|| str_at(body.get("error").and_then(|e| e.get("code"))))
            .unwrap_or_else(|| status_code_name(status).to_owned());
        let first = detail.and_then(|d| d.get(0));
        let message = str_at(detail)
            .or_else(|| str_at(detail.and_then(|d| d.get("message"))))
            .or_else(|| str_at(first.and_then(|d| d.get("msg"))))
            .or_else(|| str_at(body.get("message")))
            .or_else(|| str_at(body.get("error").and_then(|e| e.get("message"))))
            .unwrap_or_default();
        // A known code carries no text of the server's; only an unknown one (kept as text) is
        // scrubbed — scrubbing first would turn `wrong_password` into `[redacted]_password` for
        // a user whose password is "wrong" or "password", losing the recoverable error.
        let code = match ApiErrorCode::from_code(&code) {
            ApiErrorCode::Other(_) => ApiErrorCode::from_code(&scrub(&code, secrets)),
            known => known,
        };
        ApiError::Api {
            code,
            message: scrub(&message, secrets),
            status,
            body: th_core::error::scrubbed_snippet(raw.as_bytes(), secrets),
        }
    }
}

/// The code name for a status without a code in the body.
fn status_code_name(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        422 => "validation_error",
        429 => "rate_limited",
        500..=599 => "internal_error",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_from_bodies_and_statuses() {
        let key = Secret::new("secret-key-123");
        let e = Error::Service(ApiError::from_api_body(
            400,
            &json!({"detail": {"code": "wrong_password", "message": "no secret-key-123"}}),
            "{\"echo\":\"secret-key-123\"}",
            &[&key],
        ));
        match &e {
            Error::Service(ApiError::Api {
                code,
                message,
                body,
                ..
            }) => {
                assert_eq!(code, &ApiErrorCode::WrongPassword);
                assert_eq!(message, "no [redacted]");
                assert!(!body.contains("secret-key-123"));
            }
            other => panic!("{other:?}"),
        }
        // A code that echoes the key is scrubbed too.
        let e = Error::Service(ApiError::from_api_body(
            401,
            &json!({"code": "bad_key:secret-key-123"}),
            "",
            &[&key],
        ));
        assert_eq!(
            e.api_code(),
            Some(&ApiErrorCode::from_code("bad_key:[redacted]"))
        );
        // ... but a known code survives a secret that happens to be part of it.
        let password = Secret::new("password");
        let e = Error::Service(ApiError::from_api_body(
            400,
            &json!({"detail": {"code": "wrong_password", "message": "bad password"}}),
            "",
            &[&password],
        ));
        assert_eq!(e.api_code(), Some(&ApiErrorCode::WrongPassword));
        let e = Error::Service(ApiError::from_api_body(
            404,
            &json!({"detail": "Not Found"}),
            "",
            &[],
        ));
        assert_eq!(e.api_code(), Some(&ApiErrorCode::NotFound));
        let e = Error::Service(ApiError::from_api_body(
            422,
            &json!({"detail": [{"type": "missing", "msg": "Field required"}]}),
            "",
            &[],
        ));
        assert_eq!(e.api_code(), Some(&ApiErrorCode::ValidationError));
        assert!(e.to_string().contains("Field required"));
        let e = Error::Service(ApiError::from_api_body(503, &json!({}), "", &[]));
        assert!(e.is_retryable());
    }
}
