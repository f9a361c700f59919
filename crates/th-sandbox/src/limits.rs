//! The services' request limits, enforced per key as the services do, and the request log.
//!
//! One layer in front of every API route ([`Sandbox::router`](crate::Sandbox::router)) counts the
//! requests of each key in a sliding window and answers an over-limit request the way that
//! service does, without passing it on:
//!
//! | service | key | limit (default) | answer | source |
//! | --- | --- | --- | --- | --- |
//! | Radist.Online | `X-Api-Key` | 5 requests a second; 1 a second for chat listings (`GET …/messaging/chats/…`) and 1 for contact listings (`GET …/contacts/`) | `429 {"detail":"Too Many Requests"}` | no vendor page; users of the API (<https://github.com/semiekhin/sofia-bot/blob/39b4ce230d964d595fc01206fe33c4b38cfe5a3c/docs/RADIST_API.md>, shared/api/radist.md §7); the body is FastAPI's own for a 429, as the API's other errors are FastAPI's |
//! | ADFOX statistics | OAuth token | 100 requests a minute; 3 reports in progress per account | `429` with the API's error body | <https://yandex.ru/dev/adfox/doc/en/statistics/about>, <https://yandex.com/dev/adfox/doc/en/rest-statistics/about> (enforced in [`adfox`](crate::adfox), which holds the report state) |
//! | JustClick | the caller's address | 50 requests a second (no number is published; the sandbox's choice) | HTTP 200, signed, `error_code` 8 | error 8 "API request limit from this address exhausted" (shared/api/justclick.md §5) |
//! | TargetHunter | `api_key` | 50 requests a second (no number is published; the sandbox's choice) | `429 {"success":false,"error":"rate_limited",…}` | no limit is published; the envelope is the sandbox's TargetHunter error envelope |
//!
//! A per-second window is one second less [`LimitsConfig::jitter`] (50 ms): the services say
//! "about 5 a second", and a client that spaces its requests evenly at the limit (one every
//! 200 ms, as the SDK's default throttle does) must not be refused because the network delayed
//! one request by a millisecond more than the next. Refused requests do not count against the
//! window. [`LimitsConfig::off`] (or `--no-limits` on
//! the binary) turns every limit off; the log is kept either way.
//!
//! Every API request is logged ([`LoggedRequest`]): when it arrived, the service, a label of its
//! key (a hash, never the key itself), method, path, status and whether a limit refused it.
//! [`Sandbox::request_log`](crate::Sandbox::request_log) returns it, and so does
//! `GET /_sandbox/requests`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::request::MAX_BODY_BYTES;
use crate::{justclick, response};

/// Which limits the sandbox enforces. [`Default`] is the services' limits, on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Whether any limit is enforced (the request log is kept either way).
    pub enabled: bool,
    /// Radist.Online: requests a second per API key.
    pub radist_per_second: u32,
    /// Radist.Online: chat listings a second per API key, and contact listings a second.
    pub radist_listing_per_second: u32,
    /// ADFOX: statistics requests a minute per account.
    pub adfox_stats_per_minute: u32,
    /// ADFOX: statistics reports in progress per account.
    pub adfox_reports_in_progress: u32,
    /// JustClick: requests a second per caller address (the service publishes no number).
    pub justclick_per_second: u32,
    /// TargetHunter: requests a second per `api_key` (the service publishes no number).
    pub targethunter_per_second: u32,
    /// How much shorter than a second a per-second window is (default 50 ms): the network
    /// jitter a client spacing its requests evenly at the limit is allowed.
    pub jitter: Duration,
    /// How many requests the log keeps (the oldest are dropped first).
    pub log_capacity: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            enabled: true,
            radist_per_second: 5,
            radist_listing_per_second: 1,
            adfox_stats_per_minute: 100,
            adfox_reports_in_progress: 3,
            justclick_per_second: 50,
            targethunter_per_second: 50,
            jitter: Duration::from_millis(50),
            log_capacity: 100_000,
        }
    }
}

impl LimitsConfig {
    /// No limit enforced (the log is still kept).
    pub fn off() -> Self {
        LimitsConfig {
            enabled: false,
            ..LimitsConfig::default()
        }
    }

    /// ADFOX's statistics limits as the ADFOX emulation takes them: `None` = unlimited.
    pub(crate) fn adfox(&self) -> (Option<usize>, Option<usize>) {
        if !self.enabled {
            return (None, None);
        }
        (
            Some(self.adfox_stats_per_minute as usize),
            Some(self.adfox_reports_in_progress as usize),
        )
    }
}

/// One API request as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// When it arrived: microseconds since the Unix epoch.
    pub at_us: u64,
    /// `radist`, `adfox`, `justclick` or `targethunter`.
    pub service: &'static str,
    /// A label of the key the limit counts by ([`key_label`]); `-` when the request had none.
    pub key: String,
    /// The HTTP method.
    pub method: String,
    /// The path, without the query string.
    pub route: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// Whether a limit refused it (the layer, or ADFOX's report limits: status 429).
    pub limited: bool,
}

/// The label the log shows for a key: `k-` and 12 hex digits of its SHA-256. One-way, so a log
/// can be shared; equal keys have equal labels.
pub fn key_label(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut out = String::with_capacity(14);
    out.push_str("k-");
    th_core::hex::push(&mut out, &digest[..6]);
    out
}

/// Labels already computed, by key: a request's label without a SHA-256 each time (the
/// digest and its formatting were ~8k of the ~72k instructions of a JustClick request in the
/// sandbox, callgrind). Cleared when it grows past this many keys.
const LABEL_CACHE: usize = 1024;

/// The service an API path belongs to.
fn service_of(path: &str) -> Option<&'static str> {
    if path.starts_with("/radist/v2/") && !path.starts_with("/radist/v2/qr/") {
        Some("radist")
    } else if path.starts_with("/adfox/") {
        Some("adfox")
    } else if path.starts_with("/justclick/api/") {
        Some("justclick")
    } else if path.starts_with("/targethunter/api/") {
        Some("targethunter")
    } else {
        None
    }
}

/// A window a request counts in: (class, allowed, window length).
type Rule = (&'static str, u32, Duration);

/// Windows kept before the empty ones are dropped.
const MAX_WINDOWS: usize = 10_000;

/// (service, class, key label) → arrival times of admitted requests within the window.
type Windows = HashMap<(&'static str, &'static str, String), VecDeque<Instant>>;

/// The limit layer's state: the windows and the log.
pub(crate) struct Limiter {
    config: LimitsConfig,
    justclick: justclick::Service,
    windows: Mutex<Windows>,
    log: Mutex<VecDeque<LoggedRequest>>,
    labels: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Limiter {
    pub(crate) fn new(config: LimitsConfig, justclick: justclick::Service) -> Self {
        Limiter {
            config,
            justclick,
            windows: Mutex::new(HashMap::new()),
            log: Mutex::new(VecDeque::new()),
            labels: Mutex::new(HashMap::new()),
        }
    }

    /// [`key_label`] of `key`, remembered.
    fn label(&self, key: &str) -> String {
        let mut labels = lock(&self.labels);
        if let Some(label) = labels.get(key) {
            return label.clone();
        }
        if labels.len() >= LABEL_CACHE {
            labels.clear();
        }
        let label = key_label(key);
        labels.insert(key.to_owned(), label.clone());
        label
    }

    pub(crate) fn config(&self) -> &LimitsConfig {
        &self.config
    }

    pub(crate) fn log(&self) -> Vec<LoggedRequest> {
        lock(&self.log).iter().cloned().collect()
    }

    pub(crate) fn clear_log(&self) {
        lock(&self.log).clear();
    }

    fn record(&self, entry: LoggedRequest) {
        let mut log = lock(&self.log);
        if self.config.log_capacity == 0 {
            return;
        }
        while log.len() >= self.config.log_capacity {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// The windows a request counts in.
    fn rules(&self, service: &str, method: &Method, path: &str) -> Vec<Rule> {
        let c = &self.config;
        let second = Duration::from_secs(1).saturating_sub(c.jitter);
        match service {
            "radist" => {
                let mut rules = vec![("all", c.radist_per_second, second)];
                if method == Method::GET {
                    let p = path.trim_end_matches('/');
                    if p.contains("/messaging/chats") {
                        rules.push(("chats", c.radist_listing_per_second, second));
                    } else if p.ends_with("/contacts") {
                        rules.push(("contacts", c.radist_listing_per_second, second));
                    }
                }
                rules
            }
            "justclick" => vec![("all", c.justclick_per_second, second)],
            "targethunter" => vec![("all", c.targethunter_per_second, second)],
            // ADFOX's limits live with its report state (crate::adfox).
            _ => Vec::new(),
        }
    }

    /// Admits a request in every window of `rules`, or in none (then `false`).
    fn admit(&self, service: &'static str, key: &str, rules: &[Rule]) -> bool {
        if !self.config.enabled || rules.is_empty() {
            return true;
        }
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        if windows.len() > MAX_WINDOWS {
            // Many keys (a client inventing them): forget the windows that are empty by now.
            // Every window of this layer is at most a second long.
            windows.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(1))
            });
        }
        let full = rules.iter().any(|&(class, allowed, window)| {
            let entry = windows.entry((service, class, key.to_owned())).or_default();
            while entry
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                entry.pop_front();
            }
            entry.len() >= allowed as usize
        });
        if full {
            return false;
        }
        for &(class, _, _) in rules {
            windows
                .entry((service, class, key.to_owned()))
                .or_default()
                .push_back(now);
        }
        true
    }

    /// The answer to a request over the limit, as `service` gives it.
    fn refusal(&self, service: &str) -> Response {
        match service {
            "justclick" => self.justclick.limit_refusal(),
            "targethunter" => response::json(
                StatusCode::TOO_MANY_REQUESTS,
                &json!({
                    "success": false,
                    "error": "rate_limited",
                    "message": format!(
                        "Too many requests: at most {} a second per api_key",
                        self.config.targethunter_per_second
                    ),
                }),
            ),
            _ => response::json(
                StatusCode::TOO_MANY_REQUESTS,
                &json!({ "detail": "Too Many Requests" }),
            ),
        }
    }
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The layer: finds the service and key, refuses over the limit, logs every API request.
pub(crate) async fn layer(
    State(limiter): State<Arc<Limiter>>,
    req: Request,
    next: Next,
) -> Response {
    let at_us = now_us();
    let path = req.uri().path().to_owned();
    let Some(service) = service_of(&path) else {
        return next.run(req).await;
    };
    let method = req.method().clone();
    let (req, key) = key_of(service, req).await;
    let label = key
        .as_deref()
        .map_or_else(|| "-".to_owned(), |k| limiter.label(k));
    let rules = if key.is_some() {
        limiter.rules(service, &method, &path)
    } else {
        Vec::new()
    };
    let (answer, refused) = if limiter.admit(service, &label, &rules) {
        (next.run(req).await, false)
    } else {
        (limiter.refusal(service), true)
    };
    let status = answer.status();
    limiter.record(LoggedRequest {
        at_us,
        service,
        key: label,
        method: method.to_string(),
        route: path,
        status: status.as_u16(),
        limited: refused || status == StatusCode::TOO_MANY_REQUESTS,
    });
    answer
}

/// The key a request counts under, and the request (its body put back when it was read).
async fn key_of(service: &str, req: Request) -> (Request, Option<String>) {
    match service {
        "radist" => {
            let key = header(&req, "x-api-key");
            (req, key)
        }
        "adfox" => {
            let key = header(&req, "authorization")
                .map(|v| v.strip_prefix("OAuth ").map(str::to_owned).unwrap_or(v))
                .or_else(|| header(&req, "x-yandex-api-key"));
            (req, key)
        }
        "justclick" => {
            // Error 8 speaks of "this address": the limit is per caller address.
            let key = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
                .or_else(|| Some("local".to_owned()));
            (req, key)
        }
        _ => targethunter_key(req).await,
    }
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|v| !v.is_empty())
}

/// TargetHunter's `api_key`: in the query string, else in the form or JSON body.
async fn targethunter_key(req: Request) -> (Request, Option<String>) {
    let from_query = req
        .uri()
        .query()
        .and_then(|q| th_core::form::parse_query(q).ok())
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "api_key")
                .and_then(|(_, v)| v.scalar_string())
        })
        .filter(|k| !k.is_empty());
    let (req, body) = buffer(req, MAX_BODY_BYTES).await;
    let from_body = body.as_deref().and_then(|body| {
        let trimmed = body.trim_ascii_start();
        if trimmed.starts_with(b"{") {
            let value: Value = serde_json::from_slice(body).ok()?;
            match value.get("api_key")? {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        } else {
            th_core::form::parse_query_bytes(body)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "api_key")
                .and_then(|(_, v)| v.scalar_string())
        }
    });
    // The body wins over the query, as the service reads them.
    let key = from_body.filter(|k| !k.is_empty()).or(from_query);
    (req, key)
}

/// Reads the body of `req` when it is at most `limit` bytes, and puts it back. A longer body is
/// put back unread past what was read (prefix, then the rest of the stream), so the service
/// answers it as it would have.
async fn buffer(req: Request, limit: usize) -> (Request, Option<Bytes>) {
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut chunks: Vec<Result<Bytes, axum::Error>> = Vec::new();
    let mut len = 0usize;
    let mut complete = true;
    while let Some(chunk) = stream.next().await {
        let failed = chunk.is_err();
        if let Ok(c) = &chunk {
            len = len.saturating_add(c.len());
        }
        chunks.push(chunk);
        if failed || len > limit {
            complete = false;
            break;
        }
    }
    if complete {
        let mut all = Vec::with_capacity(len);
        for c in chunks.iter().flatten() {
            all.extend_from_slice(c);
        }
        let bytes = Bytes::from(all);
        let req = Request::from_parts(parts, Body::from(bytes.clone()));
        return (req, Some(bytes));
    }
    let body = Body::from_stream(futures::stream::iter(chunks).chain(stream));
    (Request::from_parts(parts, body), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_stable_and_hide_the_key() {
        let label = key_label("sandbox-radist-key");
        // `printf sandbox-radist-key | sha256sum`, its first 12 hex digits.
        assert_eq!(label, "k-00d66b03ee9d");
        assert!(label.starts_with("k-") && label[2..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(label, key_label("sandbox-radist-key"));
        assert_ne!(label, key_label("sandbox-radist-key2"));
        // `printf sandbox-radist-key | sha256sum`, its first 12 hex digits.
        assert_eq!(label, "k-00d66b03ee9d");
        assert!(!label.contains("radist"));
    }

    #[test]
    fn services_by_path() {
        assert_eq!(service_of("/radist/v2/users/me"), Some("radist"));
        assert_eq!(service_of("/radist/v2/qr/abc"), None);
        assert_eq!(service_of("/adfox/api/report/owner"), Some("adfox"));
        assert_eq!(service_of("/justclick/api/GetAllGroups"), Some("justclick"));
        assert_eq!(
            service_of("/targethunter/api/bots/addUser"),
            Some("targethunter")
        );
        assert_eq!(service_of("/_sandbox/health"), None);
    }

    #[test]
    fn a_window_admits_its_limit_then_refuses() {
        let limiter = Limiter::new(
            LimitsConfig::default(),
            justclick::Service::new(justclick::Config::default()),
        );
        let rules = limiter.rules(
            "radist",
            &Method::GET,
            "/radist/v2/companies/1/messaging/chats/with_contacts/",
        );
        assert_eq!(rules.len(), 2);
        assert!(limiter.admit("radist", "k", &rules));
        // The listing window (1 a second) is full; the overall one is not, and is not charged.
        assert!(!limiter.admit("radist", "k", &rules));
        let send = limiter.rules(
            "radist",
            &Method::POST,
            "/radist/v2/companies/1/messaging/messages/",
        );
        for _ in 0..4 {
            assert!(limiter.admit("radist", "k", &send));
        }
        assert!(!limiter.admit("radist", "k", &send));
        // Another key has its own windows.
        assert!(limiter.admit("radist", "other", &send));
    }

    #[test]
    fn windows_of_many_keys_are_dropped_once_empty() {
        let limiter = Limiter::new(
            LimitsConfig::default(),
            justclick::Service::new(justclick::Config::default()),
        );
        let rules = [("all", 5, Duration::from_millis(1))];
        for i in 0..=MAX_WINDOWS {
            assert!(limiter.admit("radist", &format!("key-{i}"), &rules));
        }
        std::thread::sleep(Duration::from_millis(1100));
        assert!(limiter.admit("radist", "one-more", &rules));
        assert_eq!(lock(&limiter.windows).len(), 1);
    }

    #[test]
    fn off_admits_everything() {
        let limiter = Limiter::new(
            LimitsConfig::off(),
            justclick::Service::new(justclick::Config::default()),
        );
        let send = limiter.rules("radist", &Method::POST, "/radist/v2/x");
        for _ in 0..50 {
            assert!(limiter.admit("radist", "k", &send));
        }
    }
}
