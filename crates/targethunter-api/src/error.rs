//! The TargetHunter client's error type.

use th_core::{DecodeError, InvalidInput, PaginationError, StatusError, TransportError};

pub use crate::generated::ApiErrorCode;

/// Everything a TargetHunter call can fail with.
///
/// No variant carries the API key: bodies kept for diagnosis have it scrubbed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was refused before sending.
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// No response: connection, timeout, body size, redirect.
    #[error(transparent)]
    Transport(#[from] TransportError),
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
    /// A non-success HTTP status without an error envelope (proxies, gateways, 429).
    #[error(transparent)]
    Status(#[from] StatusError),
    /// A body that is not the JSON expected (e.g. an HTML page with status 200).
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
    /// The API error code, when the service sent one.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
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
            Error::Api { code, .. } => matches!(
                code,
                ApiErrorCode::RateLimited | ApiErrorCode::InternalError
            ),
            _ => false,
        }
    }
}
