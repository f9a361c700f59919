//! The JustClick client's error type.

use std::borrow::Cow;

use th_core::{DecodeError, InvalidInput, StatusError, TransportError};

pub use crate::generated::ApiErrorCode;

/// Why a response's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The response carried no `hash`.
    #[error("the response carries no hash")]
    Missing,
    /// The `hash` does not match `md5(error_code::error_text::secret)`: the answer did not come
    /// from JustClick with this secret key (or was altered on the way).
    #[error("the response hash does not match (wrong secret key, or the answer was altered)")]
    Mismatch,
    /// The `hash` of an order notification matched none of the candidate time fields.
    #[error("the notification hash matches none of the candidates")]
    NotificationMismatch,
}

/// Everything a JustClick call can fail with.
///
/// No variant carries the secret key: texts and bodies kept for diagnosis are scrubbed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was refused before sending.
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// No response: connection, timeout, body size, redirect.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The response's signature is missing or wrong; nothing in it was used.
    #[error("JustClick {method}: {reason}")]
    Signature {
        /// The API method called.
        method: Cow<'static, str>,
        /// What is wrong.
        reason: SignatureError,
    },
    /// The service answered (correctly signed) with a non-zero `error_code`.
    #[error("JustClick {method}: error {} ({}): {text}", code.code(), code.description())]
    Api {
        /// The API method called.
        method: Cow<'static, str>,
        /// The error code.
        code: ApiErrorCode,
        /// `error_text` as sent (secret scrubbed).
        text: String,
        /// `result` as sent, if any (secret scrubbed; unsigned, so informational only).
        result: Option<String>,
    },
    /// A non-success HTTP status without a JustClick envelope.
    #[error(transparent)]
    Status(#[from] StatusError),
    /// A body that is not a JustClick envelope (e.g. an HTML page), or a `result` of an
    /// unexpected shape.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The client configuration is invalid.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The API error code, when the service sent one.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// `true` for a refused signature (of the response).
    pub fn is_signature(&self) -> bool {
        matches!(self, Error::Signature { .. })
    }

    /// `true` for "the subscriber is already registered" (102).
    pub fn is_already_subscribed(&self) -> bool {
        matches!(self.api_code(), Some(ApiErrorCode::AlreadySubscribed))
    }

    /// `true` for "not found" answers: order (200, 302, 400), subscriber (500, 801), group
    /// (501, 800), product (604).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.api_code(),
            Some(
                ApiErrorCode::OrderNonexistent
                    | ApiErrorCode::OrderNonexistentForChange
                    | ApiErrorCode::OrderNotFound
                    | ApiErrorCode::SubscriberNotFound
                    | ApiErrorCode::GroupNotFound
                    | ApiErrorCode::GroupSubscribersNotFound
                    | ApiErrorCode::SubscriberAddressNotFound
                    | ApiErrorCode::ProductNotExist
            )
        )
    }

    /// `true` for errors worth trying again later (timeouts, server errors, code 8).
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
            Error::Api { code, .. } => code.is_retryable(),
            _ => false,
        }
    }
}
