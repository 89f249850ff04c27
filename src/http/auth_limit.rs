//! Failed authentications, limited per client address, on every authenticated surface. A
//! well-formed forged token costs a pooled database lookup; without a limit, anyone can turn
//! that into a flood that starves the real IdP connections of connections. Each address has a
//! budget of failures (`auth.failures_per_minute`, also the burst) refilled continuously;
//! once spent, its requests get 429 with `Retry-After` before any token is looked at, until the
//! budget refills. Successful callers spend nothing, so they never notice the limiter, and an
//! address that never fails is never even stored.
//!
//! The client address is the TCP peer, unless the peer is a configured trusted proxy: then it is
//! the right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries further
//! left were written by the client and prove nothing). IPv6 clients are counted per /64, the
//! block one host usually holds, so rotating addresses inside it gains nothing. The table is in
//! memory, per instance, bounded, and safe to lose.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

/// At most this many addresses are tracked (a few MiB at most). Beyond it, addresses whose
/// budget has refilled are forgotten; if none has, a new address goes untracked rather than
/// letting the table grow.
const MAX_ADDRESSES: usize = 65_536;

/// Budgets of failed authentications per client address.
#[derive(Debug, Clone)]
pub struct FailedAuthLimiter {
    per_minute: u32,
    buckets: Arc<Mutex<HashMap<IpAddr, Bucket>>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl FailedAuthLimiter {
    pub fn new(failures_per_minute: u32) -> Self {
        FailedAuthLimiter {
            per_minute: failures_per_minute.max(1),
            buckets: Arc::default(),
        }
    }

    /// Before any authentication work: `Err(seconds)` if `client` has no failures left.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    /// After a failed authentication: spends one failure of `client`'s budget.
    pub fn record_failure(&self, client: IpAddr) {
        self.record_failure_at(client, Instant::now());
    }

    fn capacity(&self) -> f64 {
        f64::from(self.per_minute)
    }

    fn rate_per_sec(&self) -> f64 {
        self.capacity() / 60.0
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.rate_per_sec()).min(self.capacity())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let buckets = self.lock();
        let Some(bucket) = buckets.get(&counted_as(client)) else {
            return Ok(());
        };
        let tokens = self.refilled(bucket, now);
        if tokens >= 1.0 {
            Ok(())
        } else {
            // Whole seconds until one failure is allowed again; at least 1.
            Err(((1.0 - tokens) / self.rate_per_sec()).ceil().max(1.0) as u64)
        }
    }

    fn record_failure_at(&self, client: IpAddr, now: Instant) {
        let key = counted_as(client);
        let mut buckets = self.lock();
        if !buckets.contains_key(&key) && buckets.len() >= MAX_ADDRESSES {
            let full = self.capacity();
            buckets.retain(|_, b| self.refilled(b, now) < full);
            if buckets.len() >= MAX_ADDRESSES {
                tracing::debug!("failed-authentication table full; address not tracked");
                return;
            }
        }
        let capacity = self.capacity();
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        bucket.tokens = (self.refilled(bucket, now) - 1.0).max(0.0);
        bucket.updated = now;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Bucket>> {
        // Counts only; a panicking holder leaves nothing inconsistent worth refusing over.
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The key an address is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64.
fn counted_as(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// The address a request comes from (see the module docs); None when the peer is unknown
/// (in-process test requests), which the limiter then leaves alone.
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip().to_canonical();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip.to_canonical();
                if !trusted_proxies.contains(&client) {
                    break;
                }
            }
            // Garbage from beyond the last trusted hop: that hop is the best we know.
            Err(_) => break,
        }
    }
    Some(client)
}

/// 429 on the admin API for an address out of failed authentications, as problem+json.
#[derive(Debug, thiserror::Error)]
#[error("too many failed authentications")]
pub struct AdminAuthThrottled {
    pub retry_after_secs: u64,
}

impl ResponseError for AdminAuthThrottled {
    fn status_code(&self) -> StatusCode {
        StatusCode::TOO_MANY_REQUESTS
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::TooManyRequests()
            .content_type("application/problem+json")
            .insert_header(("Retry-After", self.retry_after_secs.to_string()))
            .body(
                json!({
                    "type": "about:blank",
                    "title": "Too Many Requests",
                    "status": 429,
                    "detail": "too many failed authentications from this address; retry later",
                })
                .to_string(),
            )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use actix_web::test::TestRequest;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_out_of_failures_waits_for_its_budget_to_refill() {
        let limiter = FailedAuthLimiter::new(30);
        let (start, attacker) = (Instant::now(), ip("203.0.113.9"));
        for _ in 0..30 {
            assert!(limiter.check_at(attacker, start).is_ok());
            limiter.record_failure_at(attacker, start);
        }
        assert_eq!(
            limiter.check_at(attacker, start),
            Err(2),
            "30/min: one per 2 s"
        );
        assert!(
            limiter.check_at(ip("198.51.100.7"), start).is_ok(),
            "others unaffected"
        );
        assert!(limiter
            .check_at(attacker, start + Duration::from_millis(2100))
            .is_ok());
    }

    #[test]
    fn ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() {
        let limiter = FailedAuthLimiter::new(1);
        let now = Instant::now();
        limiter.record_failure_at(ip("2001:db8:1:2::1"), now);
        assert!(limiter.check_at(ip("2001:db8:1:2::ffff"), now).is_err());
        assert!(limiter.check_at(ip("2001:db8:1:3::1"), now).is_ok());
        limiter.record_failure_at(ip("::ffff:192.0.2.1"), now);
        assert!(limiter.check_at(ip("192.0.2.1"), now).is_err());
    }

    #[test]
    fn the_table_stays_bounded_and_forgets_refilled_addresses_first() {
        let limiter = FailedAuthLimiter::new(60);
        let now = Instant::now();
        for i in 0..MAX_ADDRESSES as u32 {
            limiter.record_failure_at(IpAddr::from(i.to_be_bytes()), now);
        }
        let later = now + Duration::from_secs(2);
        limiter.record_failure_at(ip("192.0.2.200"), later);
        assert!(limiter.lock().len() <= MAX_ADDRESSES);
        assert!(limiter.lock().contains_key(&ip("192.0.2.200")));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.2");
        let via = |peer: &str, xff: &str| {
            TestRequest::default()
                .peer_addr(format!("{peer}:4000").parse().unwrap())
                .insert_header(("X-Forwarded-For", xff))
                .to_http_request()
        };
        let trusted = [proxy];
        assert_eq!(
            client_address(&via("10.0.0.2", "1.2.3.4, 5.6.7.8"), &trusted),
            Some(ip("5.6.7.8")),
            "the right-most hop the proxy saw"
        );
        assert_eq!(
            client_address(&via("10.0.0.2", "1.2.3.4, 10.0.0.2"), &trusted),
            Some(ip("1.2.3.4")),
            "trusted hops are skipped"
        );
        assert_eq!(
            client_address(&via("10.0.0.2", "junk"), &trusted),
            Some(proxy)
        );
        assert_eq!(
            client_address(&via("192.0.2.1", "5.6.7.8"), &trusted),
            Some(ip("192.0.2.1")),
            "an untrusted peer cannot choose its address"
        );
        assert_eq!(
            client_address(&via("10.0.0.2", "5.6.7.8"), &[]),
            Some(proxy)
        );
        assert_eq!(
            client_address(&TestRequest::default().to_http_request(), &[]),
            None
        );
    }
}
