//! Plain-data HTTP requests and responses: what crosses the [`Transport`](crate::Transport) boundary.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};

/// One HTTP request, as plain data.
///
/// Service clients build it; transports send it. It carries no service knowledge beyond the
/// names used for tracing and throttling.
#[derive(Clone)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL. Never carries a secret: services put credentials in headers or bodies.
    pub url: String,
    /// Request headers. Headers carrying secrets are marked sensitive.
    pub headers: HeaderMap,
    /// The body bytes (empty for none).
    pub body: Bytes,
    /// Timeout of one attempt; `None` uses the transport's default.
    pub timeout: Option<Duration>,
    /// Safe to send twice. Only idempotent requests are retried once a response was received.
    pub idempotent: bool,
    /// The service name (`targethunter`, `justclick`, ...), for tracing and throttling.
    pub service: &'static str,
    /// The operation name (the API method's wire name), for tracing.
    pub operation: Cow<'static, str>,
    /// The client-side rate-limit class, when the method has a limit of its own.
    pub rate_class: Option<&'static str>,
    /// The service's reading of its own answers, for the retry layer: given an answer whose
    /// HTTP status says success, whether its body says "try again later" (a request limit
    /// reported inside a 200). `None`: the status alone decides.
    pub classify: Option<AnswerClassifier>,
    /// A retry policy for this call alone (set by a per-call override such as
    /// `ApiClient::customize().retry(..)`); `None` uses the [`Retry`](crate::Retry) layer's own.
    /// Behind an `Arc` so the request stays small and an attempt's clone does not allocate.
    pub retry: Option<std::sync::Arc<crate::RetryPolicy>>,
}

/// What a service reads in an answer whose HTTP status says success, for the retry layer.
///
/// The retry layer treats both as it treats a 429 or a 503: retried only when the request is
/// idempotent, after the backoff (or the answer's `Retry-After`, within the policy's cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryHint {
    /// The service refused for its request limit (JustClick's code 8, TargetHunter's
    /// `rate_limited`).
    RateLimited,
    /// A passing failure the service reports in a successful HTTP answer
    /// (TargetHunter's `internal_error`).
    Transient,
}

/// A service's classifier of its answers (see [`HttpRequest::classify`]).
///
/// A plain function pointer: a request carries it at no cost (it is `Copy`, cloned with the
/// request for every attempt without allocating), and th-core learns nothing of the service.
/// The retry layer calls it only on a 2xx answer to an idempotent request with attempts left;
/// the answer it sees is the one the caller gets after the last attempt, so the service's own
/// decoding (signature check, typed API error) still runs on that.
pub type AnswerClassifier = fn(&HttpResponse) -> Option<RetryHint>;

/// A header value for one of the media types the service crates send, made when the crate was
/// compiled; any other text is checked now, as [`HeaderValue::from_static`] does (which panics on
/// bytes a header cannot hold: the texts are the crates' own literals, never input).
///
/// Checking `application/x-www-form-urlencoded` byte by byte, as `from_static` does at run time,
/// was about half the cost of setting the header, on every call (callgrind).
fn media_type(text: &'static str) -> HeaderValue {
    // Consts of a type with an atomic inside are fine here: each use makes a fresh value.
    #[allow(clippy::declare_interior_mutable_const)]
    const JSON: HeaderValue = HeaderValue::from_static("application/json");
    #[allow(clippy::declare_interior_mutable_const)]
    const FORM: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");
    #[allow(clippy::declare_interior_mutable_const)]
    const XML: HeaderValue = HeaderValue::from_static("application/xml, text/xml");
    match text {
        "application/json" => JSON,
        "application/x-www-form-urlencoded" => FORM,
        "application/xml, text/xml" => XML,
        other => HeaderValue::from_static(other),
    }
}

/// `base` followed by `path`, in one allocation of the exact size (`format!` cost several times
/// as much, run on every call).
pub fn join_url(base: &str, path: &str) -> String {
    let mut url = String::with_capacity(base.len() + path.len());
    url.push_str(base);
    url.push_str(path);
    url
}

impl HttpRequest {
    /// A new request with no headers and an empty body; not idempotent.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            timeout: None,
            idempotent: false,
            service: "http",
            operation: Cow::Borrowed("request"),
            rate_class: None,
            classify: None,
            retry: None,
        }
    }

    /// Sets a header, replacing any earlier value.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sets a header that carries a secret: it is marked sensitive so that it never prints.
    pub fn sensitive_header(mut self, name: HeaderName, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        self.headers.insert(name, value);
        self
    }

    /// Sets the body and its content type.
    ///
    /// `content_type` must be a valid header value (visible ASCII); it is a literal of the
    /// calling code, not input.
    pub fn body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        self.headers
            .insert(http::header::CONTENT_TYPE, media_type(content_type));
        self.body = body.into();
        self
    }

    /// Sets the `Accept` header to `media` (a literal of the calling code, as for
    /// [`body`](Self::body)'s content type).
    pub fn accept(mut self, media: &'static str) -> Self {
        self.headers.insert(http::header::ACCEPT, media_type(media));
        self
    }

    /// Marks the request idempotent (or not).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sets the service and operation names used in tracing.
    pub fn operation(
        mut self,
        service: &'static str,
        operation: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.service = service;
        self.operation = operation.into();
        self
    }

    /// Sets the service's classifier of 2xx answers (see [`HttpRequest::classify`]).
    pub fn classify_answer(mut self, classify: AnswerClassifier) -> Self {
        self.classify = Some(classify);
        self
    }

    /// Sets a retry policy for this request alone (see [`HttpRequest::retry`]).
    pub fn retry_policy(mut self, policy: crate::RetryPolicy) -> Self {
        self.retry = Some(std::sync::Arc::new(policy));
        self
    }

    /// Sets the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The URL without its query string and fragment.
    pub fn url_without_query(&self) -> &str {
        let end = self.url.find(['?', '#']).unwrap_or(self.url.len());
        &self.url[..end]
    }

    /// The URL's path alone: no scheme, host, port, query or fragment. What tracing and `Debug`
    /// show, since a host can carry an account name (JustClick's `<login>.justclick.ru`) and a
    /// query a credential.
    pub fn url_path(&self) -> &str {
        let url = self.url_without_query();
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        match url[after_scheme..].find('/') {
            Some(i) => &url[after_scheme + i..],
            None => "/",
        }
    }
}

impl fmt::Debug for HttpRequest {
    /// Prints no query string and no body (either may carry a secret), and sensitive headers as
    /// `Sensitive`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.url_path())
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .field("idempotent", &self.idempotent)
            .field("service", &self.service)
            .field("operation", &self.operation)
            .finish()
    }
}

/// One HTTP response, body fully read.
#[derive(Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Bytes,
    /// How many attempts it took (set by the retry layer; 1 without it).
    pub attempts: u32,
}

impl HttpResponse {
    /// A response with a status and a body.
    pub fn new(status: StatusCode, body: impl Into<Bytes>) -> Self {
        HttpResponse {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
            attempts: 1,
        }
    }

    /// Adds a header (builder style; for tests and mocks).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The `Content-Type` header, if any and readable.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// The `Retry-After` header as a duration (delay-seconds form; an HTTP date counts from now).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self
            .headers
            .get(http::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(secs) = value.parse::<f64>()
            && secs.is_finite()
            && secs >= 0.0
        {
            return Duration::try_from_secs_f64(secs).ok();
        }
        http_date_delay(value, SystemTime::now())
    }

    /// The body as text when it is valid UTF-8, else a lossy rendering (for error messages).
    pub fn body_text_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// The delay from `now` until an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete
/// RFC 850 and asctime forms RFC 9110 asks recipients to accept), by the `httpdate` crate (the
/// parser hyper itself uses); a date in the past is no delay.
fn http_date_delay(value: &str, now: SystemTime) -> Option<Duration> {
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_the_texts_given() {
        for text in [
            "application/json",
            "application/x-www-form-urlencoded",
            "application/xml, text/xml",
            "text/plain; charset=utf-8",
        ] {
            let r = HttpRequest::new(Method::POST, "http://h/")
                .body(text, "x")
                .accept(text);
            assert_eq!(r.headers[http::header::CONTENT_TYPE], text);
            assert_eq!(r.headers[http::header::ACCEPT], text);
            assert_eq!(r.headers.len(), 2);
        }
    }

    #[test]
    fn join_url_concatenates() {
        assert_eq!(
            join_url("http://h/api/", "vars/get"),
            "http://h/api/vars/get"
        );
        assert_eq!(join_url("http://h/", ""), "http://h/");
    }

    #[test]
    fn url_path_drops_scheme_host_query_and_fragment() {
        let path = |url: &str| HttpRequest::new(Method::POST, url).url_path().to_owned();
        assert_eq!(
            path("https://mylogin.justclick.ru/api/GetAllGroups?a=1#x"),
            "/api/GetAllGroups"
        );
        assert_eq!(path("http://127.0.0.1:8080/v2/users/me"), "/v2/users/me");
        assert_eq!(path("https://host.example"), "/");
        assert_eq!(path("https://host.example?key=secret"), "/");
        let shown = format!(
            "{:?}",
            HttpRequest::new(Method::GET, "https://mylogin.justclick.ru/api/X?k=v")
        );
        assert!(
            shown.contains("\"/api/X\"") && !shown.contains("mylogin"),
            "{shown}"
        );
    }

    #[test]
    fn http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // 06 Nov 1994 08:49:37
        for date in [
            "Sun, 06 Nov 1994 08:49:47 GMT",
            "Sunday, 06-Nov-94 08:49:47 GMT",
            "Sun Nov  6 08:49:47 1994",
        ] {
            assert_eq!(
                http_date_delay(date, now),
                Some(Duration::from_secs(10)),
                "{date}"
            );
        }
        assert_eq!(
            http_date_delay("Sun, 06 Nov 1994 08:49:27 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(http_date_delay("Sun, 06 Nov 1994 08:49:37", now), None);
        assert_eq!(http_date_delay("garbage", now), None);
        // A server's absurd year is no date, not an overflow.
        assert_eq!(
            http_date_delay("Fri, 01 Jan 18446744073709551615 00:00:00 GMT", now),
            None
        );
        let answer = HttpResponse::new(StatusCode::TOO_MANY_REQUESTS, "").with_header(
            http::header::RETRY_AFTER,
            HeaderValue::from_static("Fri, 01 Jan 2100 00:00:00 GMT"),
        );
        assert!(
            answer
                .retry_after()
                .is_some_and(|d| d > Duration::from_secs(86_400 * 365 * 50))
        );
    }
}
