//! Queries on users and their email rows. The SCIM document is stored whole in `attributes`;
//! the columns beside it are projections of it, kept for indexes and filters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::filter_sql::{Compiled, SqlValue};
use super::schema::{user_emails, users};
use super::{bind_all, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub org_id: String,
    pub user_name: String,
    pub external_id: Option<String>,
    pub active: bool,
    pub attributes: String,
    pub role: String,
    pub role_source: String,
    pub licence: Option<String>,
    pub is_external: bool,
    pub managed_by: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The indexed projections of a user's document, written with it.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserColumns {
    pub user_name: String,
    pub user_name_lower: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub active: bool,
    pub attributes: String,
}

/// A user's governance fields at creation: role, where it came from, who manages the user.
#[derive(Debug, Clone)]
pub struct UserGovernance<'a> {
    pub role: &'a str,
    pub role_source: &'a str,
    pub is_external: bool,
    pub managed_by: Option<&'a str>,
}

/// One email of a user, for the `user_emails` index table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailColumns {
    pub value: String,
    pub email_type: Option<String>,
    pub is_primary: bool,
}

pub fn insert_user(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    cols: &UserColumns,
    gov: &UserGovernance<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::org_id.eq(org_id),
            users::user_name.eq(&cols.user_name),
            users::user_name_lower.eq(&cols.user_name_lower),
            users::external_id.eq(&cols.external_id),
            users::display_name.eq(&cols.display_name),
            users::given_name.eq(&cols.given_name),
            users::family_name.eq(&cols.family_name),
            users::active.eq(cols.active),
            users::attributes.eq(&cols.attributes),
            users::role.eq(gov.role),
            users::role_source.eq(gov.role_source),
            users::is_external.eq(gov.is_external),
            users::managed_by.eq(gov.managed_by),
            users::version.eq(1_i64),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_user(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a new document if the stored version is still `expected_version` (optimistic
/// concurrency: no lock, the version check makes the second writer lose). Returns whether the
/// row was updated.
pub fn update_user(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    expected_version: i64,
    cols: &UserColumns,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(users::table)
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(id))
        .filter(users::version.eq(expected_version))
        .set((
            cols,
            users::version.eq(expected_version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn delete_user(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<bool> {
    let deleted = diesel::delete(users::table)
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(id))
        .execute(conn)?;
    Ok(deleted == 1)
}

/// Replaces the email index rows of a user (a handful of rows; the document is the truth).
pub fn replace_emails(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
    emails: &[EmailColumns],
) -> QueryResult<()> {
    diesel::delete(user_emails::table)
        .filter(user_emails::user_id.eq(user_id))
        .execute(conn)?;
    for email in emails {
        diesel::insert_into(user_emails::table)
            .values((
                user_emails::id.eq(uuid::Uuid::new_v4().to_string()),
                user_emails::org_id.eq(org_id),
                user_emails::user_id.eq(user_id),
                user_emails::value.eq(&email.value),
                user_emails::value_lower.eq(email.value.to_lowercase()),
                user_emails::email_type.eq(&email.email_type),
                user_emails::is_primary.eq(email.is_primary),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The ids among `ids` that are users of the organization.
pub fn existing_user_ids(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
) -> QueryResult<Vec<String>> {
    users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq_any(ids))
        .select(users::id)
        .load(conn)
}

/// One page of users matching a compiled filter, and the total count of matches.
pub fn list_users(
    conn: &mut DbConnection,
    org_id: &str,
    filter: Option<&Compiled>,
    order_by: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let condition = filter.map(|f| f.sql.as_str()).unwrap_or("1 = 1");
    let no_binds: Vec<SqlValue> = Vec::new();
    let binds = filter.map(|f| &f.binds).unwrap_or(&no_binds);
    let total = super::count_where(conn, "users", org_id, condition, binds)?;
    if limit == 0 {
        return Ok((Vec::new(), total));
    }
    let sql = format!(
        "SELECT id, org_id, user_name, external_id, active, attributes, role, role_source, \
         licence, is_external, managed_by, version, created_at, updated_at \
         FROM users WHERE users.org_id = ? AND ({condition}) ORDER BY {order_by} LIMIT ? OFFSET ?"
    );
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<diesel::sql_types::Text, _>(org_id.to_owned());
    let rows = bind_all(query, binds)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .bind::<diesel::sql_types::BigInt, _>(offset)
        .load::<UserRow>(conn)?;
    Ok((rows, total))
}

/// Marks users as changed (new version and lastModified) because something derived from other
/// rows changed, e.g. their `groups`. Costs one statement per 500 users.
pub fn bump_versions(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for chunk in ids.chunks(500) {
        diesel::update(users::table)
            .filter(users::org_id.eq(org_id))
            .filter(users::id.eq_any(chunk))
            .set((
                users::version.eq(users::version + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
