//! Operator metrics, kept in one process-wide registry and rendered in the Prometheus text
//! format by `exposition` (served on its own listen address by `http::metrics`).
//!
//! Every label is bounded: HTTP requests by method, matched route pattern (never the raw path:
//! ids would explode cardinality and leak data) and status; transaction retries by a closed
//! set of causes; IdP connections by id (bounded by the number of connections). A hand-written
//! registry of a few atomics and maps rather than the `metrics` crate family: what we record is
//! small and fixed, and this costs no dependency and no global recorder to install once.
//!
//! Adding a metric is one field here, one recording function and one block in `exposition`;
//! the outbox adds its backlog gauge and delivery-failure counter (by channel) that way.

mod exposition;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use exposition::{render, PoolGauges};

/// Why a whole transaction ran again: a closed set, so the label stays bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryCause {
    /// MySQL 1213: a deadlock or a Galera certification failure, at a statement or at COMMIT.
    Serialization,
    /// An InnoDB lock wait timed out.
    LockWait,
    /// SQLite's single writer lock was held.
    Busy,
    /// A COMMIT was acknowledged but not kept (see `db::commit_check`).
    CommitNotKept,
    /// The transaction manager was left broken by a failed COMMIT.
    BrokenTransaction,
    /// Our own optimistic check found the row's version moved.
    VersionConflict,
    /// Any other retryable failure.
    Other,
}

impl RetryCause {
    pub const ALL: [RetryCause; 7] = [
        RetryCause::Serialization,
        RetryCause::LockWait,
        RetryCause::Busy,
        RetryCause::CommitNotKept,
        RetryCause::BrokenTransaction,
        RetryCause::VersionConflict,
        RetryCause::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RetryCause::Serialization => "serialization",
            RetryCause::LockWait => "lock_wait",
            RetryCause::Busy => "busy",
            RetryCause::CommitNotKept => "commit_not_kept",
            RetryCause::BrokenTransaction => "broken_transaction",
            RetryCause::VersionConflict => "version_conflict",
            RetryCause::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Upper bounds of the latency buckets, in seconds (Prometheus' client defaults).
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A cumulative histogram: `counts[i]` is the number of observations at most `BUCKETS[i]`.
#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (count, bound) in self.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RequestKey {
    method: &'static str,
    route: String,
    status: u16,
}

struct Registry {
    requests: Mutex<HashMap<RequestKey, Histogram>>,
    retries: [AtomicU64; RetryCause::ALL.len()],
    checkout_wait: Mutex<Histogram>,
    checkout_timeouts: AtomicU64,
    idp_last_request: Mutex<HashMap<String, f64>>,
    outbox_backlog: AtomicU64,
    delivery_failures: [AtomicU64; DeliveryChannel::ALL.len()],
    without_channel: AtomicU64,
    past_retry_window: AtomicU64,
    /// `/authorize` checks by `CheckKind` and whether memory answered them (`[kind][memory]`).
    checks: [[AtomicU64; 2]; CheckKind::ALL.len()],
}

/// What an `/authorize` check asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// A permission of the catalogue (the compiled role view).
    Role,
    /// A project action (the user's effective level).
    Project,
}

impl CheckKind {
    pub const ALL: [CheckKind; 2] = [CheckKind::Role, CheckKind::Project];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Role => "role",
            CheckKind::Project => "project",
        }
    }
}

/// A notification channel, the label of delivery failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryChannel {
    Webhook,
    Email,
}

impl DeliveryChannel {
    pub const ALL: [DeliveryChannel; 2] = [DeliveryChannel::Webhook, DeliveryChannel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryChannel::Webhook => "webhook",
            DeliveryChannel::Email => "email",
        }
    }
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry {
    requests: Mutex::default(),
    retries: Default::default(),
    checkout_wait: Mutex::default(),
    checkout_timeouts: AtomicU64::new(0),
    idp_last_request: Mutex::default(),
    outbox_backlog: AtomicU64::new(0),
    delivery_failures: Default::default(),
    without_channel: AtomicU64::new(0),
    past_retry_window: AtomicU64::new(0),
    checks: Default::default(),
});

/// A metric update never fails a request: a lock poisoned by a panic elsewhere is used as is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The route label of a request that matched no route (a 404 for an unknown path).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// One HTTP request: its method, matched route pattern (or `None`), status and latency.
pub fn record_request(method: &str, route: Option<&str>, status: u16, elapsed: Duration) {
    let key = RequestKey {
        method: bounded_method(method),
        route: route.unwrap_or(UNMATCHED_ROUTE).to_owned(),
        status,
    };
    lock(&REGISTRY.requests)
        .entry(key)
        .or_default()
        .observe(elapsed.as_secs_f64());
}

/// Methods outside the standard set are one label, so a client can't mint label values.
fn bounded_method(method: &str) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("OTHER")
}

/// A transaction about to run again, and why.
pub fn record_retry(cause: RetryCause) {
    REGISTRY.retries[cause.index()].fetch_add(1, Ordering::Relaxed);
}

/// A conflicting write given up because its request was past the retry window.
pub fn record_past_retry_window() {
    REGISTRY.past_retry_window.fetch_add(1, Ordering::Relaxed);
}

/// `n` `/authorize` checks of `kind`, answered from this instance's memory or not.
pub fn record_checks(kind: CheckKind, from_memory: bool, n: usize) {
    REGISTRY.checks[kind as usize][usize::from(from_memory)].fetch_add(n as u64, Ordering::Relaxed);
}

/// A pooled connection handed out after waiting `waited`.
pub fn record_checkout(waited: Duration) {
    lock(&REGISTRY.checkout_wait).observe(waited.as_secs_f64());
}

/// A checkout that gave up (pool exhausted or database unreachable).
pub fn record_checkout_timeout() {
    REGISTRY.checkout_timeouts.fetch_add(1, Ordering::Relaxed);
}

/// An IdP connection authenticated a SCIM request now.
pub fn record_idp_request(connection_id: &str) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    lock(&REGISTRY.idp_last_request).insert(connection_id.to_owned(), now);
}

/// Notifications neither delivered nor dead, in every organization (as the worker last counted).
pub fn set_outbox_backlog(rows: u64) {
    REGISTRY.outbox_backlog.store(rows, Ordering::Relaxed);
}

/// A notification finished with no channel to deliver it to (no live webhook endpoint, no
/// recipient address with SMTP configured).
pub fn record_notification_without_channel() {
    REGISTRY.without_channel.fetch_add(1, Ordering::Relaxed);
}

/// One failed delivery attempt to one target of a channel.
pub fn record_delivery_failure(channel: DeliveryChannel) {
    REGISTRY.delivery_failures[channel as usize].fetch_add(1, Ordering::Relaxed);
}
