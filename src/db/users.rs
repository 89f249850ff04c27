//! Queries on users and their email rows. The SCIM document is stored whole in `attributes`;
//! the columns beside it are projections of it, kept for indexes and filters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use diesel::sql_types::Text;

use super::filter_sql::Dialect;
use super::groups::MembershipRow;
use super::page::PagedTable;
use super::schema::{user_emails, users};
use super::DbConnection;

/// A user as read: the row plus its direct groups, derived from the member table in the same
/// query (see `users_page`).
#[derive(Debug, Clone, QueryableByName)]
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
    /// The user's direct groups, `id:length:display` each, the length in bytes (see
    /// `groups_expression`).
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub member_groups: Option<String>,
}

impl UserRow {
    /// The user's direct groups, ordered by display name as everywhere else; `None` if the stored
    /// list is unreadable (the caller then reads the member table instead).
    pub fn groups(&self) -> Option<Vec<MembershipRow>> {
        let encoded = self.member_groups.as_deref().unwrap_or("");
        let mut groups = decode_groups(&self.id, encoded)?;
        sort_groups(&mut groups);
        Some(groups)
    }
}

/// Groups in the order a user's `groups` lists them: by display name, then id.
pub fn sort_groups(groups: &mut [MembershipRow]) {
    groups.sort_by_cached_key(|g| (g.display_name.to_lowercase(), g.group_id.clone()));
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

/// How many active super admins the organization has besides `except_id`.
pub fn count_other_active_super_admins(
    conn: &mut DbConnection,
    org_id: &str,
    except_id: &str,
) -> QueryResult<i64> {
    users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::role.eq("super_admin"))
        .filter(users::active.eq(true))
        .filter(users::id.ne(except_id))
        .count()
        .get_result(conn)
}

/// Records which IdP connection manages a user (it took the user over).
pub fn set_managed_by(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    connection_id: &str,
) -> QueryResult<bool> {
    let updated = diesel::update(users::table)
        .filter(users::org_id.eq(org_id))
        .filter(users::id.eq(id))
        .set(users::managed_by.eq(connection_id))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn find_user(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<UserRow>> {
    let columns = users_page(super::dialect(conn)).columns;
    let sql = format!("SELECT {columns} FROM users WHERE users.id = ? AND users.org_id = ?");
    diesel::sql_query(sql)
        .bind::<Text, _>(id)
        .bind::<Text, _>(org_id)
        .get_result(conn)
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
    let mut out = Vec::new();
    for chunk in ids.chunks(super::IN_LIST_CHUNK) {
        // Looked up by primary key and scoped here: with `org_id = ?` in the query, SQLite
        // walks an (org_id, …) index over the whole organization instead.
        let found: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::org_id))
            .load(conn)?;
        out.extend(
            found
                .into_iter()
                .filter(|(_, org)| org == org_id)
                .map(|(id, _)| id),
        );
    }
    Ok(out)
}

/// Decodes `id:length:display` entries, the length in bytes; `None` if the text is not exactly
/// such entries (e.g. truncated). Bytes, not characters: SQLite's `length()` of a text stops
/// at the first NUL, so a character count could disagree with the text it describes, while a
/// byte count of the value as a blob cannot.
fn decode_groups(member_id: &str, mut rest: &str) -> Option<Vec<MembershipRow>> {
    let mut groups = Vec::new();
    while !rest.is_empty() {
        let (group_id, after_id) = rest.split_once(':')?;
        let (length, after_length) = after_id.split_once(':')?;
        let bytes: usize = length.parse().ok()?;
        let display_name = after_length.get(..bytes)?;
        groups.push(MembershipRow {
            member_id: member_id.to_owned(),
            group_id: group_id.to_owned(),
            display_name: display_name.to_owned(),
        });
        rest = &after_length[bytes..];
    }
    Some(groups)
}

/// The `users` table as pages (and single reads) read it: the row and its direct groups with
/// their current names, in one query. Deriving the list when read, rather than storing it on
/// the user row, makes a rename or delete of a group of any size touch no user row, and leaves
/// no stored encoding that a group name could corrupt.
pub fn users_page(dialect: Dialect) -> PagedTable<'static> {
    PagedTable {
        name: "users",
        columns: match dialect {
            Dialect::Sqlite => USERS_COLUMNS_SQLITE,
            Dialect::Mysql => USERS_COLUMNS_MYSQL,
        },
    }
}

/// `member_groups`: `id:length:display` per group, the length in bytes (SQLite's `length()` of
/// a text stops at the first NUL; the length of the blob does not).
const USERS_COLUMNS_SQLITE: &str = "users.id, users.org_id, users.user_name, users.external_id, \
     users.active, users.attributes, users.role, users.role_source, users.licence, \
     users.is_external, users.managed_by, users.version, users.created_at, users.updated_at, \
     (SELECT group_concat(g.id || ':' || length(CAST(g.display_name AS BLOB)) || ':' \
     || g.display_name, '') FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
     WHERE gm.member_id = users.id) AS member_groups";

const USERS_COLUMNS_MYSQL: &str = "users.id, users.org_id, users.user_name, users.external_id, \
     users.active, users.attributes, users.role, users.role_source, users.licence, \
     users.is_external, users.managed_by, users.version, users.created_at, users.updated_at, \
     (SELECT GROUP_CONCAT(g.id, ':', LENGTH(g.display_name), ':', g.display_name SEPARATOR '') \
     FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
     WHERE gm.member_id = users.id) AS member_groups";

/// Gives these users a new version and lastModified (their `groups` changed): called in the
/// transaction of a change that adds them to a group. One statement per `IN_LIST_CHUNK` users;
/// ids that are not users of the organization are ignored. Returns how many rows were hit, so
/// that a caller can tell a user deleted meanwhile.
///
/// `+org_id` keeps the organization a filter, not an index choice: SQLite would otherwise walk
/// an (org_id, …) index over every user of the organization for each chunk, instead of looking
/// the ids up by primary key (MySQL ignores the unary plus).
pub fn touch_users(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut updated = 0;
    for chunk in ids.chunks(super::IN_LIST_CHUNK) {
        let sql = format!(
            "UPDATE users SET version = version + 1, updated_at = ? \
             WHERE +org_id = ? AND id IN ({})",
            super::placeholders(chunk.len())
        );
        let mut query = diesel::sql_query(sql)
            .into_boxed()
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .bind::<Text, _>(org_id.to_owned());
        for id in chunk {
            query = query.bind::<Text, _>(id.to_string());
        }
        updated += query.execute(conn)?;
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_lists_decode_whatever_the_display_names_hold() {
        let encoded = "g1:3:a:bg2:0:g3:6:é,:1:g4:3:a\0b";
        let groups = decode_groups("u", encoded).unwrap();
        let pairs: Vec<_> = groups
            .iter()
            .map(|g| (g.group_id.as_str(), g.display_name.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("g1", "a:b"), ("g2", ""), ("g3", "é,:1:"), ("g4", "a\0b")]
        );
        assert!(decode_groups("u", "").unwrap().is_empty());
    }

    #[test]
    fn a_truncated_group_list_is_refused() {
        assert!(decode_groups("u", "g1:3:a:").is_none());
        assert!(decode_groups("u", "g1:3").is_none());
        assert!(decode_groups("u", "g1:x:abc").is_none());
        // A length that splits a character.
        assert!(decode_groups("u", "g1:1:é").is_none());
    }
}
