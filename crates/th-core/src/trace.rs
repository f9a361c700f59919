//! The tracing layer: one span per call with service, operation, status, attempts and latency.
//!
//! Never records a secret: no host (it can name the account), no URL query, no header value, no
//! body.

use std::time::{Duration, Instant};

use tracing::Instrument;
use tracing::level_filters::LevelFilter;

use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};
use crate::transport::{Remake, SendFuture, Transport};

/// A transport layer that wraps each call in a `tracing` span named `th.call`.
#[derive(Debug)]
pub struct Trace<T> {
    inner: T,
}

impl<T> Trace<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        Trace { inner }
    }
}

// While no subscriber records anything at any level
// (tracing's global level filter is `OFF`), a call goes straight to the inner transport's future,
// since no span or event could be recorded.
impl<T: Transport> Transport for Trace<T> {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        if LevelFilter::current() == LevelFilter::OFF {
            return self.inner.send(request);
        }
        Box::pin(self.traced(request))
    }

    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        self.inner.attempt_limit(request)
    }

    fn send_copy(&self, request: &HttpRequest) -> SendFuture<'_> {
        if LevelFilter::current() == LevelFilter::OFF {
            return self.inner.send_copy(request);
        }
        Box::pin(self.traced(request.clone()))
    }

    fn send_remaking<'a>(&'a self, request: HttpRequest, remake: &'a Remake<'a>) -> SendFuture<'a> {
        if LevelFilter::current() == LevelFilter::OFF {
            return self.inner.send_remaking(request, remake);
        }
        Box::pin(self.traced_with(request, |request| self.inner.send_remaking(request, remake)))
    }
}

impl<T: Transport> Trace<T> {
    async fn traced(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.traced_with(request, |request| self.inner.send(request))
            .await
    }

    /// `send(request)` in the call's span, its outcome recorded.
    async fn traced_with<'a>(
        &'a self,
        request: HttpRequest,
        send: impl FnOnce(HttpRequest) -> SendFuture<'a>,
    ) -> Result<HttpResponse, TransportError> {
        let span = tracing::info_span!(
            "th.call",
            service = request.service,
            operation = %request.operation,
            method = %request.method,
            path = request.url_path(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            error = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = send(request).instrument(span.clone()).await;
        let latency = started.elapsed().as_millis() as u64;
        span.record("latency_ms", latency);
        match &result {
            Ok(resp) => {
                span.record("status", resp.status.as_u16());
                span.record("attempts", resp.attempts);
                span.in_scope(|| {
                    tracing::debug!(
                        status = resp.status.as_u16(),
                        latency_ms = latency,
                        "call finished"
                    )
                });
            }
            Err(e) => {
                span.record("error", tracing::field::display(e));
                span.in_scope(|| tracing::warn!(error = %e, latency_ms = latency, "call failed"));
            }
        }
        result
    }
}
