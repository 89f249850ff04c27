//! Approval requests (reference 000 "App approvals"): a user asks for an app their
//! organization does not allow; the configured recipients (default: every super admin) are
//! notified with the requester's address, and the requester is told their admins were;
//! repeated requests by one user for one app are one request; admins list the pending ones and
//! approve (which approves the app) or deny, with an optional reason that reaches the requester.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::registry::{self, AppView};
use super::settings;
use super::{audit, notify, APPROVAL_DECIDED, APPROVAL_REQUESTED, APPROVAL_REQUEST_RECEIVED};
use crate::audit::Actor;
use crate::db::app_requests::{
    self as request_store, ApprovalRequestRow, APPROVED, DENIED, PENDING,
};
use crate::db::apps::{self as store, AppRow};
use crate::db::DbConnection;
use crate::governance::roles::GovernanceError;
use crate::ids::OrgId;
use crate::rbac::{Authorized, ManageApps};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalRequest {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub requester_id: String,
    pub requester_email: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    #[schema(value_type = String)]
    pub created_at: chrono::NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub decided_by: Option<String>,
}

fn view(
    conn: &mut DbConnection,
    row: &ApprovalRequestRow,
    app_name: &str,
) -> Result<ApprovalRequest, GovernanceError> {
    Ok(ApprovalRequest {
        id: row.id.clone(),
        app_id: row.app_id.clone(),
        app_name: app_name.to_owned(),
        requester_id: row.requester_id.clone(),
        requester_email: store::email_of(conn, &row.org_id, &row.requester_id)?,
        status: row.status.clone(),
        reason: row.reason.clone(),
        created_at: row.created_at,
        decided_at: row.decided_at,
        decided_by: row.decided_by.clone(),
    })
}

/// A user asks for an app. Returns the request and whether this call opened it (false: the
/// user already had it pending, and nobody is notified again).
pub fn ask(
    conn: &mut DbConnection,
    org_id: &OrgId,
    requester_id: &str,
    app_id: &str,
) -> Result<(ApprovalRequest, bool), GovernanceError> {
    let org = org_id.to_string();
    crate::db::transaction(conn, |c| {
        let app = registry::find(c, &org, app_id)?;
        let settings = settings::load(c, &org)?;
        if registry::status(&app, settings.app_mode) == "allowed" {
            return Err(GovernanceError::Conflict(format!(
                "the app {:?} is already allowed in this organization",
                app.name
            )));
        }
        let now = crate::clock::now();
        let existing = request_store::request_of(c, &org, app_id, requester_id)?;
        let row = match existing {
            Some(row) if row.status == PENDING => return Ok((view(c, &row, &app.name)?, false)),
            // Asked again after a decision (denied, or approved and later blocked): the one
            // request is pending again.
            Some(old) => {
                let row = ApprovalRequestRow {
                    status: PENDING.into(),
                    reason: None,
                    created_at: now,
                    decided_at: None,
                    decided_by: None,
                    ..old.clone()
                };
                if request_store::set_request_status(c, &row, &old.status)? == 0 {
                    return Err(GovernanceError::Retry);
                }
                row
            }
            None => {
                let row = ApprovalRequestRow {
                    org_id: org.clone(),
                    id: uuid::Uuid::new_v4().to_string(),
                    app_id: app_id.to_owned(),
                    requester_id: requester_id.to_owned(),
                    status: PENDING.into(),
                    reason: None,
                    created_at: now,
                    decided_at: None,
                    decided_by: None,
                };
                // Two requests at once by one user: the unique key keeps one; the loser's
                // transaction runs again and finds it pending.
                request_store::insert_request(c, &row).map_err(|e| match e {
                    diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    ) => GovernanceError::Retry,
                    other => other.into(),
                })?;
                row
            }
        };
        let request = view(c, &row, &app.name)?;
        let recipients = settings::approval_recipients(c, &org, &settings)?;
        let data = json!({
            "request_id": row.id,
            "app_id": app.id,
            "app_name": app.name,
            "requester_id": requester_id,
            "requester_email": request.requester_email,
        });
        notify(
            c,
            org_id,
            APPROVAL_REQUESTED,
            recipients,
            data.clone(),
            None,
        )?;
        notify(
            c,
            org_id,
            APPROVAL_REQUEST_RECEIVED,
            vec![requester_id.to_owned()],
            data,
            None,
        )?;
        let actor = Actor::User(requester_id.to_owned());
        let details = json!({ "request_id": row.id });
        audit(c, org_id, &actor, "app.approval_requested", app_id, details)?;
        Ok((request, true))
    })
}

/// The organization's requests in one status, oldest first.
pub fn list(
    conn: &mut DbConnection,
    org_id: &str,
    status: &str,
) -> Result<Vec<ApprovalRequest>, GovernanceError> {
    if ![PENDING, APPROVED, DENIED].contains(&status) {
        return Err(GovernanceError::Invalid(
            "status is pending, approved or denied".into(),
        ));
    }
    let rows = request_store::requests_in(conn, org_id, status)?;
    let apps = store::list(conn, org_id)?;
    rows.iter()
        .map(|r| {
            let name = apps
                .iter()
                .find(|a| a.id == r.app_id)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            view(conn, r, &name)
        })
        .collect()
}

/// Approves or denies one pending request. Approving approves the app itself (and so every
/// other pending request for it); the reason, if any, reaches the requester.
pub fn decide(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    request_id: &str,
    approve: bool,
    reason: Option<String>,
) -> Result<(ApprovalRequest, AppView), GovernanceError> {
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(GovernanceError::Invalid(
            "reason holds at most 2000 characters".into(),
        ));
    }
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let row = request_store::find_request(c, &org, request_id)?.ok_or_else(|| {
            GovernanceError::NotFound(format!("no approval request {request_id:?}"))
        })?;
        if row.status != PENDING {
            return Err(GovernanceError::Conflict(format!(
                "the request was already {}",
                row.status
            )));
        }
        let mut app = registry::find(c, &org, &row.app_id)?;
        let mode = settings::load(c, &org)?.app_mode;
        let decided = settle(c, auth, &app, &row, approve, reason.clone())?;
        if approve {
            app.blocked = false;
            app.approved = true;
            app.updated_at = crate::clock::now();
            store::set_state(c, &org, &app.id, false, true, app.updated_at)?;
            audit(
                c,
                &auth.org_id,
                &auth.actor(),
                "app.approved",
                &app.id,
                json!({}),
            )?;
            settle_pending(c, auth, &app, reason.clone())?;
        }
        Ok((decided, AppView::from_row(&app, mode)))
    })
}

/// Settles every pending request for an app that was just approved.
pub(crate) fn settle_pending(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    app: &AppRow,
    reason: Option<String>,
) -> Result<(), GovernanceError> {
    for row in request_store::pending_for_app(conn, &app.org_id, &app.id)? {
        settle(conn, auth, app, &row, true, reason.clone())?;
    }
    Ok(())
}

fn settle(
    conn: &mut DbConnection,
    auth: &Authorized<ManageApps>,
    app: &AppRow,
    row: &ApprovalRequestRow,
    approve: bool,
    reason: Option<String>,
) -> Result<ApprovalRequest, GovernanceError> {
    let decided = ApprovalRequestRow {
        status: if approve { APPROVED } else { DENIED }.into(),
        reason,
        decided_at: Some(crate::clock::now()),
        decided_by: Some(auth.user_id.to_string()),
        ..row.clone()
    };
    // Two admins deciding at once: the status moved under us, the loser's whole transaction
    // runs again and finds the request decided.
    if request_store::set_request_status(conn, &decided, PENDING)? == 0 {
        return Err(GovernanceError::Retry);
    }
    let data = json!({
        "request_id": row.id,
        "app_id": app.id,
        "app_name": app.name,
        "decision": decided.status,
        "reason": decided.reason,
    });
    notify(
        conn,
        &auth.org_id,
        APPROVAL_DECIDED,
        vec![row.requester_id.clone()],
        data,
        None,
    )?;
    let details = json!({ "request_id": row.id, "decision": decided.status });
    audit(
        conn,
        &auth.org_id,
        &auth.actor(),
        "app.approval_decided",
        &app.id,
        details,
    )?;
    view(conn, &decided, &app.name)
}
