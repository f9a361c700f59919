//! What every service client is configured with, and the layer stack built from it.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::TransportError;
use crate::retry::{Retry, RetryPolicy};
use crate::throttle::{RateLimit, Throttle};
use crate::trace::Trace;
use crate::transport::{Transport, TransportBuilder};

/// Transport settings shared by all service clients.
///
/// The stack built from them is `Trace → Retry → Throttle → transport`: one span per call, the
/// retries inside it, each attempt throttled. The default transport is the build's
/// (see [`TransportBuilder::build_default`]): a `ReqwestTransport` unless th-core is built
/// without its `reqwest` feature and with `hyper`.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// When and how to retry.
    pub retry: RetryPolicy,
    /// The overall client-side rate limit (`None`: unlimited).
    pub rate_limit: Option<RateLimit>,
    /// Extra limits per rate class (see [`MethodInfo::rate_class`](crate::MethodInfo)).
    pub class_limits: Vec<(&'static str, RateLimit)>,
    /// Per-attempt timeout of the default transport (`None`: 30 s). A transport passed in
    /// [`transport`](Self::transport) keeps its own.
    pub attempt_timeout: Option<Duration>,
    /// The transport at the bottom of the stack (`None`: the default transport, see above).
    pub transport: Option<Arc<dyn Transport>>,
    /// The clock the retry and throttle layers sleep on (`None`: real time).
    pub clock: Option<Arc<dyn Clock>>,
    /// Whether to wrap calls in `tracing` spans (default true).
    pub trace: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            retry: RetryPolicy::default(),
            rate_limit: None,
            class_limits: Vec::new(),
            attempt_timeout: None,
            transport: None,
            clock: None,
            trace: true,
        }
    }
}

impl ClientOptions {
    /// Builds the layer stack.
    pub fn build_stack(&self) -> Result<Arc<dyn Transport>, TransportError> {
        let base: Arc<dyn Transport> = match &self.transport {
            Some(t) => Arc::clone(t),
            None => {
                let mut builder = TransportBuilder::default();
                if let Some(timeout) = self.attempt_timeout {
                    builder = builder.attempt_timeout(timeout);
                }
                builder.build_default()?
            }
        };
        let mut throttle = Throttle::new(base);
        if let Some(clock) = &self.clock {
            throttle = throttle.with_clock(Arc::clone(clock));
        }
        if let Some(limit) = self.rate_limit {
            throttle = throttle.limit(limit);
        }
        for (class, limit) in &self.class_limits {
            throttle = throttle.class_limit(class, *limit);
        }
        let mut retry = Retry::new(Arc::new(throttle) as Arc<dyn Transport>, self.retry.clone());
        if let Some(clock) = &self.clock {
            retry = retry.with_clock(Arc::clone(clock));
        }
        let stack: Arc<dyn Transport> = Arc::new(retry);
        Ok(if self.trace {
            Arc::new(Trace::new(stack))
        } else {
            stack
        })
    }
}

/// Checks a base URL and gives it a trailing slash: `http(s)://`, no query, no fragment.
pub fn normalize_base_url(url: &str) -> Result<String, String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!(
            "the base URL must start with http:// or https://: {url:?}"
        ));
    }
    if url.contains(['?', '#']) {
        return Err("the base URL must not have a query or a fragment".to_owned());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the base URL must not contain spaces or control characters".to_owned());
    }
    let mut url = url.to_owned();
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_transport_is_the_builds_whatever_the_environment() {
        let expected = if cfg!(feature = "reqwest") {
            "ReqwestTransport"
        } else {
            "HyperTransport"
        };
        let stack = ClientOptions {
            trace: false,
            ..ClientOptions::default()
        };
        // The stack's Debug names the transport at its bottom.
        let built = format!("{:?}", stack.build_stack().unwrap());
        assert!(built.contains(expected), "{built}");
        let direct = TransportBuilder::default().build_default().unwrap();
        assert!(format!("{direct:?}").starts_with(expected), "{direct:?}");
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("http://x/api").as_deref(),
            Ok("http://x/api/")
        );
        assert_eq!(
            normalize_base_url("https://x/").as_deref(),
            Ok("https://x/")
        );
        assert!(normalize_base_url("ftp://x").is_err());
        assert!(normalize_base_url("http://x/?a=1").is_err());
        assert!(normalize_base_url("http://x/#f").is_err());
        assert!(normalize_base_url("http://x/a b").is_err());
    }
}
