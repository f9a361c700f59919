//! [`HyperTransport`] (feature `hyper`, opt-in): a transport straight on hyper's pooled client,
//! for users who want the last microseconds.
//!
//! reqwest is hyper's client with a convenience layer on top; a service client needs little of
//! that layer (it builds its own headers and bodies, follows no redirect, sends no cookie) and
//! paid for all of it on every call: the URL parsed on the way out and again on the way back
//! (reqwest rebuilds a `Url` from the redirect layer's record of the request), a redirect
//! service, boxed request and response bodies, and about ten allocations. This transport hands
//! the request to the same pooled client reqwest uses (`hyper_util`'s), over the same
//! connector, TLS stack (rustls with the webpki roots) and settings, and sends the same bytes.
//!
//! What it does not do that reqwest does: **proxies** (`HTTPS_PROXY` and friends are ignored;
//! use `ReqwestTransport` behind a proxy), native TLS, and credentials in the URL (refused as
//! an invalid request before anything is sent). It is the default transport only of a build
//! without th-core's `reqwest` feature; otherwise pass it in `ClientOptions::transport`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, HeaderValue, USER_AGENT};
use http::{Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};
use crate::transport::{
    CappedBody, SendFuture, Transport, TransportBuilder, cached, redirect_error, within,
};

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// hyper's pooled client (HTTP/1.1 and HTTP/2 over rustls), with timeouts, no redirects and a
/// body cap; no proxy support.
///
/// Built with the same [`TransportBuilder`] as a `ReqwestTransport`:
///
/// ```
/// use std::time::Duration;
/// use th_core::HyperTransport;
/// let transport = HyperTransport::builder()
///     .attempt_timeout(Duration::from_secs(20))
///     .max_body_bytes(8 << 20)
///     .build_hyper()?;
/// # Ok::<(), th_core::TransportError>(())
/// ```
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<Connector, Full<Bytes>>,
    attempt_timeout: Duration,
    max_body_bytes: usize,
    user_agent: HeaderValue,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("attempt_timeout", &self.attempt_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// reqwest's default `Accept`, sent when the request sets none (so that switching transports
/// changes no byte on the wire).
const ANY: HeaderValue = HeaderValue::from_static("*/*");

impl HyperTransport {
    /// A transport with the default settings.
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build_hyper()
    }

    /// A builder for the settings (finish it with
    /// [`build_hyper`](TransportBuilder::build_hyper)).
    pub fn builder() -> TransportBuilder {
        TransportBuilder::default()
    }

    pub(crate) fn from_settings(settings: &TransportBuilder) -> Result<Self, TransportError> {
        let user_agent = HeaderValue::from_str(&settings.user_agent)
            .map_err(|_| TransportError::InvalidRequest("bad User-Agent".into()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for der in &settings.extra_roots {
            roots
                .add(rustls::pki_types::CertificateDer::from(der.clone()))
                .map_err(|e| TransportError::Other(format!("bad root certificate: {e}")))?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TransportError::Other(format!("TLS setup: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(settings.connect_timeout));
        // reqwest's TCP keep-alive defaults: probe after 15 s idle, every 15 s, 3 times.
        http.set_keepalive(Some(Duration::from_secs(15)));
        http.set_keepalive_interval(Some(Duration::from_secs(15)));
        http.set_keepalive_retries(Some(3));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(settings.pool_idle_timeout)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        Ok(HyperTransport {
            client,
            attempt_timeout: settings.attempt_timeout,
            max_body_bytes: settings.max_body_bytes,
            user_agent,
        })
    }

    /// hyper's request for `request`: the URI parsed, the headers moved over, reqwest's default
    /// `Accept` and the `User-Agent` added after them where the request sets none.
    fn prepare(&self, request: HttpRequest) -> Result<Request<Full<Bytes>>, TransportError> {
        let uri = parse_uri(&request.url)?;
        let mut headers = request.headers;
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, ANY);
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.user_agent.clone());
        }
        let mut built = Request::new(Full::new(request.body));
        *built.method_mut() = request.method;
        *built.uri_mut() = uri;
        *built.headers_mut() = headers;
        Ok(built)
    }
}

thread_local! {
    /// The URIs this thread parsed last, by their exact text.
    static RECENT_URIS: std::cell::RefCell<Vec<(String, Uri)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The URI `text` parses to, checked: `http` or `https`, a host, no credentials.
///
/// A client calls the same few URLs over and over; a hit clones the parsed URI (its parts are
/// shared bytes) instead of parsing again, through the same per-thread cache as
/// `ReqwestTransport`'s URLs.
fn parse_uri(text: &str) -> Result<Uri, TransportError> {
    cached(&RECENT_URIS, text, |text| {
        let bad = |why: &str| TransportError::InvalidRequest(format!("bad URL: {why}"));
        let uri: Uri = text.parse().map_err(|_| bad("not a valid URL"))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => return Err(bad("the scheme must be http or https")),
        }
        let Some(authority) = uri.authority() else {
            return Err(bad("no host"));
        };
        if authority.as_str().contains('@') {
            return Err(bad(
                "credentials in the URL are not sent by HyperTransport; use ReqwestTransport",
            ));
        }
        if authority.host().is_empty() {
            return Err(bad("no host"));
        }
        Ok(uri)
    })
}

// As for `ReqwestTransport`: the request is handed to
// the pool before the future is made, so that the future holds only the response future.
impl Transport for HyperTransport {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        let timeout = request.timeout.unwrap_or(self.attempt_timeout);
        let max = self.max_body_bytes;
        let pending = self.prepare(request).map(|r| self.client.request(r));
        Box::pin(async move {
            let pending = pending?;
            let exchange = async move {
                let response = pending.await.map_err(|e| map_error(&e))?;
                let (parts, mut body) = response.into_parts();
                if parts.status.is_redirection() {
                    return Err(redirect_error(parts.status, &parts.headers));
                }
                let declared = parts
                    .headers
                    .get(CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                let mut capped = CappedBody::new(max, declared)?;
                while let Some(frame) = body.frame().await {
                    let frame = frame.map_err(|e| TransportError::Io(describe(&e)))?;
                    if let Ok(chunk) = frame.into_data() {
                        capped.push(chunk)?;
                    }
                }
                let body = capped.finish();
                Ok(HttpResponse {
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    attempts: 1,
                })
            };
            within(timeout, exchange).await
        })
    }

    /// The request's own timeout, else the transport's per-attempt timeout: both are enforced.
    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        Some(request.timeout.unwrap_or(self.attempt_timeout))
    }
}

/// Maps a pooled client's error: a failure to connect never sent the request.
fn map_error(error: &hyper_util::client::legacy::Error) -> TransportError {
    if error.is_connect() {
        TransportError::Connect(describe(error))
    } else {
        TransportError::Io(describe(error))
    }
}

/// The error and its sources as one line (hyper's errors name no URL).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::URL_CACHE;
    use http::Method;
    use http::header::CONTENT_TYPE;

    #[test]
    fn cached_uris_are_the_parsed_ones() {
        let texts: Vec<String> = (0..2 * URL_CACHE)
            .map(|i| format!("https://127.0.0.1:{}/a/b%2f?q=1&r=%D0%AF", 8000 + i))
            .collect();
        for _ in 0..3 {
            for text in &texts {
                let parsed: Uri = text.parse().unwrap();
                assert_eq!(parse_uri(text).unwrap(), parsed);
            }
        }
        assert_eq!(RECENT_URIS.with(|r| r.borrow().len()), URL_CACHE);
        for bad in ["http://u:p@h/", "ftp://h/", "h/a", "http://[::1"] {
            assert!(parse_uri(bad).is_err(), "{bad}");
            assert!(parse_uri(bad).is_err(), "{bad}");
            assert!(RECENT_URIS.with(|r| r.borrow().iter().all(|(t, _)| t != bad)));
        }
    }

    #[test]
    fn prepared_requests_keep_every_header_and_add_the_defaults_after() {
        let transport = HyperTransport::new().unwrap();
        let request = HttpRequest::new(Method::POST, "http://127.0.0.1:9/a?b=c")
            .sensitive_header(http::header::COOKIE, HeaderValue::from_static("k=v"))
            .body("text/plain", "hi");
        let built = transport.prepare(request).unwrap();
        let names: Vec<&str> = built.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["cookie", "content-type", "accept", "user-agent"]);
        assert!(built.headers()[http::header::COOKIE].is_sensitive());
        assert_eq!(built.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(built.headers()[ACCEPT], "*/*");
        assert_eq!(built.method(), Method::POST);
        assert_eq!(built.uri(), "http://127.0.0.1:9/a?b=c");
    }
}
