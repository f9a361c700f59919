//! # th-core
//!
//! The runtime shared by the service clients (`targethunter-api`, `justclick-api`, `adfox-api`,
//! `radist-api`). It knows no service: it moves bytes, retries, throttles, traces, keeps secrets
//! secret and encodes PHP forms.
//!
//! - [`Transport`]: the async, object-safe trait every HTTP stack implements. One transport is
//!   the default of a build, chosen by features and never by the environment:
//!   `ReqwestTransport` (feature `reqwest`, on by default: a `reqwest::Client` with rustls or
//!   the platform's TLS, proxies, HTTP/2; timeouts on, redirects off, body size capped), or,
//!   in a build without `reqwest`, `HyperTransport` (feature `hyper`: hyper's pooled client used
//!   directly, rustls only, **no proxy support**; a build with only it compiles no reqwest).
//!   Both are built from one [`TransportBuilder`].
//! - Layers that are transports too: [`Trace`] → [`Retry`] → [`Throttle`] → transport, built by
//!   [`ClientOptions::build_stack`]. The retry decision is the pure function [`retry::decide`].
//! - [`limit`]: where limits live, a pluggable [`LimiterStore`] (rate tokens and concurrency
//!   leases): in process by default, shared across processes with the `th-redis` crate.
//! - [`pipeline`]: one call's way, written once: a service implements its [`Protocol`] (encode
//!   a request, decode an answer) and [`ApiClient`] validates, builds the exact bytes (the dry
//!   run), applies per-call overrides ([`CallOptions`], a client's `customize()` by
//!   [`typed_calls!`]), sends and decodes.
//! - [`KnownFields`]: the typed fields of an answer's rows, in declared order.
//! - [`Secret`]: credentials whose `Debug` and `Display` print `[redacted]`.
//! - [`form`]: a byte-exact `http_build_query`, checked against PHP itself.
//! - [`paginate`]: pages to `Stream`s, bounded and loop-proof.
//! - [`api`]: the contract between generated request types and a client.
//! - `MockTransport` (feature `test-util`): canned responses, captured requests.
//!
//! ```
//! use std::sync::Arc;
//! use th_core::{ClientOptions, RateLimit, RetryPolicy};
//!
//! let options = ClientOptions::default()
//!     .retry(RetryPolicy { max_attempts: 5, ..RetryPolicy::default() })
//!     .rate_limit(RateLimit::per_second(5));
//! let transport = options.build_stack()?; // Arc<dyn Transport>: Trace → Retry → Throttle → reqwest
//! # let _ = transport;
//! # Ok::<(), th_core::TransportError>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod api;
pub mod clock;
pub mod error;
pub mod fields;
pub mod form;
pub mod hex;
pub mod http;
#[cfg(feature = "hyper")]
pub mod hyper_transport;
pub mod limit;
#[cfg(any(test, feature = "test-util"))]
pub mod mock;
pub mod multipart;
pub mod options;
pub mod paginate;
pub mod pipeline;
pub mod rate;
#[cfg(feature = "reqwest")]
pub mod reqwest_transport;
pub mod retry;
pub mod secret;
pub mod sink;
pub mod throttle;
pub mod time;
pub mod trace;
pub mod transport;
pub mod wire;

pub use api::{
    ApiRequest, BodyKind, HttpMethod, InvalidInput, MethodInfo, OffsetPaged, Paging, ParamLocation,
    ParamName, ParamSink, ParamValue, Params,
};
pub use clock::{Clock, ManualClock, TokioClock};
pub use error::{DecodeError, Error, ServiceError, StatusError, TransportError};
pub use fields::KnownFields;
pub use form::FormValue;
pub use http::{AnswerClassifier, HttpRequest, HttpResponse, RetryHint};
#[cfg(feature = "hyper")]
pub use hyper_transport::HyperTransport;
pub use limit::{Account, LeaseGuard, LimitError, LimitKey, LimiterStore, LocalStore};
#[cfg(any(test, feature = "test-util"))]
pub use mock::MockTransport;
pub use options::{CallStack, ClientOptions, ConfigureClient, normalize_base_url};
pub use paginate::{CursorPage, NumberedPage, PageOptions, PaginationError};
pub use pipeline::{ApiClient, CallOptions, Protocol, RawCall};
#[cfg(feature = "reqwest")]
pub use reqwest_transport::ReqwestTransport;
pub use retry::{Retry, RetryPolicy, Retrying};
pub use secret::Secret;
pub use sink::{PLAIN_PARAMS_MOST, PlainParams, PlainValue};
pub use throttle::{RateLimit, Throttle};
pub use trace::Trace;
pub use transport::{Remake, SendFuture, Transport, TransportBuilder};

/// Re-exported so users can name header and status types without a direct dependency.
pub use ::http as http_types;

/// What the exported macros ([`wire_enum!`]) name; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
