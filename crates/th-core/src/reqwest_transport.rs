//! [`ReqwestTransport`]: the default transport (feature `reqwest`, on by default), over a
//! [`reqwest::Client`]: proxies from the environment, rustls or the platform's TLS, HTTP/2.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};
use crate::transport::{
    CappedBody, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, SendFuture, Transport,
    TransportBuilder, cached, redirect_error, within,
};

/// The default transport: a [`reqwest::Client`] with timeouts, no redirects and a body cap.
///
/// Proxies come from the environment as reqwest reads them (`HTTPS_PROXY`, `ALL_PROXY`, …).
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

impl TransportBuilder {
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

// The request is built before the future (URL parsed, headers and body moved into reqwest's
// request, handed to reqwest), so that the future holds only what the exchange needs and stays
// small: the 16-byte `Pending`, not the request.
impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        let timeout = request.timeout.unwrap_or(self.attempt_timeout);
        let prepared = self.prepare(request, timeout);
        self.execute(prepared, timeout)
    }

    /// The reqwest request is made from the borrowed one: its URL parsed from the text, its
    /// headers and body copied once, into reqwest's request.
    fn send_copy(&self, request: &HttpRequest) -> SendFuture<'_> {
        let timeout = request.timeout.unwrap_or(self.attempt_timeout);
        let prepared = self.build(
            request.method.clone(),
            &request.url,
            request.headers.clone(),
            request.body.clone(),
            timeout,
        );
        self.execute(prepared, timeout)
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
        let HttpRequest {
            method,
            url,
            headers,
            body,
            ..
        } = request;
        self.build(method, &url, headers, body, timeout)
    }

    /// The reqwest request of `method` to `url` with `headers` and `body`.
    fn build(
        &self,
        method: http::Method,
        url: &str,
        headers: http::HeaderMap,
        body: Bytes,
        timeout: Duration,
    ) -> Result<reqwest::Request, TransportError> {
        let url =
            parse_url(url).map_err(|e| TransportError::InvalidRequest(format!("bad URL: {e}")))?;
        // reqwest turns credentials in the URL into an Authorization header when its builder
        // is made; only then are the headers merged into it. Otherwise the builder adds
        // nothing (the client's own headers come when the request is executed): the request
        // is made directly, its header map moved in as it is, without the builder's copy of
        // the client (an `Arc` shared by every thread, counted up and down on every call).
        let userinfo = !url.username().is_empty() || url.password().is_some();
        if userinfo {
            return self
                .client
                .request(method, url)
                .body(body)
                .headers(headers)
                .build()
                .map_err(|e| map_error(&e, timeout));
        }
        let mut built = reqwest::Request::new(method, url);
        *built.headers_mut() = headers;
        *built.body_mut() = Some(body.into());
        Ok(built)
    }

    /// Hands `prepared` to reqwest and boxes the exchange, within `timeout`.
    fn execute(
        &self,
        prepared: Result<reqwest::Request, TransportError>,
        timeout: Duration,
    ) -> SendFuture<'_> {
        let pending = match prepared {
            Ok(prepared) => self.client.execute(prepared),
            Err(e) => return Box::pin(std::future::ready(Err(e))),
        };
        Box::pin(within(
            timeout,
            exchange(pending, self.max_body_bytes, timeout),
        ))
    }
}

/// One attempt: the answer's head, then its body up to `max` bytes.
async fn exchange(
    pending: impl Future<Output = reqwest::Result<reqwest::Response>>,
    max: usize,
    timeout: Duration,
) -> Result<HttpResponse, TransportError> {
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
    use crate::transport::URL_CACHE;
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

    /// The boxed future of a call holds the exchange once, beside its timer: the `async fn`
    /// form of `within` held it twice (936 bytes against 520 in a release build).
    #[tokio::test]
    async fn the_call_future_holds_the_exchange_once() {
        let transport = ReqwestTransport::new().unwrap();
        let request = || {
            let prepared = prepared("http://127.0.0.1:9/a");
            transport.client.execute(prepared)
        };
        let exchange = exchange(request(), 1024, DEFAULT_ATTEMPT_TIMEOUT);
        let sleep = tokio::time::sleep(DEFAULT_ATTEMPT_TIMEOUT);
        let bound = std::mem::size_of_val(&exchange) + std::mem::size_of_val(&sleep) + 64;
        let call = transport.send(HttpRequest::new(Method::GET, "http://127.0.0.1:9/a"));
        let size = std::mem::size_of_val(&*call);
        assert!(size <= bound, "{size} bytes, more than {bound}");
    }

    /// A copy sent from a borrowed request is the request `send` makes of it, on both paths
    /// (credentials in the URL or not).
    #[test]
    fn copies_are_prepared_as_the_request_itself() {
        let transport = ReqwestTransport::new().unwrap();
        for url in ["http://127.0.0.1:9/a?b=c", "http://user:pass@127.0.0.1:9/x"] {
            let request = HttpRequest::new(Method::PUT, url)
                .header(header::ACCEPT, HeaderValue::from_static("application/json"))
                .sensitive_header(header::COOKIE, HeaderValue::from_static("k=v"))
                .body("text/plain", "hi");
            let copy = transport
                .build(
                    request.method.clone(),
                    &request.url,
                    request.headers.clone(),
                    request.body.clone(),
                    DEFAULT_ATTEMPT_TIMEOUT,
                )
                .unwrap();
            let own = transport.prepare(request, DEFAULT_ATTEMPT_TIMEOUT).unwrap();
            assert_eq!(copy.method(), own.method());
            assert_eq!(copy.url(), own.url());
            assert_eq!(copy.headers(), own.headers());
            assert!(copy.headers()[header::COOKIE].is_sensitive());
            let body =
                |r: &reqwest::Request| r.body().and_then(|b| b.as_bytes()).map(<[u8]>::to_vec);
            assert_eq!(body(&copy), body(&own));
        }
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
