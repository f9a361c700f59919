//! Where the client-side limits live: a pluggable [`LimiterStore`].
//!
//! Every limit the services impose is per account, not per process. The [`Throttle`] layer and
//! the concurrency limits (ADFOX's 3 reports in progress) ask a store for permission:
//!
//! - **rate tokens** ([`LimiterStore::acquire`]): GCRA, `requests` per `per` with a burst,
//!   keyed by `(service, account, rate class)`; the store reserves a slot and answers how long
//!   to wait for it;
//! - **concurrency leases** ([`LimiterStore::lease`], [`renew`](LimiterStore::renew),
//!   [`release`](LimiterStore::release)): at most `max` holders of a key at once, each lease
//!   with a time to live, so that a crashed holder's slot frees itself. [`LeaseGuard`] renews a
//!   lease while it is held and releases it when dropped.
//!
//! The default store is [`LocalStore`], in process: the same GCRA the throttle always had, and
//! a fair semaphore for leases. A shared store (the `th-redis` crate's `RedisStore`) makes the
//! limits hold across processes and machines; every client takes one with
//! `.limiter_store(Arc::new(store))` (see [`ClientOptions::limiter_store`](crate::ClientOptions::limiter_store)).
//!
//! The account part of a key is an [`Account`]: the client's credential, kept as a
//! [`Secret`]. A store never writes it anywhere: a shared store derives an opaque id from it with
//! a keyed hash (see the `th-redis` crate).
//!
//! [`Throttle`]: crate::Throttle

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::clock::{Clock, TokioClock};
use crate::error::TransportError;
use crate::rate::{Bucket, RateLimit};
use crate::secret::Secret;

/// The rate class of a client's overall limit ([`ClientOptions::rate_limit`](crate::ClientOptions::rate_limit))
/// in a [`LimitKey`].
pub const OVERALL_CLASS: &str = "all";

/// The time to live of a concurrency lease unless set otherwise
/// ([`ClientOptions::lease_ttl`](crate::ClientOptions::lease_ttl)): a crashed holder's slot
/// frees itself this long after its last renewal. A [`LeaseGuard`] renews every third of it.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

/// Whose limit: the credential of a client, never printed.
///
/// Two clients with the same credential share their limits in a shared store. `Debug` prints
/// `[redacted]`; a store that writes keys anywhere derives an opaque id from
/// [`credential`](Self::credential) (a keyed hash) and never writes the credential itself.
#[derive(Clone)]
pub struct Account(Arc<Secret>);

impl Account {
    /// The account of a credential made of `parts` (e.g. a login and a key), joined with a
    /// separator no credential holds (`\u{1f}`).
    pub fn from_credential(parts: &[&str]) -> Self {
        Account(Arc::new(Secret::new(parts.join("\u{1f}"))))
    }

    /// The account of a client built without one ([`ClientOptions::build_stack`](crate::ClientOptions::build_stack)):
    /// all such clients of a service share one limit in a shared store.
    pub fn anonymous() -> Self {
        Account(Arc::new(Secret::new(String::new())))
    }

    /// The credential, for a store to derive its opaque account id from. Never write it out.
    pub fn credential(&self) -> &Secret {
        &self.0
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Account([redacted])")
    }
}

impl PartialEq for Account {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Eq for Account {}

impl Hash for Account {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.expose().hash(state);
    }
}

/// One limit's key: a service, an account and a rate class ([`OVERALL_CLASS`] for a client's
/// overall limit, a method's `rate_class`, or a concurrency limit's name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LimitKey {
    /// The service (`radist`, `adfox`, ...), as in [`HttpRequest::service`](crate::HttpRequest::service).
    pub service: &'static str,
    /// Whose limit.
    pub account: Account,
    /// The rate class or concurrency limit.
    pub class: &'static str,
}

impl LimitKey {
    /// The key of `class` of `service` for `account`.
    pub fn new(service: &'static str, account: Account, class: &'static str) -> Self {
        LimitKey {
            service,
            account,
            class,
        }
    }
}

/// A held concurrency lease, as the store names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseId(pub String);

/// Why a store could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// The store could not be reached or did not answer in time, and it is set to fail closed.
    #[error("the shared limiter store is unavailable: {0}")]
    Unavailable(String),
}

impl From<LimitError> for TransportError {
    /// A limiter that cannot answer refuses the request before it is sent.
    fn from(e: LimitError) -> Self {
        TransportError::Refused(e.to_string())
    }
}

/// Where limits are kept: in process ([`LocalStore`], the default) or shared (the `th-redis`
/// crate's `RedisStore`).
///
/// A store fails open or closed as it is configured: an `Err` refuses the request before it is
/// sent ([`TransportError::Refused`]).
#[async_trait]
pub trait LimiterStore: Send + Sync + fmt::Debug {
    /// Reserves one slot in every `(key, limit)` of `limits` (GCRA) and answers how long the
    /// caller waits before sending: the longest of their waits. A slot is reserved even when
    /// the wait is long, so callers queue in arrival order.
    async fn acquire(&self, limits: &[(LimitKey, RateLimit)]) -> Result<Duration, LimitError>;

    /// Waits for one of the `max` slots of `key` and takes it for `ttl`; the lease lapses unless
    /// renewed within `ttl`.
    async fn lease(&self, key: &LimitKey, max: u32, ttl: Duration) -> Result<LeaseId, LimitError>;

    /// Extends a lease for another `ttl`; `Ok(false)` when it was lost (it lapsed, or the store
    /// lost its state).
    async fn renew(
        &self,
        key: &LimitKey,
        lease: &LeaseId,
        ttl: Duration,
    ) -> Result<bool, LimitError>;

    /// Gives a lease back.
    async fn release(&self, key: &LimitKey, lease: &LeaseId) -> Result<(), LimitError>;

    /// Gives a lease back at once, without waiting, when the store can (an in-process store);
    /// `false` when it cannot, and [`release`](Self::release) is called in a task instead.
    fn release_now(&self, key: &LimitKey, lease: &LeaseId) -> bool {
        let _ = (key, lease);
        false
    }

    /// How often a [`LeaseGuard`] renews a lease of `ttl`; `None` when leases never lapse
    /// (an in-process store). Default: a third of `ttl`.
    fn renew_every(&self, ttl: Duration) -> Option<Duration> {
        Some(ttl / 3)
    }
}

/// The in-process store: GCRA buckets and fair semaphores, per `(service, account, class)`.
///
/// The default of every client, one per client (its clones share it). Also what a shared store
/// falls back to when it fails open.
pub struct LocalStore {
    buckets: Mutex<HashMap<LimitKey, Bucket>>,
    semaphores: Mutex<HashMap<LimitKey, Arc<Semaphore>>>,
    held: Mutex<HashMap<LeaseId, OwnedSemaphorePermit>>,
    next: AtomicU64,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalStore").finish_non_exhaustive()
    }
}

impl Default for LocalStore {
    fn default() -> Self {
        LocalStore::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl LocalStore {
    /// An empty store on real time.
    pub fn new() -> Self {
        LocalStore {
            buckets: Mutex::new(HashMap::new()),
            semaphores: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            clock: Arc::new(TokioClock),
        }
    }

    /// Reads time from `clock` (tests pass a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// [`LimiterStore::acquire`] without the future: reserves and answers the wait.
    pub fn reserve(&self, limits: &[(LimitKey, RateLimit)]) -> Duration {
        let now = self.clock.now();
        let mut buckets = lock(&self.buckets);
        let mut wait = Duration::ZERO;
        for (key, limit) in limits {
            let bucket = buckets
                .entry(key.clone())
                .or_insert_with(|| Bucket::new(*limit));
            bucket.limit = *limit;
            wait = wait.max(bucket.reserve(now));
        }
        wait
    }

    /// How many leases of `key` are held now.
    pub fn leases_held(&self, key: &LimitKey, max: u32) -> u32 {
        let sems = lock(&self.semaphores);
        sems.get(key)
            .map_or(0, |s| max.saturating_sub(s.available_permits() as u32))
    }

    fn semaphore(&self, key: &LimitKey, max: u32) -> Arc<Semaphore> {
        Arc::clone(
            lock(&self.semaphores)
                .entry(key.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(max.max(1) as usize))),
        )
    }
}

#[async_trait]
impl LimiterStore for LocalStore {
    async fn acquire(&self, limits: &[(LimitKey, RateLimit)]) -> Result<Duration, LimitError> {
        Ok(self.reserve(limits))
    }

    async fn lease(&self, key: &LimitKey, max: u32, _ttl: Duration) -> Result<LeaseId, LimitError> {
        let permit = self
            .semaphore(key, max)
            .acquire_owned()
            .await
            .map_err(|_| LimitError::Unavailable("the local lease semaphore closed".into()))?;
        let id = LeaseId(format!(
            "local-{}",
            self.next.fetch_add(1, Ordering::Relaxed)
        ));
        lock(&self.held).insert(id.clone(), permit);
        Ok(id)
    }

    async fn renew(
        &self,
        _key: &LimitKey,
        lease: &LeaseId,
        _ttl: Duration,
    ) -> Result<bool, LimitError> {
        Ok(lock(&self.held).contains_key(lease))
    }

    async fn release(&self, key: &LimitKey, lease: &LeaseId) -> Result<(), LimitError> {
        self.release_now(key, lease);
        Ok(())
    }

    fn release_now(&self, _key: &LimitKey, lease: &LeaseId) -> bool {
        let permit = lock(&self.held).remove(lease);
        drop(permit);
        true
    }

    fn renew_every(&self, _ttl: Duration) -> Option<Duration> {
        None
    }
}

/// A held concurrency lease: renewed in a background task while held (when the store's leases
/// lapse), released when dropped (or by [`release`](Self::release)).
///
/// Dropped outside a Tokio runtime, a shared store's lease is not released and lapses at its
/// time to live.
pub struct LeaseGuard {
    store: Arc<dyn LimiterStore>,
    key: LimitKey,
    id: Option<LeaseId>,
    renewer: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for LeaseGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseGuard")
            .field("key", &self.key)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl LeaseGuard {
    /// Waits for one of the `max` slots of `key` in `store`, leased for `ttl` and renewed while
    /// the guard lives.
    pub async fn acquire(
        store: Arc<dyn LimiterStore>,
        key: LimitKey,
        max: u32,
        ttl: Duration,
    ) -> Result<LeaseGuard, LimitError> {
        let id = store.lease(&key, max, ttl).await?;
        let renewer = store.renew_every(ttl).map(|every| {
            let store = Arc::clone(&store);
            let key = key.clone();
            let id = id.clone();
            let every = every.max(Duration::from_millis(10));
            tokio::spawn(async move {
                loop {
                    // Real time: the store's time to live runs on its own clock, not a test's.
                    tokio::time::sleep(every).await;
                    match store.renew(&key, &id, ttl).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(
                                service = key.service,
                                class = key.class,
                                "a concurrency lease was lost (lapsed, or the store lost its \
                                 state); the work under it goes on"
                            );
                            return;
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "renewing a concurrency lease failed");
                        }
                    }
                }
            })
        });
        Ok(LeaseGuard {
            store,
            key,
            id: Some(id),
            renewer,
        })
    }

    /// The lease's id in its store.
    pub fn id(&self) -> Option<&LeaseId> {
        self.id.as_ref()
    }

    /// Releases the lease now and waits for the store's answer.
    pub async fn release(mut self) -> Result<(), LimitError> {
        if let Some(task) = self.renewer.take() {
            task.abort();
        }
        match self.id.take() {
            Some(id) => self.store.release(&self.key, &id).await,
            None => Ok(()),
        }
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if let Some(task) = self.renewer.take() {
            task.abort();
        }
        let Some(id) = self.id.take() else {
            return;
        };
        if self.store.release_now(&self.key, &id) {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let store = Arc::clone(&self.store);
            let key = self.key.clone();
            handle.spawn(async move {
                if let Err(e) = store.release(&key, &id).await {
                    tracing::debug!(error = %e, "releasing a concurrency lease failed; it lapses at its time to live");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(class: &'static str) -> LimitKey {
        LimitKey::new("svc", Account::from_credential(&["k"]), class)
    }

    #[tokio::test(start_paused = true)]
    async fn local_store_gcra_is_the_throttles() {
        let store = LocalStore::new();
        let limit = RateLimit::per_second(5).with_burst(1);
        let mut waits = Vec::new();
        for _ in 0..3 {
            waits.push(
                store
                    .acquire(&[(key(OVERALL_CLASS), limit)])
                    .await
                    .unwrap()
                    .as_millis(),
            );
        }
        assert_eq!(waits, [0, 200, 400]);
        // Another account has its own bucket.
        let other = LimitKey::new("svc", Account::from_credential(&["other"]), OVERALL_CLASS);
        assert_eq!(store.reserve(&[(other, limit)]), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn local_leases_wait_and_release_on_drop() {
        let store: Arc<dyn LimiterStore> = Arc::new(LocalStore::new());
        let k = key("reports");
        let a = LeaseGuard::acquire(Arc::clone(&store), k.clone(), 2, DEFAULT_LEASE_TTL)
            .await
            .unwrap();
        let _b = LeaseGuard::acquire(Arc::clone(&store), k.clone(), 2, DEFAULT_LEASE_TTL)
            .await
            .unwrap();
        let third = tokio::spawn({
            let store = Arc::clone(&store);
            let k = k.clone();
            async move { LeaseGuard::acquire(store, k, 2, DEFAULT_LEASE_TTL).await }
        });
        tokio::task::yield_now().await;
        assert!(!third.is_finished());
        drop(a);
        assert!(third.await.unwrap().is_ok());
    }

    #[test]
    fn accounts_never_print() {
        let a = Account::from_credential(&["login", "s3cret"]);
        let printed = format!("{:?}", LimitKey::new("svc", a, "all"));
        assert!(!printed.contains("s3cret"), "{printed}");
    }
}
