//! The JustClick client's error type.

use std::borrow::Cow;

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

/// Everything a JustClick call can fail with: the shared kinds of [`th_core::Error`] (bad
/// input, transport, HTTP status, decoding, configuration) and
/// [`Error::Service`](th_core::Error::Service) with an [`ApiError`].
///
/// No variant carries the secret key: texts and bodies kept for diagnosis are scrubbed.
pub type Error = th_core::Error<ApiError>;

/// JustClick's own error kinds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
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
}

impl ApiError {
    /// `true` for a refused signature (of the response).
    pub fn is_signature(&self) -> bool {
        matches!(self, ApiError::Signature { .. })
    }

    /// `true` for "the subscriber is already registered" (102).
    pub fn is_already_subscribed(&self) -> bool {
        matches!(
            self,
            ApiError::Api {
                code: ApiErrorCode::AlreadySubscribed,
                ..
            }
        )
    }
}

impl th_core::ServiceError for ApiError {
    type Code = ApiErrorCode;

    fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            ApiError::Api { code, .. } => Some(code),
            ApiError::Signature { .. } => None,
        }
    }

    /// JustClick answers errors with HTTP 200; the status is not kept.
    fn status(&self) -> Option<u16> {
        None
    }

    /// Code 8.
    fn is_retryable(&self) -> bool {
        match self {
            ApiError::Api { code, .. } => code.is_retryable(),
            ApiError::Signature { .. } => false,
        }
    }

    /// "Not found" answers: order (200, 302, 400), subscriber (500, 801), group (501, 800),
    /// product (604).
    fn is_not_found(&self) -> bool {
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
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        th_core::Error::Service(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of the vendor's table ("Ответы API сервиса", plus code 8 from public clients)
    /// is a named variant with its meaning; anything else is kept as `Other`.
    #[test]
    fn every_documented_code_is_a_variant() {
        let table = [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 101, 102, 103, 104, 200, 201, 202, 203, 302, 303, 400,
            500, 501, 600, 601, 602, 603, 604, 605, 700, 800, 801,
        ];
        let mut descriptions = std::collections::HashSet::new();
        for code in table {
            let variant = ApiErrorCode::from_code(code);
            assert!(!matches!(variant, ApiErrorCode::Other(_)), "{code}");
            assert_eq!(variant.code(), code);
            assert!(descriptions.insert(variant.description()), "{code}");
            assert_eq!(variant.is_retryable(), code == 8, "{code}");
        }
        for code in [-1, 9, 99, 105, 204, 301, 802, 1000] {
            assert_eq!(ApiErrorCode::from_code(code), ApiErrorCode::Other(code));
            assert_eq!(ApiErrorCode::Other(code).code(), code);
        }
        let e = Error::Service(ApiError::Api {
            method: "GetAllGoods".into(),
            code: ApiErrorCode::from_code(700),
            text: "no products".into(),
            result: None,
        });
        assert_eq!(
            e.to_string(),
            "JustClick GetAllGoods: error 700 (no products (GetAllGoods).): no products"
        );
        assert!(!e.is_not_found() && !e.is_retryable());
    }
}
