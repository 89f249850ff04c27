//! Decisions as callers ask them: the organization's compiled view (loaded through the
//! instance's `DecisionCache`), a user's effective permissions, and explained decisions.

use std::sync::Arc;

use super::catalogue::{BaseRole, Licence, Permission, PermissionSet};
use super::model::{OrgModel, OrgSettings, RoleModel, UserModel};
use super::reference::{self, Decision};
use super::view::{DecisionCache, OrgView};
use super::{GovernanceError, RoleId};
use crate::db::roles::{self as role_store, RoleRow, SettingsRow};
use crate::db::user_roles;
use crate::db::DbConnection;

impl RoleModel {
    pub fn from_row(row: &RoleRow) -> Option<RoleModel> {
        Some(RoleModel {
            id: RoleId(row.id.clone()),
            name: row.name.clone(),
            base: BaseRole::parse(&row.base_role)?,
            standard: row.standard,
            permissions: PermissionSet::from_stored(&row.permissions),
        })
    }
}

impl OrgSettings {
    pub fn from_row(row: &SettingsRow) -> OrgSettings {
        OrgSettings {
            guest_invites: row.guest_invites,
            restrict_guest_invites_to_trusted_domains: row.restrict_guest_invites,
            trusted_domains: split_domains(&row.trusted_domains),
            upload_files: row.upload_files,
            download_files_on_mobile: row.download_files_on_mobile,
            personal_access_tokens: row.personal_access_tokens,
            apps: row.apps,
            ai: row.ai,
            restrict_guest_apps: row.restrict_guest_apps,
            restrict_guest_personal_access_tokens: row.restrict_guest_personal_access_tokens,
            default_internal_role: RoleId(row.default_internal_role.clone()),
            default_external_role: RoleId(row.default_external_role.clone()),
        }
    }
}

pub(crate) fn split_domains(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads an organization's roles and settings with their governance version.
pub fn load_model(
    conn: &mut DbConnection,
    org_id: &str,
) -> Result<Option<(i64, OrgModel)>, GovernanceError> {
    let Some(settings) = role_store::find_settings(conn, org_id)? else {
        return Ok(None);
    };
    let roles = role_store::list_roles(conn, org_id)?
        .iter()
        .filter_map(RoleModel::from_row)
        .map(|r| (r.id.clone(), r))
        .collect();
    Ok(Some((
        settings.governance_version,
        OrgModel {
            settings: OrgSettings::from_row(&settings),
            roles,
        },
    )))
}

/// The organization's compiled view, fresh within the cache's recheck interval.
pub fn view(
    conn: &mut DbConnection,
    cache: &DecisionCache,
    org_id: &str,
) -> Result<Arc<OrgView>, GovernanceError> {
    let conn = std::cell::RefCell::new(conn);
    cache
        .view(
            org_id,
            || -> Result<_, GovernanceError> {
                Ok(role_store::governance_version(
                    &mut conn.borrow_mut(),
                    org_id,
                )?)
            },
            || load_model(&mut conn.borrow_mut(), org_id),
        )?
        .ok_or_else(|| GovernanceError::NotFound("no such organization".into()))
}

/// A user as decisions read them, from a stored row.
pub fn user_model(role: &str, licence: Option<&str>, active: bool) -> UserModel {
    UserModel {
        role: RoleId(role.to_owned()),
        licence: Licence::from_stored(licence),
        active,
    }
}

/// A user's effective permissions and their role's base (what admin callers carry).
pub fn effective(view: &OrgView, user: &UserModel) -> (Option<BaseRole>, PermissionSet) {
    (
        view.role(&user.role).map(|r| r.base),
        view.permissions(user),
    )
}

/// A user as the view remembers them: read from the database only the first time this view
/// meets them. `None`: no such user in the organization.
pub fn user_entry(
    conn: &mut DbConnection,
    view: &OrgView,
    org_id: &str,
    user_id: &str,
) -> Result<Option<UserModel>, GovernanceError> {
    if let Some(model) = view.user(user_id).and_then(|e| view.user_model(e)) {
        return Ok(Some(model));
    }
    Ok(user_roles::find(conn, org_id, user_id)?.map(|row| {
        let model = user_model(&row.role, row.licence.as_deref(), row.active);
        view.remember(user_id, &model);
        model
    }))
}

/// These users as the view remembers them, in order, reading those it does not know yet in one
/// set-based read. A user who is not in the organization is a 404 naming them.
pub fn user_entries(
    conn: &mut DbConnection,
    view: &OrgView,
    org_id: &str,
    user_ids: &[&str],
) -> Result<Vec<UserModel>, GovernanceError> {
    let known = |id: &str| view.user(id).and_then(|e| view.user_model(e));
    let mut missing: Vec<&str> = user_ids
        .iter()
        .copied()
        .filter(|id| known(id).is_none())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    let mut read: std::collections::HashMap<String, UserModel> = std::collections::HashMap::new();
    for row in user_roles::find_many(conn, org_id, &missing)? {
        let model = user_model(&row.role, row.licence.as_deref(), row.active);
        view.remember(&row.id, &model);
        read.insert(row.id, model);
    }
    user_ids
        .iter()
        .map(|id| {
            known(id).or_else(|| read.get(*id).cloned()).ok_or_else(|| {
                GovernanceError::NotFound(format!("no user {id:?} in this organization"))
            })
        })
        .collect()
}

/// The organization's view and these users' models when this instance already holds them
/// fresh: the hot path of admin authentication and `/authorize`, with no database work (not
/// even a pool checkout). `None` sends the caller down the path that reads what is missing.
pub fn from_memory(
    cache: &DecisionCache,
    org_id: &str,
    user_ids: &[&str],
) -> Option<(Arc<OrgView>, Vec<UserModel>)> {
    let view = cache.fresh(org_id)?;
    let users = user_ids
        .iter()
        .map(|id| view.user(id).and_then(|e| view.user_model(e)))
        .collect::<Option<Vec<_>>>()?;
    Some((view, users))
}

/// Where a user's role came from, for explanations: `idp:{connection}` when an IdP
/// connection's role mapping decides it, else `default`, `admin`, `invite`, `domain_change`….
pub fn role_source(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
) -> Result<Option<String>, GovernanceError> {
    Ok(user_roles::find(conn, org_id, user_id)?.map(|row| row.role_source))
}

/// Decides one permission for a user, fast (`allowed` from the compiled view), with the
/// reasons of the reference evaluator. The property test keeps the two in step; should they
/// ever differ, the answer is a deny and the disagreement is logged.
pub fn decide(view: &OrgView, user: &UserModel, permission: Permission) -> Decision {
    let allowed = view.permissions(user).contains(permission);
    let mut d = reference::evaluate(&view.model, user, permission);
    if d.allowed != allowed {
        tracing::error!(
            permission = permission.as_str(),
            "compiled view and reference evaluator disagree"
        );
        d.allowed = false;
    }
    d
}

/// For callers whose error type is the storage one (the admin extractor): a storage failure
/// stays itself; anything else (an organization without settings) is reported as unavailable.
pub fn into_db_error(err: GovernanceError) -> crate::db::DbError {
    match err {
        GovernanceError::Db(e) => e,
        other => crate::db::DbError::Unavailable(other.to_string()),
    }
}
