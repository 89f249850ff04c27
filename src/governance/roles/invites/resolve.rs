//! How an invite resolves to a role, and invites as the admin API shows them: the
//! organization's roles, settings and verified domains read once per operation, the three
//! rules in order (see the parent module), and the checks of a role an admin chooses.

use std::collections::HashMap;

use serde::Serialize;

use super::super::catalogue::BaseRole;
use super::super::invite_defaults::fits_type;
use super::super::settings::is_internal;
use super::super::GovernanceError;
use crate::db::invites::{InviteRow, PENDING};
use crate::db::roles::{self as role_store, RoleRow, SettingsRow};
use crate::db::{user_roles, DbConnection};

/// An invite as the admin API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InviteView {
    pub id: String,
    pub email: String,
    /// `internal` or `external`, from the organization's verified domains now.
    #[serde(rename = "type")]
    pub invitee_type: &'static str,
    pub status: String,
    /// The role an admin chose, if one did.
    pub role_id: Option<String>,
    pub invited_by: String,
    pub inviter_role_id: String,
    /// For a pending invite: the role accepting it alone would give now, and which rule gave it
    /// (`chosen`, `inviter_role_default` or `org_default`).
    pub resolved_role: Option<String>,
    pub role_source: Option<&'static str>,
    pub created_at: String,
    pub accepted_at: Option<String>,
    pub accepted_user_id: Option<String>,
    pub version: i64,
}

/// What resolving needs to know of the organization, read once per operation.
pub(crate) struct Context {
    roles: HashMap<String, RoleRow>,
    pub(crate) settings: SettingsRow,
    domains: Vec<String>,
}

impl Context {
    pub(crate) fn load(conn: &mut DbConnection, org: &str) -> Result<Context, GovernanceError> {
        let settings = role_store::find_settings(conn, org)?
            .ok_or_else(|| GovernanceError::NotFound("no such organization".into()))?;
        let roles = role_store::list_roles(conn, org)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let domains = user_roles::verified_domains(conn, org)?;
        Ok(Context {
            roles,
            settings,
            domains,
        })
    }

    pub(crate) fn is_external(&self, email: &str) -> bool {
        !is_internal([email], &self.domains)
    }

    fn base(&self, id: &str) -> Option<BaseRole> {
        self.roles
            .get(id)
            .and_then(|r| BaseRole::parse(&r.base_role))
    }

    /// `id` if it names a role a user of this type may hold.
    fn fitting<'a>(&self, id: Option<&'a str>, external: bool) -> Option<&'a str> {
        id.filter(|id| {
            self.base(id)
                .is_some_and(|b| fits_type(b, external).is_ok())
        })
    }

    /// The role an invite gives on its own, and the rule that gave it.
    pub(crate) fn resolve(&self, invite: &InviteRow, external: bool) -> (String, &'static str) {
        if let Some(chosen) = self.fitting(invite.role_id.as_deref(), external) {
            return (chosen.to_owned(), "chosen");
        }
        let inviter_default = self.roles.get(&invite.inviter_role_id).and_then(|r| {
            if external {
                r.invite_default_external_role.as_deref()
            } else {
                r.invite_default_internal_role.as_deref()
            }
        });
        if let Some(d) = self.fitting(inviter_default, external) {
            return (d.to_owned(), "inviter_role_default");
        }
        let org_default = if external {
            &self.settings.default_external_role
        } else {
            &self.settings.default_internal_role
        };
        (org_default.clone(), "org_default")
    }

    pub(crate) fn view(&self, row: &InviteRow) -> InviteView {
        let external = self.is_external(&row.email);
        let (resolved_role, role_source) = if row.status == PENDING {
            let (role, source) = self.resolve(row, external);
            (Some(role), Some(source))
        } else {
            (None, None)
        };
        InviteView {
            id: row.id.clone(),
            email: row.email.clone(),
            invitee_type: if external { "external" } else { "internal" },
            status: row.status.clone(),
            role_id: row.role_id.clone(),
            invited_by: row.invited_by.clone(),
            inviter_role_id: row.inviter_role_id.clone(),
            resolved_role,
            role_source,
            created_at: crate::clock::rfc3339(row.created_at),
            accepted_at: row.accepted_at.map(crate::clock::rfc3339),
            accepted_user_id: row.accepted_user_id.clone(),
            version: row.version,
        }
    }

    /// Checks a role an admin chooses for an invitee of this type: it exists and fits the type
    /// (422), and the chooser may give it (403): only a super admin gives super admin, and
    /// nobody gives a role above their own.
    pub(crate) fn check_choice(
        &self,
        chooser: BaseRole,
        role_id: &str,
        external: bool,
    ) -> Result<(), GovernanceError> {
        let base = self.base(role_id).ok_or_else(|| {
            GovernanceError::Invalid(format!("no role {role_id:?} in this organization"))
        })?;
        if base == BaseRole::SuperAdmin && chooser != BaseRole::SuperAdmin {
            return Err(GovernanceError::Forbidden(
                "missing permission: only a super admin may invite as super admin".into(),
            ));
        }
        if base.rank() > chooser.rank() {
            return Err(GovernanceError::Forbidden(format!(
                "you may not invite as {role_id:?}: it ranks above your own role"
            )));
        }
        fits_type(base, external).map_err(|why| {
            GovernanceError::Invalid(format!("role {role_id:?} does not fit this invitee: {why}"))
        })
    }
}
