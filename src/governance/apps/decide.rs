//! Whether a user may use an app, beyond the `use_apps` permission that the roles decisions
//! answer (org switch, role, guest restriction): the app must not be blocked by the
//! organization, must be approved when the organization requires approval, must not be
//! blocked for this guest, and must not be blocked by any other organization of this service
//! the same person belongs to (reference 000 "Blocking apps": "For users in multiple domains,
//! the block will prevent them from using the app in any of their domains"). That last refusal
//! says "blocked by an organization you belong to" and names nothing else.
//!
//! Our reading of the guest rule (reference 000: "If an organization is in 'require app
//! approval' mode, and a guest using an app that is not approved joins the organization, the
//! app will be blocked from working and the guest will be notified by email"): a guest of a
//! require-approval organization is "using" an app when they have usage of it (the same
//! `client_id`) in another organization of this service, or when a host application reports
//! their use of it in this one. The first time either is seen while the app is not approved,
//! a per-guest block is recorded and the guest is notified (`app.blocked_for_guest`), once per
//! (organization, app, guest). The block lifts when the app is approved.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::settings::{self, AppMode};
use super::{audit, notify, BLOCKED_FOR_GUEST};
use crate::audit::Actor;
use crate::db::apps::{self as store, AppRow};
use crate::db::{app_usage, roles as role_store, user_roles, DbConnection};
use crate::governance::roles::{BaseRole, GovernanceError};
use crate::ids::OrgId;

/// Why an app is refused to a user; `None` in `AppDecision::denied_by` means allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppDenial {
    /// This organization blocks the app.
    Blocked,
    /// This organization requires approval and the app is not approved.
    NotApproved,
    /// Blocked for this guest: they joined while using it unapproved.
    BlockedForGuest,
    /// Another organization the same person belongs to blocks it (never named).
    BlockedElsewhere,
}

impl AppDenial {
    pub fn detail(self) -> &'static str {
        match self {
            AppDenial::Blocked => "the app is blocked by this organization",
            AppDenial::NotApproved => {
                "this organization requires app approval and the app is not approved; \
                 ask an admin with POST /api/v1/apps/{id}/approval-requests"
            }
            AppDenial::BlockedForGuest => {
                "the app is blocked for you: you joined this organization, which requires app \
                 approval, while using it"
            }
            AppDenial::BlockedElsewhere => "blocked by an organization you belong to",
        }
    }
}

/// Whether a user may use an app as far as the app's state goes.
pub fn app_denial(
    conn: &mut DbConnection,
    org_id: &OrgId,
    user_id: &str,
    app: &AppRow,
) -> Result<Option<AppDenial>, GovernanceError> {
    let org = org_id.as_str();
    let mode = settings::load(conn, org)?.app_mode;
    if app.blocked {
        return Ok(Some(AppDenial::Blocked));
    }
    let elsewhere = store::same_person_elsewhere(conn, org, user_id)?;
    let orgs: Vec<String> = elsewhere.iter().map(|(o, _)| o.clone()).collect();
    if store::blocked_in_any(conn, &orgs, &app.client_id)? {
        return Ok(Some(AppDenial::BlockedElsewhere));
    }
    if mode == AppMode::RequireApproval && !app.approved {
        if store::user_block_exists(conn, org, &app.id, user_id)? {
            return Ok(Some(AppDenial::BlockedForGuest));
        }
        if is_guest(conn, org, user_id)?
            && app_usage::used_elsewhere(conn, &elsewhere, &app.client_id)?
        {
            crate::db::transaction(conn, |c| block_for_guest(c, org_id, user_id, app))?;
            return Ok(Some(AppDenial::BlockedForGuest));
        }
        return Ok(Some(AppDenial::NotApproved));
    }
    Ok(None)
}

/// Reference 000: "a guest using an app that is not approved joins the organization, the app
/// will be blocked from working and the guest will be notified". Called in the transaction that
/// creates an external user: in a require-approval organization, every unapproved app the same
/// person uses in another organization of this service is blocked for them at once, and they are
/// told (once per app, as `app_denial` would on first use). Returns how many apps it blocked.
pub fn block_apps_for_joining_guest(
    conn: &mut DbConnection,
    org_id: &OrgId,
    user_id: &str,
) -> Result<usize, GovernanceError> {
    let org = org_id.as_str();
    if settings::load(conn, org)?.app_mode != AppMode::RequireApproval
        || !is_guest(conn, org, user_id)?
    {
        return Ok(0);
    }
    let elsewhere = store::same_person_elsewhere(conn, org, user_id)?;
    if elsewhere.is_empty() {
        return Ok(0);
    }
    let mut blocked = 0;
    for app in store::list(conn, org)?
        .iter()
        .filter(|a| !a.approved && !a.blocked)
    {
        if app_usage::used_elsewhere(conn, &elsewhere, &app.client_id)?
            && block_for_guest(conn, org_id, user_id, app)?
        {
            blocked += 1;
        }
    }
    Ok(blocked)
}

/// Whether the user's role is guest-based.
pub fn is_guest(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
) -> Result<bool, GovernanceError> {
    let Some(user) = user_roles::find(conn, org_id, user_id)? else {
        return Ok(false);
    };
    let base = role_store::find_role(conn, org_id, &user.role)?
        .and_then(|r| BaseRole::parse(&r.base_role));
    Ok(base == Some(BaseRole::Guest))
}

/// Records the per-guest block and notifies the guest, once, in the caller's transaction.
pub fn block_for_guest(
    c: &mut DbConnection,
    org_id: &OrgId,
    user_id: &str,
    app: &AppRow,
) -> Result<bool, GovernanceError> {
    {
        let now = crate::clock::now();
        if !store::insert_user_block(c, org_id.as_str(), &app.id, user_id, now)? {
            return Ok(false);
        }
        let data = json!({ "app_id": app.id, "app_name": app.name, "user_id": user_id });
        notify(
            c,
            org_id,
            BLOCKED_FOR_GUEST,
            vec![user_id.to_owned()],
            data,
            None,
        )?;
        let details =
            json!({ "user_id": user_id, "reason": "guest joined while using an unapproved app" });
        audit(
            c,
            org_id,
            &Actor::System,
            "app.blocked_for_guest",
            &app.id,
            details,
        )?;
        Ok(true)
    }
}
