//! A user's effective level on a project (reference 003 "Teams as members": "additive ... the
//! higher access level is granted"): the highest of their own membership and the memberships of
//! the teams they are a direct member of, with the membership that gave it. It is computed from
//! two sides read apart (`db::project_levels`): the user's own memberships and groups, and the
//! project's team memberships; a team is never expanded. `cache` keeps both sides in memory.

use std::cmp::Reverse;
use std::collections::HashMap;

use super::{AccessLevel, MemberKind};
use crate::db::project_levels::{self as store, ProjectSide, UserSide};
use crate::db::DbConnection;
use crate::governance::roles::GovernanceError;

/// The level a user holds on a project and the membership that gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveLevel {
    pub level: AccessLevel,
    pub membership_id: String,
    /// `User`: the user's own membership; `Team`: a team's they belong to.
    pub member_kind: MemberKind,
    pub member_id: String,
    /// The team's name (`Team` only).
    pub team_name: Option<String>,
}

/// A membership's level and id.
#[derive(Debug, Clone)]
struct Grant {
    membership_id: String,
    level: AccessLevel,
}

/// One user's side: their own memberships by project, and the groups they are a direct member
/// of (only teams, when read for a cache that knows which groups are teams), sorted.
#[derive(Debug, Default)]
pub struct UserLevels {
    own: HashMap<String, Grant>,
    groups: Vec<String>,
}

/// One project's side: its team memberships.
#[derive(Debug, Default)]
pub struct ProjectTeams {
    teams: Vec<(Grant, String, Option<String>)>,
}

/// The users' sides from what `store::user_sides` read, one entry for every user asked about
/// (empty for a user with no membership and no group). `keep_group` says which groups can give
/// a level (every group, or the teams a cache knows of).
pub fn users_from(
    user_ids: &[&str],
    rows: Vec<UserSide>,
    keep_group: impl Fn(&str) -> bool,
) -> HashMap<String, UserLevels> {
    let mut users: HashMap<String, UserLevels> = user_ids
        .iter()
        .map(|id| (id.to_string(), UserLevels::default()))
        .collect();
    for row in rows {
        match row {
            UserSide::Membership {
                user_id,
                project_id,
                membership_id,
                access_level,
            } => {
                let (Some(user), Some(level)) =
                    (users.get_mut(&user_id), AccessLevel::parse(&access_level))
                else {
                    continue;
                };
                let grant = Grant {
                    membership_id,
                    level,
                };
                user.own.insert(project_id, grant);
            }
            UserSide::Group { user_id, group_id } => {
                if let Some(user) = users.get_mut(&user_id).filter(|_| keep_group(&group_id)) {
                    user.groups.push(group_id);
                }
            }
        }
    }
    for user in users.values_mut() {
        user.groups.sort_unstable();
    }
    users
}

/// The projects' sides from what `store::project_sides` read: the projects of the organization
/// among those asked about, each with its team memberships.
pub fn projects_from(rows: Vec<ProjectSide>) -> HashMap<String, ProjectTeams> {
    let mut projects: HashMap<String, ProjectTeams> = HashMap::new();
    for row in rows {
        let project = projects.entry(row.project_id).or_default();
        let (Some(membership_id), Some(team_id), Some(level)) = (
            row.membership_id,
            row.team_id,
            row.access_level.as_deref().and_then(AccessLevel::parse),
        ) else {
            continue;
        };
        let grant = Grant {
            membership_id,
            level,
        };
        project.teams.push((grant, team_id, row.team_name));
    }
    projects
}

/// The user's effective level on the project: the highest of their own membership and the
/// memberships of their teams; on a tie their own membership, then the lowest membership id, so
/// the answer is the same every time.
pub fn level(
    (user_id, user): (&str, &UserLevels),
    project_id: &str,
    project: &ProjectTeams,
) -> Option<EffectiveLevel> {
    let own = user.own.get(project_id).map(|g| EffectiveLevel {
        level: g.level,
        membership_id: g.membership_id.clone(),
        member_kind: MemberKind::User,
        member_id: user_id.to_owned(),
        team_name: None,
    });
    let teams = project
        .teams
        .iter()
        .filter(|(_, team, _)| user.groups.binary_search(team).is_ok())
        .map(|(g, team, name)| EffectiveLevel {
            level: g.level,
            membership_id: g.membership_id.clone(),
            member_kind: MemberKind::Team,
            member_id: team.clone(),
            team_name: name.clone(),
        });
    own.into_iter().chain(teams).max_by(|a, b| {
        let rank = |e: &EffectiveLevel| (e.level, e.member_kind == MemberKind::User);
        rank(a)
            .cmp(&rank(b))
            .then_with(|| Reverse(&a.membership_id).cmp(&Reverse(&b.membership_id)))
    })
}

/// `user_id`'s effective level on the project, read now (no cache), `None` when no membership
/// gives one. A project that is not of this organization is a 404.
pub fn effective_level(
    conn: &mut DbConnection,
    org_id: &str,
    project_id: &str,
    user_id: &str,
) -> Result<Option<EffectiveLevel>, GovernanceError> {
    let projects = projects_from(store::project_sides(conn, org_id, &[project_id])?);
    let project = projects
        .get(project_id)
        .ok_or_else(|| no_project(project_id))?;
    let users = users_from(
        &[user_id],
        store::user_sides(conn, org_id, &[user_id])?,
        |_| true,
    );
    Ok(users
        .get(user_id)
        .and_then(|user| level((user_id, user), project_id, project)))
}

/// The 404 of a project that is not of the organization (another organization's included).
pub fn no_project(project_id: &str) -> GovernanceError {
    GovernanceError::NotFound(format!("no project {project_id:?} in this organization"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(project: &str, id: &str, level: &str) -> UserSide {
        UserSide::Membership {
            user_id: "u".into(),
            project_id: project.into(),
            membership_id: id.into(),
            access_level: level.into(),
        }
    }

    fn group(id: &str) -> UserSide {
        UserSide::Group {
            user_id: "u".into(),
            group_id: id.into(),
        }
    }

    fn team(id: &str, team: &str, level: &str) -> ProjectSide {
        ProjectSide {
            project_id: "p".into(),
            membership_id: Some(id.into()),
            team_id: Some(team.into()),
            access_level: Some(level.into()),
            team_name: Some(format!("Team {team}")),
        }
    }

    fn answer(user: Vec<UserSide>, project: Vec<ProjectSide>) -> Option<EffectiveLevel> {
        let users = users_from(&["u"], user, |_| true);
        let projects = projects_from(project);
        level(("u", &users["u"]), "p", &projects["p"])
    }

    #[test]
    fn the_highest_level_wins_in_either_order_and_a_tie_goes_to_the_direct_membership() {
        let direct = own("p", "b", "commenter");
        let higher_team = team("a", "t", "admin");
        for (user, project) in [
            (vec![direct.clone(), group("t")], vec![higher_team.clone()]),
            (vec![group("t"), direct.clone()], vec![higher_team.clone()]),
        ] {
            let e = answer(user, project).unwrap();
            assert_eq!(
                (e.level, e.membership_id.as_str(), e.member_id.as_str()),
                (AccessLevel::Admin, "a", "t")
            );
            assert_eq!(e.team_name.as_deref(), Some("Team t"));
        }
        let tie = answer(
            vec![own("p", "b", "editor"), group("t")],
            vec![team("a", "t", "editor")],
        )
        .unwrap();
        assert_eq!(
            (tie.member_kind, tie.member_id.as_str()),
            (MemberKind::User, "u")
        );
    }

    #[test]
    fn only_the_users_own_teams_and_own_project_count() {
        // A team the user is not in, and the user's membership on another project: nothing.
        let none = answer(
            vec![own("q", "b", "admin"), group("other")],
            vec![team("a", "t", "admin")],
        );
        assert!(none.is_none());
        // Among two teams of the user, the higher; equal levels go to the lowest membership id.
        let e = answer(
            vec![group("t1"), group("t2")],
            vec![team("m2", "t1", "viewer"), team("m1", "t2", "viewer")],
        )
        .unwrap();
        assert_eq!(e.membership_id, "m1");
        // A project with no team membership still has its side (it exists).
        let bare = ProjectSide {
            project_id: "p".into(),
            membership_id: None,
            team_id: None,
            access_level: None,
            team_name: None,
        };
        assert!(projects_from(vec![bare])["p"].teams.is_empty());
    }
}
