//! Queries on organizations, their email domains and their IdP connections.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{idp_connections, org_domains, organizations};
use super::DbConnection;
use crate::ids::{ConnectionId, OrgId};

pub fn count_organizations(conn: &mut DbConnection) -> QueryResult<i64> {
    organizations::table.count().get_result(conn)
}

pub fn insert_organization(conn: &mut DbConnection, id: &OrgId, name: &str) -> QueryResult<()> {
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(id.as_str()),
            organizations::name.eq(name),
            organizations::created_at.eq(crate::clock::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_domain(
    conn: &mut DbConnection,
    org_id: &OrgId,
    domain: &str,
    verified: bool,
) -> QueryResult<()> {
    diesel::insert_into(org_domains::table)
        .values((
            org_domains::id.eq(uuid::Uuid::new_v4().to_string()),
            org_domains::org_id.eq(org_id.as_str()),
            org_domains::domain.eq(domain.to_lowercase()),
            org_domains::verified.eq(verified),
            org_domains::created_at.eq(crate::clock::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// An IdP connection: who provisions into an organization, in which dialect, how it signs in.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idp_connections)]
pub struct ConnectionRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub dialect: String,
    pub auth_mode: String,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    pub jwks_url: Option<String>,
    pub jwt_static_key: Option<String>,
    pub requests_per_minute: Option<i32>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub takeover_unmanaged: bool,
    /// A JSON object of claims (name to exact string value) a bearer JWT must also carry.
    pub jwt_required_claims: Option<String>,
}

pub struct NewConnection<'a> {
    pub id: &'a ConnectionId,
    pub org_id: &'a OrgId,
    pub name: &'a str,
    pub dialect: &'a str,
}

pub fn insert_connection(conn: &mut DbConnection, new: &NewConnection<'_>) -> QueryResult<()> {
    diesel::insert_into(idp_connections::table)
        .values((
            idp_connections::id.eq(new.id.as_str()),
            idp_connections::org_id.eq(new.org_id.as_str()),
            idp_connections::name.eq(new.name),
            idp_connections::dialect.eq(new.dialect),
            idp_connections::auth_mode.eq("bearer"),
            idp_connections::disabled.eq(false),
            idp_connections::created_at.eq(crate::clock::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_connection(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<ConnectionRow>> {
    idp_connections::table
        .filter(idp_connections::org_id.eq(org_id))
        .filter(idp_connections::id.eq(id))
        .select(ConnectionRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_connections(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<ConnectionRow>> {
    idp_connections::table
        .filter(idp_connections::org_id.eq(org_id))
        .order((idp_connections::created_at.asc(), idp_connections::id.asc()))
        .select(ConnectionRow::as_select())
        .load(conn)
}

/// The settings of a connection an admin may change.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = idp_connections)]
pub struct ConnectionChanges {
    pub name: Option<String>,
    pub dialect: Option<String>,
    pub auth_mode: Option<String>,
    pub jwt_issuer: Option<Option<String>>,
    pub jwt_audience: Option<Option<String>>,
    pub jwks_url: Option<Option<String>>,
    pub jwt_static_key: Option<Option<String>>,
    pub requests_per_minute: Option<Option<i32>>,
    pub disabled: Option<bool>,
    pub takeover_unmanaged: Option<bool>,
    pub jwt_required_claims: Option<Option<String>>,
}

pub fn update_connection(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    changes: &ConnectionChanges,
) -> QueryResult<bool> {
    let updated = diesel::update(idp_connections::table)
        .filter(idp_connections::org_id.eq(org_id))
        .filter(idp_connections::id.eq(id))
        .set(changes)
        .execute(conn)?;
    Ok(updated == 1)
}

/// What a change that removes a super admin (deactivation, deletion, demotion) may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuperAdminGuard {
    /// Another active super admin remains, and this transaction claimed the guard.
    Cleared,
    /// `user_id` is the organization's last active super admin.
    LastOne,
    /// A concurrent removal claimed the guard first: run the transaction again.
    Raced,
}

/// Checks that an active super admin other than `user_id` remains, and claims the next version
/// of the organization's guard, so that of two removals that each see the other super admin
/// still active, one runs again and then sees the first one's change (optimistic; no lock).
pub fn guard_super_admin_removal(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
) -> QueryResult<SuperAdminGuard> {
    let seen: i64 = organizations::table
        .filter(organizations::id.eq(org_id))
        .select(organizations::admin_guard_version)
        .first(conn)?;
    if super::users::count_other_active_super_admins(conn, org_id, user_id)? == 0 {
        return Ok(SuperAdminGuard::LastOne);
    }
    let claimed = diesel::update(organizations::table)
        .filter(organizations::id.eq(org_id))
        .filter(organizations::admin_guard_version.eq(seen))
        .set(organizations::admin_guard_version.eq(seen + 1))
        .execute(conn)?;
    Ok(if claimed == 1 {
        SuperAdminGuard::Cleared
    } else {
        SuperAdminGuard::Raced
    })
}

/// The connection a SCIM request names in its URL (`/scim/v2/connections/{id}`), before the
/// caller is authenticated: the only lookup not scoped by organization, because the connection
/// is what tells us the organization. The credential is then checked against this one
/// connection only, so a token can never land in another organization.
pub fn connection_named_in_url(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<ConnectionRow>> {
    idp_connections::table
        .filter(idp_connections::id.eq(id))
        .select(ConnectionRow::as_select())
        .first(conn)
        .optional()
}
