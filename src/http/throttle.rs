//! Per-connection request limits. A token bucket per IdP connection refills at
//! `requests_per_minute / 60` per second and holds at most a minute's worth, so a provisioning
//! burst is absorbed and a runaway client gets 429 with `Retry-After` (both Okta and Entra honour
//! it). The buckets are per instance and safe to lose: behind a load balancer each instance
//! enforces the limit on its share of the traffic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The limit the authenticated SCIM connection of a request is held to, left in the request's
/// extensions by the authentication extractor for handlers that charge more than one request
/// (Bulk charges one per operation).
#[derive(Debug, Clone)]
pub struct ConnectionLimit {
    pub connection_id: String,
    pub per_minute: u32,
}

#[derive(Debug, Clone, Default)]
pub struct RateLimiter {
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    per_minute: u32,
}

impl RateLimiter {
    /// Takes one request from the connection's bucket, or returns how many seconds until one
    /// is available.
    pub fn acquire(&self, connection_id: &str, per_minute: u32) -> Result<(), u64> {
        self.acquire_at(connection_id, per_minute, Instant::now())
    }

    /// Takes `n` requests at once (a Bulk request's operations), or none: returns how many
    /// seconds until `n` are available. `n` beyond a minute's worth never becomes available;
    /// callers refuse such a request outright.
    pub fn acquire_many(&self, connection_id: &str, per_minute: u32, n: u32) -> Result<(), u64> {
        self.take_at(connection_id, per_minute, n, Instant::now())
    }

    fn acquire_at(&self, connection_id: &str, per_minute: u32, now: Instant) -> Result<(), u64> {
        self.take_at(connection_id, per_minute, 1, now)
    }

    fn take_at(
        &self,
        connection_id: &str,
        per_minute: u32,
        n: u32,
        now: Instant,
    ) -> Result<(), u64> {
        if n == 0 {
            return Ok(());
        }
        let wanted = f64::from(n);
        let per_minute = per_minute.max(1);
        let capacity = f64::from(per_minute);
        let rate = capacity / 60.0;
        // A poisoned lock only means another request panicked mid-update; the counts are still
        // usable, and refusing every request would be worse.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(connection_id.to_owned()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
            per_minute,
        });
        if bucket.per_minute != per_minute {
            // The limit was changed by an admin: start from the new allowance.
            *bucket = Bucket {
                tokens: capacity,
                updated: now,
                per_minute,
            };
        }
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= wanted {
            bucket.tokens -= wanted;
            Ok(())
        } else {
            Err(((wanted - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_full_bucket_allows_a_minute_of_requests_then_says_when_to_retry() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for _ in 0..60 {
            assert!(limiter.acquire_at("c", 60, start).is_ok());
        }
        assert_eq!(limiter.acquire_at("c", 60, start), Err(1));
        assert!(limiter
            .acquire_at("c", 60, start + Duration::from_millis(1100))
            .is_ok());
    }

    #[test]
    fn many_requests_are_taken_all_at_once_or_not_at_all() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        assert!(limiter.take_at("c", 60, 50, start).is_ok());
        // 10 left: 20 more are refused and none is taken; 10 seconds bring the other 10.
        assert_eq!(limiter.take_at("c", 60, 20, start), Err(10));
        assert!(limiter.take_at("c", 60, 10, start).is_ok());
        assert_eq!(limiter.acquire_at("c", 60, start), Err(1));
        assert!(limiter.take_at("c", 60, 0, start).is_ok());
    }

    #[test]
    fn connections_have_separate_buckets() {
        let limiter = RateLimiter::default();
        let now = Instant::now();
        assert!(limiter.acquire_at("a", 1, now).is_ok());
        assert_eq!(limiter.acquire_at("a", 1, now), Err(60));
        assert!(limiter.acquire_at("b", 1, now).is_ok());
    }
}
