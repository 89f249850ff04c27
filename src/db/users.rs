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
    /// The user's direct groups, `id:length:display` each (see `refresh_groups`).
    pub member_groups: Option<String>,
}

impl UserRow {
    /// The user's direct groups, ordered by display name as everywhere else.
    pub fn groups(&self) -> QueryResult<Vec<MembershipRow>> {
        let encoded = self.member_groups.as_deref().unwrap_or("");
        let mut groups = decode_groups(&self.id, encoded).ok_or_else(|| {
            let message = format!("malformed group list of user {}", self.id);
            diesel::result::Error::DeserializationError(message.into())
        })?;
        groups.sort_by_cached_key(|g| (g.display_name.to_lowercase(), g.group_id.clone()));
        Ok(groups)
    }
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

/// Decodes `id:length:display` entries; `None` if the text is not exactly such entries (e.g.
/// truncated).
fn decode_groups(member_id: &str, mut rest: &str) -> Option<Vec<MembershipRow>> {
    let mut groups = Vec::new();
    while !rest.is_empty() {
        let (group_id, after_id) = rest.split_once(':')?;
        let (length, after_length) = after_id.split_once(':')?;
        let chars: usize = length.parse().ok()?;
        let end = match after_length.char_indices().nth(chars) {
            Some((at, _)) => at,
            None if after_length.chars().count() == chars => after_length.len(),
            None => return None,
        };
        groups.push(MembershipRow {
            member_id: member_id.to_owned(),
            group_id: group_id.to_owned(),
            display_name: after_length[..end].to_owned(),
        });
        rest = &after_length[end..];
    }
    Some(groups)
}

/// The `users` table as pages read it.
pub const USERS_PAGE: PagedTable<'static> = PagedTable {
    name: "users",
    columns: "users.id, users.org_id, users.user_name, users.external_id, users.active, \
              users.attributes, users.role, users.role_source, users.licence, users.is_external, \
              users.managed_by, users.version, users.created_at, users.updated_at, \
              users.member_groups",
};

/// A user's direct groups as `member_groups` holds them, from the member table.
fn groups_expression(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "(SELECT group_concat(g.id || ':' || length(g.display_name) || ':' || g.display_name, '') \
             FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
             WHERE gm.member_id = users.id)"
        }
        Dialect::Mysql => {
            "(SELECT GROUP_CONCAT(g.id, ':', CHAR_LENGTH(g.display_name), ':', g.display_name \
             SEPARATOR '') FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
             WHERE gm.member_id = users.id)"
        }
    }
}

/// Rewrites the group lists of these users from the member table and marks them changed (new
/// version and lastModified): called in the transaction of every change to their memberships or
/// to the name of a group they are in. One statement per 500 users; ids that are not users of
/// the organization (e.g. nested groups) are ignored.
///
/// On MySQL the member rows are read with shared locks (a subquery of an `UPDATE`), so two
/// transactions changing one user's memberships in different groups cannot both miss the
/// other's row: one waits, or deadlocks and is retried.
pub fn refresh_groups(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let groups = groups_expression(super::dialect(conn));
    for chunk in ids.chunks(500) {
        let sql = format!(
            "UPDATE users SET member_groups = {groups}, version = version + 1, updated_at = ? \
             WHERE org_id = ? AND id IN ({})",
            super::placeholders(chunk.len())
        );
        let mut query = diesel::sql_query(sql)
            .into_boxed()
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .bind::<Text, _>(org_id.to_owned());
        for id in chunk {
            query = query.bind::<Text, _>(id.to_string());
        }
        query.execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_lists_decode_whatever_the_display_names_hold() {
        let encoded = "g1:3:a:bg2:0:g3:5:é,:1:";
        let groups = decode_groups("u", encoded).unwrap();
        let pairs: Vec<_> = groups
            .iter()
            .map(|g| (g.group_id.as_str(), g.display_name.as_str()))
            .collect();
        assert_eq!(pairs, [("g1", "a:b"), ("g2", ""), ("g3", "é,:1:")]);
        assert!(decode_groups("u", "").unwrap().is_empty());
    }

    #[test]
    fn a_truncated_group_list_is_refused() {
        assert!(decode_groups("u", "g1:3:a:").is_none());
        assert!(decode_groups("u", "g1:3").is_none());
        assert!(decode_groups("u", "g1:x:abc").is_none());
    }
}
