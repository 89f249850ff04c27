//! Queries on roles and on the org-wide governance settings (`org_settings`), including the
//! per-organization governance version that compiled decision views key on.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{org_settings, roles};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = roles)]
pub struct RoleRow {
    pub org_id: String,
    pub id: String,
    pub name: String,
    pub name_lower: String,
    pub description: String,
    pub base_role: String,
    pub standard: bool,
    pub permissions: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The role users invited by holders of this role get, per invitee type (NULL: the org
    /// default for the type).
    pub invite_default_internal_role: Option<String>,
    pub invite_default_external_role: Option<String>,
}

pub fn insert_role(conn: &mut DbConnection, row: &RoleRow) -> QueryResult<()> {
    diesel::insert_into(roles::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Every role of an organization: standard roles first, then custom roles by name.
pub fn list_roles(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<RoleRow>> {
    roles::table
        .filter(roles::org_id.eq(org_id))
        .order((
            roles::standard.desc(),
            roles::name_lower.asc(),
            roles::id.asc(),
        ))
        .select(RoleRow::as_select())
        .load(conn)
}

pub fn find_role(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<RoleRow>> {
    roles::table
        .filter(roles::org_id.eq(org_id))
        .filter(roles::id.eq(id))
        .select(RoleRow::as_select())
        .first(conn)
        .optional()
}

/// What a role edit writes (every field: an invite default of `None` is written as NULL).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = roles, treat_none_as_null = true)]
pub struct RoleChanges {
    pub name: String,
    pub name_lower: String,
    pub description: String,
    pub permissions: String,
    pub invite_default_internal_role: Option<String>,
    pub invite_default_external_role: Option<String>,
}

/// The names of the organization's other roles whose invite default is `id`.
pub fn roles_inviting_as(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Vec<String>> {
    roles::table
        .filter(roles::org_id.eq(org_id))
        .filter(roles::id.ne(id))
        .filter(
            roles::invite_default_internal_role
                .eq(id)
                .or(roles::invite_default_external_role.eq(id)),
        )
        .order(roles::name_lower.asc())
        .select(roles::name)
        .load(conn)
}

/// Writes a role edit if the stored version is still `expected_version` (optimistic).
pub fn update_role(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    expected_version: i64,
    changes: &RoleChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(roles::table)
        .filter(roles::org_id.eq(org_id))
        .filter(roles::id.eq(id))
        .filter(roles::version.eq(expected_version))
        .set((
            changes,
            roles::version.eq(expected_version + 1),
            roles::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn delete_role(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<bool> {
    let n = diesel::delete(roles::table)
        .filter(roles::org_id.eq(org_id))
        .filter(roles::id.eq(id))
        .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = org_settings)]
pub struct SettingsRow {
    pub org_id: String,
    pub guest_invites: bool,
    pub restrict_guest_invites: bool,
    /// Lower-cased domains, comma-separated.
    pub trusted_domains: String,
    pub upload_files: bool,
    pub download_files_on_mobile: bool,
    pub personal_access_tokens: bool,
    pub apps: bool,
    pub ai: bool,
    pub default_internal_role: String,
    pub default_external_role: String,
    pub governance_version: i64,
    pub updated_at: NaiveDateTime,
    pub restrict_guest_apps: bool,
    pub restrict_guest_personal_access_tokens: bool,
}

pub fn insert_settings(conn: &mut DbConnection, row: &SettingsRow) -> QueryResult<()> {
    diesel::insert_into(org_settings::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_settings(conn: &mut DbConnection, org_id: &str) -> QueryResult<Option<SettingsRow>> {
    org_settings::table
        .filter(org_settings::org_id.eq(org_id))
        .select(SettingsRow::as_select())
        .first(conn)
        .optional()
}

/// Writes the settings if the governance version is still the one read (optimistic); the
/// write itself bumps the version.
pub fn update_settings(
    conn: &mut DbConnection,
    row: &SettingsRow,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let mut next = row.clone();
    next.governance_version += 1;
    next.updated_at = now;
    let n = diesel::update(org_settings::table)
        .filter(org_settings::org_id.eq(&row.org_id))
        .filter(org_settings::governance_version.eq(row.governance_version))
        .set(&next)
        .execute(conn)?;
    Ok(n == 1)
}

/// Bumps the organization's governance version: every change to roles, settings, domains or
/// user roles calls this in its transaction, so compiled decision views notice.
pub fn bump_governance_version(conn: &mut DbConnection, org_id: &str) -> QueryResult<()> {
    note_governance_change(org_id);
    diesel::update(org_settings::table)
        .filter(org_settings::org_id.eq(org_id))
        .set(org_settings::governance_version.eq(org_settings::governance_version + 1))
        .execute(conn)
        .map(|_| ())
}

/// The governance version alone: the cheap check a compiled view makes.
pub fn governance_version(conn: &mut DbConnection, org_id: &str) -> QueryResult<Option<i64>> {
    org_settings::table
        .filter(org_settings::org_id.eq(org_id))
        .select(org_settings::governance_version)
        .first(conn)
        .optional()
}

/// Bumps the governance version only if it is still `expected`: a change whose checks read
/// holders or assignments (deleting a role, assigning one) loses to a concurrent change and is
/// retried, instead of leaving a user on a deleted role.
pub fn bump_governance_version_from(
    conn: &mut DbConnection,
    org_id: &str,
    expected: i64,
) -> QueryResult<bool> {
    note_governance_change(org_id);
    let n = diesel::update(org_settings::table)
        .filter(org_settings::org_id.eq(org_id))
        .filter(org_settings::governance_version.eq(expected))
        .set(org_settings::governance_version.eq(expected + 1))
        .execute(conn)?;
    Ok(n == 1)
}

thread_local! {
    static CHANGED_ORGS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Remembers, on this thread, that a transaction changed an organization's governance, so the
/// caller can drop this instance's compiled view at once (other instances notice the version
/// within their recheck interval). A rolled-back change only costs a rebuild.
fn note_governance_change(org_id: &str) {
    CHANGED_ORGS.with(|orgs| {
        let mut orgs = orgs.borrow_mut();
        if !orgs.iter().any(|o| o == org_id) {
            orgs.push(org_id.to_owned());
        }
    });
}

/// The organizations whose governance this thread changed since the last call.
pub fn take_governance_changes() -> Vec<String> {
    CHANGED_ORGS.with(|orgs| std::mem::take(&mut *orgs.borrow_mut()))
}
