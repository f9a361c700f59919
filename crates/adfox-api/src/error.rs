//! The ADFOX client's error type and the API's error codes.

pub use crate::generated::ApiErrorCode;

/// Everything an ADFOX call can fail with: the shared kinds of [`th_core::Error`] (bad input —
/// a character CP-1251 cannot hold, a `limit` over 1000, ... —, transport, HTTP status such as
/// 401 for a bad OAuth token, decoding, configuration, pagination) and
/// [`Error::Service`](th_core::Error::Service) with an [`ApiError`].
///
/// No variant carries a credential: bodies kept for diagnosis have the token, login password
/// hash and API key scrubbed.
pub type Error = th_core::Error<ApiError>;

/// ADFOX's own error kinds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
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
}

impl th_core::ServiceError for ApiError {
    type Code = ApiErrorCode;

    fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            ApiError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. } | ApiError::Stats { status, .. } => Some(*status),
            ApiError::ReportTimeout { .. } => None,
        }
    }

    /// Rate limits and server errors of the statistics API, and a report not ready yet.
    fn is_retryable(&self) -> bool {
        match self {
            ApiError::Stats { status, .. } => *status == 429 || *status >= 500,
            ApiError::ReportTimeout { .. } => true,
            ApiError::Api { .. } => false,
        }
    }

    /// Code -1 (legacy); HTTP 401 (OAuth) is [`th_core::Error::is_unauthorized`]'s own.
    fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            ApiError::Api {
                code: ApiErrorCode::AuthorizationFailed,
                ..
            }
        )
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        th_core::Error::Service(e)
    }
}
