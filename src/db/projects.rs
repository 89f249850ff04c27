//! Queries on projects and their memberships (`projects`, `project_memberships`). A membership
//! names its member in `user_id` or `team_id` (a SCIM group), never both; functions that take a
//! member take its kind (`user` or `team`) and id. A team's membership is one row whatever the
//! team's size: a user's levels are read through `group_members` (`db::project_levels`). Every
//! function here that writes memberships bumps the organization's membership version in the
//! same transaction, so cached levels notice.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::project_levels::bump_access_version;
use super::schema::{project_memberships, projects, scim_groups, users};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub org_id: String,
    pub id: String,
    pub name: String,
    pub owner_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A project with its owner's name, as lists and answers show it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ProjectListed {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_memberships)]
pub struct MembershipRow {
    pub org_id: String,
    pub id: String,
    pub project_id: String,
    pub user_id: Option<String>,
    pub team_id: Option<String>,
    pub access_level: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl MembershipRow {
    /// The member's kind (`user` or `team`) and id.
    pub fn member(&self) -> (&'static str, &str) {
        match (&self.user_id, &self.team_id) {
            (_, Some(team)) => ("team", team),
            (user, None) => ("user", user.as_deref().unwrap_or_default()),
        }
    }

    /// The `user_id` and `team_id` of a member of `kind`.
    pub fn member_columns(kind: &str, id: &str) -> (Option<String>, Option<String>) {
        if kind == "team" {
            (None, Some(id.to_owned()))
        } else {
            (Some(id.to_owned()), None)
        }
    }
}

/// A membership with the names its answer shows: the member's, the project's and its owner's.
#[derive(Debug, Clone, QueryableByName)]
pub struct MembershipListed {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub project_id: String,
    #[diesel(sql_type = Text)]
    pub member_kind: String,
    #[diesel(sql_type = Text)]
    pub member_id: String,
    #[diesel(sql_type = Text)]
    pub access_level: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub member_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub project_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub owner_name: Option<String>,
}

pub fn insert_project(conn: &mut DbConnection, row: &ProjectRow) -> QueryResult<()> {
    diesel::insert_into(projects::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_project(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .filter(projects::org_id.eq(org_id))
        .filter(projects::id.eq(id))
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()
}

const PROJECT_COLUMNS: &str = "p.id, p.name, p.owner_id, \
     COALESCE(o.display_name, o.user_name) AS owner_name, p.created_at, p.updated_at \
     FROM projects p LEFT JOIN users o ON o.id = p.owner_id AND o.org_id = p.org_id";

/// One project with its owner's name.
pub fn project_listed(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<ProjectListed>> {
    diesel::sql_query(format!(
        "SELECT {PROJECT_COLUMNS} WHERE p.org_id = ? AND p.id = ?"
    ))
    .bind::<Text, _>(org_id)
    .bind::<Text, _>(id)
    .get_result(conn)
    .optional()
}

/// A page of the organization's projects in id order, after the id `after` (on the
/// `(org_id, id)` index).
pub fn projects_page(
    conn: &mut DbConnection,
    org_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProjectListed>> {
    let after_clause = if after.is_some() { "AND p.id > ?" } else { "" };
    let mut query = diesel::sql_query(format!(
        "SELECT {PROJECT_COLUMNS} WHERE p.org_id = ? {after_clause} ORDER BY p.id LIMIT ?"
    ))
    .into_boxed()
    .bind::<Text, _>(org_id.to_owned());
    if let Some(after) = after {
        query = query.bind::<Text, _>(after.to_owned());
    }
    query.bind::<BigInt, _>(limit).load(conn)
}

pub fn rename_project(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        projects::table
            .filter(projects::org_id.eq(org_id))
            .filter(projects::id.eq(id)),
    )
    .set((projects::name.eq(name), projects::updated_at.eq(now)))
    .execute(conn)
}

pub fn delete_project(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<usize> {
    let n = diesel::delete(
        projects::table
            .filter(projects::org_id.eq(org_id))
            .filter(projects::id.eq(id)),
    )
    .execute(conn)?;
    changed(conn, org_id, n)
}

/// Clears the owner of every project a (deleted) user owned.
pub fn clear_owner(conn: &mut DbConnection, org_id: &str, user_id: &str) -> QueryResult<usize> {
    diesel::update(
        projects::table
            .filter(projects::owner_id.eq(user_id))
            .filter(projects::org_id.eq(org_id)),
    )
    .set(projects::owner_id.eq(None::<String>))
    .execute(conn)
}

/// The display name of a user of the organization (its userName when it has none), if any.
pub fn user_name(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<String>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::org_id.eq(org_id))
        .select((users::display_name, users::user_name))
        .first::<(Option<String>, String)>(conn)
        .optional()
        .map(|row| row.map(|(display, user_name)| display.unwrap_or(user_name)))
}

/// The display name of a SCIM group (team) of the organization, if any.
pub fn team_name(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<Option<String>> {
    scim_groups::table
        .filter(scim_groups::id.eq(id))
        .filter(scim_groups::org_id.eq(org_id))
        .select(scim_groups::display_name)
        .first(conn)
        .optional()
}

pub fn insert_membership(conn: &mut DbConnection, row: &MembershipRow) -> QueryResult<()> {
    diesel::insert_into(project_memberships::table)
        .values(row)
        .execute(conn)?;
    bump_access_version(conn, &row.org_id)
}

/// Bumps the membership version when `n` memberships changed; gives back `n`.
fn changed(conn: &mut DbConnection, org_id: &str, n: usize) -> QueryResult<usize> {
    if n > 0 {
        bump_access_version(conn, org_id)?;
    }
    Ok(n)
}

pub fn find_membership(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<MembershipRow>> {
    project_memberships::table
        .filter(project_memberships::org_id.eq(org_id))
        .filter(project_memberships::id.eq(id))
        .select(MembershipRow::as_select())
        .first(conn)
        .optional()
}

/// The membership of a user or team in the project, if any (on its unique key).
pub fn membership_of(
    conn: &mut DbConnection,
    org_id: &str,
    project_id: &str,
    member_kind: &str,
    member_id: &str,
) -> QueryResult<Option<MembershipRow>> {
    let rows = project_memberships::table
        .filter(project_memberships::project_id.eq(project_id))
        .filter(project_memberships::org_id.eq(org_id))
        .into_boxed();
    let rows = if member_kind == "team" {
        rows.filter(project_memberships::team_id.eq(member_id))
    } else {
        rows.filter(project_memberships::user_id.eq(member_id))
    };
    rows.select(MembershipRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_level(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
    level: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let n = diesel::update(
        project_memberships::table
            .filter(project_memberships::org_id.eq(org_id))
            .filter(project_memberships::id.eq(id)),
    )
    .set((
        project_memberships::access_level.eq(level),
        project_memberships::updated_at.eq(now),
    ))
    .execute(conn)?;
    changed(conn, org_id, n)
}

pub fn delete_membership(conn: &mut DbConnection, org_id: &str, id: &str) -> QueryResult<usize> {
    let n = diesel::delete(
        project_memberships::table
            .filter(project_memberships::org_id.eq(org_id))
            .filter(project_memberships::id.eq(id)),
    )
    .execute(conn)?;
    changed(conn, org_id, n)
}

pub fn delete_memberships_of_project(
    conn: &mut DbConnection,
    org_id: &str,
    project_id: &str,
) -> QueryResult<usize> {
    let n = diesel::delete(
        project_memberships::table
            .filter(project_memberships::project_id.eq(project_id))
            .filter(project_memberships::org_id.eq(org_id)),
    )
    .execute(conn)?;
    changed(conn, org_id, n)
}

/// Removes a user's or a team's memberships in every project (on `(user_id, id)` or
/// `(team_id, id)`).
pub fn delete_memberships_of_member(
    conn: &mut DbConnection,
    org_id: &str,
    member_kind: &str,
    member_id: &str,
) -> QueryResult<usize> {
    let of_org = project_memberships::org_id.eq(org_id);
    let n = if member_kind == "team" {
        diesel::delete(project_memberships::table)
            .filter(project_memberships::team_id.eq(member_id))
            .filter(of_org)
            .execute(conn)?
    } else {
        diesel::delete(project_memberships::table)
            .filter(project_memberships::user_id.eq(member_id))
            .filter(of_org)
            .execute(conn)?
    };
    changed(conn, org_id, n)
}

const MEMBERSHIP_COLUMNS: &str = "pm.id, pm.project_id, \
     CASE WHEN pm.team_id IS NULL THEN 'user' ELSE 'team' END AS member_kind, \
     COALESCE(pm.user_id, pm.team_id) AS member_id, pm.access_level, \
     COALESCE(mu.display_name, mu.user_name, mg.display_name) AS member_name, \
     p.name AS project_name, p.owner_id, COALESCE(o.display_name, o.user_name) AS owner_name \
     FROM project_memberships pm \
     JOIN projects p ON p.id = pm.project_id \
     LEFT JOIN users o ON o.id = p.owner_id AND o.org_id = p.org_id \
     LEFT JOIN users mu ON mu.id = pm.user_id \
     LEFT JOIN scim_groups mg ON mg.id = pm.team_id";

/// One membership with its names.
pub fn membership_listed(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> QueryResult<Option<MembershipListed>> {
    diesel::sql_query(format!(
        "SELECT {MEMBERSHIP_COLUMNS} WHERE pm.org_id = ? AND pm.id = ?"
    ))
    .bind::<Text, _>(org_id)
    .bind::<Text, _>(id)
    .get_result(conn)
    .optional()
}

/// Which memberships a page holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct MembershipFilter<'a> {
    pub project_id: Option<&'a str>,
    /// A member's kind (`user` or `team`) and id.
    pub member: Option<(&'a str, &'a str)>,
    /// Memberships with a greater id only (the previous page's last).
    pub after: Option<&'a str>,
}

/// A page of memberships in id order, with their names, on `(project_id, id)`,
/// `(user_id, id)`, `(team_id, id)` or `(org_id, id)` by the filter: one statement per page.
pub fn memberships_page(
    conn: &mut DbConnection,
    org_id: &str,
    filter: MembershipFilter<'_>,
    limit: i64,
) -> QueryResult<Vec<MembershipListed>> {
    // With a project or member filter, `+` keeps SQLite (no statistics) off `(org_id, id)`,
    // whose order would otherwise tempt it into walking the organization's memberships.
    let filtered = filter.project_id.is_some() || filter.member.is_some();
    let org = if filtered { "+pm.org_id" } else { "pm.org_id" };
    let mut sql = format!("SELECT {MEMBERSHIP_COLUMNS} WHERE {org} = ?");
    let mut binds = vec![org_id.to_owned()];
    let member = filter.member.map(|(kind, id)| match kind {
        "team" => (id, " AND pm.team_id = ?"),
        _ => (id, " AND pm.user_id = ?"),
    });
    for (value, condition) in [
        (filter.project_id, " AND pm.project_id = ?"),
        (member.map(|m| m.0), member.map_or("", |m| m.1)),
        (filter.after, " AND pm.id > ?"),
    ] {
        if let Some(value) = value {
            sql.push_str(condition);
            binds.push(value.to_owned());
        }
    }
    sql.push_str(" ORDER BY pm.id LIMIT ?");
    let mut query = diesel::sql_query(sql).into_boxed();
    for value in binds {
        query = query.bind::<Text, _>(value);
    }
    query.bind::<BigInt, _>(limit).load(conn)
}
