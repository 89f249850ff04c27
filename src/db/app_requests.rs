//! Queries on app approval requests (`app_approval_requests`): at most one per (organization,
//! app, requester), its status moved by compare-and-swap.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::app_approval_requests;
use super::DbConnection;

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const DENIED: &str = "denied";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = app_approval_requests)]
pub struct ApprovalRequestRow {
    pub org_id: String,
    pub id: String,
    pub app_id: String,
    pub requester_id: String,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
}

pub fn insert_request(conn: &mut DbConnection, row: &ApprovalRequestRow) -> QueryResult<()> {
    diesel::insert_into(app_approval_requests::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_request(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<ApprovalRequestRow>> {
    app_approval_requests::table
        .filter(app_approval_requests::org_id.eq(org_id))
        .filter(app_approval_requests::id.eq(id))
        .select(ApprovalRequestRow::as_select())
        .first(conn)
        .optional()
}

/// A user's request for an app, whatever its status (there is at most one).
pub fn request_of(
    conn: &mut DbConnection,
    org_id: &str,
    app_id: &str,
    requester_id: &str,
) -> QueryResult<Option<ApprovalRequestRow>> {
    app_approval_requests::table
        .filter(app_approval_requests::org_id.eq(org_id))
        .filter(app_approval_requests::app_id.eq(app_id))
        .filter(app_approval_requests::requester_id.eq(requester_id))
        .select(ApprovalRequestRow::as_select())
        .first(conn)
        .optional()
}

pub fn requests_in(
    conn: &mut DbConnection,
    org_id: &str,
    status: &str,
) -> QueryResult<Vec<ApprovalRequestRow>> {
    app_approval_requests::table
        .filter(app_approval_requests::org_id.eq(org_id))
        .filter(app_approval_requests::status.eq(status))
        .order((
            app_approval_requests::created_at.asc(),
            app_approval_requests::id.asc(),
        ))
        .select(ApprovalRequestRow::as_select())
        .load(conn)
}

/// Moves a request from `from` to its new status; the affected-row count is the
/// compare-and-swap (two admins deciding at once: one wins).
pub fn set_request_status(
    conn: &mut DbConnection,
    row: &ApprovalRequestRow,
    from: &str,
) -> QueryResult<usize> {
    diesel::update(
        app_approval_requests::table
            .filter(app_approval_requests::org_id.eq(&row.org_id))
            .filter(app_approval_requests::id.eq(&row.id))
            .filter(app_approval_requests::status.eq(from)),
    )
    .set((
        app_approval_requests::status.eq(&row.status),
        app_approval_requests::reason.eq(&row.reason),
        app_approval_requests::created_at.eq(row.created_at),
        app_approval_requests::decided_at.eq(row.decided_at),
        app_approval_requests::decided_by.eq(&row.decided_by),
    ))
    .execute(conn)
}

/// The pending requests for one app (approving the app settles them all).
pub fn pending_for_app(
    conn: &mut DbConnection,
    org_id: &str,
    app_id: &str,
) -> QueryResult<Vec<ApprovalRequestRow>> {
    app_approval_requests::table
        .filter(app_approval_requests::org_id.eq(org_id))
        .filter(app_approval_requests::app_id.eq(app_id))
        .filter(app_approval_requests::status.eq(PENDING))
        .select(ApprovalRequestRow::as_select())
        .load(conn)
}
