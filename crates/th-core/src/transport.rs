//! The [`Transport`] trait, the settings both built-in transports share, and the pieces they
//! both use (the body cap, the per-attempt timeout, the redirect error, the parse cache).

// A build with neither transport (the user brings one) has no use for the shared pieces.
#![cfg_attr(not(any(feature = "reqwest", feature = "hyper")), allow(dead_code))]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};

use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};

/// Sends one HTTP request and reads the whole response.
///
/// Object safe: clients hold an `Arc<dyn Transport>`. Layers such as [`Retry`](crate::Retry),
/// [`Throttle`](crate::Throttle) and [`Trace`](crate::Trace) are transports that wrap a transport.
///
/// `send` returns the one named future type, [`SendFuture`], the boxed future `#[async_trait]`
/// would make. An implementation writes `Box::pin(async move { .. })`; a layer with nothing to
/// do for a request returns the inner transport's future as it is, without a box of its own
/// (the trace layer when nothing records, the throttle for a request no limit applies to, the
/// `Arc`/`Box` forwarding), and a transport can build its request before the future so the
/// future stays small (see `docs/transport.md`).
///
/// ```
/// use th_core::{HttpRequest, HttpResponse, SendFuture, Transport};
///
/// #[derive(Debug)]
/// struct Always200;
///
/// impl Transport for Always200 {
///     fn send(&self, _request: HttpRequest) -> SendFuture<'_> {
///         Box::pin(async move { Ok(HttpResponse::new(http::StatusCode::OK, "{}")) })
///     }
/// }
/// ```
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request`. Any HTTP status is a response; only failures to get one are errors.
    fn send(&self, request: HttpRequest) -> SendFuture<'_>;

    /// The longest one [`send`](Self::send) of `request` can take, when this transport enforces
    /// such a bound itself (its per-attempt timeout); `None` when it does not know one.
    ///
    /// The retry layer uses it to skip arming a timer of its own for the whole-call deadline when
    /// the attempt is bound to end before that deadline anyway. A transport must return `Some`
    /// only for a bound it enforces; the default is `None`.
    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        let _ = request;
        None
    }

    /// Sends a copy of `request`, which the caller keeps: what the [`Retry`](crate::Retry)
    /// layer calls for every attempt but the last, holding the request for the next one.
    ///
    /// The default sends `request.clone()`. A transport that copies what it sends into a
    /// request of its own anyway (the built-in ones) reads the parts it needs from the borrowed
    /// request instead, and a layer with nothing to do forwards the borrow, so that no
    /// intermediate copy of the request (its URL, its header map) is made and dropped on every
    /// call. The future may not borrow `request`.
    fn send_copy(&self, request: &HttpRequest) -> SendFuture<'_> {
        self.send(request.clone())
    }

    /// Sends `request`, which `remake` can make again for another attempt (the pipeline
    /// encoding the caller's typed request once more), so that a layer that may send it more
    /// than once ([`Retry`](crate::Retry)) takes `request` itself for the first attempt
    /// instead of keeping a copy beside it. `remake` must make the same request (`None`: it
    /// cannot, and no other attempt is made).
    ///
    /// The default sends `request` and ignores `remake`; a layer with nothing to do forwards
    /// both.
    fn send_remaking<'a>(&'a self, request: HttpRequest, remake: &'a Remake<'a>) -> SendFuture<'a> {
        let _ = remake;
        self.send(request)
    }
}

/// How a request is made again for another attempt (see [`Transport::send_remaking`]).
pub type Remake<'a> = dyn Fn() -> Option<HttpRequest> + Send + Sync + 'a;

/// The boxed future a [`Transport`] returns (what `#[async_trait]` would generate).
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'a>>;

// Forwarding returns the inner transport's boxed future as it is, instead of boxing it once more
// on every call.
impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        (**self).send(request)
    }

    fn send_copy(&self, request: &HttpRequest) -> SendFuture<'_> {
        (**self).send_copy(request)
    }

    fn send_remaking<'a>(&'a self, request: HttpRequest, remake: &'a Remake<'a>) -> SendFuture<'a> {
        (**self).send_remaking(request, remake)
    }

    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        (**self).attempt_limit(request)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        (**self).send(request)
    }

    fn send_copy(&self, request: &HttpRequest) -> SendFuture<'_> {
        (**self).send_copy(request)
    }

    fn send_remaking<'a>(&'a self, request: HttpRequest, remake: &'a Remake<'a>) -> SendFuture<'a> {
        (**self).send_remaking(request, remake)
    }

    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        (**self).attempt_limit(request)
    }
}

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default timeout of one attempt (headers and body).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on a response body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// How many parsed URLs (and URIs) each thread keeps.
pub(crate) const URL_CACHE: usize = 8;

/// `parse(text)`, or a clone of what it gave for the same text on this thread lately.
///
/// `cache` holds the last [`URL_CACHE`] successes of this thread, oldest first; a failure is
/// never kept. The cache is per thread: a shared one, even behind a read lock, bounced its
/// lock's cache line between the cores on every call when many calls ran on several threads.
/// `parse` must be a pure function of the text, so that a hit is exactly what a parse gives.
pub(crate) fn cached<T: Clone + 'static, E>(
    cache: &'static std::thread::LocalKey<std::cell::RefCell<Vec<(String, T)>>>,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, E> {
    let hit = cache.with(|recent| {
        recent.try_borrow().ok().and_then(|recent| {
            recent
                .iter()
                .find(|(t, _)| t == text)
                .map(|(_, v)| v.clone())
        })
    });
    if let Some(value) = hit {
        return Ok(value);
    }
    let value = parse(text)?;
    cache.with(|recent| {
        if let Ok(mut recent) = recent.try_borrow_mut() {
            if recent.len() >= URL_CACHE {
                recent.remove(0);
            }
            recent.push((text.to_owned(), value.clone()));
        }
    });
    Ok(value)
}

/// Settings of a `ReqwestTransport` (feature `reqwest`, the default)
/// or a `HyperTransport` (feature `hyper`): `build` makes the one,
/// `build_hyper` the other, [`build_default`](Self::build_default) this build's default.
#[derive(Clone)]
pub struct TransportBuilder {
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) user_agent: String,
    pub(crate) pool_idle_timeout: Duration,
    /// Extra trusted roots, DER-encoded X.509 certificates.
    pub(crate) extra_roots: Vec<Vec<u8>>,
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("user_agent", &self.user_agent)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            // The certificates' bytes say nothing a reader needs; how many there are does.
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

/// The name [`TransportBuilder`] had when it built only a `ReqwestTransport`.
pub type ReqwestTransportBuilder = TransportBuilder;

impl Default for TransportBuilder {
    fn default() -> Self {
        TransportBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            user_agent: concat!("th-rust-sdk/", env!("CARGO_PKG_VERSION")).to_owned(),
            pool_idle_timeout: Duration::from_secs(60),
            extra_roots: Vec::new(),
        }
    }
}

impl TransportBuilder {
    /// Timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Timeout for one attempt, headers and body (default 30 s); a request may set its own.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }
    /// Cap on a response body (default 32 MiB). A larger body is an error, not an allocation.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }
    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }
    /// How long an idle pooled connection is kept (default 60 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }
    /// Trusts `der`, an X.509 certificate in DER, as a root beside the built-in ones (a company
    /// CA in front of the service, a test server). Checked when the transport is built.
    #[cfg(any(feature = "rustls", feature = "native-tls", feature = "hyper"))]
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(der.into());
        self
    }

    /// Builds a [`HyperTransport`](crate::HyperTransport) with these settings.
    #[cfg(feature = "hyper")]
    pub fn build_hyper(self) -> Result<crate::HyperTransport, TransportError> {
        crate::HyperTransport::from_settings(&self)
    }

    /// Builds this build's default transport with these settings: a `ReqwestTransport` when
    /// the `reqwest` feature is on (the default), else a `HyperTransport` (feature `hyper`).
    /// The choice is made when the
    /// crate is compiled, never by the environment it runs in.
    pub fn build_default(self) -> Result<Arc<dyn Transport>, TransportError> {
        #[cfg(feature = "reqwest")]
        return Ok(Arc::new(self.build()?));
        #[cfg(all(feature = "hyper", not(feature = "reqwest")))]
        return Ok(Arc::new(self.build_hyper()?));
        #[cfg(not(any(feature = "reqwest", feature = "hyper")))]
        {
            let _ = self;
            Err(TransportError::Other(
                "no transport in this build: enable th-core's `reqwest` (default) or `hyper` \
                 feature, or pass a transport of your own"
                    .to_owned(),
            ))
        }
    }
}

/// The error for a redirect answer: its status and `Location` without query or fragment (which
/// may carry a token), since a redirect is never followed.
pub(crate) fn redirect_error(
    status: http::StatusCode,
    headers: &http::HeaderMap,
) -> TransportError {
    let location = headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|l| l.split(['?', '#']).next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    TransportError::Redirect {
        status: status.as_u16(),
        location,
    }
}

/// One attempt's exchange, ended as a [`TransportError::Timeout`] when it takes longer than
/// `timeout`.
///
/// A combinator, not an `async fn`: an `async fn` keeps its argument in its state beside the
/// `Timeout` it is moved into, so the exchange's whole state machine was in every call's box
/// twice (the reqwest transport's future: 936 bytes, 520 this way).
pub(crate) fn within<F>(
    timeout: Duration,
    exchange: F,
) -> impl Future<Output = Result<HttpResponse, TransportError>> + use<F>
where
    F: Future<Output = Result<HttpResponse, TransportError>>,
{
    use futures::FutureExt as _;
    tokio::time::timeout(timeout, exchange).map(move |result| match result {
        Ok(result) => result,
        Err(_) => Err(TransportError::Timeout(timeout)),
    })
}

/// A response body read chunk by chunk up to a cap: past it, an error instead of an
/// allocation. A body that arrives in one chunk is kept as that chunk, without a copy.
pub(crate) struct CappedBody {
    max: usize,
    first: Option<Bytes>,
    rest: BytesMut,
}

impl CappedBody {
    /// A reader for a body of at most `max` bytes; one that declares (`Content-Length`) more
    /// is refused before any of it is read.
    pub(crate) fn new(max: usize, declared: Option<u64>) -> Result<Self, TransportError> {
        if declared.is_some_and(|len| len > max as u64) {
            return Err(TransportError::BodyTooLarge { limit: max });
        }
        Ok(CappedBody {
            max,
            first: None,
            rest: BytesMut::new(),
        })
    }

    /// Adds the next chunk, or fails when the body would pass the cap.
    pub(crate) fn push(&mut self, chunk: Bytes) -> Result<(), TransportError> {
        let held = self.first.as_ref().map_or(0, Bytes::len);
        if held + self.rest.len() + chunk.len() > self.max {
            return Err(TransportError::BodyTooLarge { limit: self.max });
        }
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(chunk);
            return Ok(());
        }
        if let Some(head) = self.first.take() {
            self.rest.reserve(head.len() + chunk.len());
            self.rest.extend_from_slice(&head);
        }
        self.rest.extend_from_slice(&chunk);
        Ok(())
    }

    /// The whole body.
    pub(crate) fn finish(self) -> Bytes {
        match self.first {
            Some(only) => only,
            None => self.rest.freeze(),
        }
    }
}
