//! Authorization of admin actions from decisions on the stored roles. A check returns an
//! `Authorized<P>` value that the service function for `P` requires, so a handler cannot reach
//! the service without the check. Every admin endpoint asks the same question: does the
//! caller's compiled permission set (their role, its base, the org settings and their licence;
//! see `governance::roles`) hold `P`'s permission? A refusal names the missing permission.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::audit::Actor;
use crate::governance::actors::grants::{Access, GrantSet, ResourceKind};
use crate::governance::roles::{BaseRole, Permission, PermissionSet};
use crate::ids::{OrgId, UserId};

/// An admin action and the catalogue permission it needs.
pub trait AdminPermission {
    const PERMISSION: Permission;
    /// The grant an app actor needs for this action (issue 14); `None`: never an app actor's.
    const GRANT: Option<(ResourceKind, Access)> = None;
}

/// `Name => permission` or `Name => permission [kind: access]` (the grant an app actor needs).
macro_rules! admin_permission {
    (@grant) => { None };
    (@grant $kind:ident $access:ident) => { Some((ResourceKind::$kind, Access::$access)) };
    ($($(#[$doc:meta])* $name:ident => $permission:ident $([$kind:ident : $access:ident])?),* $(,)?) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl AdminPermission for $name {
                const PERMISSION: Permission = Permission::$permission;
                const GRANT: Option<(ResourceKind, Access)> =
                    admin_permission!(@grant $($kind $access)?);
            }
        )*
        /// Every admin action's permission with the grant an app actor needs for it.
        pub const ACTION_GRANTS: &[(Permission, Option<(ResourceKind, Access)>)] = &[$(
            (Permission::$permission, admin_permission!(@grant $($kind $access)?)),
        )*];
    };
}

admin_permission!(
    /// Create, change and rotate IdP connections and their secrets (super admin only).
    ManageConnections => ManageIdpConnections,
    /// List and read IdP connections and their secrets' metadata, never a secret (admins).
    ReadConnections => ViewMembers,
    /// Read the organization's audit trail (admins).
    ReadAudit => ReadAuditTrail [AuditEvents: Read],
    /// Create, edit and delete roles (super admins; admins when a super admin delegates it).
    ManageRoles => ManageRoles,
    /// Assign roles to users (admins by default; never super admin unless a super admin).
    AssignRoles => AssignRoles [Users: Write],
    /// See members, roles and anyone's permissions (admins).
    ViewMembers => ViewMembers [Users: Read],
    /// Org-wide settings, role defaults and verified domains (super admin only).
    ManageOrgSettings => ManageOrgSettings,
    /// List, introspect and revoke the organization's tokens; the credential inventory and the
    /// at-risk report (admins: reference "Admins can revoke personal access tokens").
    ManageTokens => ViewMembers [Tokens: Write],
    /// Token expiration policies (reference: "Super admins ... can set a default expiration").
    ManageTokenPolicy => ManageOrgSettings,
    /// Service accounts and their tokens (super admins: reference "Manage service accounts").
    ManageServiceAccounts => ManageOrgSettings,
    /// Create one's own personal access token: the `use_personal_access_tokens` decision (org
    /// switch, role, guest restriction).
    UsePersonalTokens => UsePersonalAccessTokens,
    /// Webhook endpoints and their secrets, retrying dead letters (super admin only, like the
    /// org's other settings: an endpoint receives every notification of the organization).
    ManageNotifications => ManageOrgSettings,
    /// See webhook endpoints (never a secret) and dead letters (admins).
    ReadNotifications => ReadAuditTrail,
    /// The app registry, block and approval, app settings and the usage export (super admins
    /// only: the reference's app management is theirs alone).
    ManageApps => ManageOrgSettings [Apps: Write],
    /// Read the apps' approval requests (organization admins may view them, per the reference).
    ViewAppRequests => ViewMembers [Apps: Read],
    /// Report app usage for users, as host applications do (like `/authorize`).
    ReportAppUsage => ViewMembers [Apps: Create],
    /// App actors, their grants and tokens, and moving integrations off personal tokens (super
    /// admins, like service accounts; never an app actor's own: no actor widens another).
    ManageAppActors => ManageOrgSettings,
    /// Read projects and their memberships (admins, like members and their roles).
    ReadProjects => ViewMembers [Projects: Read],
    /// Register, rename and delete projects and change their memberships: each grants or
    /// withdraws access, so it takes what assigning roles takes (admins by default; an admin
    /// role without `assign_roles` cannot).
    ManageProjects => AssignRoles [Projects: Write],
);

/// Who is asking, as decisions see them.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org_id: OrgId,
    pub user_id: UserId,
    /// The base of the caller's role; `None` if their role no longer exists.
    pub base: Option<BaseRole>,
    /// What the caller may do, as the compiled view decided it.
    pub granted: PermissionSet,
    /// Who acts, as the audit trail names them: the person, or the service account or app
    /// actor whose credential was presented.
    pub actor: Actor,
    /// An app actor's grants (its token's, within its own): then an action also needs its
    /// `AdminPermission::GRANT`, org-wide. `None` for people and service accounts.
    pub scope: Option<Arc<GrantSet>>,
}

/// Proof that `user_id` of `org_id` holds permission `P`, with what delegation checks need.
#[derive(Debug, Clone)]
pub struct Authorized<P> {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub base: BaseRole,
    pub granted: PermissionSet,
    actor: Actor,
    _permission: PhantomData<P>,
}

impl<P> Authorized<P> {
    pub fn actor(&self) -> Actor {
        self.actor.clone()
    }
}

/// Why an action was refused: the permission missing, or an app actor's grant.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Denied {
    #[error("missing permission {}: {}", .0.as_str(), .0.spec().description)]
    Permission(Permission),
    #[error("the app actor's token lacks the grant {} on {}", .1.as_str(), .0.as_str())]
    Grant(ResourceKind, Access),
    #[error("app actors may not do this (no grant opens {})", .0.as_str())]
    NotForAppActors(Permission),
}

/// The catalogue permissions an app actor's org-wide grants open (what its `granted` holds
/// before the intersection with the user it acts for).
pub fn permissions_of_grants(scope: &GrantSet) -> PermissionSet {
    ACTION_GRANTS
        .iter()
        .filter(|(_, grant)| grant.is_some_and(|(kind, access)| scope.org_wide(kind, access)))
        .fold(PermissionSet::default(), |set, (p, _)| set.with(*p, true))
}

/// Checks that `principal` holds `P` (and, for an app actor, the grant `P` needs).
pub fn authorize<P: AdminPermission>(principal: &Principal) -> Result<Authorized<P>, Denied> {
    if let Some(scope) = &principal.scope {
        match P::GRANT {
            None => return Err(Denied::NotForAppActors(P::PERMISSION)),
            Some((kind, access)) if !scope.org_wide(kind, access) => {
                return Err(Denied::Grant(kind, access))
            }
            Some(_) => {}
        }
    }
    match principal.base {
        Some(base) if principal.granted.contains(P::PERMISSION) => Ok(Authorized {
            org_id: principal.org_id.clone(),
            user_id: principal.user_id.clone(),
            base,
            granted: principal.granted,
            actor: principal.actor.clone(),
            _permission: PhantomData,
        }),
        _ => Err(Denied::Permission(P::PERMISSION)),
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    fn principal(base: BaseRole) -> Principal {
        let inherent = PermissionSet::defaults_for(base);
        let user_id = UserId::new();
        Principal {
            org_id: OrgId::new(),
            actor: Actor::User(user_id.to_string()),
            user_id,
            base: Some(base),
            granted: inherent,
            scope: None,
        }
    }

    #[test]
    fn only_super_admins_manage_connections_by_default() {
        assert!(authorize::<ManageConnections>(&principal(BaseRole::SuperAdmin)).is_ok());
        for base in [BaseRole::Admin, BaseRole::Member, BaseRole::Guest] {
            let denied = authorize::<ManageConnections>(&principal(base)).unwrap_err();
            assert!(denied.to_string().contains("manage_idp_connections"));
        }
        assert!(authorize::<ReadAudit>(&principal(BaseRole::Admin)).is_ok());
        assert!(authorize::<ReadConnections>(&principal(BaseRole::Admin)).is_ok());
        assert!(authorize::<ReadConnections>(&principal(BaseRole::Member)).is_err());
    }
}
