//! The [`Transport`] trait and its default implementation over reqwest.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};

use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};

/// Sends one HTTP request and reads the whole response.
///
/// Object safe: clients hold an `Arc<dyn Transport>`. Layers such as [`Retry`](crate::Retry),
/// [`Throttle`](crate::Throttle) and [`Trace`](crate::Trace) are transports that wrap a transport.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request`. Any HTTP status is a response; only failures to get one are errors.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

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
}

/// The boxed future a [`Transport`] returns (what `#[async_trait]` generates).
pub(crate) type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'a>>;

// Written out instead of `#[async_trait]`: forwarding returns the inner transport's boxed future
// as it is, instead of boxing it once more on every call.
impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send<'life0, 'async_trait>(&'life0 self, request: HttpRequest) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        (**self).send(request)
    }

    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        (**self).attempt_limit(request)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send<'life0, 'async_trait>(&'life0 self, request: HttpRequest) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        (**self).send(request)
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

/// The default transport: a [`reqwest::Client`] with timeouts, no redirects and a body cap.
///
/// ```
/// use std::time::Duration;
/// use th_core::ReqwestTransport;
/// let transport = ReqwestTransport::builder()
///     .attempt_timeout(Duration::from_secs(20))
///     .max_body_bytes(8 << 20)
///     .build()?;
/// # Ok::<(), th_core::TransportError>(())
/// ```
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    attempt_timeout: Duration,
    max_body_bytes: usize,
}

/// How many parsed URLs (and URIs) each thread keeps.
pub(crate) const URL_CACHE: usize = 8;

thread_local! {
    /// The URLs this thread parsed last, by their exact text.
    static RECENT_URLS: std::cell::RefCell<Vec<(String, reqwest::Url)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The URL `text` parses to, or why it does not parse.
///
/// A client calls the same few endpoints over and over (ADFOX one URL for every call), and
/// parsing a URL, its host above all, costs more than the rest of preparing a request
/// (~6.5k instructions of a TargetHunter call's ~9k before reqwest). `Url::parse` is a pure
/// function of the text, so a hit gives exactly the URL a parse would, whichever transport
/// asks.
fn parse_url(text: &str) -> Result<reqwest::Url, String> {
    cached(&RECENT_URLS, text, |t| {
        reqwest::Url::parse(t).map_err(|e| e.to_string())
    })
}

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

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl ReqwestTransport {
    /// A transport with the default settings.
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// A builder for the settings.
    pub fn builder() -> TransportBuilder {
        TransportBuilder::default()
    }

    /// Wraps a client the caller configured (proxies, root certificates, ...).
    ///
    /// The client's own redirect policy applies; build it with
    /// `redirect(reqwest::redirect::Policy::none())` so that credentials never follow a redirect.
    pub fn with_client(client: reqwest::Client) -> Self {
        ReqwestTransport {
            client,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Changes the body cap of a transport made by [`with_client`](Self::with_client).
    pub fn set_max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// Changes the per-attempt timeout of a transport made by [`with_client`](Self::with_client).
    pub fn set_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }
}

/// Settings of a [`ReqwestTransport`] or a
/// [`HyperTransport`](crate::HyperTransport): [`build`](Self::build) makes the one,
/// [`build_hyper`](Self::build_hyper) the other.
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

/// The name [`TransportBuilder`] had when it built only a [`ReqwestTransport`].
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
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(der.into());
        self
    }

    /// Builds a [`HyperTransport`](crate::HyperTransport) with these settings.
    #[cfg(feature = "rustls")]
    pub fn build_hyper(self) -> Result<crate::HyperTransport, TransportError> {
        crate::HyperTransport::from_settings(&self)
    }

    /// Builds a [`ReqwestTransport`] with these settings.
    pub fn build(self) -> Result<ReqwestTransport, TransportError> {
        #[allow(unused_mut)]
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(self.user_agent);
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        for der in &self.extra_roots {
            let root = reqwest::Certificate::from_der(der)
                .map_err(|e| TransportError::Other(format!("bad root certificate: {e}")))?;
            builder = builder.add_root_certificate(root);
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::Other(describe(&e)))?;
        Ok(ReqwestTransport {
            client,
            attempt_timeout: self.attempt_timeout,
            max_body_bytes: self.max_body_bytes,
        })
    }
}

// Written out instead of `#[async_trait]`: the request is built before the future (URL parsed,
// headers and body moved into reqwest's request), so that the future holds only what the
// exchange needs and stays small.
impl Transport for ReqwestTransport {
    fn send<'life0, 'async_trait>(&'life0 self, request: HttpRequest) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        let timeout = request.timeout.unwrap_or(self.attempt_timeout);
        let prepared = self.prepare(request, timeout);
        let client = &self.client;
        let max = self.max_body_bytes;
        // The reqwest request is handed over before the future is made: the future then holds
        // the 16-byte `Pending`, not the request, so that each call's box is smaller.
        let pending = prepared.map(|r| client.execute(r));
        let fut = async move {
            let pending = pending?;
            let exchange = async move {
                let mut response = pending.await.map_err(|e| map_error(&e, timeout))?;
                let status = response.status();
                if status.is_redirection() {
                    return Err(redirect_error(status, response.headers()));
                }
                let body = read_capped(&mut response, max, timeout).await?;
                // Taken after the body, so that the map is not held across the reads.
                let headers = std::mem::take(response.headers_mut());
                Ok(HttpResponse {
                    status,
                    headers,
                    body,
                    attempts: 1,
                })
            };
            within(timeout, exchange).await
        };
        Box::pin(fut)
    }

    /// The request's own timeout, else the transport's per-attempt timeout: both are enforced.
    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        Some(request.timeout.unwrap_or(self.attempt_timeout))
    }
}

impl ReqwestTransport {
    /// The reqwest request for `request`: the URL parsed, headers and body moved over.
    fn prepare(
        &self,
        request: HttpRequest,
        timeout: Duration,
    ) -> Result<reqwest::Request, TransportError> {
        let url = parse_url(&request.url)
            .map_err(|e| TransportError::InvalidRequest(format!("bad URL: {e}")))?;
        // reqwest turns credentials in the URL into an Authorization header when the builder
        // is made; only then are the headers merged into it. Otherwise the request has no
        // header yet and the map is moved in as it is, instead of re-inserted one by one.
        let userinfo = !url.username().is_empty() || url.password().is_some();
        let builder = self.client.request(request.method, url).body(request.body);
        if userinfo {
            return builder
                .headers(request.headers)
                .build()
                .map_err(|e| map_error(&e, timeout));
        }
        let mut built = builder.build().map_err(|e| map_error(&e, timeout))?;
        *built.headers_mut() = request.headers;
        Ok(built)
    }
}

async fn read_capped(
    response: &mut reqwest::Response,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, TransportError> {
    let mut body = CappedBody::new(max, response.content_length())?;
    while let Some(chunk) = response.chunk().await.map_err(|e| map_error(&e, timeout))? {
        body.push(chunk)?;
    }
    Ok(body.finish())
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
pub(crate) async fn within(
    timeout: Duration,
    exchange: impl Future<Output = Result<HttpResponse, TransportError>>,
) -> Result<HttpResponse, TransportError> {
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(TransportError::Timeout(timeout)),
    }
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

/// Maps a reqwest error to a [`TransportError`], never keeping the URL (it may carry a query).
fn map_error(error: &reqwest::Error, timeout: Duration) -> TransportError {
    if error.is_timeout() {
        return TransportError::Timeout(timeout);
    }
    if error.is_connect() {
        return TransportError::Connect(describe(error));
    }
    if error.is_builder() {
        return TransportError::InvalidRequest(describe(error));
    }
    if error.is_body() || error.is_decode() || error.is_request() {
        return TransportError::Io(describe(error));
    }
    TransportError::Other(describe(error))
}

/// The error and its sources as one line, without the URL.
fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = String::new();
    let mut source = error.source();
    // reqwest's own Display names the URL; its sources (hyper, io) do not.
    text.push_str(kind_name(error));
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}

fn kind_name(error: &reqwest::Error) -> &'static str {
    if error.is_connect() {
        "connect error"
    } else if error.is_timeout() {
        "timeout"
    } else if error.is_body() {
        "body error"
    } else if error.is_decode() {
        "decode error"
    } else if error.is_builder() {
        "builder error"
    } else if error.is_redirect() {
        "redirect error"
    } else {
        "request error"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, Method, header};

    fn prepared(url: &str) -> reqwest::Request {
        let transport = ReqwestTransport::new().unwrap();
        let request = HttpRequest::new(Method::POST, url)
            .header(header::ACCEPT, HeaderValue::from_static("application/json"))
            .sensitive_header(header::COOKIE, HeaderValue::from_static("k=v"))
            .body("text/plain", "hi");
        transport.prepare(request, DEFAULT_ATTEMPT_TIMEOUT).unwrap()
    }

    #[test]
    fn cached_urls_are_the_parsed_ones() {
        let texts: Vec<String> = (0..2 * URL_CACHE)
            .map(|i| format!("http://user:pw@127.0.0.1:{}/a/../b%2f c?q=1 2#f", 8000 + i))
            .collect();
        for _ in 0..3 {
            for text in &texts {
                let parsed = reqwest::Url::parse(text).unwrap();
                assert_eq!(parse_url(text).unwrap(), parsed);
                assert_eq!(parse_url(text).unwrap().as_str(), parsed.as_str());
            }
        }
        assert_eq!(RECENT_URLS.with(|r| r.borrow().len()), URL_CACHE);
        assert!(parse_url("http://[::1").is_err());
        assert!(parse_url("http://[::1").is_err());
        assert!(RECENT_URLS.with(|r| r.borrow().iter().all(|(t, _)| t != "http://[::1")));
    }

    #[test]
    fn prepared_requests_keep_every_header() {
        let req = prepared("http://127.0.0.1:9/a?b=c");
        let h = req.headers();
        assert_eq!(h.len(), 3);
        assert_eq!(h[header::ACCEPT], "application/json");
        assert_eq!(h[header::CONTENT_TYPE], "text/plain");
        assert!(h[header::COOKIE].is_sensitive());
        assert_eq!(req.body().and_then(|b| b.as_bytes()), Some(&b"hi"[..]));
        // Credentials in the URL become reqwest's Authorization header, kept beside ours.
        let req = prepared("http://user:pass@127.0.0.1:9/");
        let h = req.headers();
        assert!(h.contains_key(header::AUTHORIZATION));
        assert_eq!(h[header::ACCEPT], "application/json");
        assert_eq!(h.len(), 4);
    }
}
