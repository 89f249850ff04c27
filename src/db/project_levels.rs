//! What a user's effective level on a project is read from, set-based for a batch of
//! decisions, and what tells an instance's cache of it that something moved.
//!
//! A level comes from two sides: the user's own memberships and the SCIM groups they are a
//! direct member of (`UserSide`), and a project's team memberships (`ProjectSide`). Neither
//! side ever expands a team into its members, so both cost the same for a team of 10 or of
//! 100,000.
//!
//! What they were read at is an `AccessStamp`: the organization's `project_access_version`,
//! bumped in the transaction of every membership write (here, by the functions of
//! `db::projects` that write them), and the version of every SCIM group that is a team, which
//! the directory bumps with every change to its members or name. So no membership or team
//! change can leave the stamp where it was, and a SCIM change bumps nothing new: the group's own
//! version row is claimed anyway.

use std::cell::RefCell;

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::schema::{group_members, organizations, project_memberships};
use super::{DbConnection, IN_LIST_CHUNK};

/// The organization's membership version and each team's `(id, version)`, in id order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessStamp {
    pub version: i64,
    pub teams: Vec<(String, i64)>,
}

impl AccessStamp {
    /// Whether a SCIM group is a member of some project.
    pub fn is_team(&self, group_id: &str) -> bool {
        self.teams
            .binary_search_by(|(id, _)| id.as_str().cmp(group_id))
            .is_ok()
    }
}

/// The stamp now; `None` for an organization that does not exist.
pub fn access_stamp(conn: &mut DbConnection, org_id: &str) -> QueryResult<Option<AccessStamp>> {
    let Some(version) = organizations::table
        .filter(organizations::id.eq(org_id))
        .select(organizations::project_access_version)
        .first::<i64>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    // The teams on `project_memberships_org_team`, each group by its primary key.
    let teams = diesel::sql_query(
        "SELECT g.id, g.version FROM scim_groups g WHERE g.id IN \
         (SELECT pm.team_id FROM project_memberships pm \
          WHERE pm.org_id = ? AND pm.team_id IS NOT NULL) \
         ORDER BY g.id",
    )
    .bind::<Text, _>(org_id)
    .load::<TeamVersion>(conn)?
    .into_iter()
    .map(|t| (t.id, t.version))
    .collect();
    Ok(Some(AccessStamp { version, teams }))
}

#[derive(QueryableByName)]
struct TeamVersion {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
}

/// Bumps the organization's membership version: every write to `project_memberships` calls
/// this in its transaction.
pub fn bump_access_version(conn: &mut DbConnection, org_id: &str) -> QueryResult<()> {
    note(|c| push_once(&mut c.orgs, org_id.to_owned()));
    diesel::update(organizations::table.filter(organizations::id.eq(org_id)))
        .set(organizations::project_access_version.eq(organizations::project_access_version + 1))
        .execute(conn)
        .map(|_| ())
}

/// One of the user's own memberships, or one of the groups they are a direct member of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserSide {
    Membership {
        user_id: String,
        project_id: String,
        membership_id: String,
        access_level: String,
    },
    Group {
        user_id: String,
        group_id: String,
    },
}

/// The own memberships and direct groups of these users of the organization: two lookups per
/// `IN_LIST_CHUNK` users, on `project_memberships_by_user` and `group_members_member`.
pub fn user_sides(
    conn: &mut DbConnection,
    org_id: &str,
    user_ids: &[&str],
) -> QueryResult<Vec<UserSide>> {
    let mut out = Vec::new();
    for chunk in user_ids.chunks(IN_LIST_CHUNK) {
        let own: Vec<(Option<String>, String, String, String, String)> = project_memberships::table
            .filter(project_memberships::user_id.eq_any(chunk))
            .select((
                project_memberships::user_id,
                project_memberships::project_id,
                project_memberships::id,
                project_memberships::access_level,
                project_memberships::org_id,
            ))
            .load(conn)?;
        // Scoped here rather than in SQL, so the lookup stays on the member's index (as in
        // `groups::existing_group_ids`).
        out.extend(own.into_iter().filter(|r| r.4 == org_id).filter_map(
            |(user_id, project_id, membership_id, access_level, _)| {
                Some(UserSide::Membership {
                    user_id: user_id?,
                    project_id,
                    membership_id,
                    access_level,
                })
            },
        ));
        let groups: Vec<(String, String, String)> = group_members::table
            .filter(group_members::member_id.eq_any(chunk))
            .select((
                group_members::member_id,
                group_members::group_id,
                group_members::org_id,
            ))
            .load(conn)?;
        out.extend(
            groups
                .into_iter()
                .filter(|r| r.2 == org_id)
                .map(|(user_id, group_id, _)| UserSide::Group { user_id, group_id }),
        );
    }
    Ok(out)
}

/// A project of the organization with one of its team memberships (`team` is `None` for a
/// project with none).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ProjectSide {
    #[diesel(sql_type = Text)]
    pub project_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub membership_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub team_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub access_level: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub team_name: Option<String>,
}

/// These projects of the organization with their team memberships: a project that is not
/// of the organization has no row. One statement per `IN_LIST_CHUNK` projects, on
/// `projects_org` and a range of `project_memberships_team (project_id, team_id)`, so a
/// project's user memberships are never read (`team_id > ''` rather than `IS NOT NULL`: SQLite
/// takes the range only so).
pub fn project_sides(
    conn: &mut DbConnection,
    org_id: &str,
    project_ids: &[&str],
) -> QueryResult<Vec<ProjectSide>> {
    super::load_in_chunks(
        conn,
        "SELECT p.id AS project_id, pm.id AS membership_id, pm.team_id, pm.access_level, \
         g.display_name AS team_name \
         FROM projects p \
         LEFT JOIN project_memberships pm ON pm.project_id = p.id AND pm.team_id > '' \
         LEFT JOIN scim_groups g ON g.id = pm.team_id \
         WHERE p.org_id = ? AND p.id IN ({ids})",
        org_id,
        project_ids,
    )
}

/// What this thread's transactions changed that cached levels read.
#[derive(Debug, Default)]
pub struct AccessChanges {
    /// Organizations whose memberships changed.
    pub orgs: Vec<String>,
    /// `(organization, group)` of SCIM groups whose members or name changed (a group may be
    /// listed more than once).
    pub groups: Vec<(String, String)>,
}

thread_local! {
    static CHANGES: RefCell<AccessChanges> = RefCell::new(AccessChanges::default());
}

fn note(f: impl FnOnce(&mut AccessChanges)) {
    CHANGES.with(|c| f(&mut c.borrow_mut()));
}

fn push_once<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Remembers, on this thread, that a SCIM group's version moved (the directory's writes call
/// this), so the caller can drop this instance's cached levels at once if the group is a team.
/// A rolled-back change only costs a reload.
pub fn note_group_change(org_id: &str, group_id: &str) {
    note(|c| c.groups.push((org_id.to_owned(), group_id.to_owned())));
}

/// What this thread changed since the last call.
pub fn take_access_changes() -> AccessChanges {
    CHANGES.with(|c| std::mem::take(&mut *c.borrow_mut()))
}
