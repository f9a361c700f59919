//! The TargetHunter client's error type: [`th_core::Error`] over the service's own
//! [`ApiError`].

pub use crate::generated::ApiErrorCode;

/// Everything a TargetHunter call can fail with: the shared kinds of [`th_core::Error`] (bad
/// input, transport, HTTP status, decoding, configuration, pagination) and
/// [`Error::Service`](th_core::Error::Service) with an [`ApiError`].
///
/// No variant carries the API key: bodies kept for diagnosis have it scrubbed.
pub type Error = th_core::Error<ApiError>;

/// TargetHunter's own error kinds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The service answered with an error envelope (`"success": false`).
    #[error("TargetHunter API error {code} (HTTP {status}): {message}")]
    Api {
        /// The error code (provisional: the vendor documents none).
        code: ApiErrorCode,
        /// The service's message.
        message: String,
        /// The HTTP status of the answer.
        status: u16,
        /// The body as received (API key scrubbed).
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
            ApiError::Api { code, .. } => matches!(
                code,
                ApiErrorCode::RateLimited | ApiErrorCode::InternalError
            ),
        }
    }

    /// `invalid_api_key`, or an envelope with HTTP 401.
    fn is_unauthorized(&self) -> bool {
        match self {
            ApiError::Api { code, status, .. } => {
                *code == ApiErrorCode::InvalidApiKey || *status == 401
            }
        }
    }

    /// `bot_not_found`, `step_not_found`, `user_not_found`.
    fn is_not_found(&self) -> bool {
        match self {
            ApiError::Api { code, .. } => matches!(
                code,
                ApiErrorCode::BotNotFound | ApiErrorCode::StepNotFound | ApiErrorCode::UserNotFound
            ),
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        th_core::Error::Service(e)
    }
}
