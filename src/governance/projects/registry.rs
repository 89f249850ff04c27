//! The projects of an organization (issue 14 "Projects registered by host applications"):
//! register, list, read, rename and delete. Registering one with an owner makes the owner a
//! direct `admin` member (the owner is accountable for it and manages it); deleting one removes
//! its memberships in the same transaction.

use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::views::paged;
use super::{audit, AccessLevel, ProjectPage, ProjectView, MAX_PAGE};
use crate::db::projects::{self as store, MembershipRow, ProjectRow};
use crate::db::DbConnection;
use crate::governance::roles::GovernanceError;
use crate::rbac::{Authorized, ManageProjects};

/// A project to register.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// 1 to 255 characters.
    pub name: String,
    /// The id of the user accountable for it, a user of this organization; they become a
    /// direct `admin` member.
    pub owner: Option<String>,
}

/// A project's new name.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRename {
    /// 1 to 255 characters.
    pub name: String,
}

fn valid_name(name: &str) -> Result<String, GovernanceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(GovernanceError::Invalid(
            "name must hold 1 to 255 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// The project `id` of the organization, or a 404 (another organization's project included).
pub(crate) fn find(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> Result<ProjectRow, GovernanceError> {
    store::find_project(conn, org_id, id)?
        .ok_or_else(|| GovernanceError::NotFound(format!("no project {id:?} in this organization")))
}

pub fn get(
    conn: &mut DbConnection,
    org_id: &str,
    id: &str,
) -> Result<ProjectView, GovernanceError> {
    store::project_listed(conn, org_id, id)?
        .map(|row| ProjectView::from_listed(&row))
        .ok_or_else(|| GovernanceError::NotFound(format!("no project {id:?} in this organization")))
}

/// A page of the organization's projects, in id order, starting after `offset`.
pub fn list(
    conn: &mut DbConnection,
    org_id: &str,
    offset: Option<&str>,
    limit: i64,
) -> Result<ProjectPage, GovernanceError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let rows = store::projects_page(conn, org_id, offset, limit + 1)?;
    let (data, next_page) = paged(rows, limit, |r| &r.id, ProjectView::from_listed);
    Ok(ProjectPage { data, next_page })
}

pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    input: &ProjectInput,
) -> Result<ProjectView, GovernanceError> {
    let name = valid_name(&input.name)?;
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        if let Some(owner) = &input.owner {
            if store::user_name(c, &org, owner)?.is_none() {
                return Err(GovernanceError::NotFound(format!(
                    "no user {owner:?} in this organization"
                )));
            }
        }
        let now = crate::clock::now();
        let row = ProjectRow {
            org_id: org.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            name: name.clone(),
            owner_id: input.owner.clone(),
            created_at: now,
            updated_at: now,
        };
        store::insert_project(c, &row)?;
        if let Some(owner) = &input.owner {
            store::insert_membership(
                c,
                &MembershipRow {
                    org_id: org.clone(),
                    id: uuid::Uuid::new_v4().to_string(),
                    project_id: row.id.clone(),
                    user_id: Some(owner.clone()),
                    team_id: None,
                    access_level: AccessLevel::Admin.as_str().to_owned(),
                    created_at: now,
                    updated_at: now,
                },
            )?;
        }
        let details = json!({ "name": name, "owner": input.owner });
        let target = ("project.created", "project", row.id.as_str());
        audit(c, &auth.org_id, &auth.actor(), target, details)?;
        get(c, &org, &row.id)
    })
}

pub fn rename(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    id: &str,
    input: &ProjectRename,
) -> Result<ProjectView, GovernanceError> {
    let name = valid_name(&input.name)?;
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let row = find(c, &org, id)?;
        store::rename_project(c, &org, id, &name, crate::clock::now())?;
        let details = json!({ "from": row.name, "to": name });
        audit(
            c,
            &auth.org_id,
            &auth.actor(),
            ("project.renamed", "project", id),
            details,
        )?;
        get(c, &org, id)
    })
}

/// Deletes the project and its memberships.
pub fn delete(
    conn: &mut DbConnection,
    auth: &Authorized<ManageProjects>,
    id: &str,
) -> Result<(), GovernanceError> {
    let org = auth.org_id.to_string();
    crate::db::transaction(conn, |c| {
        let row = find(c, &org, id)?;
        let removed = store::delete_memberships_of_project(c, &org, id)?;
        if store::delete_project(c, &org, id)? != 1 {
            return Err(GovernanceError::Retry);
        }
        let details = json!({ "name": row.name, "memberships_removed": removed });
        audit(
            c,
            &auth.org_id,
            &auth.actor(),
            ("project.deleted", "project", id),
            details,
        )?;
        Ok(())
    })
}
