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

/// Create IdP connections, change them (their authentication above all) and issue or revoke
/// their secrets: whoever holds this decides who may write identities into the organization,
/// so it is the super admin's alone.
pub struct ManageConnections;

impl AdminPermission for ManageConnections {
    const DESCRIPTION: &'static str =
        "creating or changing IdP connections and issuing their secrets needs the super admin role";
    fn granted_to(role: &str) -> bool {
        role == "super_admin"
    }
}

/// List and read IdP connections and their secrets' metadata (never a secret).
pub struct ReadConnections;

impl AdminPermission for ReadConnections {
    const DESCRIPTION: &'static str = "reading IdP connections needs the admin or super admin role";
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
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn only_super_admins_manage_connections_and_admins_read_them() {
        let (org, user) = (OrgId::new(), UserId::new());
        assert!(authorize::<ManageConnections>(&org, &user, "super_admin").is_ok());
        for role in ["admin", "member", "guest"] {
            let Err(denied) = authorize::<ManageConnections>(&org, &user, role) else {
                panic!("{role} may not manage connections");
            };
            assert!(denied.0.contains("super admin"), "{role}");
        }
        assert!(authorize::<ReadConnections>(&org, &user, "super_admin").is_ok());
        assert!(authorize::<ReadConnections>(&org, &user, "admin").is_ok());
        assert!(authorize::<ReadConnections>(&org, &user, "member").is_err());
    }
}
