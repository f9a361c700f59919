//! [`MockTransport`]: canned responses and captured requests, for tests without sockets.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use http::StatusCode;

use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};
use crate::transport::{SendFuture, Transport};

/// Panics, naming what differs, unless `a` and `b` are the same request: the same method,
/// URL, headers and body bytes, and the same facts for the layers above the wire (service,
/// operation, idempotence, rate class, timeout). For tests that pin two ways of building one
/// request to each other (a fast path and the general one).
pub fn assert_same_request(a: &HttpRequest, b: &HttpRequest) {
    let body = |r: &HttpRequest| String::from_utf8_lossy(&r.body).into_owned();
    assert_eq!(a.method, b.method, "method");
    assert_eq!(a.url, b.url, "URL");
    assert_eq!(a.headers, b.headers, "headers");
    assert_eq!(body(a), body(b), "body");
    assert_eq!(a.service, b.service, "service");
    assert_eq!(a.operation, b.operation, "operation");
    assert_eq!(a.idempotent, b.idempotent, "idempotent");
    assert_eq!(a.rate_class, b.rate_class, "rate class");
    assert_eq!(a.timeout, b.timeout, "timeout");
}

/// A transport that answers from a queue and records every request.
///
/// ```
/// # tokio_test_shim::block_on(async {
/// use th_core::{HttpRequest, MockTransport, Transport};
/// let mock = MockTransport::new();
/// mock.push_json(200, &serde_json::json!({"success": true}));
/// let resp = mock.send(HttpRequest::new(http::Method::POST, "http://x/api")).await?;
/// assert_eq!(resp.status, 200);
/// assert_eq!(mock.requests().len(), 1);
/// # Ok::<(), th_core::TransportError>(()) }).unwrap();
/// # mod tokio_test_shim { pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #   tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) } }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MockTransport {
    state: Arc<Mutex<MockState>>,
}

#[derive(Debug, Default)]
struct MockState {
    queue: VecDeque<Result<HttpResponse, TransportError>>,
    fallback: Option<HttpResponse>,
    requests: Vec<HttpRequest>,
}

impl MockTransport {
    /// An empty mock: every request fails until responses are queued.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a response.
    pub fn push_response(&self, response: HttpResponse) -> &Self {
        self.lock().queue.push_back(Ok(response));
        self
    }

    /// Queues a JSON response with `status`.
    pub fn push_json(&self, status: u16, body: &serde_json::Value) -> &Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let response = HttpResponse::new(status, body.to_string()).with_header(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        self.push_response(response)
    }

    /// Queues a response with a status and a raw body.
    pub fn push_body(&self, status: u16, body: impl Into<bytes::Bytes>) -> &Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.push_response(HttpResponse::new(status, body))
    }

    /// Queues a transport error.
    pub fn push_error(&self, error: TransportError) -> &Self {
        self.lock().queue.push_back(Err(error));
        self
    }

    /// The response given when the queue is empty (without one, an empty queue is an error).
    pub fn set_fallback(&self, response: HttpResponse) -> &Self {
        self.lock().fallback = Some(response);
        self
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.lock().requests.clone()
    }

    /// The last request received.
    pub fn last_request(&self) -> Option<HttpRequest> {
        self.lock().requests.last().cloned()
    }

    /// How many responses are still queued.
    pub fn pending(&self) -> usize {
        self.lock().queue.len()
    }
}

impl Transport for MockTransport {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        Box::pin(async move {
            let mut state = self.lock();
            let described = format!("{} {}", request.method, request.url_without_query());
            state.requests.push(request);
            let n = state.requests.len();
            match state.queue.pop_front() {
                Some(result) => result,
                None => state.fallback.clone().ok_or_else(|| {
                    TransportError::Other(format!(
                        "MockTransport: no response queued for request #{n}: {described}"
                    ))
                }),
            }
        })
    }
}
