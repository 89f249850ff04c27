//! Dead letters: notifications that exhausted `[outbox] max_attempts`. Admins list them with
//! their last error; a super admin sends one back for a fresh round of attempts, under the same
//! id (receivers still drop a duplicate).

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::{json, Value};

use super::webhooks::OutboxError;
use crate::audit::{self, AuditEvent};
use crate::db::outbox as store;
use crate::db::{transaction, DbConnection};
use crate::rbac::{Authorized, ManageNotifications, ReadNotifications};

/// A notification that exhausted its delivery attempts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadLetterView {
    pub id: String,
    pub topic: String,
    /// The user ids it was for.
    #[schema(value_type = Vec<String>)]
    pub recipients: Value,
    /// What happened, as the notification's producer wrote it.
    #[schema(value_type = Object)]
    pub data: Value,
    pub dedupe_key: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// UTC, no offset.
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    /// UTC, no offset.
    #[schema(value_type = Option<String>)]
    pub dead_at: Option<NaiveDateTime>,
}

impl From<store::DeadLetter> for DeadLetterView {
    fn from(d: store::DeadLetter) -> Self {
        let payload: Value = serde_json::from_str(&d.payload).unwrap_or(Value::Null);
        DeadLetterView {
            id: d.id,
            topic: d.topic,
            recipients: payload["recipients"].clone(),
            data: payload["data"].clone(),
            dedupe_key: d.idempotency_key,
            attempts: d.attempts,
            last_error: d.last_error,
            created_at: d.created_at,
            dead_at: d.dead_at,
        }
    }
}

/// The organization's dead letters, most recent first (at most `limit`).
pub fn list(
    conn: &mut DbConnection,
    auth: &Authorized<ReadNotifications>,
    limit: i64,
) -> Result<Vec<DeadLetterView>, OutboxError> {
    let rows = store::dead_letters(conn, auth.org_id.as_str(), limit)?;
    Ok(rows.into_iter().map(DeadLetterView::from).collect())
}

/// Sends a dead letter back to the worker, due now, with its attempts reset.
pub fn retry(
    conn: &mut DbConnection,
    auth: &Authorized<ManageNotifications>,
    id: &str,
) -> Result<(), OutboxError> {
    transaction(conn, |c| {
        if !store::revive(c, auth.org_id.as_str(), id, crate::clock::now())? {
            return Err(OutboxError::NotFound);
        }
        audit::record(
            c,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "outbox.dead_letter_retried",
                target_kind: "notification",
                target_id: id,
                details: json!({}),
            },
        )?;
        Ok(())
    })
}
