//! The one error shape of every service client, [`Error<E>`], and the errors of the layers it
//! wraps (transport, HTTP status, decoding).
//!
//! Each service crate names its own kinds in one type `E` (its API error with code and message,
//! plus what only that service has: JustClick's refused signature, ADFOX's statistics errors and
//! report timeouts) and keeps its `Error` name as an alias, `pub type Error = th_core::Error<E>`.
//! The common kinds — bad input, transport, HTTP status, decoding, configuration, pagination —
//! and the questions asked of any error ([`Error::is_retryable`], [`Error::status`], ...) exist
//! once, here; a user of two services writes one handler generic over `E: ServiceError`.

use std::time::Duration;

use crate::api::InvalidInput;
use crate::http::HttpResponse;
use crate::paginate::PaginationError;
use crate::secret::{Secret, scrub};

/// What a service's own error kinds tell the shared [`Error`]: implemented by each service
/// crate's `ApiError`.
pub trait ServiceError: std::error::Error {
    /// The service's error code type (the generated `ApiErrorCode`), printable so that a handler
    /// generic over services can report it.
    type Code: std::fmt::Display + std::fmt::Debug;

    /// The error code, when the service sent one.
    fn api_code(&self) -> Option<&Self::Code>;

    /// The HTTP status of the answer, when it had one.
    fn status(&self) -> Option<u16>;

    /// `true` when trying again later may succeed.
    fn is_retryable(&self) -> bool;

    /// `true` when the service refused the credentials.
    fn is_unauthorized(&self) -> bool {
        false
    }

    /// `true` when the service said the object does not exist.
    fn is_not_found(&self) -> bool {
        false
    }
}

/// Everything a call of a service client can fail with; `E` holds the service's own kinds.
///
/// No variant carries a credential: bodies and texts kept for diagnosis are scrubbed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The request was refused before sending (bad value, a value the wire cannot carry, ...).
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// No response: connection, timeout, body size, redirect, a client-side limit.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A non-success HTTP status without an error body of the service (proxies, gateways, 429).
    #[error(transparent)]
    Status(#[from] StatusError),
    /// A body that is not the shape expected (e.g. an HTML page with status 200).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The client configuration is invalid.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// A listing stopped early.
    #[error(transparent)]
    Pagination(#[from] PaginationError),
    /// The service's own error: its API error with code and message, or a kind only that
    /// service has.
    #[error(transparent)]
    Service(E),
}

impl<E: ServiceError> Error<E> {
    /// The service's own error, when it is one.
    pub fn service(&self) -> Option<&E> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The service's error code, when it sent one.
    pub fn api_code(&self) -> Option<&E::Code> {
        self.service().and_then(ServiceError::api_code)
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status(StatusError::RateLimited { .. }) => Some(429),
            Error::Status(StatusError::Http { status, .. }) => Some(*status),
            Error::Service(e) => e.status(),
            _ => None,
        }
    }

    /// `true` for errors worth trying again later (rate limits, server errors, timeouts, and
    /// what the service calls transient).
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
            Error::Service(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// `true` for a request refused before anything was sent.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
    }

    /// `true` for a rejected credential: HTTP 401, or the service's own code for it.
    pub fn is_unauthorized(&self) -> bool {
        match self {
            Error::Status(StatusError::Http { status: 401, .. }) => true,
            Error::Service(e) => e.is_unauthorized(),
            _ => false,
        }
    }

    /// `true` when the service said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.service().is_some_and(ServiceError::is_not_found)
    }
}

/// A request that did not produce an HTTP response.
///
/// Messages never contain a URL's query string, a header value or a body: the transport builds
/// them from the error kind alone (reqwest errors are stripped of their URL).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection could not be made (refused, DNS, TLS handshake): the request never left,
    /// so even a non-idempotent request may be retried.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The attempt ran out of time (headers or body slower than the per-attempt timeout).
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The whole call, all retries included, ran out of time.
    #[error("the call did not finish within its deadline of {0:?}")]
    Deadline(Duration),
    /// The connection failed after the request was sent (reset, closed mid-body): the server may
    /// have acted on it.
    #[error("connection failed mid-request: {0}")]
    Io(String),
    /// The response body was larger than the configured cap; reading stopped there.
    #[error("response body exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The server answered with a redirect; credentials are never sent to another URL.
    #[error("redirect ({status}) not followed: {location}")]
    Redirect {
        /// The status code (3xx).
        status: u16,
        /// The `Location` header with any query string removed.
        location: String,
    },
    /// The request could not be built (bad URL, bad header).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A client-side limit refused the request (e.g. too many reports in progress).
    #[error("refused by a client-side limit: {0}")]
    Refused(String),
    /// Anything else the HTTP stack reported.
    #[error("transport error: {0}")]
    Other(String),
}

impl TransportError {
    /// `true` when the request provably never reached the server.
    pub fn never_sent(&self) -> bool {
        matches!(
            self,
            TransportError::Connect(_)
                | TransportError::InvalidRequest(_)
                | TransportError::Refused(_)
        )
    }
}

/// An HTTP status the service client could not turn into a result or an API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// 429 Too Many Requests, after the retry budget (or at once for a non-idempotent request,
    /// or when `Retry-After` asked for a wait above the cap).
    #[error("rate limited (HTTP 429){}", retry_after.map(|d| format!(", retry after {d:?}")).unwrap_or_default())]
    RateLimited {
        /// The wait the server asked for, when it said.
        retry_after: Option<Duration>,
    },
    /// Any other non-success status.
    #[error("HTTP {status}: {snippet}")]
    Http {
        /// The status code.
        status: u16,
        /// The start of the body (at most 512 bytes, lossy UTF-8), for diagnosis.
        snippet: String,
    },
}

impl StatusError {
    /// Builds the error for a non-success response; `secrets` are scrubbed from the body snippet
    /// (servers and proxies echo requests in their error pages).
    pub fn from_response(response: &HttpResponse, secrets: &[&Secret]) -> Self {
        if response.status.as_u16() == 429 {
            return StatusError::RateLimited {
                retry_after: response.retry_after(),
            };
        }
        StatusError::Http {
            status: response.status.as_u16(),
            snippet: scrubbed_snippet(&response.body, secrets),
        }
    }
}

/// How much of a body errors keep.
const SNIPPET_MAX: usize = 512;

/// The first 512 bytes of a body as lossy UTF-8, cut on a character boundary.
pub fn snippet(body: &[u8]) -> String {
    const MAX: usize = SNIPPET_MAX;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX)]);
    let mut s = text.into_owned();
    if body.len() > MAX {
        s.push('…');
    }
    s
}

/// [`snippet`] with every secret replaced by `[redacted]` — also one that the 512-byte cut would
/// have split, since the secrets are scrubbed from a prefix long enough to hold them whole.
pub fn scrubbed_snippet(body: &[u8], secrets: &[&Secret]) -> String {
    if secrets.is_empty() {
        return snippet(body);
    }
    let longest = secrets.iter().map(|s| s.expose().len()).max().unwrap_or(0);
    let prefix = &body[..body.len().min(SNIPPET_MAX + longest)];
    let clean = scrub(&String::from_utf8_lossy(prefix), secrets);
    let mut out = snippet(clean.as_bytes());
    if body.len() > prefix.len() && !out.ends_with('…') {
        out.push('…');
    }
    out
}

/// A body that could not be decoded into the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not decode the {format} response: {message}")]
pub struct DecodeError {
    /// The expected format (`JSON`, `XML`).
    pub format: &'static str,
    /// What went wrong.
    pub message: String,
    /// The start of the body, for diagnosis.
    pub snippet: String,
}

impl DecodeError {
    /// A decode error for `body`; `secrets` are scrubbed from the snippet kept for diagnosis and
    /// from the message (parsers quote the text they choke on, which a server may have echoed).
    pub fn new(
        format: &'static str,
        message: impl Into<String>,
        body: &[u8],
        secrets: &[&Secret],
    ) -> Self {
        DecodeError {
            format,
            message: scrub(&message.into(), secrets),
            snippet: scrubbed_snippet(body, secrets),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_never_keep_a_secret_even_cut() {
        let key = Secret::new("0123456789abcdef0123456789");
        // The key straddles the 512-byte cut.
        let mut body = vec![b'x'; 500];
        body.extend_from_slice(key.expose().as_bytes());
        body.extend_from_slice(&[0xff; 100]);
        let s = scrubbed_snippet(&body, &[&key]);
        assert!(!s.contains("0123456789ab"), "{s}");
        assert!(s.contains("[redacted]"), "{s}");
        assert!(s.ends_with('…'));
        let s = scrubbed_snippet(b"short 0123456789abcdef0123456789 \xff", &[&key]);
        assert_eq!(s, "short [redacted] \u{fffd}");
        assert_eq!(scrubbed_snippet(b"plain", &[]), "plain");
    }

    /// A service's own kinds, as a service crate writes them.
    #[derive(Debug, Clone, PartialEq, thiserror::Error)]
    enum Own {
        #[error("refused {0} (HTTP {1})")]
        Api(&'static str, u16),
        #[error("slow")]
        Slow,
    }

    impl ServiceError for Own {
        type Code = &'static str;
        fn api_code(&self) -> Option<&&'static str> {
            match self {
                Own::Api(code, _) => Some(code),
                Own::Slow => None,
            }
        }
        fn status(&self) -> Option<u16> {
            match self {
                Own::Api(_, status) => Some(*status),
                Own::Slow => None,
            }
        }
        fn is_retryable(&self) -> bool {
            matches!(self, Own::Slow)
        }
        fn is_unauthorized(&self) -> bool {
            matches!(self, Own::Api("bad_key", _))
        }
        fn is_not_found(&self) -> bool {
            matches!(self, Own::Api("missing", _))
        }
    }

    #[test]
    fn the_shared_questions_ask_the_service_for_its_own_kinds() {
        let api = Error::Service(Own::Api("bad_key", 403));
        assert_eq!(api.to_string(), "refused bad_key (HTTP 403)");
        assert_eq!(
            (api.api_code(), api.status(), api.is_retryable()),
            (Some(&"bad_key"), Some(403), false)
        );
        assert!(api.is_unauthorized() && !api.is_not_found() && !api.is_invalid_input());
        assert!(Error::Service(Own::Api("missing", 404)).is_not_found());
        let slow = Error::Service(Own::Slow);
        assert!(slow.is_retryable() && slow.status().is_none() && slow.api_code().is_none());

        let http = |status| {
            Error::<Own>::Status(StatusError::Http {
                status,
                snippet: String::new(),
            })
        };
        assert!(http(401).is_unauthorized() && !http(401).is_retryable());
        assert!(http(502).is_retryable() && http(502).status() == Some(502));
        let limited = Error::<Own>::from(StatusError::RateLimited { retry_after: None });
        assert_eq!(
            (limited.status(), limited.is_retryable()),
            (Some(429), true)
        );
        let far = Error::<Own>::from(TransportError::Redirect {
            status: 302,
            location: "https://elsewhere/".into(),
        });
        assert!(!far.is_retryable() && far.service().is_none());
        assert!(Error::<Own>::from(TransportError::Timeout(Duration::from_secs(1))).is_retryable());
        let bad = Error::<Own>::Config("no key".into());
        assert_eq!(bad.to_string(), "invalid client configuration: no key");
        assert!(!bad.is_retryable());
    }

    #[test]
    fn decode_errors_scrub_the_message_too() {
        let key = Secret::new("0123456789abcdef0123456789");
        let e = DecodeError::new(
            "XML",
            "<code> is not an integer: \"0123456789abcdef0123456789\"",
            b"<code>0123456789abcdef0123456789</code>",
            &[&key],
        );
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(key.expose()), "{shown}");
        assert_eq!(e.message, "<code> is not an integer: \"[redacted]\"");
    }
}
