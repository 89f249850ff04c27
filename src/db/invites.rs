//! Queries on invites: insert, find, the admin listing by status, an address's pending invites
//! oldest first, optimistic status and role changes, and whether an address is already a user.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{invites, user_emails, users};
use super::DbConnection;

pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const REVOKED: &str = "revoked";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invites)]
pub struct InviteRow {
    pub org_id: String,
    pub id: String,
    pub email: String,
    pub email_lower: String,
    pub role_id: Option<String>,
    pub invited_by: String,
    pub inviter_role_id: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_user_id: Option<String>,
    pub version: i64,
}

pub fn insert(conn: &mut DbConnection, row: &InviteRow) -> QueryResult<()> {
    diesel::insert_into(invites::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<InviteRow>> {
    invites::table
        .filter(invites::org_id.eq(org_id))
        .filter(invites::id.eq(id))
        .select(InviteRow::as_select())
        .first(conn)
        .optional()
}

/// One page of an organization's invites in one status, oldest first, and the total.
pub fn page(
    conn: &mut DbConnection,
    org_id: &str,
    status: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<InviteRow>, i64)> {
    let rows = invites::table
        .filter(invites::org_id.eq(org_id))
        .filter(invites::status.eq(status))
        .order((invites::created_at.asc(), invites::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(InviteRow::as_select())
        .load(conn)?;
    let total = invites::table
        .filter(invites::org_id.eq(org_id))
        .filter(invites::status.eq(status))
        .count()
        .get_result(conn)?;
    Ok((rows, total))
}

/// The pending invites of one address, oldest first (ties by id, so the order is stable).
pub fn pending_for(
    conn: &mut DbConnection,
    org_id: &str,
    email_lower: &str,
) -> QueryResult<Vec<InviteRow>> {
    invites::table
        .filter(invites::org_id.eq(org_id))
        .filter(invites::email_lower.eq(email_lower))
        .filter(invites::status.eq(PENDING))
        .order((invites::created_at.asc(), invites::id.asc()))
        .select(InviteRow::as_select())
        .load(conn)
}

/// Sets a pending invite's chosen role if its version is still `expected_version`.
pub fn set_role(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    expected_version: i64,
    role_id: &str,
) -> QueryResult<bool> {
    let n = diesel::update(invites::table)
        .filter(invites::org_id.eq(org_id))
        .filter(invites::id.eq(id))
        .filter(invites::status.eq(PENDING))
        .filter(invites::version.eq(expected_version))
        .set((
            invites::role_id.eq(role_id),
            invites::version.eq(expected_version + 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Closes a pending invite if its version is still `expected_version`: `revoked`, or
/// `accepted` by a user at a time (`accepted`).
pub fn close(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    expected_version: i64,
    accepted: Option<(&str, NaiveDateTime)>,
) -> QueryResult<bool> {
    let status = if accepted.is_some() {
        ACCEPTED
    } else {
        REVOKED
    };
    let n = diesel::update(invites::table)
        .filter(invites::org_id.eq(org_id))
        .filter(invites::id.eq(id))
        .filter(invites::status.eq(PENDING))
        .filter(invites::version.eq(expected_version))
        .set((
            invites::status.eq(status),
            invites::accepted_user_id.eq(accepted.map(|(user, _)| user)),
            invites::accepted_at.eq(accepted.map(|(_, at)| at)),
            invites::version.eq(expected_version + 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Whether a user of the organization already has this address as userName or as an email
/// (both compared lower-cased, through their indexes).
pub fn address_taken(
    conn: &mut DbConnection,
    org_id: &str,
    email_lower: &str,
) -> QueryResult<bool> {
    let by_name: i64 = users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::user_name_lower.eq(email_lower))
        .count()
        .get_result(conn)?;
    if by_name > 0 {
        return Ok(true);
    }
    let by_email: i64 = user_emails::table
        .filter(user_emails::org_id.eq(org_id))
        .filter(user_emails::value_lower.eq(email_lower))
        .count()
        .get_result(conn)?;
    Ok(by_email > 0)
}
