//! Project memberships (reference 003 "New /memberships interface"): list them by project
//! and/or member, read one, add a user or a team with a level (default `editor`), change the
//! level, remove one; and the legacy project-member operations it replaces (add and remove
//! members of a project), which work on the same rows. Also what the directory calls when a
//! user or a team goes: their memberships go with them, in the directory's transaction.

use diesel::result::DatabaseErrorKind;
use serde_json::json;

use super::views::paged;
use super::{audit, registry, AccessLevel, MemberKind, MembershipPage, MembershipView, MAX_PAGE};
use crate::audit::Actor;
use crate::db::projects::{self as store, MembershipFilter, MembershipRow};
use crate::db::{DbConnection, DbError};
use crate::governance::roles::GovernanceError;
use crate::ids::OrgId;
use crate::rbac::{Authorized, ManageProjects};

/// A member to add: who, to which project, at which level.
#[derive(Debug, Clone)]
pub struct NewMembership {
    pub member: String,
    pub parent: String,
    pub level: AccessLevel,
}

/// What `member_id` is in the organization: a user or a team, and its name. Anything else (an
/// unknown id, another organization's user or group) is a 404 that names only the id asked.
pub(crate) fn resolve_member(
    conn: &mut DbConnection,
    org_id: &str,
    member_id: &str,
) -> Result<(MemberKind, String), GovernanceError> {
    if let Some(name) = store::user_name(conn, org_id, member_id)? {
        return Ok((MemberKind::User, name));
    }
    if let Some(name) = store::team_name(conn, org_id, member_id)? {
        return Ok((MemberKind::Team, name));
    }
    Err(GovernanceError::NotFound(format!(
        "no user or team {member_id:?} in this organization"
    )))
}

fn find(conn: &mut DbConnection, org_id: &str, id: &str) -> Result<MembershipRow, GovernanceError> {
    store::find_membership(conn, org_id, id)?.ok_or_else(|| {
        GovernanceError::NotFound(format!("no membership {id:?} in this organization"))
    })
}

pub fn get(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> Result<MembershipView, GovernanceError> {
    store::membership_listed(conn, org_id, id)?
        .map(|row| MembershipView::from_listed(&row))
        .ok_or_else(|| {
            GovernanceError::NotFound(format!("no membership {id:?} in this organization"))
        })
}

/// A page of memberships, filtered by project (`parent`) and/or member, in id order after
/// `offset`. A project or member that is not of this organization is a 404.
pub fn list(
    conn: &mut DbConnection,
    org_id: &str,
    parent: Option<&str>,
    member: Option<&str>,
    offset: Option<&str>,
    limit: i64,
) -> Result<MembershipPage, GovernanceError> {
    if let Some(parent) = parent {
        registry::find(conn, org_id, parent)?;
    }
    let kind = match member {
        Some(member) => Some(resolve_member(conn, org_id, member)?.0),
        None => None,
    };
    let limit = limit.clamp(1, MAX_PAGE);
    let filter = MembershipFilter {
        project_id: parent,
        member: kind.zip(member).map(|(kind, id)| (kind.as_str(), id)),
        after: offset,
    };
    let rows = store::memberships_page(conn, org_id, filter, limit + 1)?;
    let (data, next_page) = paged(rows, limit, |r| &r.id, MembershipView::from_listed);
    Ok(MembershipPage { data, next_page })
}

/// A user or team of the organization, as `resolve_member` found it: id, kind and name.
type Member<'a> = (&'a str, MemberKind, &'a str);

/// Inserts one membership and its audit event (the caller's transaction); a member already on
/// the project is a 409 (the project's unique keys refuse the row).
fn insert(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    project_id: &str,
    (member, kind, name): Member<'_>,
    level: AccessLevel,
) -> Result<String, GovernanceError> {
    let org = auth.org_id.to_string();
    let taken = || {
        GovernanceError::Conflict(format!(
            "{} {member:?} is already a member of project {project_id:?}; change its level with \
             PUT /api/v1/memberships/{{id}}",
            kind.as_str()
        ))
    };
    let now = crate::clock::now();
    let (user_id, team_id) = MembershipRow::member_columns(kind.as_str(), member);
    let row = MembershipRow {
        org_id: org,
        id: uuid::Uuid::new_v4().to_string(),
        project_id: project_id.to_owned(),
        user_id,
        team_id,
        access_level: level.as_str().to_owned(),
        created_at: now,
        updated_at: now,
    };
    store::insert_membership(conn, &row).map_err(|e| match e {
        // The project or the member was deleted since it was read (a key refuses the row).
        diesel::result::Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            GovernanceError::NotFound(format!(
                "project {project_id:?} or member {member:?} is no longer in this organization"
            ))
        }
        e => match DbError::from(e) {
            DbError::UniqueViolation(_) => taken(),
            other => GovernanceError::Db(other),
        },
    })?;
    let details = json!({
        "project": project_id, "member": member, "member_kind": kind.as_str(),
        "member_name": name, "access_level": level.as_str(),
    });
    let target = (
        "project_membership.created",
        "project_membership",
        row.id.as_str(),
    );
    audit(conn, &auth.org_id, &auth.actor(), target, details)?;
    Ok(row.id)
}

/// `POST /memberships`: adds a user or a team to a project.
pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    new: &NewMembership,
) -> Result<MembershipView, GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        registry::find(c, &org, &new.parent)?;
        let (kind, name) = resolve_member(c, &org, &new.member)?;
        let member = (new.member.as_str(), kind, name.as_str());
        let id = insert(c, auth, &new.parent, member, new.level)?;
        get(c, &org, &id)
    })
}

/// `PUT /memberships/{id}`: a new level.
pub fn change_level(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    id: &str,
    level: AccessLevel,
) -> Result<MembershipView, GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let row = find(c, &org, id)?;
        if store::set_level(c, &org, id, level.as_str(), crate::clock::now())? != 1 {
            return Err(GovernanceError::Retry);
        }
        let details = json!({
            "project": row.project_id, "member": row.member().1,
            "from": row.access_level, "to": level.as_str(),
        });
        let target = ("project_membership.changed", "project_membership", id);
        audit(c, &auth.org_id, &auth.actor(), target, details)?;
        get(c, &org, id)
    })
}

fn remove(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    row: &MembershipRow,
) -> Result<(), GovernanceError> {
    if store::delete_membership(conn, auth.org_id.as_str(), &row.id)? != 1 {
        return Err(GovernanceError::Retry);
    }
    let details = json!({
        "project": row.project_id, "member": row.member().1,
        "member_kind": row.member().0, "access_level": row.access_level,
    });
    let target = (
        "project_membership.deleted",
        "project_membership",
        row.id.as_str(),
    );
    audit(conn, &auth.org_id, &auth.actor(), target, details)?;
    Ok(())
}

/// `DELETE /memberships/{id}`.
pub fn delete(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    id: &str,
) -> Result<(), GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let row = find(c, &org, id)?;
        remove(c, auth, &row)
    })
}

/// Runs `each` on every member named (a user or team of the organization, with its membership
/// of the project if any) in one transaction: all or nothing.
fn each_member(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    project_id: &str,
    members: &[String],
    mut each: impl FnMut(
        &mut DbConnection,
        Member<'_>,
        Option<MembershipRow>,
    ) -> Result<(), GovernanceError>,
) -> Result<(), GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        registry::find(c, &org, project_id)?;
        for member in members {
            let (kind, name) = resolve_member(c, &org, member)?;
            let row = store::membership_of(c, &org, project_id, kind.as_str(), member)?;
            each(c, (member, kind, &name), row)?;
        }
        Ok(())
    })
}

/// Legacy `addMembers`: adds each member not yet on the project at `level` (members already
/// on it keep theirs), all or nothing.
pub fn add_members(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    project_id: &str,
    members: &[String],
    level: AccessLevel,
) -> Result<(), GovernanceError> {
    each_member(conn, auth, project_id, members, |c, member, row| {
        if row.is_none() {
            insert(c, auth, project_id, member, level)?;
        }
        Ok(())
    })
}

/// Legacy `removeMembers`: removes each member's membership of the project (a member without
/// one is left as is), all or nothing.
pub fn remove_members(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    project_id: &str,
    members: &[String],
) -> Result<(), GovernanceError> {
    each_member(conn, auth, project_id, members, |c, _, row| match row {
        Some(row) => remove(c, auth, &row),
        None => Ok(()),
    })
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
