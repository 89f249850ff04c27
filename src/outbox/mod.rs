//! The transactional outbox (design brief: "Outbound notifications go through a transactional
//! outbox"). A change that must tell someone (an approval request, a revoked token, an expiry
//! warning, an export that is ready) calls `enqueue` inside its own transaction: the
//! notification commits with the change or not at all. Background workers in each instance
//! claim rows and deliver them over the configured channels (webhook, email), at least once,
//! each with a stable idempotency id.
//!
//! This module owns the row's shape; delivery lives beside it: `worker` (claims due rows with
//! a compare-and-swap and runs attempts with back-off), `webhooks` (endpoints, Standard
//! Webhooks signatures), `email` (SMTP), `dead_letters` (what exhausted its attempts) and
//! `schedule` (periodic jobs claimed once per period across instances).

pub mod dead_letters;
pub mod email;
pub mod schedule;
pub mod signature;
pub mod webhooks;
pub mod worker;

use std::cell::Cell;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::Serialize;
use serde_json::Value;

use crate::db::outbox::{self as store, NewOutboxRow};
use crate::db::DbConnection;
use crate::ids::OrgId;

thread_local! {
    /// Whether this thread enqueued a notification since `take_enqueued` last asked.
    static ENQUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Whether work on this thread enqueued a notification since the last call (clears the flag):
/// the caller wakes this instance's worker once the work's transaction is over.
pub fn take_enqueued() -> bool {
    ENQUEUED.with(|e| e.replace(false))
}

/// What a notification is about: a stable, dotted name receivers switch on
/// (`app.approval_requested`, `token.revoked`, `token.expiring`, `export.ready`…).
pub type Topic = &'static str;

/// One notification, before it is written.
#[derive(Debug, Clone)]
pub struct Notification<'a> {
    pub org_id: &'a OrgId,
    pub topic: Topic,
    /// The users it is for (their ids); channels resolve addresses when delivering.
    pub recipients: Vec<String>,
    /// What happened, for the receiver: ids and names, never a secret.
    pub data: Value,
    /// Makes a second enqueue of the same fact a no-op (e.g. `token.expiring:{token}:7d`):
    /// at most 64 characters. `None` gives every enqueue its own id.
    pub dedupe_key: Option<String>,
}

/// The JSON a channel delivers: the envelope plus the notification's own data.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub topic: &'a str,
    pub recipients: &'a [String],
    pub data: &'a Value,
    pub created_at: NaiveDateTime,
}

/// Writes a notification in the caller's transaction. Returns false if one with the same
/// `dedupe_key` was already written (nothing is written then).
pub fn enqueue(conn: &mut DbConnection, n: &Notification<'_>) -> QueryResult<bool> {
    let id = uuid::Uuid::new_v4().to_string();
    let key = n.dedupe_key.clone().unwrap_or_else(|| id.clone());
    let payload = serde_json::json!({ "recipients": n.recipients, "data": n.data });
    ENQUEUED.with(|e| e.set(true));
    store::insert(
        conn,
        &NewOutboxRow {
            id: &id,
            org_id: n.org_id.as_str(),
            topic: n.topic,
            payload: &payload.to_string(),
            idempotency_key: &key,
            now: crate::clock::now(),
        },
    )
}
