//! The delivery worker, one per instance (`[outbox] worker`): it claims due rows with a
//! compare-and-swap on `claim_version` (a lease pushes `available_at` out, so a row held by a
//! worker that died comes back), delivers each to every live webhook endpoint of its
//! organization and, with SMTP configured, to each recipient's address, then records the
//! outcome under the same claim. Targets that accepted are remembered, so a retry goes only to
//! the others; every attempt carries the same id. A failure is retried with exponential
//! back-off; after `max_attempts` the row is a dead letter. Several instances may run workers
//! on one database (SQLite, MySQL, Galera): only the instance whose update hit the row owns it.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use serde_json::Value;
use tokio::sync::{watch, Notify};

use super::email::{MailError, Mailer};
use super::webhooks::{disable_gone, signing_secrets};
use super::{signature, Envelope};
use crate::config::OutboxSettings;
use crate::db::outbox::{self as store, Candidate, OutboxRow, Outcome};
use crate::db::webhooks::{self as endpoints, WebhookRow};
use crate::db::{self, DbError, Pool};
use crate::idp::jwks_url::{CheckedResolver, JwksNetworkPolicy};
use crate::metrics::{self, DeliveryChannel};

/// Wakes the workers of this process right after a change that enqueued a notification.
static WAKE: Notify = Notify::const_new();

/// Called once the transaction that enqueued a notification is over.
pub fn wake() {
    WAKE.notify_waiters();
}

/// A running worker; `stop` ends it after the attempt in progress.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

struct Worker {
    pool: Pool,
    settings: OutboxSettings,
    id: String,
    http: reqwest::Client,
    mailer: Option<Mailer>,
}

/// Starts a worker on the current runtime.
pub fn spawn(
    pool: Pool,
    settings: OutboxSettings,
    mailer: Option<Mailer>,
) -> Result<WorkerHandle, String> {
    let policy = JwksNetworkPolicy {
        allow_private_networks: settings.allow_private_networks,
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(settings.request_timeout_ms))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(CheckedResolver { policy }))
        .build()
        .map_err(|e| format!("outbox HTTP client: {e}"))?;
    let worker = Worker {
        pool,
        settings,
        id: uuid::Uuid::new_v4().to_string(),
        http,
        mailer,
    };
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let poll = Duration::from_millis(worker.settings.poll_interval_ms);
        let sweep_every = Duration::from_secs(worker.settings.expiry_sweep_seconds);
        let mut next_sweep = tokio::time::Instant::now();
        loop {
            // The claim decides which instance sweeps; this only spares a query every poll.
            if !sweep_every.is_zero() && tokio::time::Instant::now() >= next_sweep {
                worker.sweep_expiry_warnings(sweep_every).await;
                next_sweep = tokio::time::Instant::now() + sweep_every.min(SWEEP_CHECK);
            }
            let worked = worker.round().await;
            if *stopped.borrow() {
                break;
            }
            if worked {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = WAKE.notified() => {}
                _ = stopped.changed() => break,
            }
        }
    });
    Ok(WorkerHandle { stop, task })
}

/// Runs blocking database work with a pooled connection.
async fn with_conn<T: Send + 'static>(
    pool: &Pool,
    work: impl FnOnce(&mut db::DbConnection) -> Result<T, DbError> + Send + 'static,
) -> Result<T, DbError> {
    let pool = pool.clone();
    crate::telemetry::run_blocking(move || {
        let mut conn = db::checkout(&pool)?;
        work(&mut conn)
    })
    .await
    .map_err(|e| DbError::Panicked(e.to_string()))?
}

/// What one attempt at one row found out.
#[derive(Default)]
struct Attempt {
    /// Targets the row could go to (delivered before or not).
    channels: usize,
    delivered: Vec<String>,
    gone: Vec<String>,
    errors: Vec<String>,
}

/// How often a worker asks whether the expiry sweep is due, at most (another instance may have
/// run it meanwhile, so each asks again after a while rather than after a whole period).
const SWEEP_CHECK: Duration = Duration::from_secs(60);

/// The periodic job's name in `scheduled_jobs`.
pub const EXPIRY_SWEEP_JOB: &str = "tokens.expiry_warnings";

impl Worker {
    /// Runs the token expiry-warning sweep if this instance claims this period's run; whatever
    /// it enqueues, this worker (or any other) delivers like every notification.
    async fn sweep_expiry_warnings(&self, period: Duration) {
        let swept = with_conn(&self.pool, move |c| {
            let claim = match super::schedule::claim(c, EXPIRY_SWEEP_JOB, period) {
                Ok(Some(claim)) => claim,
                Ok(None) => return Ok(None),
                // Another instance's claim won on another node (a Galera certification failure).
                Err(e) if db::is_retryable(&e) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            crate::governance::tokens::policy::sweep_expiry_warnings(c, claim.run_at)
                .map(Some)
                .map_err(crate::governance::roles::decisions::into_db_error)
        })
        .await;
        match swept {
            Ok(Some(written)) => tracing::info!(written, "token expiry sweep ran"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "token expiry sweep failed"),
        }
    }

    /// Claims and delivers one batch; whether it claimed anything.
    async fn round(&self) -> bool {
        let (limit, lease, me) = (
            i64::from(self.settings.batch_size),
            chrono::Duration::seconds(i64::try_from(self.settings.lease_seconds).unwrap_or(120)),
            self.id.clone(),
        );
        let claimed = with_conn(&self.pool, move |c| {
            let now = crate::clock::now();
            let mut mine = Vec::new();
            for candidate in store::due(c, now, limit)? {
                match store::claim(c, &candidate, &me, now + lease) {
                    Ok(true) => mine.push(Candidate {
                        claim_version: candidate.claim_version + 1,
                        ..candidate
                    }),
                    Ok(false) => {}
                    // On a Galera cluster a claim racing another node's is refused at COMMIT
                    // (a certification failure, error 1213): that worker won the row.
                    Err(e) if db::is_retryable(&e) => {}
                    // Anything else ends the round, but the rows already claimed are this
                    // worker's: dropping them would hold them back for a whole lease.
                    Err(e) if !mine.is_empty() => {
                        tracing::warn!(error = %e, "outbox: claiming stopped part-way");
                        break;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(mine)
        })
        .await;
        let claimed = match claimed {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: claiming failed");
                return false;
            }
        };
        for candidate in &claimed {
            if let Err(e) = self.deliver(candidate).await {
                tracing::warn!(error = %e, id = %candidate.id, "outbox: recording an attempt failed");
            }
        }
        if let Ok(n) = with_conn(&self.pool, |c| Ok(store::backlog(c)?)).await {
            metrics::set_outbox_backlog(u64::try_from(n).unwrap_or(0));
        }
        !claimed.is_empty()
    }

    async fn deliver(&self, claim: &Candidate) -> Result<(), DbError> {
        let id = claim.id.clone();
        let smtp = self.mailer.is_some();
        let (row, hooks, done, addresses) = with_conn(&self.pool, move |c| {
            let row = store::get(c, &id)?;
            let hooks = endpoints::list(c, &row.org_id)?;
            let done = store::delivered_targets(c, &id)?;
            let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
            let recipients = recipients_of(&payload);
            let addresses = if smtp {
                store::recipient_addresses(c, &row.org_id, &recipients)?
            } else {
                Vec::new()
            };
            Ok((row, hooks, done, addresses))
        })
        .await?;
        let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
        let mut attempt = Attempt {
            channels: hooks.iter().filter(|h| h.disabled_at.is_none()).count() + addresses.len(),
            ..Attempt::default()
        };
        for hook in hooks.iter().filter(|h| h.disabled_at.is_none()) {
            let target = format!("webhook:{}", hook.id);
            if !done.contains(&target) {
                self.post(&row, &payload, hook, target, &mut attempt).await;
            }
        }
        if let Some(mailer) = &self.mailer {
            for (user, address) in &addresses {
                let target = format!("email:{user}");
                if done.contains(&target) {
                    continue;
                }
                match mailer
                    .send(&row.id, user, address, &row.topic, &payload["data"])
                    .await
                {
                    Ok(()) => attempt.delivered.push(target),
                    Err(MailError::BadAddress(e)) => {
                        tracing::warn!(error = %e, id = %row.id, "outbox: unusable address, skipped");
                        attempt.delivered.push(target);
                    }
                    Err(MailError::Transient(e)) => {
                        metrics::record_delivery_failure(DeliveryChannel::Email);
                        attempt.errors.push(format!("{target}: {e}"));
                    }
                }
            }
        }
        self.record(row, claim.claim_version, attempt).await
    }

    /// One signed POST to one endpoint.
    async fn post(
        &self,
        row: &OutboxRow,
        payload: &Value,
        hook: &WebhookRow,
        target: String,
        attempt: &mut Attempt,
    ) {
        let recipients = recipients_of(payload);
        let body = serde_json::to_string(&Envelope {
            id: &row.id,
            org_id: &row.org_id,
            topic: &row.topic,
            recipients: &recipients,
            data: &payload["data"],
            created_at: row.created_at,
        })
        .unwrap_or_default();
        let now = crate::clock::now();
        let timestamp = now.and_utc().timestamp();
        let signatures = signature::header(&signing_secrets(hook, now), &row.id, timestamp, &body);
        let sent = self
            .http
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &row.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signatures)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(res) if res.status().is_success() => attempt.delivered.push(target),
            // Standard Webhooks: 410 Gone means "stop sending here".
            Ok(res) if res.status() == reqwest::StatusCode::GONE => {
                attempt.gone.push(hook.id.clone());
            }
            Ok(res) => {
                metrics::record_delivery_failure(DeliveryChannel::Webhook);
                attempt
                    .errors
                    .push(format!("{target}: HTTP {}", res.status().as_u16()));
            }
            Err(e) => {
                metrics::record_delivery_failure(DeliveryChannel::Webhook);
                attempt
                    .errors
                    .push(format!("{target}: {}", error_chain(&e)));
            }
        }
    }

    /// Writes what the attempt found out, if the claim is still ours.
    async fn record(&self, row: OutboxRow, version: i64, attempt: Attempt) -> Result<(), DbError> {
        let settings = self.settings.clone();
        with_conn(&self.pool, move |c| {
            let now = crate::clock::now();
            for target in &attempt.delivered {
                store::mark_target(c, &row.id, target, now)?;
            }
            for hook in &attempt.gone {
                disable_gone(c, &row.org_id, hook).map_err(|e| DbError::Panicked(e.to_string()))?;
            }
            let error = attempt.errors.join("; ");
            let outcome = if attempt.channels == 0 {
                metrics::record_notification_without_channel();
                Outcome::NoChannel
            } else if attempt.errors.is_empty() {
                Outcome::Delivered
            } else {
                Outcome::Failed {
                    error: &error,
                    retry_at: retry_at(&settings, row.attempts + 1, now),
                }
            };
            if !store::finish(c, &row.id, version, now, outcome)? {
                tracing::info!(id = %row.id, "outbox: the claim ran out before the attempt ended");
            }
            Ok(())
        })
        .await
    }
}

/// The recipients' user ids of a stored payload (`{"recipients": [...], "data": ...}`).
fn recipients_of(payload: &Value) -> Vec<String> {
    payload["recipients"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// When to try again after `attempts` failed attempts, or `None` once they are used up:
/// `base_delay * 2^(attempts - 1)`, at most `max_delay_seconds`.
pub fn retry_at(s: &OutboxSettings, attempts: i32, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    if attempts >= s.max_attempts {
        return None;
    }
    let factor = 1_u64 << attempts.saturating_sub(1).min(30);
    let delay_ms = s
        .base_delay_ms
        .saturating_mul(factor)
        .min(s.max_delay_seconds.saturating_mul(1000));
    Some(now + chrono::Duration::milliseconds(i64::try_from(delay_ms).unwrap_or(i64::MAX / 2)))
}

/// An error with its causes, for `last_error` (reqwest's top line hides the reason).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_the_ceiling_and_stops_after_the_last_attempt() {
        let mut s = crate::config::Settings::load_with_env(None, |_| None)
            .unwrap()
            .outbox;
        s.base_delay_ms = 1000;
        s.max_delay_seconds = 5;
        s.max_attempts = 5;
        let now = crate::clock::now();
        let delay = |attempts| retry_at(&s, attempts, now).map(|t| (t - now).num_milliseconds());
        assert_eq!(delay(1), Some(1000));
        assert_eq!(delay(2), Some(2000));
        assert_eq!(delay(3), Some(4000));
        assert_eq!(delay(4), Some(5000), "capped at max_delay_seconds");
        assert_eq!(delay(5), None, "the fifth failure makes a dead letter");
    }
}
