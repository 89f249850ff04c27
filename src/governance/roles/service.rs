//! Standard and custom roles (reference 002 "User roles", "Role management"): list, read,
//! create, edit and delete, each change audited and bumping the organization's governance
//! version in its transaction.
//!
//! - Super admin is fixed: not editable, and no custom role is based on it.
//! - Standard roles keep their names; their configurable permissions are editable.
//! - A custom role starts from its base role's permissions *as they are at creation* and is
//!   independent afterwards ("New custom roles created after changes … use the current
//!   permissions of the standard role as the starting default").
//! - A custom role that users hold is not deleted (409 naming how many hold it).
//! - Delegation: only super admins give or take manage/assign roles; nobody gives a role a
//!   permission their own role lacks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::catalogue::{BaseRole, OrgSwitch, Permission, PermissionSet};
use super::invite_defaults;
use super::model::OrgSettings;
use super::{GovernanceError, RoleId};
use crate::audit::{self, AuditEvent};
use crate::db::roles::{self as store, RoleChanges, RoleRow, SettingsRow};
use crate::db::{transaction, user_roles, DbConnection, DbError};
use crate::ids::OrgId;
use crate::rbac::{Authorized, ManageRoles, ViewMembers};

/// A role as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleView {
    pub id: RoleId,
    pub name: String,
    pub description: String,
    pub base_role: BaseRole,
    pub standard: bool,
    /// Whether the role can be edited at all (super admin is fixed).
    pub editable: bool,
    /// Every configurable permission with whether the role grants it.
    pub permissions: BTreeMap<&'static str, bool>,
    pub holders: i64,
    pub version: i64,
    /// The role users invited by this role's holders get, per invitee type; `null`: the org
    /// default for the type (see `invite_defaults`).
    pub invite_default_internal_role: Option<String>,
    pub invite_default_external_role: Option<String>,
}

fn view_of(row: &RoleRow, holders: i64) -> Option<RoleView> {
    let base = BaseRole::parse(&row.base_role)?;
    let set = PermissionSet::from_stored(&row.permissions);
    let permissions = Permission::all()
        .filter(|p| !p.spec().inherent && p.available_to(base))
        .map(|p| {
            (
                p.as_str(),
                base == BaseRole::SuperAdmin && p.default_for(base) || set.contains(p),
            )
        })
        .collect();
    Some(RoleView {
        id: RoleId(row.id.clone()),
        name: row.name.clone(),
        description: row.description.clone(),
        base_role: base,
        standard: row.standard,
        editable: base != BaseRole::SuperAdmin,
        permissions,
        holders,
        version: row.version,
        invite_default_internal_role: row.invite_default_internal_role.clone(),
        invite_default_external_role: row.invite_default_external_role.clone(),
    })
}

/// A new custom role.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub base_role: String,
    /// Changes to the base role's current permissions, by wire name.
    #[serde(default)]
    pub permissions: BTreeMap<String, bool>,
    pub invite_default_internal_role: Option<String>,
    pub invite_default_external_role: Option<String>,
}

/// An edit of a role: any of name, description and permissions (by wire name).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub permissions: BTreeMap<String, bool>,
    /// A role id, or `null` to clear it.
    #[serde(default, deserialize_with = "invite_defaults::nullable")]
    pub invite_default_internal_role: Option<Option<String>>,
    #[serde(default, deserialize_with = "invite_defaults::nullable")]
    pub invite_default_external_role: Option<Option<String>>,
}

/// Creates the standard roles and default settings of a new organization.
pub fn create_standard_roles(conn: &mut DbConnection, org_id: &OrgId) -> Result<(), DbError> {
    let now = crate::clock::now();
    for base in BaseRole::ALL {
        let inherent = Permission::all().filter(|p| p.spec().inherent);
        let set = inherent.fold(PermissionSet::defaults_for(base), |s, p| s.with(p, false));
        let description = match base {
            BaseRole::SuperAdmin => "Full control over the organization; fixed.",
            BaseRole::Admin => "Organization administrators.",
            BaseRole::Member => "Default role of internal users.",
            BaseRole::Guest => "Default role of external users.",
        };
        store::insert_role(
            conn,
            &RoleRow {
                org_id: org_id.to_string(),
                id: base.as_str().to_owned(),
                name: base.display_name().to_owned(),
                name_lower: base.display_name().to_lowercase(),
                description: description.to_owned(),
                base_role: base.as_str().to_owned(),
                standard: true,
                permissions: set.to_stored(),
                version: 1,
                created_at: now,
                updated_at: now,
                invite_default_internal_role: None,
                invite_default_external_role: None,
            },
        )?;
    }
    let defaults = OrgSettings::default();
    store::insert_settings(
        conn,
        &SettingsRow {
            org_id: org_id.to_string(),
            guest_invites: defaults.guest_invites,
            restrict_guest_invites: defaults.restrict_guest_invites_to_trusted_domains,
            trusted_domains: String::new(),
            upload_files: defaults.upload_files,
            download_files_on_mobile: defaults.download_files_on_mobile,
            personal_access_tokens: defaults.personal_access_tokens,
            apps: defaults.apps,
            ai: defaults.ai,
            default_internal_role: defaults.default_internal_role.0,
            default_external_role: defaults.default_external_role.0,
            governance_version: 1,
            updated_at: now,
            restrict_guest_apps: defaults.restrict_guest_apps,
            restrict_guest_personal_access_tokens: defaults.restrict_guest_personal_access_tokens,
        },
    )?;
    Ok(())
}

pub fn list(
    conn: &mut DbConnection,
    auth: &Authorized<ViewMembers>,
) -> Result<Vec<RoleView>, GovernanceError> {
    let org = auth.org_id.as_str();
    let holders = user_roles::holders_by_role(conn, org)?;
    Ok(store::list_roles(conn, org)?
        .iter()
        .filter_map(|r| view_of(r, holders.get(&r.id).copied().unwrap_or(0)))
        .collect())
}

pub fn get(
    conn: &mut DbConnection,
    auth: &Authorized<ViewMembers>,
    id: &str,
) -> Result<RoleView, GovernanceError> {
    let org = auth.org_id.as_str();
    let row = find(conn, org, id)?;
    let holders = user_roles::count_holders(conn, org, id)?;
    view_of(&row, holders).ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> GovernanceError {
    GovernanceError::NotFound(format!("no role {id:?} in this organization"))
}

fn find(conn: &mut DbConnection, org: &str, id: &str) -> Result<RoleRow, GovernanceError> {
    store::find_role(conn, org, id)?.ok_or_else(|| not_found(id))
}

fn settings(conn: &mut DbConnection, org: &str) -> Result<OrgSettings, GovernanceError> {
    store::find_settings(conn, org)?
        .map(|s| OrgSettings::from_row(&s))
        .ok_or_else(|| GovernanceError::NotFound("no such organization".into()))
}

fn valid_name(name: &str) -> Result<String, GovernanceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(GovernanceError::Invalid(
            "a role name must have 1 to 255 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Applies permission changes to a role's set, refusing what the rules forbid.
fn apply_changes(
    auth: &Authorized<ManageRoles>,
    base: BaseRole,
    current: PermissionSet,
    changes: &BTreeMap<String, bool>,
    org: &OrgSettings,
) -> Result<PermissionSet, GovernanceError> {
    let mut set = current;
    for (name, &on) in changes {
        let p = Permission::parse(name).ok_or_else(|| {
            GovernanceError::Invalid(format!("{name:?} is not a permission of the catalogue"))
        })?;
        let spec = p.spec();
        if spec.inherent {
            return Err(GovernanceError::Invalid(format!(
                "{name} is inherent to the base role and not configurable"
            )));
        }
        if on && !p.available_to(base) {
            let why = if base == BaseRole::Guest && spec.never_for_guests {
                "a guest-based role can never enable it"
            } else {
                "only admin-based roles can hold it"
            };
            return Err(GovernanceError::Invalid(format!(
                "{name} cannot be enabled on a {}-based role: {why}",
                base.as_str()
            )));
        }
        if on == current.contains(p) {
            continue;
        }
        // 002: "If a permission is disabled … at the organization level … it will not be
        // configurable at the role level."
        if let Some(switch) = spec.org_switch {
            let locked = match switch {
                OrgSwitch::RestrictGuestInvitesToTrustedDomains => {
                    org.restrict_guest_invites_to_trusted_domains || !org.guest_invites
                }
                other => !org.switch(other),
            };
            if locked {
                let setting = match switch {
                    OrgSwitch::RestrictGuestInvitesToTrustedDomains
                        if org.restrict_guest_invites_to_trusted_domains =>
                    {
                        switch
                    }
                    OrgSwitch::RestrictGuestInvitesToTrustedDomains => OrgSwitch::GuestInvites,
                    other => other,
                };
                return Err(GovernanceError::Conflict(format!(
                    "{name} is set for the whole organization by the org setting {}; change \
                     the org setting first",
                    setting.as_str()
                )));
            }
            if p == Permission::RestrictGuestInvitesToTrustedDomains
                && on
                && org.trusted_domains.is_empty()
            {
                return Err(GovernanceError::Conflict(format!(
                    "{name} needs trusted domains: the org setting trusted_domains is empty"
                )));
            }
        }
        // Delegation (001): super admins give or take admin user management.
        if spec.admin_only && auth.base != BaseRole::SuperAdmin {
            return Err(GovernanceError::Forbidden(format!(
                "only a super admin may change {name} on a role"
            )));
        }
        // Nobody raises a role above their own.
        if on && auth.base != BaseRole::SuperAdmin && !auth.granted.contains(p) {
            return Err(GovernanceError::Forbidden(format!(
                "you may not grant {name}: your own role does not hold it"
            )));
        }
        set.set(p, on);
    }
    Ok(set)
}

pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<ManageRoles>,
    new: &NewRole,
) -> Result<RoleView, GovernanceError> {
    let name = valid_name(&new.name)?;
    let base = BaseRole::parse(&new.base_role).ok_or_else(|| {
        GovernanceError::Invalid(format!("{:?} is not a standard role", new.base_role))
    })?;
    if base == BaseRole::SuperAdmin {
        return Err(GovernanceError::Invalid(
            "no custom role can be based on super admin".into(),
        ));
    }
    if base.rank() > auth.base.rank() {
        return Err(GovernanceError::Forbidden(format!(
            "you may not create a role based on {} (above your own role)",
            base.as_str()
        )));
    }
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let template = find(conn, org, base.as_str())?;
        let current = PermissionSet::from_stored(&template.permissions);
        let set = apply_changes(auth, base, current, &new.permissions, &settings(conn, org)?)?;
        let (invite_internal, invite_external) = invite_defaults::for_new_role(
            conn,
            org,
            base,
            new.invite_default_internal_role.as_deref(),
            new.invite_default_external_role.as_deref(),
        )?;
        let now = crate::clock::now();
        let id = RoleId::new_custom();
        let row = RoleRow {
            org_id: org.to_owned(),
            id: id.0.clone(),
            name_lower: name.to_lowercase(),
            name: name.clone(),
            description: new.description.clone(),
            base_role: base.as_str().to_owned(),
            standard: false,
            permissions: set.to_stored(),
            version: 1,
            created_at: now,
            updated_at: now,
            invite_default_internal_role: invite_internal,
            invite_default_external_role: invite_external,
        };
        store::insert_role(conn, &row).map_err(|e| name_taken(e, &name))?;
        store::bump_governance_version(conn, org)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "role.created",
                target_kind: "role",
                target_id: id.as_str(),
                details: json!({
                    "name": name,
                    "base_role": base,
                    "permissions": set.to_stored(),
                    "invite_default_internal_role": row.invite_default_internal_role,
                    "invite_default_external_role": row.invite_default_external_role,
                }),
            },
        )?;
        view_of(&row, 0).ok_or_else(|| not_found(id.as_str()))
    })
}

fn name_taken(err: diesel::result::Error, name: &str) -> GovernanceError {
    match DbError::from(err) {
        DbError::UniqueViolation(_) => {
            GovernanceError::Conflict(format!("a role named {name:?} already exists"))
        }
        other => other.into(),
    }
}

pub fn update(
    conn: &mut DbConnection,
    auth: &Authorized<ManageRoles>,
    id: &str,
    edit: &RoleEdit,
) -> Result<RoleView, GovernanceError> {
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let row = find(conn, org, id)?;
        let base = BaseRole::parse(&row.base_role).ok_or_else(|| not_found(id))?;
        if base == BaseRole::SuperAdmin {
            return Err(GovernanceError::Invalid(
                "the super admin role is fixed and cannot be edited".into(),
            ));
        }
        if base.rank() > auth.base.rank() {
            return Err(GovernanceError::Forbidden(
                "you may not edit a role above your own".into(),
            ));
        }
        let mut name = row.name.clone();
        if let Some(new_name) = &edit.name {
            let new_name = valid_name(new_name)?;
            if row.standard && new_name != row.name {
                return Err(GovernanceError::Invalid(
                    "standard roles cannot be renamed".into(),
                ));
            }
            name = new_name;
        }
        let current = PermissionSet::from_stored(&row.permissions);
        let set = apply_changes(
            auth,
            base,
            current,
            &edit.permissions,
            &settings(conn, org)?,
        )?;
        let (invite_internal, invite_external) = invite_defaults::after_edit(
            conn,
            org,
            base,
            (
                row.invite_default_internal_role.clone(),
                row.invite_default_external_role.clone(),
            ),
            &edit.invite_default_internal_role,
            &edit.invite_default_external_role,
        )?;
        let changes = RoleChanges {
            name_lower: name.to_lowercase(),
            name: name.clone(),
            description: edit.description.clone().unwrap_or(row.description.clone()),
            permissions: set.to_stored(),
            invite_default_internal_role: invite_internal,
            invite_default_external_role: invite_external,
        };
        let now = crate::clock::now();
        let written = store::update_role(conn, org, id, row.version, &changes, now)
            .map_err(|e| name_taken(e, &name))?;
        if !written {
            return Err(GovernanceError::Retry);
        }
        store::bump_governance_version(conn, org)?;
        let changed: Vec<&str> = Permission::all()
            .filter(|p| current.contains(*p) != set.contains(*p))
            .map(Permission::as_str)
            .collect();
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "role.updated",
                target_kind: "role",
                target_id: id,
                details: json!({
                    "name": name,
                    "permissions_changed": changed,
                    "permissions": set.to_stored(),
                    "invite_default_internal_role": changes.invite_default_internal_role,
                    "invite_default_external_role": changes.invite_default_external_role,
                }),
            },
        )?;
        let row = find(conn, org, id)?;
        let holders = user_roles::count_holders(conn, org, id)?;
        view_of(&row, holders).ok_or_else(|| not_found(id))
    })
}

pub fn delete(
    conn: &mut DbConnection,
    auth: &Authorized<ManageRoles>,
    id: &str,
) -> Result<(), GovernanceError> {
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let version = store::governance_version(conn, org)?.unwrap_or(0);
        let row = find(conn, org, id)?;
        if row.standard {
            return Err(GovernanceError::Conflict(
                "standard roles cannot be deleted".into(),
            ));
        }
        let base = BaseRole::parse(&row.base_role).ok_or_else(|| not_found(id))?;
        if base.rank() > auth.base.rank() {
            return Err(GovernanceError::Forbidden(
                "you may not delete a role above your own".into(),
            ));
        }
        let holders = user_roles::count_holders(conn, org, id)?;
        if holders > 0 {
            return Err(GovernanceError::Conflict(format!(
                "{holders} user(s) hold the role {:?}; assign them another role first",
                row.name
            )));
        }
        let mappings = crate::db::role_mappings::connections_using_role(conn, org, id)?;
        if !mappings.is_empty() {
            return Err(GovernanceError::Conflict(format!(
                "the role {:?} is named by the role mapping rules of IdP connection(s) {}; \
                 change those rules first",
                row.name,
                mappings.join(", ")
            )));
        }
        let s = settings(conn, org)?;
        if s.default_internal_role.as_str() == id || s.default_external_role.as_str() == id {
            return Err(GovernanceError::Conflict(format!(
                "the role {:?} is a role default in the org settings; change it first",
                row.name
            )));
        }
        invite_defaults::guard_delete(conn, org, id, &row.name)?;
        if !store::delete_role(conn, org, id)?
            || !store::bump_governance_version_from(conn, org, version)?
        {
            return Err(GovernanceError::Retry);
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "role.deleted",
                target_kind: "role",
                target_id: id,
                details: json!({ "name": row.name, "base_role": base }),
            },
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The migration seeds existing organizations with the catalogue's defaults.
    #[test]
    fn migrations_seed_the_catalogue_defaults() {
        for sql in [
            include_str!("../../../migrations/sqlite/2026-12-02-000050_roles/up.sql"),
            include_str!("../../../migrations/mysql/2026-12-02-000050_roles/up.sql"),
        ] {
            for base in BaseRole::ALL {
                let set = Permission::all()
                    .filter(|p| p.spec().inherent)
                    .fold(PermissionSet::defaults_for(base), |s, p| s.with(p, false));
                let seeded = format!("'{}', 1, '{}'", base.as_str(), set.to_stored());
                assert!(sql.contains(&seeded), "{seeded}");
            }
        }
    }
}
