//! Connected apps (issue 13; reference 000 "App management and integrations"): the registry
//! of apps per organization, usage reported by host applications and the insights drawn from
//! it, the organization's app mode (allow all with a block list, or require approval with an
//! allow list), block and unblock, approval requests, per-guest blocks, the external
//! automation switch, the 90-day usage export, and the decision whether a user may use an app.
//!
//! Notifications go through the transactional outbox under the topics below; every change is
//! audited in its own transaction.

pub mod decide;
pub mod export;
pub mod registry;
pub mod requests;
pub mod settings;
pub mod usage;

use serde_json::Value;

use super::roles::GovernanceError;
use crate::audit::{self, Actor, AuditEvent};
use crate::db::DbConnection;
use crate::ids::OrgId;
use crate::outbox::{self, Notification, Topic};

/// To the approval recipients: a user asks for an app (data: app, requester).
pub const APPROVAL_REQUESTED: Topic = "app.approval_requested";
/// To the requester: their admins were told of their request.
pub const APPROVAL_REQUEST_RECEIVED: Topic = "app.approval_request_received";
/// To the requester: their request was approved or denied (with the admin's reason, if any).
pub const APPROVAL_DECIDED: Topic = "app.approval_decided";
/// To a guest: an app they use is blocked for them in an organization they joined.
pub const BLOCKED_FOR_GUEST: Topic = "app.blocked_for_guest";
/// To the admin who asked: their usage export can be downloaded.
pub const EXPORT_READY: Topic = "export.ready";

/// Writes an audit event about an app (or the org's app settings) in the caller's transaction.
pub(crate) fn audit(
    conn: &mut DbConnection,
    org_id: &OrgId,
    actor: &Actor,
    action: &str,
    target_id: &str,
    details: Value,
) -> Result<(), GovernanceError> {
    audit::record(
        conn,
        AuditEvent {
            org_id,
            actor,
            action,
            target_kind: "app",
            target_id,
            details,
        },
    )?;
    Ok(())
}

/// Writes a notification in the caller's transaction.
pub(crate) fn notify(
    conn: &mut DbConnection,
    org_id: &OrgId,
    topic: Topic,
    recipients: Vec<String>,
    data: Value,
    dedupe_key: Option<String>,
) -> Result<(), GovernanceError> {
    outbox::enqueue(
        conn,
        &Notification {
            org_id,
            topic,
            recipients,
            data,
            dedupe_key,
        },
    )?;
    Ok(())
}
