//! The client-side rate limit layer.
//!
//! Each limit is a GCRA (a leaky bucket without a timer): `requests` per `per`, with a burst of
//! `burst` requests. A request reserves its slot under a lock and then sleeps outside it, so
//! concurrent callers queue fairly in arrival order.
//!
//! Why hand-written and not `governor`: GCRA itself is a few lines (`Bucket::reserve` in `rate.rs`). What the
//! clients need around it is what `governor` does not give: sleeping through th-core's
//! [`Clock`] (tests run on a manual clock and never wait; `governor`'s `until_ready` sleeps on
//! `futures-timer`'s real timer whatever clock it reads), and a reservation made at arrival, so
//! waiters leave in arrival order (`until_ready` re-checks after each sleep, and waiters race).
//! It would also add `quanta`, `dashmap`, `futures-timer` and friends to every build for one
//! struct.
//!
//! Where the buckets live: in the layer itself (the default, one set per client), or in a
//! [`LimiterStore`] set with [`Throttle::store`] (e.g. the `th-redis` crate's `RedisStore`, shared
//! by every process using the same account). With a store, the layer asks it for the wait of
//! each request (one call for the overall limit and the request's class together); a store that
//! fails closed refuses the request before it is sent ([`TransportError::Refused`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::{Clock, TokioClock};
use crate::error::TransportError;
use crate::http::HttpRequest;
use crate::limit::{Account, LimitKey, LimiterStore, OVERALL_CLASS};
use crate::rate::Bucket;
pub use crate::rate::RateLimit;
use crate::transport::{Remake, SendFuture, Transport};

/// A transport layer that spaces requests to stay under rate limits.
///
/// ```
/// use th_core::{RateLimit, ReqwestTransport, Throttle};
/// let transport = Throttle::new(ReqwestTransport::new()?)
///     .limit(RateLimit::per_second(5))
///     .class_limit("listings", RateLimit::per_second(1));
/// # Ok::<(), th_core::TransportError>(())
/// ```
#[derive(Debug)]
pub struct Throttle<T> {
    inner: T,
    global: Option<Arc<Mutex<Bucket>>>,
    classes: HashMap<&'static str, Arc<Mutex<Bucket>>>,
    clock: Arc<dyn Clock>,
    shared: Option<Shared>,
}

/// A store the limits live in instead of the layer's own buckets, and whose limits they are.
#[derive(Debug)]
struct Shared {
    store: Arc<dyn LimiterStore>,
    account: Account,
    global: Option<RateLimit>,
    classes: HashMap<&'static str, RateLimit>,
}

impl<T> Throttle<T> {
    /// Wraps `inner` with no limits yet.
    pub fn new(inner: T) -> Self {
        Throttle {
            inner,
            global: None,
            classes: HashMap::new(),
            clock: Arc::new(TokioClock),
            shared: None,
        }
    }

    /// Limits every request.
    pub fn limit(mut self, limit: RateLimit) -> Self {
        self.global = Some(Arc::new(Mutex::new(Bucket::new(limit))));
        if let Some(shared) = &mut self.shared {
            shared.global = Some(limit);
        }
        self
    }

    /// Limits requests whose `rate_class` is `class` (in addition to the overall limit).
    pub fn class_limit(mut self, class: &'static str, limit: RateLimit) -> Self {
        self.classes
            .insert(class, Arc::new(Mutex::new(Bucket::new(limit))));
        if let Some(shared) = &mut self.shared {
            shared.classes.insert(class, limit);
        }
        self
    }

    /// Keeps the limits in `store`, as `account`'s (keys `(request's service, account, class)`,
    /// the overall limit's class [`OVERALL_CLASS`]) instead of in this layer: with a shared
    /// store, every process using the account shares them. Limits set before or after apply.
    pub fn store(mut self, store: Arc<dyn LimiterStore>, account: Account) -> Self {
        let global = self
            .global
            .as_ref()
            .map(|b| b.lock().unwrap_or_else(|p| p.into_inner()).limit);
        let classes = self
            .classes
            .iter()
            .map(|(c, b)| (*c, b.lock().unwrap_or_else(|p| p.into_inner()).limit))
            .collect();
        self.shared = Some(Shared {
            store,
            account,
            global,
            classes,
        });
        self
    }

    /// Uses `clock` for waiting (tests pass a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether any limit applies to `request`.
    fn applies_to(&self, request: &HttpRequest) -> bool {
        self.global.is_some()
            || request
                .rate_class
                .is_some_and(|c| self.classes.contains_key(c))
    }

    fn wait_for(&self, request: &HttpRequest) -> Duration {
        let now = self.clock.now();
        let mut wait = Duration::ZERO;
        let buckets = self
            .global
            .iter()
            .chain(request.rate_class.and_then(|c| self.classes.get(c)));
        for bucket in buckets {
            let mut b = bucket.lock().unwrap_or_else(|p| p.into_inner());
            wait = wait.max(b.reserve(now));
        }
        wait
    }
}

// A request no limit applies to goes straight to
// the inner transport's future: no box of its own, no clock read.
impl<T: Transport> Transport for Throttle<T> {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        if !self.applies_to(&request) {
            return self.inner.send(request);
        }
        if let Some(shared) = &self.shared {
            return Box::pin(async move {
                let mut limits = Vec::with_capacity(2);
                if let Some(limit) = shared.global {
                    limits.push((
                        LimitKey::new(request.service, shared.account.clone(), OVERALL_CLASS),
                        limit,
                    ));
                }
                if let Some((class, limit)) = request
                    .rate_class
                    .and_then(|c| shared.classes.get_key_value(c))
                {
                    limits.push((
                        LimitKey::new(request.service, shared.account.clone(), class),
                        *limit,
                    ));
                }
                let wait = shared
                    .store
                    .acquire(&limits)
                    .await
                    .map_err(TransportError::from)?;
                if !wait.is_zero() {
                    tracing::trace!(wait_ms = wait.as_millis() as u64, "throttled (shared)");
                    self.clock.sleep(wait).await;
                }
                self.inner.send(request).await
            });
        }
        Box::pin(async move {
            let wait = self.wait_for(&request);
            if !wait.is_zero() {
                tracing::trace!(wait_ms = wait.as_millis() as u64, "throttled");
                self.clock.sleep(wait).await;
            }
            self.inner.send(request).await
        })
    }

    /// The inner bound when no limit applies to `request`; unknown otherwise (the wait for a
    /// slot has no bound of its own).
    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        if self.applies_to(request) {
            None
        } else {
            self.inner.attempt_limit(request)
        }
    }

    /// A request no limit applies to is the inner transport's to copy.
    fn send_copy(&self, request: &HttpRequest) -> SendFuture<'_> {
        if self.applies_to(request) {
            self.send(request.clone())
        } else {
            self.inner.send_copy(request)
        }
    }

    /// A request no limit applies to is the inner transport's, with its remaking.
    fn send_remaking<'a>(&'a self, request: HttpRequest, remake: &'a Remake<'a>) -> SendFuture<'a> {
        if self.applies_to(&request) {
            self.send(request)
        } else {
            self.inner.send_remaking(request, remake)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limit::{LeaseId, LimitError};
    use crate::{ManualClock, MockTransport};

    /// One acquire's limits: (service, class, limit) each.
    type Asked = Vec<(&'static str, &'static str, RateLimit)>;

    /// A store that answers a fixed wait (or refuses) and records each acquire's keys.
    #[derive(Debug, Default)]
    struct Recording {
        wait: Duration,
        refuse: bool,
        calls: Mutex<Vec<Asked>>,
    }

    #[async_trait::async_trait]
    impl LimiterStore for Recording {
        async fn acquire(&self, limits: &[(LimitKey, RateLimit)]) -> Result<Duration, LimitError> {
            self.calls.lock().unwrap().push(
                limits
                    .iter()
                    .map(|(k, l)| (k.service, k.class, *l))
                    .collect(),
            );
            if self.refuse {
                return Err(LimitError::Unavailable("down".into()));
            }
            Ok(self.wait)
        }
        async fn lease(&self, _: &LimitKey, _: u32, _: Duration) -> Result<LeaseId, LimitError> {
            Ok(LeaseId("x".into()))
        }
        async fn renew(&self, _: &LimitKey, _: &LeaseId, _: Duration) -> Result<bool, LimitError> {
            Ok(true)
        }
        async fn release(&self, _: &LimitKey, _: &LeaseId) -> Result<(), LimitError> {
            Ok(())
        }
    }

    fn request(class: Option<&'static str>) -> HttpRequest {
        let mut r = HttpRequest::new(http::Method::GET, "http://x/").operation("radist", "op");
        r.rate_class = class;
        r
    }

    #[tokio::test]
    async fn with_a_store_each_request_asks_it_once_for_all_its_limits() {
        let store = Arc::new(Recording {
            wait: Duration::from_millis(70),
            ..Recording::default()
        });
        let mock = MockTransport::new();
        mock.set_fallback(crate::HttpResponse::new(http::StatusCode::OK, "{}"));
        let clock = ManualClock::new();
        let overall = RateLimit::per_second(5);
        let chats = RateLimit::per_second(1);
        let throttle = Throttle::new(mock.clone())
            .limit(overall)
            .with_clock(Arc::new(clock.clone()))
            .store(store.clone(), Account::from_credential(&["k"]))
            .class_limit("chats", chats);
        throttle.send(request(Some("chats"))).await.unwrap();
        throttle.send(request(None)).await.unwrap();
        throttle.send(request(Some("other"))).await.unwrap();
        assert_eq!(
            *store.calls.lock().unwrap(),
            vec![
                vec![
                    ("radist", OVERALL_CLASS, overall),
                    ("radist", "chats", chats)
                ],
                vec![("radist", OVERALL_CLASS, overall)],
                vec![("radist", OVERALL_CLASS, overall)],
            ]
        );
        // The store's wait is slept on the layer's clock, and the layer's own buckets are not
        // used (they would have said 0 for the first calls).
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(70); 3]);
        assert_eq!(mock.requests().len(), 3);
    }

    #[tokio::test]
    async fn a_refusing_store_stops_the_request_before_it_is_sent() {
        let store = Arc::new(Recording {
            refuse: true,
            ..Recording::default()
        });
        let mock = MockTransport::new();
        mock.set_fallback(crate::HttpResponse::new(http::StatusCode::OK, "{}"));
        let throttle = Throttle::new(mock.clone())
            .limit(RateLimit::per_second(5))
            .store(store, Account::anonymous());
        let err = throttle.send(request(None)).await.unwrap_err();
        assert!(matches!(err, TransportError::Refused(_)), "{err:?}");
        assert!(err.never_sent());
        assert!(mock.requests().is_empty());
    }
}
