//! Joining the organization by invite (reference 002, "What user role does a user get assigned
//! to?" and "What role will a user receive if they are invited by multiple users before
//! accepting their invite?"): create, list, change the role of, revoke and accept invites.
//!
//! The role an accepted invite gives (`resolve`):
//! 1. the role an admin who may assign roles chose ("the role assigned by the admin will take
//!    precedence over any other invite role"),
//! 2. else the inviting role's own invite default for the invitee's type (`invite_defaults`),
//! 3. else the org default for the invitee's type ("In-app invites … the default member or
//!    guest role").
//!
//! Several pending invites for one address: the oldest with an admin-chosen role decides, else
//! the oldest of all ("they will receive the role from the first invite"); accepting closes
//! every pending invite of the address. A role that no longer exists or no longer fits the
//! invitee's type (a verified domain changed since) falls through to the next rule.
//!
//! Who may do what: anyone may invite an internal address; a guest (external address) needs
//! `invite_guests` as the compiled view decides it (so the org setting `guest_invites` off means
//! nobody may) and, where the restriction applies to the inviter, an address at a trusted
//! domain. Choosing a role, listing invites and changing their role need `assign_roles`
//! ("Super admins or admins with the role assignment permission can view pending invites and
//! change users' role"). The inviter or a holder of `assign_roles` revokes. Accepting is done
//! by the host application for the invitee, with an admin token (`view_members`): the invitee
//! has no account (nor token) before accepting, and the host has verified their address (the
//! link it sent them); the audit trail names that admin as the actor.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::assignment::check_page;
use super::catalogue::Permission;
use super::GovernanceError;
use crate::audit::{self, AuditEvent};
use crate::db::invites::{self as store, InviteRow, PENDING};
use crate::db::{transaction, DbConnection};
use crate::rbac::{AssignRoles, Authorized, Principal};

mod accept;
mod resolve;
pub use accept::{accept, Acceptance, Accepted};
use resolve::Context;
pub use resolve::InviteView;

/// An address as invites accept it: a valid email of at most 255 characters.
pub(crate) fn valid_email(email: &str) -> Result<String, GovernanceError> {
    let email = email.trim();
    if email.chars().count() > 255 || !validator::ValidateEmail::validate_email(&email) {
        return Err(GovernanceError::Invalid(format!(
            "{email:?} is not an email address"
        )));
    }
    Ok(email.to_owned())
}

fn not_found(id: &str) -> GovernanceError {
    GovernanceError::NotFound(format!("no invite {id:?} in this organization"))
}

fn find(conn: &mut DbConnection, org: &str, id: &str) -> Result<InviteRow, GovernanceError> {
    store::find(conn, org, id)?.ok_or_else(|| not_found(id))
}

fn pending(row: &InviteRow) -> Result<(), GovernanceError> {
    if row.status == PENDING {
        return Ok(());
    }
    Err(GovernanceError::Conflict(format!(
        "the invite {:?} is {}, not pending",
        row.id, row.status
    )))
}

/// Who is inviting: the caller's decided permissions and the role they hold.
pub struct Inviter<'a> {
    pub principal: &'a Principal,
    pub role: &'a str,
}

/// The body of `POST /invites`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    pub email: String,
    pub role_id: Option<String>,
}

/// The body of `PUT /invites/{id}/role`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRole {
    pub role_id: String,
}

/// Refuses a guest invite the inviter may not send (001 "Invite guests", "Restrict guest
/// invites to trusted domains only"; 002 "If a permission is disabled … at the organization
/// level …, this will override role permissions").
fn check_guest_invite(
    ctx: &Context,
    principal: &Principal,
    email: &str,
) -> Result<(), GovernanceError> {
    if !principal.granted.contains(Permission::InviteGuests) {
        return Err(GovernanceError::Forbidden(if ctx.settings.guest_invites {
            format!(
                "missing permission invite_guests: {email} is an external address (a guest) \
                 and your role may not invite guests"
            )
        } else {
            format!(
                "missing permission invite_guests: {email} is an external address (a guest) \
                 and the org setting guest_invites is off"
            )
        }));
    }
    if principal
        .granted
        .contains(Permission::RestrictGuestInvitesToTrustedDomains)
    {
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        let trusted =
            crate::governance::roles::decisions::split_domains(&ctx.settings.trusted_domains);
        if !trusted.iter().any(|t| t.eq_ignore_ascii_case(domain)) {
            return Err(GovernanceError::Forbidden(format!(
                "restrict_guest_invites_to_trusted_domains: guest invites are restricted to the \
                 trusted domains and {domain} is not one of them"
            )));
        }
    }
    Ok(())
}

pub fn create(
    conn: &mut DbConnection,
    inviter: &Inviter<'_>,
    new: &NewInvite,
) -> Result<InviteView, GovernanceError> {
    let email = valid_email(&new.email)?;
    let principal = inviter.principal;
    let base = principal.base.ok_or_else(|| {
        GovernanceError::Forbidden("your role no longer exists: you may not invite".into())
    })?;
    if new.role_id.is_some() && !principal.granted.contains(Permission::AssignRoles) {
        return Err(GovernanceError::Forbidden(
            "missing permission assign_roles: only admins who may assign roles choose an \
             invitee's role"
                .into(),
        ));
    }
    let org = principal.org_id.as_str();
    transaction(conn, |conn| {
        let ctx = Context::load(conn, org)?;
        let external = ctx.is_external(&email);
        if external {
            check_guest_invite(&ctx, principal, &email)?;
        }
        if let Some(role) = &new.role_id {
            ctx.check_choice(base, role, external)?;
        }
        let email_lower = email.to_lowercase();
        if store::address_taken(conn, org, &email_lower)? {
            return Err(GovernanceError::Conflict(format!(
                "{email} is already a user of this organization"
            )));
        }
        let row = InviteRow {
            org_id: org.to_owned(),
            id: uuid::Uuid::new_v4().to_string(),
            email: email.clone(),
            email_lower,
            role_id: new.role_id.clone(),
            invited_by: principal.user_id.to_string(),
            inviter_role_id: inviter.role.to_owned(),
            status: PENDING.to_owned(),
            created_at: crate::clock::now(),
            accepted_at: None,
            accepted_user_id: None,
            version: 1,
        };
        store::insert(conn, &row)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &principal.org_id,
                actor: &principal.actor,
                action: "invite.created",
                target_kind: "invite",
                target_id: &row.id,
                details: json!({
                    "email": row.email,
                    "type": if external { "external" } else { "internal" },
                    "role_id": row.role_id,
                    "inviter_role_id": row.inviter_role_id,
                }),
            },
        )?;
        Ok(ctx.view(&row))
    })
}

/// One page of invites.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvitePage {
    pub invites: Vec<InviteView>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

pub fn list(
    conn: &mut DbConnection,
    auth: &Authorized<AssignRoles>,
    status: &str,
    offset: i64,
    limit: i64,
) -> Result<InvitePage, GovernanceError> {
    if ![PENDING, store::ACCEPTED, store::REVOKED].contains(&status) {
        return Err(GovernanceError::Invalid(format!(
            "status must be pending, accepted or revoked, not {status:?}"
        )));
    }
    check_page(offset, limit)?;
    let org = auth.org_id.as_str();
    let (rows, total) = store::page(conn, org, status, offset, limit)?;
    let ctx = Context::load(conn, org)?;
    Ok(InvitePage {
        invites: rows.iter().map(|r| ctx.view(r)).collect(),
        total,
        offset,
        limit,
    })
}

pub fn get(
    conn: &mut DbConnection,
    auth: &Authorized<AssignRoles>,
    id: &str,
) -> Result<InviteView, GovernanceError> {
    let org = auth.org_id.as_str();
    let row = find(conn, org, id)?;
    Ok(Context::load(conn, org)?.view(&row))
}

pub fn change_role(
    conn: &mut DbConnection,
    auth: &Authorized<AssignRoles>,
    id: &str,
    role_id: &str,
) -> Result<InviteView, GovernanceError> {
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        let row = find(conn, org, id)?;
        pending(&row)?;
        let ctx = Context::load(conn, org)?;
        ctx.check_choice(auth.base, role_id, ctx.is_external(&row.email))?;
        if row.role_id.as_deref() == Some(role_id) {
            return Ok(ctx.view(&row));
        }
        if !store::set_role(conn, org, id, row.version, role_id)? {
            return Err(GovernanceError::Retry);
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "invite.role_changed",
                target_kind: "invite",
                target_id: id,
                details: json!({ "email": row.email, "from": row.role_id, "to": role_id }),
            },
        )?;
        Ok(ctx.view(&find(conn, org, id)?))
    })
}

/// Revokes a pending invite: its inviter may, and so may anyone who may assign roles.
pub fn revoke(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<(), GovernanceError> {
    let org = principal.org_id.as_str();
    transaction(conn, |conn| {
        let row = find(conn, org, id)?;
        if row.invited_by != principal.user_id.as_str()
            && !principal.granted.contains(Permission::AssignRoles)
        {
            return Err(GovernanceError::Forbidden(
                "missing permission assign_roles: only the inviter or an admin who may assign \
                 roles revokes an invite"
                    .into(),
            ));
        }
        pending(&row)?;
        if !store::close(conn, org, id, row.version, None)? {
            return Err(GovernanceError::Retry);
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: &principal.org_id,
                actor: &principal.actor,
                action: "invite.revoked",
                target_kind: "invite",
                target_id: id,
                details: json!({ "email": row.email }),
            },
        )?;
        Ok(())
    })
}
