//! The retry layer and its decision, a pure function.
//!
//! Classification, in priority order:
//! 1. a request that provably never left (connect failure) is retried, idempotent or not;
//! 2. any other transport failure (timeout, reset mid-body) is retried only when idempotent;
//! 3. 429 and 5xx (except 501) are retried only when idempotent; `Retry-After` is honoured up to
//!    [`RetryPolicy::max_retry_after`] — above it the response is handed back at once, so the caller
//!    sees the wait as a typed error instead of sleeping;
//! 4. a 2xx answer the service's classifier ([`HttpRequest::classify`]) reads as "try again later"
//!    ([`RetryHint`]: a request limit or a passing failure reported inside an HTTP 200) is treated
//!    as a 429 is: retried only when idempotent, `Retry-After` honoured within the same cap;
//! 5. everything else is final.
//!
//! Backoff between attempts is exponential with full jitter: a uniform draw in
//! `[0, min(max_delay, base_delay * 2^(attempt-1))]`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, TokioClock};
use crate::error::TransportError;
use crate::http::{AnswerClassifier, HttpRequest, HttpResponse, RetryHint};
use crate::transport::{Remake, SendFuture, Transport};

/// How many times and how long to retry.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff's upper bound.
    pub base_delay: Duration,
    /// The largest backoff.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured by sleeping; a longer one ends the call.
    pub max_retry_after: Duration,
    /// Deadline for the whole call, all attempts and waits included (`None`: no deadline).
    pub total_timeout: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(10),
            total_timeout: Some(Duration::from_secs(90)),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }
}

/// What one attempt came to, as the decision sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A response with this status and, if present, its `Retry-After`.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The parsed `Retry-After` header.
        retry_after: Option<Duration>,
    },
    /// A 2xx answer the service's classifier read as "try again later".
    Hinted {
        /// What the service read in the answer.
        hint: RetryHint,
        /// The parsed `Retry-After` header.
        retry_after: Option<Duration>,
    },
    /// The request never left (connect failure).
    NotSent,
    /// The request failed after it may have reached the server.
    Failed,
}

/// The decision after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Done: return the outcome as it is.
    Stop,
    /// Wait this long, then send again.
    RetryAfter(Duration),
}

/// Decides whether to retry after attempt number `attempt` (1-based).
///
/// `jitter` is a uniform draw in `[0, 1)`, passed in so that the function is pure.
pub fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    idempotent: bool,
    outcome: Outcome,
    jitter: f64,
) -> Decision {
    if attempt >= policy.max_attempts {
        return Decision::Stop;
    }
    let backoff = || {
        let exp = policy
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let cap = exp.min(policy.max_delay);
        cap.mul_f64(jitter.clamp(0.0, 1.0))
    };
    // An answer arrived and asks to try again: only an idempotent request may be sent twice.
    let answer_says_later = |retry_after: Option<Duration>| {
        if !idempotent {
            return Decision::Stop;
        }
        match retry_after {
            Some(wait) if wait > policy.max_retry_after => Decision::Stop,
            Some(wait) => Decision::RetryAfter(wait),
            None => Decision::RetryAfter(backoff()),
        }
    };
    match outcome {
        Outcome::NotSent => Decision::RetryAfter(backoff()),
        Outcome::Failed if idempotent => Decision::RetryAfter(backoff()),
        Outcome::Failed => Decision::Stop,
        Outcome::Status {
            status,
            retry_after,
        } => {
            let retryable = status == 429 || (500..600).contains(&status) && status != 501;
            if !retryable {
                return Decision::Stop;
            }
            answer_says_later(retry_after)
        }
        Outcome::Hinted { retry_after, .. } => answer_says_later(retry_after),
    }
}

/// How much earlier than the deadline an attempt's own bound must end for the retry layer to
/// rely on it instead of a timer of its own.
const LIMIT_MARGIN: Duration = Duration::from_millis(50);

/// A transport layer that retries by [`decide`].
///
/// ```
/// use std::sync::Arc;
/// use th_core::{ReqwestTransport, Retry, RetryPolicy};
/// let transport = Retry::new(ReqwestTransport::new()?, RetryPolicy::default());
/// # Ok::<(), th_core::TransportError>(())
/// ```
#[derive(Debug)]
pub struct Retry<T> {
    inner: T,
    policy: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl<T> Retry<T> {
    /// Wraps `inner` with `policy`, sleeping on real time.
    pub fn new(inner: T, policy: RetryPolicy) -> Self {
        Retry {
            inner,
            policy,
            clock: Arc::new(TokioClock),
        }
    }

    /// Uses `clock` for sleeps and the deadline (tests pass a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }
}

// `send` keeps the call's future small: the rarely needed
// deadline timer is boxed on its own, so the one box per call stays in the allocator's fast path.
impl<T: Transport> Transport for Retry<T> {
    fn send(&self, mut request: HttpRequest) -> SendFuture<'_> {
        let retrying = self.retrying();
        let facts = Facts::of(&mut request, retrying.inner);
        Box::pin(retrying.run(facts, Kept(request)))
    }

    /// The first attempt takes `request` itself; another attempt takes what `remake` makes
    /// (no copy is kept beside the request in flight).
    fn send_remaking<'a>(&'a self, request: HttpRequest, remake: &'a Remake<'a>) -> SendFuture<'a> {
        Box::pin(self.retrying().send_remaking(request, remake))
    }
}

impl<T: Transport> Retry<T> {
    /// The layer's parts, to run one call's attempts as part of the caller's own future
    /// ([`Retrying::send_remaking`]) rather than in a boxed one of the layer's.
    pub fn retrying(&self) -> Retrying<'_> {
        Retrying {
            inner: &self.inner,
            policy: &self.policy,
            clock: &self.clock,
        }
    }
}

/// A retry layer's parts ([`Retry::retrying`]), for running one call's attempts as part of the
/// caller's own future instead of a boxed one of the layer's: the pipeline's typed calls do so
/// when nothing above the retry layer has work to do (no tracing), which saves an allocation
/// of the call's whole retry state on every call.
#[derive(Clone, Copy)]
pub struct Retrying<'a> {
    inner: &'a dyn Transport,
    policy: &'a RetryPolicy,
    clock: &'a Arc<dyn Clock>,
}

impl fmt::Debug for Retrying<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retrying")
            .field("inner", &self.inner)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<'a> Retrying<'a> {
    /// Sends `request` with the layer's retries, the first attempt taking `request` itself and
    /// each later one what `remake` makes ([`Transport::send_remaking`]).
    ///
    /// The first attempt's future is made here (the inner transport's futures do nothing until
    /// polled), so the returned future holds no request: the call's future stays small.
    pub fn send_remaking(
        self,
        mut request: HttpRequest,
        remake: &'a Remake<'a>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> + Send + 'a {
        let facts = Facts::of(&mut request, self.inner);
        let first = self.inner.send(request);
        self.run(
            facts,
            Remade {
                first: Some(first),
                next: None,
                remake,
            },
        )
    }
}

/// What the retry decisions read of a call's request, read before the first attempt takes it.
struct Facts {
    /// A per-call policy on the request (`customize().retry(..)`), taken off it: it replaces
    /// the layer's.
    custom: Option<Arc<RetryPolicy>>,
    idempotent: bool,
    classify: Option<AnswerClassifier>,
    /// What the inner transport enforces on one attempt, if known.
    attempt_limit: Option<Duration>,
}

impl Facts {
    fn of(request: &mut HttpRequest, inner: &dyn Transport) -> Facts {
        Facts {
            custom: request.retry.take(),
            idempotent: request.idempotent,
            classify: request.classify,
            attempt_limit: inner.attempt_limit(request),
        }
    }
}

/// Where each attempt's request comes from: the retry loop is the same for both kinds
/// ([`Kept`], [`Remade`]), each holding only what it needs.
trait Attempts<'a>: Send {
    /// The next attempt's future; `last`: the policy allows none after it.
    fn next<'s>(&'s mut self, inner: &'a dyn Transport, last: bool) -> Option<SendFuture<'s>>
    where
        'a: 's;

    /// Makes the request of the attempt after the one just answered; `false` when it cannot
    /// be made (the answer at hand is then the call's).
    fn prepare(&mut self) -> bool {
        true
    }
}

/// The caller's request, kept: a copy goes out for every attempt but the last.
struct Kept(HttpRequest);

impl<'a> Attempts<'a> for Kept {
    fn next<'s>(&'s mut self, inner: &'a dyn Transport, last: bool) -> Option<SendFuture<'s>>
    where
        'a: 's,
    {
        Some(if last {
            // Nothing follows it: the last attempt takes the request itself.
            inner.send(std::mem::replace(
                &mut self.0,
                HttpRequest::new(http::Method::GET, String::new()),
            ))
        } else {
            inner.send_copy(&self.0)
        })
    }
}

/// The first attempt, made of the caller's request, then the caller's remaking of it.
struct Remade<'a> {
    first: Option<SendFuture<'a>>,
    /// The request of the next attempt, once made (boxed: only a retry needs one, and it keeps
    /// the call's future small).
    next: Option<Box<HttpRequest>>,
    remake: &'a Remake<'a>,
}

impl<'a> Attempts<'a> for Remade<'a> {
    fn next<'s>(&'s mut self, inner: &'a dyn Transport, _last: bool) -> Option<SendFuture<'s>>
    where
        'a: 's,
    {
        match self.first.take() {
            Some(first) => Some(first),
            None => self.next.take().map(|request| inner.send(*request)),
        }
    }

    /// Made before the wait, while the answer can still be returned if it cannot be.
    fn prepare(&mut self) -> bool {
        match (self.remake)() {
            Some(mut request) => {
                request.retry = None;
                self.next = Some(Box::new(request));
                true
            }
            None => false,
        }
    }
}

impl<'a> Retrying<'a> {
    // An `async` block rather than an `async fn`: the block uses the moved-in attempts in
    // place, where an `async fn` keeps a second copy of its arguments in its future.
    #[allow(clippy::manual_async_fn)]
    fn run<A: Attempts<'a> + 'a>(
        self,
        facts: Facts,
        mut attempts: A,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> + Send + 'a {
        async move {
            let Facts {
                custom,
                idempotent,
                classify,
                attempt_limit,
            } = facts;
            let policy: &RetryPolicy = custom.as_deref().unwrap_or(self.policy);
            let start = self.clock.now();
            let deadline = policy.total_timeout;
            let mut attempt = 1u32;
            // The wait before the next attempt. Slept at the top of the loop, where the last
            // answer is gone: the call's future does not hold it through the wait.
            let mut wait = None;
            loop {
                if let Some(wait) = wait.take() {
                    self.clock.sleep(wait).await;
                    attempt += 1;
                }
                let Some(attempt_future) =
                    attempts.next(self.inner, attempt >= policy.max_attempts)
                else {
                    return Err(TransportError::InvalidRequest(
                        "the request was already sent".to_owned(),
                    ));
                };
                // The per-attempt timeout stays the transport's (or the request's); the deadline of
                // the whole call bounds the attempt on top of it. When the transport's own bound ends
                // the attempt before the deadline anyway, no second timer is armed for it.
                let result = match deadline {
                    Some(total) => {
                        // The first attempt starts as the call does: the whole deadline is left
                        // (no second read of the clock).
                        let left = if attempt == 1 {
                            total
                        } else {
                            let elapsed = self.clock.now().saturating_duration_since(start);
                            total.saturating_sub(elapsed)
                        };
                        if left.is_zero() {
                            return Err(TransportError::Deadline(total));
                        }
                        let ends_first = attempt_limit
                            .is_some_and(|limit| limit.saturating_add(LIMIT_MARGIN) < left);
                        if ends_first {
                            attempt_future.await
                        } else {
                            match Box::pin(tokio::time::timeout(left, attempt_future)).await {
                                Ok(result) => result,
                                Err(_) => return Err(TransportError::Deadline(total)),
                            }
                        }
                    }
                    None => attempt_future.await,
                };
                let outcome = match &result {
                    Ok(resp) => {
                        // The service reads its 2xx answer only where a retry could follow:
                        // `decide` stops on a non-idempotent request or a spent budget anyway.
                        let hint = match classify {
                            Some(classify)
                                if idempotent
                                    && attempt < policy.max_attempts
                                    && resp.status.is_success() =>
                            {
                                classify(resp)
                            }
                            _ => None,
                        };
                        // `Retry-After` counts only where an answer can ask to try again
                        // (429, 5xx, a hint); anything else stops whatever it says.
                        let status = resp.status.as_u16();
                        let may_retry = status == 429 || (500..600).contains(&status);
                        match hint {
                            Some(hint) => Outcome::Hinted {
                                hint,
                                retry_after: resp.retry_after(),
                            },
                            None => Outcome::Status {
                                status,
                                retry_after: if may_retry { resp.retry_after() } else { None },
                            },
                        }
                    }
                    Err(e) if e.never_sent() && matches!(e, TransportError::Connect(_)) => {
                        Outcome::NotSent
                    }
                    Err(
                        TransportError::BodyTooLarge { .. }
                        | TransportError::Redirect { .. }
                        | TransportError::InvalidRequest(_)
                        | TransportError::Refused(_),
                    ) => {
                        return result;
                    }
                    Err(_) => Outcome::Failed,
                };
                let answered = |result: Result<HttpResponse, TransportError>| {
                    result.map(|mut r| {
                        r.attempts = attempt;
                        r
                    })
                };
                match decide(policy, attempt, idempotent, outcome, fastrand::f64()) {
                    Decision::Stop => return answered(result),
                    Decision::RetryAfter(next_wait) => {
                        if let Some(total) = deadline {
                            let elapsed = self.clock.now().saturating_duration_since(start);
                            if elapsed + next_wait >= total {
                                return answered(result);
                            }
                        }
                        // A remade request is made now, while the answer can still be
                        // returned if it cannot be.
                        if !attempts.prepare() {
                            return answered(result);
                        }
                        tracing::debug!(
                            attempt,
                            wait_ms = next_wait.as_millis() as u64,
                            ?outcome,
                            "retrying"
                        );
                        wait = Some(next_wait);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(5),
            total_timeout: None,
        }
    }
    const S: fn(u16) -> Outcome = |status| Outcome::Status {
        status,
        retry_after: None,
    };
    fn ra(status: u16, secs: u64) -> Outcome {
        Outcome::Status {
            status,
            retry_after: Some(Duration::from_secs(secs)),
        }
    }
    fn hint(hint: RetryHint, retry_after: Option<u64>) -> Outcome {
        Outcome::Hinted {
            hint,
            retry_after: retry_after.map(Duration::from_secs),
        }
    }
    const MS: fn(u64) -> Decision = |ms| Decision::RetryAfter(Duration::from_millis(ms));

    #[test]
    fn decision_table() {
        use Decision::Stop;
        // (attempt, idempotent, outcome, jitter, expected)
        let table: Vec<(u32, bool, Outcome, f64, Decision)> = vec![
            (1, true, S(200), 0.5, Stop),
            (1, true, S(400), 0.5, Stop),
            (1, true, S(404), 0.5, Stop),
            (1, true, S(501), 0.5, Stop),
            (1, true, S(500), 1.0, MS(100)),
            (2, true, S(502), 1.0, MS(200)),
            (3, true, S(503), 1.0, MS(400)),
            (4, true, S(503), 1.0, Stop), // budget spent
            (1, true, S(503), 0.0, MS(0)),
            (1, true, S(503), 0.5, MS(50)),
            (1, false, S(500), 1.0, Stop), // never retry a non-idempotent call that got an answer
            (1, false, S(429), 1.0, Stop),
            (1, true, S(429), 1.0, MS(100)),
            (1, true, ra(429, 1), 0.3, MS(1000)), // Retry-After honoured, no jitter
            (1, true, ra(503, 5), 0.3, MS(5000)), // at the cap: honoured
            (1, true, ra(429, 6), 0.3, Stop),     // above the cap: not slept
            (1, false, Outcome::NotSent, 1.0, MS(100)), // never left: safe to resend
            (3, false, Outcome::NotSent, 1.0, MS(400)),
            (4, false, Outcome::NotSent, 1.0, Stop),
            (1, true, Outcome::Failed, 1.0, MS(100)),
            (1, false, Outcome::Failed, 1.0, Stop), // may have reached the server
            // A 2xx answer the service reads as "try again later": as a 429.
            (1, true, hint(RetryHint::RateLimited, None), 1.0, MS(100)),
            (2, true, hint(RetryHint::RateLimited, None), 0.5, MS(100)),
            (1, true, hint(RetryHint::Transient, None), 1.0, MS(100)),
            (
                1,
                true,
                hint(RetryHint::RateLimited, Some(2)),
                0.3,
                MS(2000),
            ),
            (1, true, hint(RetryHint::RateLimited, Some(6)), 0.3, Stop), // above the cap
            (4, true, hint(RetryHint::RateLimited, None), 1.0, Stop),    // budget spent
            (1, false, hint(RetryHint::RateLimited, None), 1.0, Stop),   // an answer arrived
            (1, false, hint(RetryHint::Transient, Some(1)), 1.0, Stop),
        ];
        for (i, (attempt, idem, outcome, jitter, want)) in table.into_iter().enumerate() {
            assert_eq!(
                decide(&p(), attempt, idem, outcome, jitter),
                want,
                "row {i}: {outcome:?}"
            );
        }
    }

    /// A service's classifier: a body of `later` is its "request limit".
    fn later(response: &HttpResponse) -> Option<RetryHint> {
        (&response.body[..] == b"later").then_some(RetryHint::RateLimited)
    }

    /// The layer asks the request's classifier about a 2xx answer, retries an idempotent request
    /// on its hint (sleeping on the injected clock), and hands back the last answer as it came.
    #[tokio::test]
    async fn a_classified_answer_is_retried_only_when_idempotent() {
        use crate::clock::ManualClock;
        use crate::mock::MockTransport;
        let run = |idempotent: bool, answers: &[&'static str]| {
            let mock = Arc::new(MockTransport::new());
            for body in answers {
                mock.push_body(200, *body);
            }
            let clock = Arc::new(ManualClock::new());
            let retry = Retry::new(Arc::clone(&mock), p()).with_clock(clock.clone());
            let request = HttpRequest::new(http::Method::POST, "http://h/op")
                .idempotent(idempotent)
                .classify_answer(later);
            async move {
                let answer = retry.send(request).await.expect("an answer");
                (answer, mock.requests().len(), clock.sleeps())
            }
        };
        let (answer, sent, sleeps) = run(true, &["later", "ok"]).await;
        assert_eq!(
            (&answer.body[..], answer.attempts, sent),
            (&b"ok"[..], 2, 2)
        );
        assert_eq!(sleeps.len(), 1);
        assert!(sleeps[0] <= p().base_delay, "{sleeps:?}");
        // Not idempotent: sent once, the "later" answer handed back for the service to decode.
        let (answer, sent, sleeps) = run(false, &["later", "ok"]).await;
        assert_eq!((&answer.body[..], sent), (&b"later"[..], 1));
        assert!(sleeps.is_empty());
        // The budget spent: the last "later" answer is the caller's.
        let (answer, sent, _) = run(true, &["later"; 4]).await;
        assert_eq!(
            (&answer.body[..], answer.attempts, sent),
            (&b"later"[..], 4, 4)
        );
        // Without a classifier the status alone decides: a 200 is final.
        let mock = Arc::new(MockTransport::new());
        mock.push_body(200, "later");
        let retry = Retry::new(Arc::clone(&mock), p()).with_clock(Arc::new(ManualClock::new()));
        let request = HttpRequest::new(http::Method::POST, "http://h/op").idempotent(true);
        retry.send(request).await.expect("an answer");
        assert_eq!(mock.requests().len(), 1);
    }

    /// A policy on the request replaces the layer's for that call alone: (request's policy,
    /// answers) → requests sent, and the layer's own policy (4 attempts) for the next call.
    #[tokio::test]
    async fn a_request_policy_overrides_the_layer_for_one_call() {
        use crate::clock::ManualClock;
        use crate::mock::MockTransport;
        let table: [(Option<RetryPolicy>, u16, usize); 4] = [
            (None, 503, 4),
            (Some(RetryPolicy::none()), 503, 1),
            (
                Some(RetryPolicy {
                    max_attempts: 2,
                    ..p()
                }),
                503,
                2,
            ),
            (
                Some(RetryPolicy {
                    max_attempts: 9,
                    ..p()
                }),
                503,
                9,
            ),
        ];
        for (i, (policy, status, want)) in table.into_iter().enumerate() {
            let mock = Arc::new(MockTransport::new());
            for _ in 0..16 {
                mock.push_body(status, "busy");
            }
            let retry = Retry::new(Arc::clone(&mock), p()).with_clock(Arc::new(ManualClock::new()));
            let mut request = HttpRequest::new(http::Method::GET, "http://h/op").idempotent(true);
            if let Some(policy) = policy {
                request = request.retry_policy(policy);
            }
            let answer = retry.send(request).await.expect("an answer");
            assert_eq!(
                (mock.requests().len(), answer.attempts as usize),
                (want, want),
                "row {i}"
            );
            // The override went no further down the stack, and the next call has the layer's.
            assert!(mock.requests().iter().all(|r| r.retry.is_none()), "row {i}");
            let before = mock.requests().len();
            let plain = HttpRequest::new(http::Method::GET, "http://h/op").idempotent(true);
            retry.send(plain).await.expect("an answer");
            assert_eq!(mock.requests().len() - before, 4, "row {i}");
        }
    }

    /// Every attempt but the last sends a copy of the borrowed request ([`Transport::send_copy`],
    /// so that a transport copies only what it sends); the last sends the request itself. Each
    /// attempt's request is the caller's, field for field.
    #[tokio::test]
    async fn attempts_before_the_last_send_a_borrowed_copy() {
        use crate::clock::ManualClock;
        use std::sync::Mutex;

        /// Answers 503 and records how each request came: `true` for a borrowed copy.
        #[derive(Debug, Default)]
        struct Recording(Mutex<Vec<(bool, HttpRequest)>>);

        impl Transport for Recording {
            fn send(&self, request: HttpRequest) -> SendFuture<'_> {
                self.0.lock().unwrap().push((false, request));
                Box::pin(async { Ok(HttpResponse::new(http::StatusCode::SERVICE_UNAVAILABLE, "")) })
            }

            fn send_copy(&self, request: &HttpRequest) -> SendFuture<'_> {
                self.0.lock().unwrap().push((true, request.clone()));
                Box::pin(async { Ok(HttpResponse::new(http::StatusCode::SERVICE_UNAVAILABLE, "")) })
            }
        }

        let inner = Arc::new(Recording::default());
        let retry = Retry::new(Arc::clone(&inner), p()).with_clock(Arc::new(ManualClock::new()));
        let request = HttpRequest::new(http::Method::PUT, "http://h/op?x=1")
            .header(
                http::header::ACCEPT,
                http::HeaderValue::from_static("application/json"),
            )
            .body("application/json", "{}")
            .idempotent(true)
            .operation("svc", "op");
        let answer = retry.send(request.clone()).await.expect("an answer");
        assert_eq!(answer.attempts, 4);
        let sent = inner.0.lock().unwrap();
        let borrowed: Vec<bool> = sent.iter().map(|(b, _)| *b).collect();
        assert_eq!(borrowed, [true, true, true, false]);
        for (_, r) in sent.iter() {
            assert_eq!(
                (
                    &r.method,
                    &r.url,
                    &r.headers,
                    &r.body,
                    r.idempotent,
                    &r.operation
                ),
                (
                    &request.method,
                    &request.url,
                    &request.headers,
                    &request.body,
                    true,
                    &request.operation
                )
            );
        }
    }

    /// With a way to make the request again, every attempt takes a request of its own: the
    /// first the caller's, each later one remade just before it (never a copy of one kept
    /// beside the request in flight); the decisions are those of a kept request.
    #[tokio::test]
    async fn a_remade_request_is_sent_whole_on_every_attempt() {
        use crate::clock::ManualClock;
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicUsize, Ordering};

        /// Answers from its statuses in turn and records each request and how it came
        /// (`true`: a borrowed copy).
        #[derive(Debug, Default)]
        struct Recording(Mutex<Script>);

        #[derive(Debug, Default)]
        struct Script {
            statuses: Vec<u16>,
            sent: Vec<(bool, HttpRequest)>,
        }

        impl Recording {
            fn answer(&self, copy: bool, request: HttpRequest) -> SendFuture<'_> {
                let mut state = self.0.lock().unwrap();
                state.sent.push((copy, request));
                let status = state.statuses.remove(0);
                Box::pin(async move {
                    Ok(HttpResponse::new(
                        http::StatusCode::from_u16(status).unwrap(),
                        status.to_string(),
                    ))
                })
            }
        }

        impl Transport for Recording {
            fn send(&self, request: HttpRequest) -> SendFuture<'_> {
                self.answer(false, request)
            }

            fn send_copy(&self, request: &HttpRequest) -> SendFuture<'_> {
                self.answer(true, request.clone())
            }
        }

        let request = || {
            HttpRequest::new(http::Method::PUT, "http://h/op")
                .body("application/json", "{}")
                .operation("svc", "op")
        };
        // (statuses answered, idempotent, remake gives one, per-call policy) -> (final
        // status, attempts, requests sent, remakes)
        type Want = (u16, u32, usize, usize);
        type Case = (&'static [u16], bool, bool, Option<RetryPolicy>, Want);
        let cases: [Case; 6] = [
            (&[500, 503, 200], true, true, None, (200, 3, 3, 2)),
            (&[200], true, true, None, (200, 1, 1, 0)),
            (&[503, 503, 503, 503], true, true, None, (503, 4, 4, 3)),
            (&[500], false, true, None, (500, 1, 1, 0)),
            // The request cannot be made again: its first answer is the call's.
            (&[503], true, false, None, (503, 1, 1, 1)),
            (
                &[503],
                true,
                true,
                Some(RetryPolicy::none()),
                (503, 1, 1, 0),
            ),
        ];
        for (statuses, idempotent, can, policy, want) in cases {
            let inner = Arc::new(Recording::default());
            inner.0.lock().unwrap().statuses = statuses.to_vec();
            let retry =
                Retry::new(Arc::clone(&inner), p()).with_clock(Arc::new(ManualClock::new()));
            let remakes = AtomicUsize::new(0);
            let remake = || {
                remakes.fetch_add(1, Ordering::SeqCst);
                can.then(|| request().idempotent(idempotent))
            };
            let mut first = request().idempotent(idempotent);
            first.retry = policy.map(Arc::new);
            let answer = retry
                .send_remaking(first, &remake)
                .await
                .expect("an answer");
            let sent = inner.0.lock().unwrap();
            let got = (
                answer.status.as_u16(),
                answer.attempts,
                sent.sent.len(),
                remakes.load(Ordering::SeqCst),
            );
            assert_eq!(
                got, want,
                "{statuses:?} idempotent {idempotent} remade {can}"
            );
            for (copy, r) in &sent.sent {
                assert!(!copy, "a copy was sent");
                assert_eq!(
                    (&r.method, &r.url, &r.body),
                    (
                        &http::Method::PUT,
                        &"http://h/op".to_owned(),
                        &bytes::Bytes::from_static(b"{}")
                    )
                );
                assert!(r.retry.is_none());
            }
        }
    }

    #[test]
    fn backoff_is_capped() {
        let got = decide(&p(), 3, true, S(500), 1.0);
        assert_eq!(got, MS(400));
        let policy = RetryPolicy {
            max_attempts: 40,
            ..p()
        };
        assert_eq!(decide(&policy, 30, true, S(500), 1.0), MS(1000));
        assert_eq!(
            decide(&policy, 39, true, S(500), 0.999_999_999),
            Decision::RetryAfter(Duration::from_millis(1000).mul_f64(0.999_999_999))
        );
    }

    #[test]
    fn no_retries_policy() {
        assert_eq!(
            decide(&RetryPolicy::none(), 1, true, S(503), 1.0),
            Decision::Stop
        );
        assert_eq!(
            decide(&RetryPolicy::none(), 1, false, Outcome::NotSent, 1.0),
            Decision::Stop
        );
    }
}
