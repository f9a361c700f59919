//! A rate limit and its GCRA bucket: the arithmetic both the throttle layer and the in-process
//! [`LocalStore`](crate::limit::LocalStore) use (why GCRA is hand-written: see the throttle
//! module's docs).

use std::time::Duration;

use tokio::time::Instant;

/// A rate: `requests` per `per`, allowing bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period.
    pub requests: u32,
    /// The period.
    pub per: Duration,
    /// How many requests may go back to back before spacing starts (at least 1).
    pub burst: u32,
}

impl RateLimit {
    /// `requests` per second, burst of `requests`.
    pub fn per_second(requests: u32) -> Self {
        RateLimit {
            requests: requests.max(1),
            per: Duration::from_secs(1),
            burst: requests.max(1),
        }
    }

    /// `requests` per `period`, burst of `requests`.
    pub fn per(requests: u32, period: Duration) -> Self {
        RateLimit {
            requests: requests.max(1),
            per: period,
            burst: requests.max(1),
        }
    }

    /// `requests` per minute, burst of `requests`.
    pub fn per_minute(requests: u32) -> Self {
        RateLimit {
            requests: requests.max(1),
            per: Duration::from_secs(60),
            burst: requests.max(1),
        }
    }

    /// The same rate with another burst size.
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    fn interval(&self) -> Duration {
        self.per / self.requests.max(1)
    }
}

#[derive(Debug)]
pub(crate) struct Bucket {
    pub(crate) limit: RateLimit,
    tat: Option<Instant>,
}

impl Bucket {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Bucket { limit, tat: None }
    }

    /// Reserves the next slot; returns how long to wait for it.
    pub(crate) fn reserve(&mut self, now: Instant) -> Duration {
        let interval = self.limit.interval();
        let tat = self.tat.map_or(now, |t| t.max(now));
        let new_tat = tat + interval;
        let window = interval.saturating_mul(self.limit.burst.max(1));
        let allow_at = new_tat.checked_sub(window).unwrap_or(now);
        self.tat = Some(new_tat);
        allow_at.saturating_duration_since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_spacing_and_burst() {
        let start = Instant::now();
        let mut b = Bucket::new(RateLimit::per_second(5));
        let waits: Vec<u64> = (0..8)
            .map(|_| b.reserve(start).as_millis() as u64)
            .collect();
        assert_eq!(waits, vec![0, 0, 0, 0, 0, 200, 400, 600]);

        let mut b = Bucket::new(RateLimit::per_second(1).with_burst(1));
        let waits: Vec<u64> = (0..3)
            .map(|_| b.reserve(start).as_millis() as u64)
            .collect();
        assert_eq!(waits, vec![0, 1000, 2000]);
        // After a quiet period the bucket is full again.
        let later = start + Duration::from_secs(10);
        assert_eq!(b.reserve(later), Duration::ZERO);
    }
}
