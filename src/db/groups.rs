//! Queries on groups and memberships. Members are rows of `group_members`, never a list inside
//! the group's document, so adding or removing one member costs the same in a group of ten or
//! of a hundred thousand.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::filter_sql::Compiled;
use super::page::PagedTable;
use super::schema::{group_members, scim_groups};
use super::{bind_all, placeholders, DbConnection, IN_LIST_CHUNK};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = scim_groups)]
pub struct GroupRow {
    pub id: String,
    pub org_id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub attributes: String,
    pub managed_by: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = scim_groups, treat_none_as_null = true)]
pub struct GroupColumns {
    pub display_name: String,
    pub display_name_lower: String,
    pub external_id: Option<String>,
    pub attributes: String,
}

/// A member of a group as listed: its id, kind and current display name.
#[derive(Debug, Clone, QueryableByName, PartialEq, Eq)]
pub struct MemberRow {
    #[diesel(sql_type = Text)]
    pub group_id: String,
    #[diesel(sql_type = Text)]
    pub member_id: String,
    #[diesel(sql_type = Text)]
    pub member_type: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub display: Option<String>,
}

/// A group a user belongs to, for the user's derived `groups` attribute.
#[derive(Debug, Clone, QueryableByName)]
pub struct MembershipRow {
    #[diesel(sql_type = Text)]
    pub member_id: String,
    #[diesel(sql_type = Text)]
    pub group_id: String,
    #[diesel(sql_type = Text)]
    pub display_name: String,
}

pub fn insert_group(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    cols: &GroupColumns,
    managed_by: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(scim_groups::table)
        .values((
            scim_groups::id.eq(id),
            scim_groups::org_id.eq(org_id),
            scim_groups::display_name.eq(&cols.display_name),
            scim_groups::display_name_lower.eq(&cols.display_name_lower),
            scim_groups::external_id.eq(&cols.external_id),
            scim_groups::attributes.eq(&cols.attributes),
            scim_groups::managed_by.eq(managed_by),
            scim_groups::version.eq(1_i64),
            scim_groups::created_at.eq(now),
            scim_groups::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_group(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<GroupRow>> {
    scim_groups::table
        .filter(scim_groups::org_id.eq(org_id))
        .filter(scim_groups::id.eq(id))
        .select(GroupRow::as_select())
        .first(conn)
        .optional()
}

/// Writes the group's document (and bumps its version) if the version is still
/// `expected_version`. Returns whether the row was updated. (Cached project levels of its
/// members are dropped once the caller's work is done, should the group be a team.)
pub fn update_group(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    expected_version: i64,
    cols: Option<&GroupColumns>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = scim_groups::table
        .filter(scim_groups::org_id.eq(org_id))
        .filter(scim_groups::id.eq(id))
        .filter(scim_groups::version.eq(expected_version));
    let bump = (
        scim_groups::version.eq(expected_version + 1),
        scim_groups::updated_at.eq(now),
    );
    let updated = match cols {
        Some(cols) => diesel::update(target).set((cols, bump)).execute(conn)?,
        None => diesel::update(target).set(bump).execute(conn)?,
    };
    super::project_levels::note_group_change(org_id, id);
    Ok(updated == 1)
}

pub fn delete_group(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<bool> {
    // Memberships of the group itself go with it (ON DELETE CASCADE); rows naming it as a
    // member of other groups have no foreign key, so they go here.
    diesel::delete(group_members::table)
        .filter(group_members::org_id.eq(org_id))
        .filter(group_members::member_id.eq(id))
        .execute(conn)?;
    let deleted = diesel::delete(scim_groups::table)
        .filter(scim_groups::org_id.eq(org_id))
        .filter(scim_groups::id.eq(id))
        .execute(conn)?;
    Ok(deleted == 1)
}

/// Removes a user's memberships everywhere (the user is being deleted).
pub fn delete_memberships_of(
    conn: &mut DbConnection,
    org_id: &str,
    member_id: &str,
) -> QueryResult<usize> {
    diesel::delete(group_members::table)
        .filter(group_members::org_id.eq(org_id))
        .filter(group_members::member_id.eq(member_id))
        .execute(conn)
}

/// The ids among `ids` that are groups of the organization.
pub fn existing_group_ids(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
) -> QueryResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        // By primary key, scoped here (see `users::existing_user_ids`).
        let found: Vec<(String, String)> = scim_groups::table
            .filter(scim_groups::id.eq_any(chunk))
            .select((scim_groups::id, scim_groups::org_id))
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

/// The ids among `ids` that are already members of the group (an index range on the primary key).
pub fn existing_members(
    conn: &mut DbConnection,
    group_id: &str,
    ids: &[&str],
) -> QueryResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        out.extend(
            group_members::table
                .filter(group_members::group_id.eq(group_id))
                .filter(group_members::member_id.eq_any(chunk))
                .select(group_members::member_id)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}

/// Adds one membership; a concurrent add of the same member is not an error.
pub fn insert_member(
    conn: &mut DbConnection,
    org_id: &str,
    group_id: &str,
    member_id: &str,
    member_type: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(group_members::table)
        .values((
            group_members::group_id.eq(group_id),
            group_members::member_id.eq(member_id),
            group_members::org_id.eq(org_id),
            group_members::member_type.eq(member_type),
            group_members::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(n) => Ok(n == 1),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes these members of the group, in chunks: a statement binding every id of a big group
/// would pass the backends' limits on bind parameters.
pub fn delete_members(conn: &mut DbConnection, group_id: &str, ids: &[&str]) -> QueryResult<usize> {
    let mut deleted = 0;
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        deleted += diesel::delete(group_members::table)
            .filter(group_members::group_id.eq(group_id))
            .filter(group_members::member_id.eq_any(chunk))
            .execute(conn)?;
    }
    Ok(deleted)
}

pub fn delete_all_members(conn: &mut DbConnection, group_id: &str) -> QueryResult<usize> {
    diesel::delete(group_members::table)
        .filter(group_members::group_id.eq(group_id))
        .execute(conn)
}

const MEMBER_SELECT: &str = "SELECT gm.group_id AS group_id, gm.member_id AS member_id, \
     gm.member_type AS member_type, COALESCE(u.display_name, u.user_name, g.display_name) AS display \
     FROM group_members gm \
     LEFT JOIN users u ON u.id = gm.member_id \
     LEFT JOIN scim_groups g ON g.id = gm.member_id";

/// The members of the given groups, with their current display names, in one query.
pub fn members_of(conn: &mut DbConnection, group_ids: &[&str]) -> QueryResult<Vec<MemberRow>> {
    if group_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{MEMBER_SELECT} WHERE gm.group_id IN ({}) ORDER BY gm.group_id, gm.created_at, gm.member_id",
        placeholders(group_ids.len())
    );
    let mut query = diesel::sql_query(sql).into_boxed();
    for id in group_ids {
        query = query.bind::<Text, _>(id.to_string());
    }
    query.load(conn)
}

/// Members of one group matching an SQL condition over `gm` (for PATCH removes by filter).
pub fn members_matching(
    conn: &mut DbConnection,
    group_id: &str,
    condition: &Compiled,
) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        member_id: String,
    }
    let sql = format!(
        "{MEMBER_SELECT} WHERE gm.group_id = ? AND ({})",
        condition.sql
    );
    let query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Text, _>(group_id.to_owned());
    let rows: Vec<Id> = bind_all(query, &condition.binds).load(conn)?;
    Ok(rows.into_iter().map(|r| r.member_id).collect())
}

/// The `scim_groups` table as pages read it.
pub const GROUPS_PAGE: PagedTable = PagedTable {
    name: "scim_groups",
    columns: "scim_groups.id, scim_groups.org_id, scim_groups.display_name, \
              scim_groups.external_id, scim_groups.attributes, scim_groups.managed_by, \
              scim_groups.version, scim_groups.created_at, scim_groups.updated_at",
};

/// Marks groups as changed (new version and lastModified) because their members changed
/// elsewhere, e.g. a member was deleted. Costs one statement per `IN_LIST_CHUNK` groups.
pub fn bump_versions(
    conn: &mut DbConnection,
    org_id: &str,
    ids: &[&str],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for id in ids {
        super::project_levels::note_group_change(org_id, id);
    }
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        // `+org_id`: by primary key, not an (org_id, …) index walk (see `users::refresh_groups`).
        let sql = format!(
            "UPDATE scim_groups SET version = version + 1, updated_at = ? \
             WHERE +org_id = ? AND id IN ({})",
            placeholders(chunk.len())
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

/// The direct groups of these members, with the groups' current names, from the member table.
pub fn memberships_of(
    conn: &mut DbConnection,
    org_id: &str,
    member_ids: &[&str],
) -> QueryResult<Vec<MembershipRow>> {
    super::load_in_chunks(
        conn,
        "SELECT gm.member_id AS member_id, g.id AS group_id, g.display_name AS display_name \
         FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
         WHERE gm.org_id = ? AND gm.member_id IN ({ids})",
        org_id,
        member_ids,
    )
}

/// The ids of the groups that have `member_id` as a direct member.
pub fn group_ids_of(
    conn: &mut DbConnection,
    org_id: &str,
    member_id: &str,
) -> QueryResult<Vec<String>> {
    group_members::table
        .filter(group_members::org_id.eq(org_id))
        .filter(group_members::member_id.eq(member_id))
        .select(group_members::group_id)
        .load(conn)
}

/// The ids of a group's members (for changes that replace the whole list).
pub fn member_ids(conn: &mut DbConnection, group_id: &str) -> QueryResult<Vec<String>> {
    group_members::table
        .filter(group_members::group_id.eq(group_id))
        .select(group_members::member_id)
        .load(conn)
}
