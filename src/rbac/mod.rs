//! Role-based authorization of admin actions. A check returns an `Authorized<P>` value that the
//! service function for `P` requires, so a handler cannot reach the service without the check.
//! The full permission catalogue, custom roles and org-wide overrides build on this.

use std::marker::PhantomData;

use crate::ids::{OrgId, UserId};

/// An admin action that needs a role.
pub trait AdminPermission {
    /// What the caller may not do, for the 403 detail.
    const DESCRIPTION: &'static str;
    /// Whether a standard role holds the permission.
    fn granted_to(role: &str) -> bool;
}

/// Create, change and rotate IdP connections and their secrets.
pub struct ManageConnections;

impl AdminPermission for ManageConnections {
    const DESCRIPTION: &'static str =
        "managing IdP connections needs the admin or super admin role";
    fn granted_to(role: &str) -> bool {
        matches!(role, "super_admin" | "admin")
    }
}

/// Read the organization's audit trail.
pub struct ReadAudit;

impl AdminPermission for ReadAudit {
    const DESCRIPTION: &'static str = "reading the audit trail needs the admin or super admin role";
    fn granted_to(role: &str) -> bool {
        matches!(role, "super_admin" | "admin")
    }
}

/// Proof that `user_id` of `org_id` holds permission `P`.
#[derive(Debug, Clone)]
pub struct Authorized<P> {
    pub org_id: OrgId,
    pub user_id: UserId,
    _permission: PhantomData<P>,
}

/// Why an action was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub &'static str);

/// Checks that a user with `role` holds `P`.
pub fn authorize<P: AdminPermission>(
    org_id: &OrgId,
    user_id: &UserId,
    role: &str,
) -> Result<Authorized<P>, Denied> {
    if P::granted_to(role) {
        Ok(Authorized {
            org_id: org_id.clone(),
            user_id: user_id.clone(),
            _permission: PhantomData,
        })
    } else {
        Err(Denied(P::DESCRIPTION))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_connections() {
        let (org, user) = (OrgId::new(), UserId::new());
        assert!(authorize::<ManageConnections>(&org, &user, "super_admin").is_ok());
        assert!(authorize::<ManageConnections>(&org, &user, "admin").is_ok());
        assert!(authorize::<ManageConnections>(&org, &user, "member").is_err());
        assert!(authorize::<ManageConnections>(&org, &user, "guest").is_err());
    }
}
