//! The ADFOX client's error type and the API's error codes.

use th_core::{DecodeError, InvalidInput, PaginationError, StatusError, TransportError};

pub use crate::generated::ApiErrorCode;

/// Everything an ADFOX call can fail with.
///
/// No variant carries a credential: bodies kept for diagnosis have the token, login password
/// hash and API key scrubbed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was refused before sending (bad value, a character CP-1251 cannot hold, a
    /// `limit` over 1000, ...).
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// No response: connection, timeout, body size, redirect, a client-side limit.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The management API answered `<status><code>` below 0.
    #[error("ADFOX API error {}{}{}", code.code(), error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default(), parameter.as_deref().map(|p| format!(", parameter `{p}`")).unwrap_or_default())]
    Api {
        /// The code (`-1` authorization failed ... `-10`; others kept as `Other`).
        code: ApiErrorCode,
        /// `<error>`: the English text.
        error: Option<String>,
        /// `<parameter>`: the offending param.
        parameter: Option<String>,
        /// `<value>`: the offending value.
        value: Option<String>,
        /// The HTTP status of the answer.
        status: u16,
        /// The body as received (credentials scrubbed).
        body: String,
    },
    /// A statistics API error body `{"error":{"code":..,"message":..}}`.
    #[error("ADFOX statistics error {code} (HTTP {status}): {message}")]
    Stats {
        /// The code as sent (an integer for the report API, `SNAKE_CASE` for REST v2).
        code: String,
        /// The message.
        message: String,
        /// The HTTP status.
        status: u16,
    },
    /// A report did not finish in time (its task may still finish: poll it again with its id).
    #[error("report task {task_id} not ready after {polls} polls")]
    ReportTimeout {
        /// The task id.
        task_id: String,
        /// How many times it was polled.
        polls: u32,
    },
    /// A non-success HTTP status without an API error body (401 for a bad OAuth token, 429, 5xx).
    #[error(transparent)]
    Status(#[from] StatusError),
    /// A body that is not the XML / JSON expected.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The client configuration is invalid.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// A listing stopped early.
    #[error(transparent)]
    Pagination(#[from] PaginationError),
}

impl Error {
    /// The API error code, when the management API sent one.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// `true` for a rejected credential: code -1 (legacy) or HTTP 401 (OAuth).
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            Error::Api {
                code: ApiErrorCode::AuthorizationFailed,
                ..
            } | Error::Status(StatusError::Http { status: 401, .. })
        )
    }

    /// `true` for errors worth trying again later (rate limits, server errors, timeouts).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(e) => !matches!(
                e,
                TransportError::BodyTooLarge { .. }
                    | TransportError::Redirect { .. }
                    | TransportError::InvalidRequest(_)
            ),
            Error::Status(StatusError::RateLimited { .. }) => true,
            Error::Status(StatusError::Http { status, .. }) => *status >= 500,
            Error::Stats { status, .. } => *status == 429 || *status >= 500,
            Error::ReportTimeout { .. } => true,
            _ => false,
        }
    }
}
