//! A user's effective level on a project (reference 003 "Teams as members": "additive ... the
//! higher access level is granted"): the highest of their own membership and the memberships of
//! the teams they are a direct member of, with the membership that gave it. One indexed
//! statement over the project's memberships and `group_members`; a team is never expanded.
//!
//! Also what the directory calls when a user or a team goes: their memberships go with them,
//! in the directory's transaction.

use std::cmp::Reverse;

use serde_json::json;

use super::{audit, registry, AccessLevel, MemberKind};
use crate::audit::Actor;
use crate::db::projects as store;
use crate::db::DbConnection;
use crate::governance::roles::GovernanceError;
use crate::ids::OrgId;

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

/// The highest of the memberships found; on a tie the user's own membership, then the lowest
/// membership id, so the answer is the same every time.
fn highest(rows: Vec<store::LevelRow>) -> Option<EffectiveLevel> {
    rows.into_iter()
        .filter_map(|row| {
            Some(EffectiveLevel {
                level: AccessLevel::parse(&row.access_level)?,
                member_kind: MemberKind::from_stored(&row.member_kind),
                membership_id: row.id,
                member_id: row.member_id,
                team_name: row.member_name,
            })
        })
        .max_by_key(|e| {
            (
                e.level,
                e.member_kind == MemberKind::User,
                Reverse(e.membership_id.clone()),
            )
        })
}

/// `user_id`'s effective level on the project, `None` when no membership gives one. A project
/// that is not of this organization is a 404.
pub fn effective_level(
    conn: &mut DbConnection,
    org_id: &str,
    project_id: &str,
    user_id: &str,
) -> Result<Option<EffectiveLevel>, GovernanceError> {
    let rows = store::levels_of_user(conn, org_id, project_id, user_id)?;
    if rows.is_empty() {
        // Only now: a membership found proves the project is of this organization.
        registry::find(conn, org_id, project_id)?;
        return Ok(None);
    }
    Ok(highest(rows))
}

/// Removes a deleted user's or team's memberships in every project (and clears the owner of a
/// deleted user's projects), auditing what went; in the caller's (the directory's) transaction.
pub fn forget_member(
    conn: &mut DbConnection,
    org_id: &OrgId,
    actor: &Actor,
    kind: MemberKind,
    member_id: &str,
) -> diesel::QueryResult<usize> {
    let org = org_id.as_str();
    let removed = store::delete_memberships_of_member(conn, org, kind.as_str(), member_id)?;
    let unowned = match kind {
        MemberKind::User => store::clear_owner(conn, org, member_id)?,
        MemberKind::Team => 0,
    };
    if removed + unowned > 0 {
        let details = json!({
            "member_kind": kind.as_str(),
            "memberships_removed": removed,
            "projects_unowned": unowned,
        });
        let target = (
            "project_memberships.member_deleted",
            kind.as_str(),
            member_id,
        );
        audit(conn, org_id, actor, target, details)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, kind: &str, level: &str) -> store::LevelRow {
        store::LevelRow {
            id: id.into(),
            member_kind: kind.into(),
            member_id: format!("{kind}-{id}"),
            access_level: level.into(),
            member_name: None,
        }
    }

    #[test]
    fn the_highest_level_wins_in_either_order_and_a_tie_goes_to_the_direct_membership() {
        let direct = row("b", "user", "commenter");
        let team = row("a", "team", "admin");
        for rows in [
            vec![direct.clone(), team.clone()],
            vec![team.clone(), direct.clone()],
        ] {
            let e = highest(rows).unwrap();
            assert_eq!(
                (e.level, e.membership_id.as_str()),
                (AccessLevel::Admin, "a")
            );
        }
        let tie = highest(vec![row("a", "team", "editor"), row("b", "user", "editor")]).unwrap();
        assert_eq!(tie.member_kind, MemberKind::User);
        assert!(highest(Vec::new()).is_none());
    }
}
