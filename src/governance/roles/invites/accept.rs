//! Accepting an invite: the invitee becomes a user of the organization with the role their
//! invites resolve to (`role_source` "invite"), and every pending invite of their address is
//! closed, in one transaction with its audit events.
//!
//! Which invite decides (002 "If a user is invited by multiple users before accepting their
//! invite, they will receive the role from the first invite. If the user is invited by an admin
//! from the admin console, this role assigned by the admin will take precedence over any other
//! invite role"): the oldest pending invite with an admin-chosen role that still fits, else the
//! oldest pending invite, whichever of them the caller named.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{find, pending, Context, GovernanceError};
use crate::audit::{self, AuditEvent};
use crate::db::invites as store;
use crate::db::roles as role_store;
use crate::db::users::{self as user_store, EmailColumns, UserGovernance};
use crate::db::{transaction, user_roles, DbConnection, DbError};
use crate::governance::roles::assignment::UserView;
use crate::ids::UserId;
use crate::rbac::{Authorized, ViewMembers};

/// The optional body of `POST /invites/{id}/accept`: what the invitee told the host about
/// themselves.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub display_name: Option<String>,
}

/// What accepting did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub user: UserView,
    /// The invite whose role the user got, and by which rule.
    pub decided_by: String,
    pub role_source: &'static str,
    /// Every invite of the address this closed, oldest first.
    pub accepted_invites: Vec<String>,
}

pub fn accept(
    conn: &mut DbConnection,
    auth: &Authorized<ViewMembers>,
    id: &str,
    acceptance: &Acceptance,
) -> Result<Accepted, GovernanceError> {
    let org = auth.org_id.as_str();
    let display_name = match acceptance.display_name.as_deref().map(str::trim) {
        Some(name) if name.is_empty() || name.chars().count() > 255 => {
            return Err(GovernanceError::Invalid(
                "display_name must have 1 to 255 characters".into(),
            ))
        }
        other => other.map(str::to_owned),
    };
    transaction(conn, |conn| {
        let row = find(conn, org, id)?;
        pending(&row)?;
        let ctx = Context::load(conn, org)?;
        let external = ctx.is_external(&row.email);
        // 002: the org-wide setting overrides roles; a guest invite sent before guest invites
        // were turned off does not let a guest in afterwards.
        if external && !ctx.settings.guest_invites {
            return Err(GovernanceError::Conflict(format!(
                "{} is an external address and the org setting guest_invites is off",
                row.email
            )));
        }
        if store::address_taken(conn, org, &row.email_lower)? {
            return Err(GovernanceError::Conflict(format!(
                "{} is already a user of this organization",
                row.email
            )));
        }
        let invites = store::pending_for(conn, org, &row.email_lower)?;
        let resolved: Vec<_> = invites.iter().map(|i| ctx.resolve(i, external)).collect();
        let winner = resolved
            .iter()
            .position(|(_, source)| *source == "chosen")
            .unwrap_or(0);
        let (Some(decider), Some((role, source))) = (invites.get(winner), resolved.get(winner))
        else {
            // The named invite was pending a moment ago: another accept got there first.
            return Err(GovernanceError::Retry);
        };
        let user_id = UserId::new();
        let now = crate::clock::now();
        let mut doc = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": row.email,
            "emails": [{ "value": row.email, "type": "work", "primary": true }],
            "active": true,
        });
        if let Some(name) = &display_name {
            doc["displayName"] = json!(name);
        }
        let cols = crate::directory::users::columns_of(&doc)
            .map_err(|e| GovernanceError::Invalid(e.to_string()))?;
        let gov = UserGovernance {
            role,
            role_source: "invite",
            is_external: external,
            managed_by: None,
        };
        user_store::insert_user(conn, org, user_id.as_str(), &cols, &gov, now).map_err(|e| {
            match DbError::from(e) {
                DbError::UniqueViolation(_) => GovernanceError::Conflict(format!(
                    "{} is already a user of this organization",
                    row.email
                )),
                other => other.into(),
            }
        })?;
        user_store::replace_emails(
            conn,
            org,
            user_id.as_str(),
            &[EmailColumns {
                value: row.email.clone(),
                email_type: Some("work".into()),
                is_primary: true,
            }],
        )?;
        for invite in &invites {
            if !store::close(
                conn,
                org,
                &invite.id,
                invite.version,
                Some((user_id.as_str(), now)),
            )? {
                return Err(GovernanceError::Retry);
            }
            audit::record(
                conn,
                AuditEvent {
                    org_id: &auth.org_id,
                    actor: &auth.actor(),
                    action: "invite.accepted",
                    target_kind: "invite",
                    target_id: &invite.id,
                    details: json!({
                        "email": invite.email,
                        "user_id": user_id.as_str(),
                        "decided_by": decider.id,
                        "role": role,
                    }),
                },
            )?;
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "user.created",
                target_kind: "user",
                target_id: user_id.as_str(),
                details: json!({
                    "userName": cols.user_name,
                    "active": true,
                    "role": role,
                    "role_source": "invite",
                    "invite": decider.id,
                    "rule": source,
                }),
            },
        )?;
        // A new user changes what the compiled decision views must know.
        role_store::bump_governance_version(conn, org)?;
        let user =
            user_roles::find(conn, org, user_id.as_str())?.ok_or_else(|| GovernanceError::Retry)?;
        Ok(Accepted {
            user: UserView::from(user),
            decided_by: decider.id.clone(),
            role_source: source,
            accepted_invites: invites.iter().map(|i| i.id.clone()).collect(),
        })
    })
}
