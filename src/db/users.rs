//! Queries on users and their email rows. The SCIM document is stored whole in `attributes`;
//! the columns beside it are projections of it, kept for indexes and filters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use diesel::sql_types::{Nullable, Text};

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

/// The columns of `UserRow`, as a page selects them.
macro_rules! user_columns {
    () => {
        "users.id, users.org_id, users.user_name, users.external_id, users.active, \
         users.attributes, users.role, users.role_source, users.licence, users.is_external, \
         users.managed_by, users.version, users.created_at, users.updated_at"
    };
}

/// A correlated subquery: the groups of `users.id`, each as `id:length:display` (length in
/// characters), concatenated (NULL for none). Not JSON: MariaDB spills an aggregate of JSON
/// values to an on-disk temporary table, one per query.
macro_rules! groups_of_user {
    ($concat:literal) => {
        concat!(
            "(SELECT ",
            $concat,
            " FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
             WHERE gm.member_id = users.id)"
        )
    };
}

/// A user as a page reads it: the row and, when asked for, its groups (encoded by
/// `groups_of_user!`), so a page costs one query.
#[derive(Debug, Clone, QueryableByName)]
pub struct UserPageRow {
    #[diesel(embed)]
    pub user: UserRow,
    #[diesel(sql_type = Nullable<Text>)]
    pub member_groups: Option<String>,
}

impl UserPageRow {
    /// The user's groups, ordered by display name as everywhere else.
    pub fn groups(&self) -> QueryResult<Vec<MembershipRow>> {
        let encoded = self.member_groups.as_deref().unwrap_or("");
        let mut groups = decode_groups(&self.user.id, encoded).ok_or_else(|| {
            let message = format!("malformed group list of user {}", self.user.id);
            diesel::result::Error::DeserializationError(message.into())
        })?;
        groups.sort_by_cached_key(|g| (g.display_name.to_lowercase(), g.group_id.clone()));
        Ok(groups)
    }
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

/// The `users` table as a page reads it, with each user's groups when `with_groups`.
pub fn page_table(dialect: Dialect, with_groups: bool) -> PagedTable<'static> {
    const WITHOUT: &str = concat!(user_columns!(), ", NULL AS member_groups");
    const SQLITE: &str = concat!(
        user_columns!(),
        ", ",
        groups_of_user!(
            "group_concat(g.id || ':' || length(g.display_name) || ':' || g.display_name, '')"
        ),
        " AS member_groups"
    );
    const MYSQL: &str = concat!(
        user_columns!(),
        ", ",
        groups_of_user!("GROUP_CONCAT(g.id, ':', CHAR_LENGTH(g.display_name), ':', g.display_name SEPARATOR '')"),
        " AS member_groups"
    );
    let columns = match (with_groups, dialect) {
        (false, _) => WITHOUT,
        (true, Dialect::Sqlite) => SQLITE,
        (true, Dialect::Mysql) => MYSQL,
    };
    PagedTable {
        name: "users",
        columns,
    }
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
