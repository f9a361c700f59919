//! The client's settings that the call paths share: the endpoints, the auth modes, the
//! documented limits and how statistics reports are polled. `client.rs` (the XML API) and
//! `stats.rs` (the statistics APIs) both read them from here.

use std::fmt;
use std::time::Duration;

use sha2::{Digest, Sha256};
use th_core::Secret;

/// The current OAuth endpoint.
pub const DEFAULT_OAUTH_URL: &str = "https://adfox.yandex.ru/api/v1";
/// The legacy endpoint (login + sha256 of the password); the vendor retired it in 2020.
pub const DEFAULT_LEGACY_URL: &str = "https://api.adfox.ru/v1/API.php";
/// The root of the statistics APIs (`api/report/...`, `api/v2/reports`).
pub const DEFAULT_STATS_URL: &str = "https://adfox.yandex.ru/";
/// The service name used in tracing.
pub const SERVICE: &str = "adfox";
/// The rate-limit class of the statistics calls (100 requests a minute).
pub const STATS_RATE_CLASS: &str = "adfox-statistics";

/// How the client proves who it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: OAuth <token>` (the current scheme).
    OAuth(Secret),
    /// `loginAccount` + `loginPassword` (lowercase hex sha256 of the password), in the body.
    Legacy {
        /// The login.
        login: String,
        /// The sha256 of the password, lowercase hex (the password itself is never kept).
        password_hash: Secret,
    },
    /// `X-Yandex-API-Key: <key>`. **Provisional:** seen only in public scripts, not documented.
    ApiKey(Secret),
}

impl Auth {
    /// Legacy auth from a plain password: hashed here, once; the password is not kept.
    pub fn legacy(login: impl Into<String>, password: &str) -> Self {
        Auth::Legacy {
            login: login.into(),
            password_hash: Secret::new(sha256_hex(password)),
        }
    }

    pub(crate) fn secrets(&self) -> Vec<&Secret> {
        match self {
            Auth::OAuth(s) | Auth::ApiKey(s) => vec![s],
            Auth::Legacy { password_hash, .. } => vec![password_hash],
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::OAuth(_) => f.write_str("OAuth([redacted])"),
            Auth::ApiKey(_) => f.write_str("ApiKey([redacted])"),
            Auth::Legacy { login, .. } => f
                .debug_struct("Legacy")
                .field("login", login)
                .field("password_hash", &"[redacted]")
                .finish(),
        }
    }
}

/// The lowercase hex sha256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    th_core::hex::encode(&Sha256::digest(text.as_bytes()))
}

/// The sha256 of the empty string: the hash of an empty password.
pub(crate) const EMPTY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Reports in progress at once (the documented per-owner limit).
pub const MAX_REPORTS: usize = 3;

/// The concurrency limit's name of the reports in progress in a limiter store (a lease per
/// report; see `th_core::limit`).
pub const REPORTS_CLASS: &str = "adfox-reports";

/// How reports are polled: `first_delay`, doubled each time up to `max_delay`, at most
/// `max_polls` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// The wait before the first poll.
    pub first_delay: Duration,
    /// The longest wait between polls.
    pub max_delay: Duration,
    /// How many polls before [`ApiError::ReportTimeout`](crate::ApiError::ReportTimeout).
    pub max_polls: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_polls: 120,
        }
    }
}

impl PollPolicy {
    /// The wait before poll number `n` (0-based).
    pub fn delay(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.min(20)).unwrap_or(u32::MAX);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff() {
        let p = PollPolicy::default();
        let d: Vec<u64> = (0..7).map(|n| p.delay(n).as_millis() as u64).collect();
        assert_eq!(d, vec![500, 1000, 2000, 4000, 8000, 10000, 10000]);
        assert_eq!(p.delay(u32::MAX), Duration::from_secs(10));
    }
}
