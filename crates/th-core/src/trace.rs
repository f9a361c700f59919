//! The tracing layer: one span per call with service, operation, status, attempts and latency.
//!
//! Never records a secret: no URL query, no header value, no body.

use std::time::Instant;

use async_trait::async_trait;
use tracing::Instrument;

use crate::error::TransportError;
use crate::http::{HttpRequest, HttpResponse};
use crate::transport::Transport;

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

#[async_trait]
impl<T: Transport> Transport for Trace<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let span = tracing::info_span!(
            "th.call",
            service = request.service,
            operation = %request.operation,
            method = %request.method,
            path = request.url_without_query(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            error = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.inner.send(request).instrument(span.clone()).await;
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
