//! What every service client is configured with, and the layer stack built from it.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::TransportError;
use crate::limit::{Account, DEFAULT_LEASE_TTL, LimiterStore};
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
///
/// `#[non_exhaustive]`, so that a setting can be added without breaking anyone: build it with
/// `ClientOptions::default()` and the setters below (every service's `ClientBuilder` has the
/// same ones, see [`client_builder_setters!`](crate::client_builder_setters)); the fields stay
/// readable.
#[derive(Debug, Clone)]
#[non_exhaustive]
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
    /// Whether calls are throttled on the client side at all (default true). `false` (see
    /// [`no_throttle`](Self::no_throttle)) sets no limit, whatever the limit fields
    /// say, and a client adds none of its service's default limits; the server's 429s are still
    /// handled by the retry layer.
    pub throttle: bool,
    /// Where the limits live (`None`: in the client, a [`LocalStore`](crate::LocalStore) of its
    /// own). A shared store (the `th-redis` crate's `RedisStore`) makes them hold across every
    /// process that uses the same account; see [`limit`](crate::limit).
    pub limiter_store: Option<Arc<dyn LimiterStore>>,
    /// The time to live of a concurrency lease (e.g. an ADFOX report in progress) in a shared
    /// store: a crashed holder's slot frees this long after its last renewal (default
    /// [`DEFAULT_LEASE_TTL`], 30 s; renewed every third).
    pub lease_ttl: Duration,
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
            throttle: true,
            limiter_store: None,
            lease_ttl: DEFAULT_LEASE_TTL,
        }
    }
}

/// Setters, so that options are built without naming every field:
/// `ClientOptions::default().retry(policy).rate_limit(limit)`. Every service's `ClientBuilder`
/// has the same setters (see [`client_builder_setters!`](crate::client_builder_setters)).
impl ClientOptions {
    /// The retry policy (default [`RetryPolicy::default`]: 3 attempts, only idempotent calls are
    /// retried once the server answered, 429 honours `Retry-After`).
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The overall client-side rate limit (turns throttling back on after
    /// [`no_throttle`](Self::no_throttle)).
    #[must_use]
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self.throttle = true;
        self
    }

    /// The limit of one rate class (see [`MethodInfo::rate_class`](crate::MethodInfo)),
    /// replacing that class's earlier limit (turns throttling back on after
    /// [`no_throttle`](Self::no_throttle)).
    #[must_use]
    pub fn class_limit(mut self, class: &'static str, limit: RateLimit) -> Self {
        self.class_limits.retain(|(c, _)| *c != class);
        self.class_limits.push((class, limit));
        self.throttle = true;
        self
    }

    /// Turns client-side throttling off: the limits are cleared and no service default is added
    /// (the server's 429s are still handled).
    #[must_use]
    pub fn no_throttle(mut self) -> Self {
        self.rate_limit = None;
        self.class_limits.clear();
        self.throttle = false;
        self
    }

    /// The timeout of each attempt of the default transport (default 30 s); a transport passed
    /// in [`transport`](Self::transport) keeps its own.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The transport at the bottom of the stack (default: the build's, see
    /// [`TransportBuilder::build_default`]; a `MockTransport` in tests).
    #[must_use]
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock the retry and throttle layers (and a client's own waits) sleep on (default real
    /// time; tests pass a [`ManualClock`](crate::ManualClock)).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Whether to wrap calls in `tracing` spans (default true).
    #[must_use]
    pub fn trace(mut self, trace: bool) -> Self {
        self.trace = trace;
        self
    }

    /// Keeps the limits (rate limits and concurrency leases) in `store` instead of in the
    /// client: with a shared store such as `th_redis::RedisStore`, every process and machine
    /// using the same account shares them. The limits themselves are still the client's (its
    /// service defaults and the `rate_limit`/`class_limit` settings).
    #[must_use]
    pub fn limiter_store(mut self, store: Arc<dyn LimiterStore>) -> Self {
        self.limiter_store = Some(store);
        self
    }

    /// The time to live of a concurrency lease in the store (default 30 s): how long a crashed
    /// holder's slot stays taken. Held leases are renewed every third of it.
    #[must_use]
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(30));
        self
    }
}

impl ClientOptions {
    /// Builds the layer stack, for no particular account (in a shared
    /// [`limiter_store`](Self::limiter_store), all such stacks of a service share one limit).
    /// Service clients call [`build_stack_for`](Self::build_stack_for) with their credential.
    pub fn build_stack(&self) -> Result<Arc<dyn Transport>, TransportError> {
        self.build_stack_for(&Account::anonymous())
    }

    /// Builds the layer stack for `account`: its limits in the
    /// [`limiter_store`](Self::limiter_store), when one is set, are that account's.
    pub fn build_stack_for(&self, account: &Account) -> Result<Arc<dyn Transport>, TransportError> {
        Ok(self.build_call_stack_for(account)?.transport)
    }

    /// [`build_stack_for`](Self::build_stack_for), with the retry layer inside the stack at
    /// hand ([`CallStack`]): what service clients give their [`ApiClient`](crate::ApiClient).
    pub fn build_call_stack_for(&self, account: &Account) -> Result<CallStack, TransportError> {
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
        if self.throttle {
            if let Some(limit) = self.rate_limit {
                throttle = throttle.limit(limit);
            }
            for (class, limit) in &self.class_limits {
                throttle = throttle.class_limit(class, *limit);
            }
            if let Some(store) = &self.limiter_store {
                throttle = throttle.store(Arc::clone(store), account.clone());
            }
        }
        let throttled: Arc<dyn Transport> = Arc::new(throttle);
        let mut retry = Retry::new(throttled, self.retry.clone());
        if let Some(clock) = &self.clock {
            retry = retry.with_clock(Arc::clone(clock));
        }
        let retry = Arc::new(retry);
        let transport: Arc<dyn Transport> = if self.trace {
            Arc::new(Trace::new(Arc::clone(&retry)))
        } else {
            Arc::clone(&retry) as Arc<dyn Transport>
        };
        Ok(CallStack {
            transport,
            retry,
            traced: self.trace,
        })
    }
}

/// A client's transport stack with the retry layer inside it at hand
/// ([`ClientOptions::build_call_stack_for`]), so that [`ApiClient`](crate::ApiClient) can run a
/// typed call's attempts in the call's own future (no boxed future of the retry layer's per
/// call) whenever the trace layer above it has nothing to do.
///
/// Only [`ClientOptions`] makes one, so that its retry layer is always the one inside its
/// stack.
#[derive(Debug, Clone)]
pub struct CallStack {
    /// The whole stack: trace (when on), retry, throttle, the transport.
    pub(crate) transport: Arc<dyn Transport>,
    /// The retry layer inside `transport` (the same one).
    pub(crate) retry: Arc<Retry<Arc<dyn Transport>>>,
    /// Whether `transport` has the trace layer on top.
    pub(crate) traced: bool,
}

impl CallStack {
    /// The whole stack (what [`ClientOptions::build_stack_for`] gives).
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }
}

/// A client builder whose transport settings are a [`ClientOptions`]: what the setters of
/// [`client_builder_setters!`](crate::client_builder_setters) work on. Generic code can configure
/// any service's builder through it.
pub trait ConfigureClient: Sized {
    /// The builder's transport settings.
    fn client_options_mut(&mut self) -> &mut ClientOptions;
}

/// Gives a service's `ClientBuilder` the common setters, the same names, types and docs for
/// every service: `retry`, `rate_limit`, `class_limit`, `no_throttle`, `attempt_timeout`,
/// `transport`, `clock`, `trace`, `limiter_store`, `lease_ttl` and `options`, each a shortcut for the [`ClientOptions`] setter
/// of that name, and an impl of [`ConfigureClient`].
///
/// Invoked once per service crate with the builder type and its `ClientOptions` field:
/// `th_core::client_builder_setters!(ClientBuilder, options);`. The service's own settings
/// (auth, base URLs, wire formats) stay inherent methods of that crate.
#[macro_export]
macro_rules! client_builder_setters {
    ($builder:ty, $field:ident) => {
        impl $crate::ConfigureClient for $builder {
            fn client_options_mut(&mut self) -> &mut $crate::ClientOptions {
                &mut self.$field
            }
        }

        /// The transport settings every service client has (from `th_core`, identical for all
        /// four services).
        impl $builder {
            /// The retry policy (default: 3 attempts; only idempotent calls are retried once the
            /// server answered; 429 honours `Retry-After`). See [`th_core::ClientOptions::retry`].
            pub fn retry(mut self, policy: $crate::RetryPolicy) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).retry(policy);
                self
            }

            /// The overall client-side rate limit (the service's default, if it has one, is in
            /// the builder's docs). See [`th_core::ClientOptions::rate_limit`].
            pub fn rate_limit(mut self, limit: $crate::RateLimit) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).rate_limit(limit);
                self
            }

            /// The limit of one rate class, replacing that class's earlier limit (the service's
            /// classes are in the builder's docs). See [`th_core::ClientOptions::class_limit`].
            pub fn class_limit(mut self, class: &'static str, limit: $crate::RateLimit) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).class_limit(class, limit);
                self
            }

            /// Turns client-side throttling off, the service's default limits included (the
            /// server's 429s are still handled). See [`th_core::ClientOptions::no_throttle`].
            pub fn no_throttle(mut self) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).no_throttle();
                self
            }

            /// The timeout of each attempt of the default transport (default 30 s). See
            /// [`th_core::ClientOptions::attempt_timeout`].
            pub fn attempt_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).attempt_timeout(timeout);
                self
            }

            /// The transport at the bottom of the stack (e.g. a `MockTransport` in tests). See
            /// [`th_core::ClientOptions::transport`].
            pub fn transport(mut self, transport: ::std::sync::Arc<dyn $crate::Transport>) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).transport(transport);
                self
            }

            /// The clock for retries, throttling and the client's own waits (tests pass a
            /// [`ManualClock`](th_core::ManualClock)). See [`th_core::ClientOptions::clock`].
            pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::Clock>) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).clock(clock);
                self
            }

            /// Whether to wrap calls in `tracing` spans (default true). See
            /// [`th_core::ClientOptions::trace`].
            pub fn trace(mut self, trace: bool) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).trace(trace);
                self
            }

            /// Keeps the client's limits (rate limits, concurrency leases) in `store`, e.g. a
            /// `th_redis::RedisStore` shared by every process using the same account. See
            /// [`th_core::ClientOptions::limiter_store`].
            pub fn limiter_store(
                mut self,
                store: ::std::sync::Arc<dyn $crate::LimiterStore>,
            ) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).limiter_store(store);
                self
            }

            /// The time to live of a concurrency lease in the limiter store (default 30 s). See
            /// [`th_core::ClientOptions::lease_ttl`].
            pub fn lease_ttl(mut self, ttl: ::std::time::Duration) -> Self {
                self.$field = ::core::mem::take(&mut self.$field).lease_ttl(ttl);
                self
            }

            /// All transport settings at once; replaces the earlier ones, the service's default
            /// limits included (a service limit the builder's docs call mandatory is added at
            /// `build` unless `no_throttle` or a limit of that class is set).
            pub fn options(mut self, options: $crate::ClientOptions) -> Self {
                self.$field = options;
                self
            }
        }
    };
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
