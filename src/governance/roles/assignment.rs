//! Users and their one role each (reference 002 "Role assignment"): the admin listing, role and
//! licence changes, and the role a new user gets.
//!
//! Rules: external users hold only guest-based roles; internal users never a guest-based one.
//! Admins who may assign roles assign any role except super admin; only super admins assign
//! super admin; nobody assigns a role above their own or changes a user above them.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::catalogue::{BaseRole, Licence};
use super::settings::is_internal;
use super::{GovernanceError, RoleId};
use crate::audit::{self, AuditEvent};
use crate::db::roles as role_store;
use crate::db::user_roles::{self as store, UserGovernanceRow};
use crate::db::{transaction, DbConnection};
use crate::rbac::{AssignRoles, Authorized, ViewMembers};

/// A user as the admin API shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub active: bool,
    pub role: String,
    pub role_source: String,
    pub licence: Licence,
    /// `internal` or `external` (from the organization's verified domains).
    #[serde(rename = "type")]
    pub user_type: &'static str,
    pub managed_by: Option<String>,
    pub version: i64,
}

impl From<UserGovernanceRow> for UserView {
    fn from(r: UserGovernanceRow) -> Self {
        UserView {
            id: r.id,
            user_name: r.user_name,
            display_name: r.display_name,
            active: r.active,
            role: r.role,
            role_source: r.role_source,
            licence: Licence::from_stored(r.licence.as_deref()),
            user_type: if r.is_external {
                "external"
            } else {
                "internal"
            },
            managed_by: r.managed_by,
            version: r.version,
        }
    }
}

/// One page of users.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<UserView>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

pub fn list(
    conn: &mut DbConnection,
    auth: &Authorized<ViewMembers>,
    offset: i64,
    limit: i64,
) -> Result<UserPage, GovernanceError> {
    check_page(offset, limit)?;
    let (rows, total) = store::page(conn, auth.org_id.as_str(), offset, limit)?;
    Ok(UserPage {
        users: rows.into_iter().map(UserView::from).collect(),
        total,
        offset,
        limit,
    })
}

/// The paging of the admin listings: offset 0 or more, 1 to 500 items a page.
pub fn check_page(offset: i64, limit: i64) -> Result<(), GovernanceError> {
    if offset < 0 || !(1..=500).contains(&limit) {
        return Err(GovernanceError::Invalid(
            "offset must be 0 or more and limit between 1 and 500".into(),
        ));
    }
    Ok(())
}

pub fn get(
    conn: &mut DbConnection,
    auth: &Authorized<ViewMembers>,
    id: &str,
) -> Result<UserView, GovernanceError> {
    find(conn, auth.org_id.as_str(), id).map(UserView::from)
}

fn find(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<UserGovernanceRow, GovernanceError> {
    store::find(conn, org, id)?
        .ok_or_else(|| GovernanceError::NotFound(format!("no user {id:?} in this organization")))
}

/// The body of `PUT /users/{id}/role`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignment {
    pub role_id: String,
}

pub fn set_role(
    conn: &mut DbConnection,
    auth: &Authorized<AssignRoles>,
    user_id: &str,
    role_id: &str,
) -> Result<UserView, GovernanceError> {
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let version = role_store::governance_version(conn, org)?.unwrap_or(0);
        let user = find(conn, org, user_id)?;
        refuse_if_idp_decides(conn, org, &user)?;
        let role = role_store::find_role(conn, org, role_id)?.ok_or_else(|| {
            GovernanceError::Invalid(format!("no role {role_id:?} in this organization"))
        })?;
        let target = BaseRole::parse(&role.base_role)
            .ok_or_else(|| GovernanceError::Invalid(format!("role {role_id:?} has no base")))?;
        let current = role_store::find_role(conn, org, &user.role)?
            .and_then(|r| BaseRole::parse(&r.base_role));
        if target == BaseRole::SuperAdmin && auth.base != BaseRole::SuperAdmin {
            return Err(GovernanceError::Forbidden(
                "missing permission: only a super admin may assign the super admin role".into(),
            ));
        }
        if target.rank() > auth.base.rank() || current.is_some_and(|c| c.rank() > auth.base.rank())
        {
            return Err(GovernanceError::Forbidden(
                "you may not raise anyone above your own role or change a user above it".into(),
            ));
        }
        if user.is_external && target != BaseRole::Guest {
            return Err(GovernanceError::Invalid(format!(
                "{} is an external user: they may hold only guest-based roles",
                user.user_name
            )));
        }
        if !user.is_external && target == BaseRole::Guest {
            return Err(GovernanceError::Invalid(format!(
                "{} is an internal user: they never hold a guest-based role",
                user.user_name
            )));
        }
        if user.role == role_id {
            return Ok(UserView::from(user));
        }
        if current == Some(BaseRole::SuperAdmin) && target != BaseRole::SuperAdmin {
            keep_a_super_admin(conn, org, user_id)?;
        }
        let now = crate::clock::now();
        if !store::set_role(conn, org, user_id, user.version, role_id, "admin", now)?
            || !role_store::bump_governance_version_from(conn, org, version)?
        {
            return Err(GovernanceError::Retry);
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "user.role_changed",
                target_kind: "user",
                target_id: user_id,
                details: json!({ "from": user.role, "to": role_id, "reason": "assigned" }),
            },
        )?;
        find(conn, org, user_id).map(UserView::from)
    })
}

/// The IdP is the source of truth for users whose role its connection's mapping decides: the
/// admin API may not override them (the role would flip back at the next SCIM change anyway).
fn refuse_if_idp_decides(
    conn: &mut DbConnection,
    org: &str,
    user: &UserGovernanceRow,
) -> Result<(), GovernanceError> {
    let Some(connection_id) = crate::governance::mapping::connection_of_source(&user.role_source)
    else {
        return Ok(());
    };
    let name = crate::db::orgs::find_connection(conn, org, connection_id)?
        .map(|c| c.name)
        .unwrap_or_default();
    Err(GovernanceError::Conflict(format!(
        "{}'s role is decided by the role mapping of IdP connection {name:?} ({connection_id}); \
         change it in the IdP or in that connection's rules",
        user.user_name
    )))
}

/// Refuses to demote the organization's last active super admin. The check claims the same
/// guard version as a SCIM deactivation or deletion of a super admin
/// (`directory::stewardship`), so a demotion racing one of them runs again and sees it.
fn keep_a_super_admin(
    conn: &mut DbConnection,
    org: &str,
    user_id: &str,
) -> Result<(), GovernanceError> {
    use crate::db::orgs::{guard_super_admin_removal, SuperAdminGuard};
    match guard_super_admin_removal(conn, org, user_id)? {
        SuperAdminGuard::Cleared => Ok(()),
        SuperAdminGuard::LastOne => Err(GovernanceError::Conflict(
            "this user is the organization's last active super admin: make another user super \
             admin first"
                .into(),
        )),
        SuperAdminGuard::Raced => Err(GovernanceError::Retry),
    }
}

/// The body of `PUT /users/{id}/licence`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenceAssignment {
    pub licence: Licence,
}

pub fn set_licence(
    conn: &mut DbConnection,
    auth: &Authorized<AssignRoles>,
    user_id: &str,
    licence: Licence,
) -> Result<UserView, GovernanceError> {
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let user = find(conn, org, user_id)?;
        let now = crate::clock::now();
        if !store::set_licence(conn, org, user_id, user.version, licence.as_str(), now)? {
            return Err(GovernanceError::Retry);
        }
        role_store::bump_governance_version(conn, org)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "user.licence_changed",
                target_kind: "user",
                target_id: user_id,
                details: json!({ "from": user.licence, "to": licence }),
            },
        )?;
        find(conn, org, user_id).map(UserView::from)
    })
}

/// The role and type a new user gets: the role default for their type (002 "Set role
/// defaults"), the type from the organization's verified domains.
pub fn initial_role<'a>(
    conn: &mut DbConnection,
    org_id: &str,
    addresses: impl IntoIterator<Item = &'a str>,
) -> Result<(RoleId, bool), GovernanceError> {
    let domains = store::verified_domains(conn, org_id)?;
    let external = !is_internal(addresses, &domains);
    let settings = role_store::find_settings(conn, org_id)?
        .ok_or_else(|| GovernanceError::NotFound("no such organization".into()))?;
    let role = if external {
        settings.default_external_role
    } else {
        settings.default_internal_role
    };
    Ok((RoleId(role), external))
}
