//! Who may change a user over SCIM. An IdP connection changes the users it manages (those it
//! created, or took over). A user it did not create (made by bootstrap, the admin API or another
//! connection) is out of its reach, unless an admin has let the connection take over unmanaged
//! users: then its first write links the user to it, audited. Whoever acts, the last active super
//! admin of an organization is never deactivated or deleted: nobody could administer the
//! organization afterwards, and nothing in the API could bring them back.

use serde_json::json;

use super::{Caller, DirectoryError};
use crate::audit::{self, AuditEvent};
use crate::db::orgs::{self, SuperAdminGuard};
use crate::db::users::{self as store, UserRow};
use crate::db::DbConnection;
use crate::scim::ScimError;

/// How a caller may change a user, once `authorize_change` has allowed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stewardship {
    /// The caller manages the user, or is not an IdP connection.
    Managed,
    /// The connection takes the unmanaged user over with this change.
    TakeOver,
}

/// Whether the caller may change `user`, and whether the change takes the user over.
pub fn authorize_change(
    conn: &mut DbConnection,
    caller: &Caller,
    user: &UserRow,
) -> Result<Stewardship, DirectoryError> {
    authorize_steward(conn, caller, user.managed_by.as_deref(), "user")
}

/// The rule of `authorize_change` for any resource a connection provisions (users, agents):
/// `managed_by` is the connection that manages it, `noun` what it is, for the error detail.
pub fn authorize_steward(
    conn: &mut DbConnection,
    caller: &Caller,
    managed_by: Option<&str>,
    noun: &str,
) -> Result<Stewardship, DirectoryError> {
    let Some(connection_id) = caller.connection_id.as_deref() else {
        return Ok(Stewardship::Managed);
    };
    match managed_by {
        Some(manager) if manager == connection_id => Ok(Stewardship::Managed),
        Some(_) => Err(ScimError::Forbidden(format!(
            "this {noun} is managed by another IdP connection of the organization"
        ))
        .into()),
        None => {
            let may_take_over = orgs::find_connection(conn, caller.org_id.as_str(), connection_id)?
                .is_some_and(|c| c.takeover_unmanaged);
            if may_take_over {
                Ok(Stewardship::TakeOver)
            } else {
                Err(ScimError::Forbidden(format!(
                    "this {noun} was not provisioned by this connection; an admin can let the \
                     connection take over unmanaged users and agents (takeover_unmanaged_users)"
                ))
                .into())
            }
        }
    }
}

/// Links a user to the connection taking it over, in the change's transaction.
pub fn take_over(
    conn: &mut DbConnection,
    caller: &Caller,
    user: &UserRow,
) -> Result<(), DirectoryError> {
    let Some(connection_id) = caller.connection_id.as_deref() else {
        return Ok(());
    };
    if !store::set_managed_by(conn, caller.org_id.as_str(), &user.id, connection_id)? {
        return Err(DirectoryError::Conflict);
    }
    audit::record(
        conn,
        AuditEvent {
            org_id: &caller.org_id,
            actor: &caller.actor,
            action: "user.taken_over",
            target_kind: "user",
            target_id: &user.id,
            details: json!({ "connection_id": connection_id }),
        },
    )?;
    Ok(())
}

/// Refuses a change that leaves the organization without an active super admin: `remains_active`
/// is false for a deactivation or a deletion. Two such changes racing each other both claim the
/// organization's guard version, so one of them runs again and sees the other's change.
pub fn keep_a_super_admin(
    conn: &mut DbConnection,
    caller: &Caller,
    user: &UserRow,
    remains_active: bool,
) -> Result<(), DirectoryError> {
    if remains_active || !user.active || user.role != "super_admin" {
        return Ok(());
    }
    match orgs::guard_super_admin_removal(conn, caller.org_id.as_str(), &user.id)? {
        SuperAdminGuard::Cleared => {}
        SuperAdminGuard::LastOne => {
            return Err(ScimError::Conflict(
                "this user is the organization's last active super admin: make another user \
                 super admin before deactivating or deleting this one"
                    .into(),
            )
            .into())
        }
        SuperAdminGuard::Raced => return Err(DirectoryError::Conflict),
    }
    Ok(())
}
