//! A role's own invite defaults (reference 002, "Can I change the default role assigned to new
//! internal or external users?": "there are role-level defaults that set the role for new users
//! invited by users with that role. We recommend using these defaults thoughtfully to avoid
//! permission escalation").
//!
//! Like the org's role defaults there is one per invitee type: `invite_default_internal_role`
//! and `invite_default_external_role` on a role; unset means the org default for the type. The
//! rules: the default must fit the type (external ⇒ guest-based, internal ⇒ never guest-based),
//! is never super admin, and never ranks above the role it is set on, so inviting can't raise
//! anyone above the inviter's own role.

use serde::{Deserialize, Deserializer};

use super::catalogue::BaseRole;
use super::GovernanceError;
use crate::db::roles as store;
use crate::db::DbConnection;

pub const INTERNAL_FIELD: &str = "invite_default_internal_role";
pub const EXTERNAL_FIELD: &str = "invite_default_external_role";

/// For PATCH fields that may be set to `null`: absent is `None`, `null` is `Some(None)`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Whether a role of `base` may be held by a user of this type (002 "External users can only be
/// assigned the guest role or custom roles based on the guest role. Similarly, internal users
/// cannot be assigned the guest role"); the refusal says why.
pub fn fits_type(base: BaseRole, external: bool) -> Result<(), &'static str> {
    match (external, base == BaseRole::Guest) {
        (true, true) | (false, false) => Ok(()),
        (true, false) => Err("external users may hold only guest-based roles"),
        (false, true) => Err("internal users never hold guest-based roles"),
    }
}

/// Checks `id` as the invite default for one type of a role based on `on`.
pub fn check(
    conn: &mut DbConnection,
    org: &str,
    on: BaseRole,
    id: &str,
    external: bool,
) -> Result<(), GovernanceError> {
    let field = if external {
        EXTERNAL_FIELD
    } else {
        INTERNAL_FIELD
    };
    let role = store::find_role(conn, org, id)?
        .ok_or_else(|| GovernanceError::Invalid(format!("{field}: no role {id:?}")))?;
    let base = BaseRole::parse(&role.base_role)
        .ok_or_else(|| GovernanceError::Invalid(format!("{field}: role {id:?} has no base")))?;
    fits_type(base, external).map_err(|why| GovernanceError::Invalid(format!("{field}: {why}")))?;
    if base == BaseRole::SuperAdmin {
        return Err(GovernanceError::Invalid(format!(
            "{field}: super admin cannot be an invite default"
        )));
    }
    if base.rank() > on.rank() {
        return Err(GovernanceError::Invalid(format!(
            "{field}: a {}-based role may not invite as {} (an invite default never ranks \
             above the role it is set on)",
            on.as_str(),
            base.as_str()
        )));
    }
    Ok(())
}

/// The invite defaults a new role is created with, checked.
pub fn for_new_role(
    conn: &mut DbConnection,
    org: &str,
    base: BaseRole,
    internal: Option<&str>,
    external: Option<&str>,
) -> Result<(Option<String>, Option<String>), GovernanceError> {
    if let Some(id) = internal {
        check(conn, org, base, id, false)?;
    }
    if let Some(id) = external {
        check(conn, org, base, id, true)?;
    }
    Ok((internal.map(str::to_owned), external.map(str::to_owned)))
}

/// A role's invite defaults after an edit (`None`: keep, `Some(None)`: clear), checked.
pub fn after_edit(
    conn: &mut DbConnection,
    org: &str,
    base: BaseRole,
    current: (Option<String>, Option<String>),
    internal: &Option<Option<String>>,
    external: &Option<Option<String>>,
) -> Result<(Option<String>, Option<String>), GovernanceError> {
    let mut next = current;
    if let Some(change) = internal {
        if let Some(id) = change {
            check(conn, org, base, id, false)?;
        }
        next.0 = change.clone();
    }
    if let Some(change) = external {
        if let Some(id) = change {
            check(conn, org, base, id, true)?;
        }
        next.1 = change.clone();
    }
    Ok(next)
}

/// Refuses to delete a role that another role invites as.
pub fn guard_delete(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    name: &str,
) -> Result<(), GovernanceError> {
    let using = store::roles_inviting_as(conn, org, id)?;
    if using.is_empty() {
        return Ok(());
    }
    Err(GovernanceError::Conflict(format!(
        "the role {name:?} is the invite default of {}; change their invite defaults first",
        using
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_guest_based_roles_fit_external_users_and_never_internal_ones() {
        assert!(fits_type(BaseRole::Guest, true).is_ok());
        assert!(fits_type(BaseRole::Member, true).is_err());
        assert!(fits_type(BaseRole::Admin, true).is_err());
        assert!(fits_type(BaseRole::Guest, false).is_err());
        assert!(fits_type(BaseRole::Member, false).is_ok());
        assert!(fits_type(BaseRole::SuperAdmin, false).is_ok());
    }
}
