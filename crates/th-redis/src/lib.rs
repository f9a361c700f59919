//! # th-redis
//!
//! The client-side limits of the TargetHunter, JustClick, ADFOX and Radist.Online clients,
//! shared on Redis: a [`LimiterStore`] that every process and machine using the same account
//! shares, so that four workers with one Radist key send 5 requests a second between them, not
//! 5 each, and six ADFOX workers keep 3 reports in progress between them.
//!
//! ```no_run
//! use std::sync::Arc;
//! use th_redis::RedisStore;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Fail-open (the default): when Redis is down, each process limits itself alone.
//! let store = Arc::new(RedisStore::connect("redis://127.0.0.1:6379").await?);
//! let radist = radist_api::Client::builder("radist-api-key")
//!     .company_id(42)
//!     .limiter_store(store.clone())
//!     .build()?;
//! let adfox = adfox_api::Client::oauth("adfox-oauth-token")
//!     .limiter_store(store)
//!     .build()?;
//! # let _ = (radist, adfox);
//! # Ok(())
//! # }
//! ```
//!
//! Options (see [`RedisStore::builder`]): [`FailMode::Closed`] (a typed error instead of
//! falling back), the key prefix, the per-operation timeout, and the key of the account hash.
//!
//! ## How it works
//!
//! - **Rate limits**: GCRA, as the in-process throttle, in one server-side Lua script per
//!   acquire (`EVALSHA`, one round trip; the script is loaded again after `NOSCRIPT`, e.g. after
//!   a restart). The script reads the time with `TIME`, so the machines' clocks do not matter. It
//!   reserves a slot in the overall and the method's class limit at once and answers the wait;
//!   the client sleeps that long, then sends.
//! - **Concurrency leases** (ADFOX's reports in progress): a sorted set of lease ids scored by
//!   their expiry, changed only by scripts. A lease lives for the client's `lease_ttl` (30 s by
//!   default), is renewed every third of it while the report runs and released when it ends; a
//!   crashed worker's slot frees itself at its expiry. A waiter polls.
//! - **Keys**: `{prefix}:{service}:{{account}}:{class}` (prefix `th`), e.g.
//!   `th:radist:{5f1c…}:all`. The account part is HMAC-SHA256 of the credential under the
//!   store's account key (32 hex digits): the credential is never written to Redis, not in a
//!   key, not in a value. The default account key is a fixed domain-separation string, the same
//!   for every deployment: anyone who can read the keys and guesses a credential can then
//!   confirm the guess. Set a per-deployment secret ([`RedisStoreBuilder::account_key`]) to
//!   rule that out; every process sharing limits must use the same one. The braces make the
//!   keys of one account hash to one Redis Cluster slot.
//!
//! ## When Redis fails
//!
//! Down at start, down mid-run, too slow (each operation has a timeout, 250 ms by default),
//! restarted (its state lost: limits start afresh, held leases are lost and not renewed), the
//! script flushed: with [`FailMode::Open`] (the default) the store falls back to an in-process
//! [`LocalStore`] (each process then keeps the limits alone), logs **one** `tracing` warning
//! per outage and, while the outage lasts, tries Redis again at most once every
//! `probe_every` (1 s); with [`FailMode::Closed`] every call that needs the store fails before
//! anything is sent, with `TransportError::Refused` (a limiter fault never makes a request go
//! twice: the limiter is asked before sending, and its answer is final).

#![warn(missing_docs)]

#[cfg(feature = "test-util")]
pub mod testing;

/// The Redis client this crate is built on, re-exported (e.g. to read keys in tests).
pub use redis;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, Script, ScriptInvocation};
use sha2::{Digest, Sha256};
use th_core::hex::encode as hex;
use th_core::limit::{Account, LeaseId, LimitError, LimitKey, LimiterStore, LocalStore};
use th_core::{RateLimit, Secret};
use tokio::time::Instant;

/// The default key of the account hash: a domain-separation string, the same everywhere (see
/// the crate docs; set a per-deployment one with [`RedisStoreBuilder::account_key`]).
pub const DEFAULT_ACCOUNT_KEY: &[u8] = b"th-redis/v1 account id";

/// What the store does when Redis cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailMode {
    /// Fall back to the in-process limiter, with one warning per outage (the default).
    #[default]
    Open,
    /// Refuse: the call fails with `TransportError::Refused` before anything is sent.
    Closed,
}

/// Why a store could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The URL is not one this build can use: `redis://[user:password@]host:port[/db]` or
    /// `unix:///path` (TLS, `rediss://`, is not compiled in).
    #[error("invalid Redis URL: {0}")]
    InvalidUrl(String),
}

/// GCRA over any number of keys at once. KEYS: the buckets; ARGV: per key its emission
/// interval and burst, in microseconds and requests. Answers the wait in microseconds.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local w = new_tat - interval * burst - now
  if w > wait then wait = w end
  redis.call('SET', key, string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1000)
end
return wait
";

/// Takes a lease if fewer than `max` are held. KEYS[1]: the lease set; ARGV: max, ttl (µs),
/// lease id. Answers -1 when taken, else the microseconds until the first lease expires.
const LEASE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', KEYS[1], math.floor((tonumber(last[2]) - now) / 1000) + 1000)
  return -1
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(0, tonumber(first[2]) - now)
";

/// Extends a lease that is still held. KEYS[1]: the lease set; ARGV: ttl (µs), lease id.
/// Answers 1 when renewed, 0 when the lease was gone.
const RENEW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.floor((tonumber(last[2]) - now) / 1000) + 1000)
return 1
";

/// Gives a lease back. KEYS[1]: the lease set; ARGV[1]: lease id.
const RELEASE: &str = r"
return redis.call('ZREM', KEYS[1], ARGV[1])
";

/// The prefix of the ids of leases taken from the fallback store during an outage.
const LOCAL_LEASE: &str = "local-";

/// Settings of a [`RedisStore`], from [`RedisStore::builder`].
#[derive(Clone)]
pub struct RedisStoreBuilder {
    url: Secret,
    fail: FailMode,
    prefix: String,
    timeout: Duration,
    probe_every: Duration,
    lease_poll: Duration,
    account_key: Option<Secret>,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("url", &redacted_url(self.url.expose()))
            .field("fail", &self.fail)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("probe_every", &self.probe_every)
            .field("lease_poll", &self.lease_poll)
            .field(
                "account_key",
                &self.account_key.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl RedisStoreBuilder {
    /// What the store does when Redis cannot answer (default [`FailMode::Open`]).
    pub fn fail_mode(mut self, fail: FailMode) -> Self {
        self.fail = fail;
        self
    }

    /// Refuse calls when Redis cannot answer ([`FailMode::Closed`]).
    pub fn fail_closed(self) -> Self {
        self.fail_mode(FailMode::Closed)
    }

    /// The first part of every key (default `th`); stores with different prefixes share
    /// nothing.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The timeout of one Redis operation, connecting included (default 250 ms); past it the
    /// store fails open or closed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// During an outage, how often Redis is tried again (default 1 s); calls in between go
    /// to the fallback (or are refused) at once.
    pub fn probe_every(mut self, every: Duration) -> Self {
        self.probe_every = every;
        self
    }

    /// How often a waiter for a concurrency lease asks again, at most (default 100 ms).
    pub fn lease_poll(mut self, every: Duration) -> Self {
        self.lease_poll = every.max(Duration::from_millis(1));
        self
    }

    /// The key of the HMAC-SHA256 that turns a credential into the account part of a key
    /// (default [`DEFAULT_ACCOUNT_KEY`]). A per-deployment secret keeps anyone who reads Redis
    /// from confirming a guessed credential; every process sharing limits needs the same one.
    pub fn account_key(mut self, key: impl Into<Secret>) -> Self {
        self.account_key = Some(key.into());
        self
    }

    /// Makes the store and tries Redis once (a `PING` within the timeout). An unreachable
    /// Redis is not an error here: the store starts in an outage (one warning) and fails open
    /// or closed as set, trying again every `probe_every`. Only a malformed URL is an error.
    pub async fn connect(self) -> Result<RedisStore, RedisStoreError> {
        let store = self.build()?;
        let _ = store.ping().await;
        Ok(store)
    }

    /// Makes the store without touching Redis (it connects on first use).
    pub fn build(self) -> Result<RedisStore, RedisStoreError> {
        let password = Secret::new(url_password(self.url.expose()));
        let invalid = |e: redis::RedisError| {
            RedisStoreError::InvalidUrl(format!(
                "{}: {}",
                redacted_url(self.url.expose()),
                th_core::secret::scrub(&e.to_string(), &[&password])
            ))
        };
        let client = redis::Client::open(self.url.expose()).map_err(invalid)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(self.probe_every.max(Duration::from_millis(10)));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(invalid)?;
        let account_key = self.account_key.map_or_else(
            || DEFAULT_ACCOUNT_KEY.to_vec(),
            |k| k.expose().as_bytes().to_vec(),
        );
        Ok(RedisStore {
            inner: Arc::new(Inner {
                conn,
                password,
                url: redacted_url(self.url.expose()),
                fail: self.fail,
                prefix: self.prefix,
                timeout: self.timeout,
                probe_every: self.probe_every,
                lease_poll: self.lease_poll,
                account_key,
                local: LocalStore::new(),
                health: Mutex::new(Health {
                    down: false,
                    next_probe: None,
                }),
                outages: AtomicU64::new(0),
                ids: Mutex::new(HashMap::new()),
                gcra: Script::new(GCRA),
                lease: Script::new(LEASE),
                renew: Script::new(RENEW),
                release: Script::new(RELEASE),
            }),
        })
    }
}

/// A [`LimiterStore`] on Redis: limits shared by every process using the same account. See the
/// crate docs. Cheap to clone (the clones share the connection and the fallback).
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    conn: ConnectionManager,
    password: Secret,
    url: String,
    fail: FailMode,
    prefix: String,
    timeout: Duration,
    probe_every: Duration,
    lease_poll: Duration,
    account_key: Vec<u8>,
    local: LocalStore,
    health: Mutex<Health>,
    outages: AtomicU64,
    /// The account ids made so far (the HMAC once per credential).
    ids: Mutex<HashMap<Account, String>>,
    gcra: Script,
    lease: Script,
    renew: Script,
    release: Script,
}

/// Whether Redis is in an outage, and when to try it again.
struct Health {
    down: bool,
    next_probe: Option<Instant>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.inner.url)
            .field("fail", &self.inner.fail)
            .field("prefix", &self.inner.prefix)
            .field("timeout", &self.inner.timeout)
            .field("degraded", &self.is_degraded())
            .finish_non_exhaustive()
    }
}

/// Why Redis gave no answer (never carries a credential: texts are the error's kind).
enum Failure {
    /// Skipped: in an outage, before the next probe.
    Skipped,
    /// Tried and failed.
    Failed(String),
}

impl RedisStore {
    /// A store on `url` (`redis://host:port[/db]`) with the default settings: fail-open, prefix
    /// `th`, 250 ms timeout. See [`RedisStoreBuilder::connect`].
    pub async fn connect(url: &str) -> Result<RedisStore, RedisStoreError> {
        RedisStore::builder(url).connect().await
    }

    /// Settings for a store on `url`.
    pub fn builder(url: &str) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: Secret::new(url),
            fail: FailMode::Open,
            prefix: "th".to_owned(),
            timeout: Duration::from_millis(250),
            probe_every: Duration::from_secs(1),
            lease_poll: Duration::from_millis(100),
            account_key: None,
        }
    }

    /// One `PING` round trip (within the timeout); marks the store up or down.
    pub async fn ping(&self) -> Result<Duration, LimitError> {
        let started = Instant::now();
        let mut conn = self.inner.conn.clone();
        let result = tokio::time::timeout(
            self.inner.timeout,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await;
        match result {
            Ok(Ok(_)) => {
                self.mark_up();
                Ok(started.elapsed())
            }
            Ok(Err(e)) => Err(self.mark_down(self.reason(&e))),
            Err(_) => Err(self.mark_down(format!("timed out after {:?}", self.inner.timeout))),
        }
    }

    /// Whether the store is in an outage now (failing open or closed).
    pub fn is_degraded(&self) -> bool {
        self.health().down
    }

    /// How many outages began since the store was made (each logged one warning).
    pub fn outages(&self) -> u64 {
        self.inner.outages.load(Ordering::Relaxed)
    }

    /// The fail mode.
    pub fn fail_mode(&self) -> FailMode {
        self.inner.fail
    }

    /// The Redis key of `key`: `{prefix}:{service}:{{account id}}:{class}`.
    pub fn redis_key(&self, key: &LimitKey) -> String {
        format!(
            "{}:{}:{{{}}}:{}",
            self.inner.prefix,
            key.service,
            self.account_id(&key.account),
            key.class
        )
    }

    /// The account part of a key: HMAC-SHA256 of the credential under the account key, the
    /// first 16 bytes in hex.
    pub fn account_id(&self, account: &Account) -> String {
        let mut ids = self.inner.ids.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = ids.get(account) {
            return id.clone();
        }
        let mac = hmac_sha256(
            &self.inner.account_key,
            account.credential().expose().as_bytes(),
        );
        let id = hex(&mac[..16]);
        // A bounded memo (a process uses a handful of accounts; the bound keeps a caller that
        // makes a client per request from growing it forever).
        if ids.len() >= 1024 {
            ids.clear();
        }
        ids.insert(account.clone(), id.clone());
        id
    }

    /// A Redis error as text, any password of the URL scrubbed.
    fn reason(&self, e: &redis::RedisError) -> String {
        th_core::secret::scrub(&e.to_string(), &[&self.inner.password])
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.inner.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// In an outage, whether this call skips Redis (the next probe is not due); a due probe is
    /// taken by this call alone.
    fn skip(&self) -> bool {
        let mut h = self.health();
        if !h.down {
            return false;
        }
        let now = Instant::now();
        match h.next_probe {
            Some(at) if now < at => true,
            _ => {
                h.next_probe = Some(now + self.inner.probe_every);
                false
            }
        }
    }

    fn mark_up(&self) {
        let mut h = self.health();
        if h.down {
            h.down = false;
            h.next_probe = None;
            tracing::info!(redis = %self.inner.url, "the shared limiter store is back; limits are shared again");
        }
    }

    /// Records a failure; the first of an outage logs its one warning.
    fn mark_down(&self, reason: String) -> LimitError {
        let mut h = self.health();
        if !h.down {
            h.down = true;
            h.next_probe = Some(Instant::now() + self.inner.probe_every);
            self.inner.outages.fetch_add(1, Ordering::Relaxed);
            match self.inner.fail {
                FailMode::Open => tracing::warn!(
                    redis = %self.inner.url,
                    reason = %reason,
                    "the shared limiter store is unavailable; limits are kept in this process \
                     alone until it is back (fail-open)"
                ),
                FailMode::Closed => tracing::warn!(
                    redis = %self.inner.url,
                    reason = %reason,
                    "the shared limiter store is unavailable; calls are refused until it is back \
                     (fail-closed)"
                ),
            }
        }
        LimitError::Unavailable(reason)
    }

    /// Runs a script invocation within the timeout, unless the outage says skip.
    async fn run<T: FromRedisValue>(&self, invocation: ScriptInvocation<'_>) -> Result<T, Failure> {
        if self.skip() {
            return Err(Failure::Skipped);
        }
        let mut conn = self.inner.conn.clone();
        match tokio::time::timeout(self.inner.timeout, invocation.invoke_async::<T>(&mut conn))
            .await
        {
            Ok(Ok(v)) => {
                self.mark_up();
                Ok(v)
            }
            Ok(Err(e)) => {
                let reason = self.reason(&e);
                self.mark_down(reason.clone());
                Err(Failure::Failed(reason))
            }
            Err(_) => {
                let reason = format!("timed out after {:?}", self.inner.timeout);
                self.mark_down(reason.clone());
                Err(Failure::Failed(reason))
            }
        }
    }

    /// Fail-closed's error for a failure.
    fn refuse(&self, failure: Failure) -> LimitError {
        match failure {
            Failure::Skipped => LimitError::Unavailable("in an outage (fail-closed)".to_owned()),
            Failure::Failed(reason) => LimitError::Unavailable(reason),
        }
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[async_trait]
impl LimiterStore for RedisStore {
    async fn acquire(&self, limits: &[(LimitKey, RateLimit)]) -> Result<Duration, LimitError> {
        if limits.is_empty() {
            return Ok(Duration::ZERO);
        }
        let mut invocation = self.inner.gcra.prepare_invoke();
        for (key, limit) in limits {
            let interval = limit.per / limit.requests.max(1);
            invocation
                .key(self.redis_key(key))
                .arg(micros(interval).max(1))
                .arg(limit.burst.max(1));
        }
        match self.run::<i64>(invocation).await {
            Ok(wait) => Ok(Duration::from_micros(wait.max(0) as u64)),
            Err(f) => match self.inner.fail {
                FailMode::Open => Ok(self.inner.local.reserve(limits)),
                FailMode::Closed => Err(self.refuse(f)),
            },
        }
    }

    async fn lease(&self, key: &LimitKey, max: u32, ttl: Duration) -> Result<LeaseId, LimitError> {
        let redis_key = self.redis_key(key);
        let id = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        loop {
            let mut invocation = self.inner.lease.prepare_invoke();
            invocation
                .key(&redis_key)
                .arg(max.max(1))
                .arg(micros(ttl).max(1))
                .arg(&id);
            match self.run::<i64>(invocation).await {
                Ok(-1) => return Ok(LeaseId(id)),
                Ok(wait) => {
                    let wait = Duration::from_micros(wait.max(0) as u64)
                        .clamp(Duration::from_millis(1), self.inner.lease_poll);
                    // A little jitter, so waiters of many processes do not ask in step.
                    let jitter = wait.mul_f64(fastrand::f64() * 0.2);
                    tokio::time::sleep(wait + jitter).await;
                }
                Err(f) => {
                    return match self.inner.fail {
                        FailMode::Open => self.inner.local.lease(key, max, ttl).await,
                        FailMode::Closed => Err(self.refuse(f)),
                    };
                }
            }
        }
    }

    async fn renew(
        &self,
        key: &LimitKey,
        lease: &LeaseId,
        ttl: Duration,
    ) -> Result<bool, LimitError> {
        if lease.0.starts_with(LOCAL_LEASE) {
            return self.inner.local.renew(key, lease, ttl).await;
        }
        let mut invocation = self.inner.renew.prepare_invoke();
        invocation
            .key(self.redis_key(key))
            .arg(micros(ttl).max(1))
            .arg(&lease.0);
        match self.run::<i64>(invocation).await {
            Ok(n) => Ok(n == 1),
            Err(f) => Err(self.refuse(f)),
        }
    }

    async fn release(&self, key: &LimitKey, lease: &LeaseId) -> Result<(), LimitError> {
        if self.release_now(key, lease) {
            return Ok(());
        }
        let mut invocation = self.inner.release.prepare_invoke();
        invocation.key(self.redis_key(key)).arg(&lease.0);
        match self.run::<i64>(invocation).await {
            Ok(_) => Ok(()),
            Err(f) => Err(self.refuse(f)),
        }
    }

    fn release_now(&self, key: &LimitKey, lease: &LeaseId) -> bool {
        lease.0.starts_with(LOCAL_LEASE) && self.inner.local.release_now(key, lease)
    }
}

/// A Redis URL with any password replaced, for Debug and logs.
fn redacted_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://[redacted]@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// The password part of a Redis URL (empty when none).
fn url_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            userinfo
                .split_once(':')
                .map_or(userinfo, |(_, pw)| pw)
                .to_owned()
        }
        _ => String::new(),
    }
}

/// HMAC-SHA256 (RFC 2104) on sha2: a dozen lines, checked against RFC 4231's vectors below.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 1.
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn unusable_urls_are_a_typed_error_without_the_password() {
        for url in ["http://x", "rediss://:hunter2@127.0.0.1:1", "not a url"] {
            let err = RedisStore::builder(url).build().unwrap_err();
            let RedisStoreError::InvalidUrl(text) = &err;
            assert!(!text.contains("hunter2"), "{text}");
        }
    }

    #[test]
    fn urls_print_without_password() {
        assert_eq!(
            redacted_url("redis://user:pw@host:6379/0"),
            "redis://[redacted]@host:6379/0"
        );
        assert_eq!(redacted_url("redis://host:6379"), "redis://host:6379");
        let b = RedisStore::builder("redis://:hunter2@127.0.0.1:1").account_key("deploy-key");
        let printed = format!("{b:?}");
        assert!(
            !printed.contains("hunter2") && !printed.contains("deploy-key"),
            "{printed}"
        );
    }

    #[tokio::test]
    async fn keys_hold_a_keyed_hash_never_the_credential() {
        let store = RedisStore::builder("redis://127.0.0.1:1").build().unwrap();
        let key = LimitKey::new("radist", Account::from_credential(&["sekrit-key"]), "all");
        let k = store.redis_key(&key);
        assert!(k.starts_with("th:radist:{") && k.ends_with("}:all"), "{k}");
        assert!(!k.contains("sekrit"), "{k}");
        assert_eq!(k.len(), "th:radist:{}:all".len() + 32);
        let other = RedisStore::builder("redis://127.0.0.1:1")
            .account_key("per-deployment")
            .build()
            .unwrap();
        assert_ne!(other.redis_key(&key), k);
    }
}
