//! What admins read about credentials: the inventory of every kind (personal, service account,
//! IdP connection secrets, app actors) and the at-risk report (issue 13: integrations that
//! depend on tokens of users who are deactivated, expiring within the warning window, or guests
//! under restriction, so admins move them to a service account before anything breaks).

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::policy::WARNING_DAYS;
use super::{views, TokenView};
use crate::db::tokens::{self as store, ActiveFilter};
use crate::db::{orgs, service_accounts, users, DbConnection};
use crate::governance::actors::moves::MoveLink;
use crate::governance::roles::{decisions, BaseRole, DecisionCache, GovernanceError, RoleId};
use crate::rbac::{Authorized, ManageTokens};
use crate::tokens::TokenKind;

/// One credential of the inventory; never a secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Credential {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// `user`, `service_account`, `idp_connection` or `app_actor`.
    pub owner_kind: &'static str,
    pub owner_id: String,
    pub owner_name: Option<String>,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub last_used_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<String>)]
    pub expires_at: Option<NaiveDateTime>,
}

/// Every unrevoked credential of the organization, oldest first.
pub fn credentials(
    conn: &mut DbConnection,
    auth: &Authorized<ManageTokens>,
) -> Result<Vec<Credential>, GovernanceError> {
    let org = auth.org_id.as_str();
    let rows = store::unrevoked_in_org(conn, org)?;
    let mut names: HashMap<String, String> = HashMap::new();
    let user_ids: Vec<&str> = rows
        .iter()
        .filter(|r| r.kind == TokenKind::Personal.as_str())
        .map(|r| r.subject_id.as_str())
        .collect();
    names.extend(store::user_names(conn, org, &user_ids)?);
    names.extend(
        service_accounts::list(conn, org)?
            .into_iter()
            .map(|a| (a.id, a.name)),
    );
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let owner_kind = match r.kind.as_str() {
            "personal" => "user",
            "service_account" => "service_account",
            "scim_connection" => "idp_connection",
            _ => "app_actor",
        };
        let owner_name = match owner_kind {
            "idp_connection" => orgs::find_connection(conn, org, &r.subject_id)?.map(|c| c.name),
            _ => names.get(&r.subject_id).cloned(),
        };
        out.push(Credential {
            id: r.id,
            kind: r.kind,
            name: r.name,
            owner_kind,
            owner_id: r.subject_id,
            owner_name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
        });
    }
    Ok(out)
}

/// A token at risk and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AtRisk {
    #[serde(flatten)]
    pub token: TokenView,
    /// `owner_deactivated`, `owner_gone`, `expiring`, `guest_restricted`.
    pub reasons: Vec<&'static str>,
    /// Where to propose moving the integration that runs on this token to an app actor
    /// (issue 14), with `{"token_id": id}` as the body.
    pub move_to_app_actor: MoveLink,
}

pub fn at_risk(
    conn: &mut DbConnection,
    cache: &DecisionCache,
    auth: &Authorized<ManageTokens>,
) -> Result<Vec<AtRisk>, GovernanceError> {
    let org = auth.org_id.as_str();
    let now = crate::clock::now();
    let rows = store::list_active(
        conn,
        org,
        &[TokenKind::Personal.as_str()],
        &ActiveFilter::default(),
        now,
    )?;
    let view = decisions::view(conn, cache, org)?;
    let soon = now + Duration::days(WARNING_DAYS);
    let mut owners: HashMap<String, Option<users::UserRow>> = HashMap::new();
    let mut flagged = Vec::new();
    for row in rows {
        if !owners.contains_key(&row.subject_id) {
            let user = users::find_user(conn, org, &row.subject_id)?;
            owners.insert(row.subject_id.clone(), user);
        }
        let mut reasons = Vec::new();
        match owners.get(&row.subject_id).and_then(Option::as_ref) {
            None => reasons.push("owner_gone"),
            Some(u) => {
                if !u.active {
                    reasons.push("owner_deactivated");
                }
                let guest = view
                    .role(&RoleId(u.role.clone()))
                    .is_some_and(|r| r.base == BaseRole::Guest);
                if guest && view.model.settings.restrict_guest_personal_access_tokens {
                    reasons.push("guest_restricted");
                }
            }
        }
        if row.expires_at.is_some_and(|at| at <= soon) {
            reasons.push("expiring");
        }
        if !reasons.is_empty() {
            flagged.push((row, reasons));
        }
    }
    let (rows, reasons): (Vec<_>, Vec<_>) = flagged.into_iter().unzip();
    Ok(views(conn, org, rows)?
        .into_iter()
        .zip(reasons)
        .map(|(token, reasons)| AtRisk {
            token,
            reasons,
            move_to_app_actor: MoveLink::proposal(),
        })
        .collect())
}
