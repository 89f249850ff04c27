//! Queries on the app registry (`apps`), the organization's app settings (`app_settings`),
//! per-guest blocks and CSV exports. Usage counts live in `app_usage`, approval requests in
//! `app_requests`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{app_exports, app_settings, app_user_blocks, apps, user_emails, users};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = apps)]
pub struct AppRow {
    pub org_id: String,
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub description: String,
    pub developer: String,
    pub support_url: Option<String>,
    pub privacy_url: Option<String>,
    pub permissions: String,
    pub blocked: bool,
    pub approved: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &AppRow) -> QueryResult<()> {
    diesel::insert_into(apps::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<AppRow>> {
    apps::table
        .filter(apps::org_id.eq(org_id))
        .filter(apps::id.eq(id))
        .select(AppRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<AppRow>> {
    apps::table
        .filter(apps::org_id.eq(org_id))
        .order((apps::name.asc(), apps::id.asc()))
        .select(AppRow::as_select())
        .load(conn)
}

/// Replaces the descriptive fields (everything but ids, block state and times).
pub fn update(conn: &mut DbConnection, row: &AppRow) -> QueryResult<usize> {
    diesel::update(
        apps::table
            .filter(apps::org_id.eq(&row.org_id))
            .filter(apps::id.eq(&row.id)),
    )
    .set((
        apps::client_id.eq(&row.client_id),
        apps::name.eq(&row.name),
        apps::description.eq(&row.description),
        apps::developer.eq(&row.developer),
        apps::support_url.eq(&row.support_url),
        apps::privacy_url.eq(&row.privacy_url),
        apps::permissions.eq(&row.permissions),
        apps::updated_at.eq(row.updated_at),
    ))
    .execute(conn)
}

pub fn set_state(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    blocked: bool,
    approved: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        apps::table
            .filter(apps::org_id.eq(org_id))
            .filter(apps::id.eq(id)),
    )
    .set((
        apps::blocked.eq(blocked),
        apps::approved.eq(approved),
        apps::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn delete(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        apps::table
            .filter(apps::org_id.eq(org_id))
            .filter(apps::id.eq(id)),
    )
    .execute(conn)
}

/// The same person's user ids in the service's other organizations: active users whose
/// userName or one of whose email addresses matches one of this user's (case-insensitively,
/// through the lowercased copies).
pub fn same_person_elsewhere(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
) -> QueryResult<Vec<(String, String)>> {
    let Some(name) = users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(user_id))
        .select(users::user_name_lower)
        .first::<String>(conn)
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let emails: Vec<String> = user_emails::table
        .filter(user_emails::org_id.eq(org_id))
        .filter(user_emails::user_id.eq(user_id))
        .select(user_emails::value_lower)
        .load(conn)?;
    let mut found: Vec<(String, String)> = users::table
        .filter(users::org_id.ne(org_id))
        .filter(users::active.eq(true))
        .filter(users::user_name_lower.eq(&name))
        .select((users::org_id, users::id))
        .load(conn)?;
    if !emails.is_empty() {
        let by_email: Vec<(String, String)> = user_emails::table
            .inner_join(users::table)
            .filter(user_emails::org_id.ne(org_id))
            .filter(users::active.eq(true))
            .filter(user_emails::value_lower.eq_any(&emails))
            .select((users::org_id, users::id))
            .load(conn)?;
        found.extend(by_email);
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Whether any of these organizations blocks the app known there by `client_id`.
pub fn blocked_in_any(
    conn: &mut DbConnection,
    org_ids: &[String],
    client_id: &str,
) -> QueryResult<bool> {
    if org_ids.is_empty() {
        return Ok(false);
    }
    let n: i64 = apps::table
        .filter(apps::client_id.eq(client_id))
        .filter(apps::blocked.eq(true))
        .filter(apps::org_id.eq_any(org_ids))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = app_settings)]
pub struct AppSettingsRow {
    pub org_id: String,
    pub app_mode: String,
    pub external_automation: bool,
    pub approval_recipients: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn find_settings(conn: &mut DbConnection, org_id: &str) -> QueryResult<Option<AppSettingsRow>> {
    app_settings::table
        .filter(app_settings::org_id.eq(org_id))
        .select(AppSettingsRow::as_select())
        .first(conn)
        .optional()
}

/// Writes the organization's settings: an update, or the first row if there is none yet.
pub fn save_settings(conn: &mut DbConnection, row: &AppSettingsRow) -> QueryResult<()> {
    let n = diesel::update(app_settings::table.filter(app_settings::org_id.eq(&row.org_id)))
        .set((
            app_settings::app_mode.eq(&row.app_mode),
            app_settings::external_automation.eq(row.external_automation),
            app_settings::approval_recipients.eq(&row.approval_recipients),
            app_settings::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(app_settings::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The organization's active super admins, for the default approval recipients.
pub fn super_admins(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<String>> {
    users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::active.eq(true))
        .filter(users::role.eq("super_admin"))
        .order(users::id.asc())
        .select(users::id)
        .load(conn)
}

pub fn user_block_exists(
    conn: &mut DbConnection,
    org_id: &str,
    app_id: &str,
    user_id: &str,
) -> QueryResult<bool> {
    let n: i64 = app_user_blocks::table
        .filter(app_user_blocks::org_id.eq(org_id))
        .filter(app_user_blocks::app_id.eq(app_id))
        .filter(app_user_blocks::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Records a per-guest block; false if it was already there.
pub fn insert_user_block(
    conn: &mut DbConnection,
    org_id: &str,
    app_id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if user_block_exists(conn, org_id, app_id, user_id)? {
        return Ok(false);
    }
    diesel::insert_into(app_user_blocks::table)
        .values((
            app_user_blocks::org_id.eq(org_id),
            app_user_blocks::app_id.eq(app_id),
            app_user_blocks::user_id.eq(user_id),
            app_user_blocks::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = app_exports)]
pub struct ExportRow {
    pub org_id: String,
    pub id: String,
    pub requested_by: String,
    pub created_at: NaiveDateTime,
    pub row_count: i64,
    pub csv: String,
}

pub fn insert_export(conn: &mut DbConnection, row: &ExportRow) -> QueryResult<()> {
    diesel::insert_into(app_exports::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_export(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<ExportRow>> {
    app_exports::table
        .filter(app_exports::org_id.eq(org_id))
        .filter(app_exports::id.eq(id))
        .select(ExportRow::as_select())
        .first(conn)
        .optional()
}

/// A user's address for notices and exports: their primary email, else any email, else their
/// userName. `None`: no such user in the organization.
pub fn email_of(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
) -> QueryResult<Option<String>> {
    let email: Option<String> = user_emails::table
        .filter(user_emails::org_id.eq(org_id))
        .filter(user_emails::user_id.eq(user_id))
        .order((user_emails::is_primary.desc(), user_emails::value.asc()))
        .select(user_emails::value)
        .first(conn)
        .optional()?;
    if email.is_some() {
        return Ok(email);
    }
    users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(user_id))
        .select(users::user_name)
        .first(conn)
        .optional()
}
