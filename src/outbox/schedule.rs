//! Periodic jobs that must run once per period across every instance (the expiry-warning sweep
//! of tokens): each instance asks `claim(conn, name, period)` on its own timer; exactly one
//! caller per period gets a `Claim`, through the same compare-and-swap as outbox rows (read the
//! job's `claim_version` and `next_run_at`; if due, `UPDATE … SET claim_version = v + 1,
//! next_run_at = now + period WHERE name = ? AND claim_version = v`, and only the caller whose
//! update hit the row runs). No `SELECT … FOR UPDATE`: Galera locks on one node only.
//!
//! The claim is taken before the work runs, so a run that crashes is not repeated in that
//! period: the work itself must be idempotent and catch up next time (the sweep writes
//! notifications with dedupe keys, so a second run of the same period sends nothing twice).
//!
//! ```text
//! if let Some(claim) = crate::outbox::schedule::claim(conn, "tokens.expiry_warnings", Duration::from_secs(3600))? {
//!     sweep(conn, claim.run_at)?;
//! }
//! ```

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::scheduled_jobs as store;
use crate::db::DbConnection;

/// This process's name in `claimed_by` (one per process, so a claim says who ran it).
fn claimer() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| uuid::Uuid::new_v4().to_string())
}

/// The right to run a job for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub job: String,
    /// When this run was claimed.
    pub run_at: NaiveDateTime,
    /// The job's version after the claim (increases by one per period run).
    pub version: i64,
}

/// Claims `job` for the period starting now if it is due; `None` if it is not due yet or
/// another instance claimed it first.
pub fn claim(conn: &mut DbConnection, job: &str, period: Duration) -> QueryResult<Option<Claim>> {
    let now = crate::clock::now();
    let (version, next_run_at) = store::read_or_create(conn, job, now)?;
    if next_run_at > now {
        return Ok(None);
    }
    let period = chrono::Duration::from_std(period).unwrap_or(chrono::Duration::days(365));
    if store::advance(conn, job, version, now + period, claimer())? {
        Ok(Some(Claim {
            job: job.to_owned(),
            run_at: now,
            version: version + 1,
        }))
    } else {
        Ok(None)
    }
}
