//! Moving an integration off a person's token onto an app actor (issue 14, "Moving off personal
//! tokens"): a proposal for a personal access token (a name, the grants it used in the last 90
//! days as `used_grants` recorded them, its owner and last use), and its confirmation, which in
//! one transaction creates the actor with those grants (or a subset), issues its first token
//! and revokes the personal one (the owner notified, as when an admin revokes it). The at-risk
//! report links each token it lists to the proposal (`PROPOSAL_PATH`).

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::grants::{Access, Grant, GrantSet, ResourceKind};
use super::tokens::{self as actor_tokens, CreatedActorToken, NewActorToken};
use super::{ActorView, NewActor, Owner, OwnerKind};
use crate::audit::{self, Actor, AuditEvent};
use crate::db::app_actor_grants as grant_store;
use crate::db::tokens::{self as token_store, TokenRow};
use crate::db::{transaction, users, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::governance::tokens::personal::revoke_row;
use crate::ids::OrgId;
use crate::tokens::TokenKind;

/// How far back the grants a token used are proposed.
pub const LOOKBACK_DAYS: i64 = 90;
/// Where a proposal is asked for (`{token_id}` in the body).
pub const PROPOSAL_PATH: &str = "/api/v1/app-actors/proposals";
/// Where a proposal is confirmed.
pub const CONFIRM_PATH: &str = "/api/v1/app-actors/proposals/confirm";

/// A call to make next: its method and path (the body carries `token_id`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoveLink {
    pub method: &'static str,
    pub path: &'static str,
}

impl MoveLink {
    pub fn proposal() -> MoveLink {
        MoveLink {
            method: "POST",
            path: PROPOSAL_PATH,
        }
    }
}

/// `POST /app-actors/proposals`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalRequest {
    /// The personal access token's id (as `/tokens` and the at-risk report list it).
    pub token_id: String,
}

/// What moving a personal token's integration to an app actor would create.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Proposal {
    pub token_id: String,
    pub token_name: String,
    /// The new actor's name unless the confirmation gives another (the token's name).
    pub suggested_name: String,
    /// The token's owner (a user id), the new actor's owner for accountability.
    pub owner_id: String,
    pub owner_user_name: Option<String>,
    #[schema(value_type = Option<String>)]
    pub last_used_at: Option<NaiveDateTime>,
    /// Uses on or after this day are counted.
    #[schema(value_type = String)]
    pub used_since: NaiveDateTime,
    /// The grants the token used since `used_since`: the proposed grants, org-wide.
    pub grants: Vec<Grant>,
    /// Where to confirm the move.
    pub confirm: MoveLink,
}

/// `POST /app-actors/proposals/confirm`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmMove {
    pub token_id: String,
    /// The actor's name (default: the proposal's `suggested_name`); unique in the organization.
    pub name: Option<String>,
    /// A subset of the proposal's grants (default: all of them); more is a 422.
    pub grants: Option<Vec<Grant>>,
}

/// A confirmed move: the actor, its first token (`token.token` shown this once) and the
/// personal token revoked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompletedMove {
    pub app_actor: ActorView,
    pub token: CreatedActorToken,
    pub revoked_token_id: String,
}

/// The personal token `id` of the organization, still live: another organization's, another
/// kind or none is a 404; a revoked or expired one is a 409 (nothing runs on it any more).
fn movable_token(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    now: NaiveDateTime,
) -> Result<TokenRow, GovernanceError> {
    let row = token_store::find_in_org(conn, org, id)?
        .filter(|r| r.kind == TokenKind::Personal.as_str())
        .ok_or_else(|| {
            GovernanceError::NotFound("no such personal access token in this organization".into())
        })?;
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|at| at <= now) {
        return Err(GovernanceError::Conflict(
            "the personal access token is revoked or expired: there is nothing to move".into(),
        ));
    }
    Ok(row)
}

fn used_since(now: NaiveDateTime) -> NaiveDateTime {
    (now - Duration::days(LOOKBACK_DAYS))
        .date()
        .and_time(chrono::NaiveTime::MIN)
}

/// The org-wide grants a token used on or after `since`.
fn used_grants(
    conn: &mut DbConnection,
    org: &str,
    token_id: &str,
    since: NaiveDateTime,
) -> Result<GrantSet, GovernanceError> {
    let grants = grant_store::personal_uses_since(conn, org, token_id, since)?
        .into_iter()
        .filter_map(|(kind, access)| {
            Some(Grant {
                resource: ResourceKind::parse(&kind)?,
                access: Access::parse(&access)?,
                projects: None,
            })
        })
        .collect();
    GrantSet::parse(grants)
}

/// The proposal for moving personal token `token_id` to an app actor.
pub fn propose(
    conn: &mut DbConnection,
    org: &OrgId,
    token_id: &str,
) -> Result<Proposal, GovernanceError> {
    let o = org.as_str();
    let now = crate::clock::now();
    let row = movable_token(conn, o, token_id, now)?;
    let since = used_since(now);
    let grants = used_grants(conn, o, &row.id, since)?;
    let owner = users::find_user(conn, o, &row.subject_id)?;
    Ok(Proposal {
        suggested_name: row.name.trim().to_owned(),
        token_id: row.id,
        token_name: row.name,
        owner_id: row.subject_id,
        owner_user_name: owner.map(|u| u.user_name),
        last_used_at: row.last_used_at,
        used_since: since,
        grants: grants.into_grants(),
        confirm: MoveLink {
            method: "POST",
            path: CONFIRM_PATH,
        },
    })
}

/// Confirms a move in one transaction: creates the actor (owned by the token's owner while
/// they exist) with the proposal's grants or the subset asked for, issues its first token,
/// revokes the personal token with the owner notified, and records the move. The caller
/// clears the admin credential cache after the commit.
pub fn confirm(
    conn: &mut DbConnection,
    org: &OrgId,
    asked: &ConfirmMove,
    by: &Actor,
) -> Result<CompletedMove, GovernanceError> {
    let asked_grants = asked.grants.clone().map(GrantSet::parse).transpose()?;
    let o = org.as_str();
    transaction(conn, |conn| {
        let now = crate::clock::now();
        let row = movable_token(conn, o, &asked.token_id, now)?;
        let proposed = used_grants(conn, o, &row.id, used_since(now))?;
        let grants = match &asked_grants {
            Some(subset) => {
                subset.within(&proposed).map_err(|why| {
                    GovernanceError::Invalid(format!(
                        "grants: only the grants the token used may be given; {why}"
                    ))
                })?;
                subset.clone()
            }
            None => proposed,
        };
        let owner = users::find_user(conn, o, &row.subject_id)?.map(|u| Owner {
            kind: OwnerKind::User,
            id: u.id,
        });
        let app_actor = super::create(
            conn,
            org,
            &NewActor {
                name: asked
                    .name
                    .clone()
                    .unwrap_or_else(|| row.name.trim().to_owned()),
                description: Some(format!(
                    "Moved from the personal access token {:?}",
                    row.name
                )),
                agent_type: Some("integration".into()),
                owner,
                grants: grants.grants().to_vec(),
                ..NewActor::default()
            },
            by,
        )?;
        let token = actor_tokens::issue(
            conn,
            org,
            &app_actor.id,
            &NewActorToken {
                name: row.name.clone(),
                grants: None,
                on_behalf_of: None,
                expires_in_days: None,
            },
            by,
        )?;
        if !revoke_row(conn, org, by, &row, "moved_to_app_actor", true)? {
            return Err(GovernanceError::Retry);
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: org,
                actor: by,
                action: "app_actor.moved_from_personal_token",
                target_kind: "app_actor",
                target_id: &app_actor.id,
                details: json!({
                    "personal_token_id": row.id,
                    "personal_token_owner": row.subject_id,
                    "grants": grants.grants(),
                    "token_id": token.token.id,
                }),
            },
        )?;
        Ok(CompletedMove {
            app_actor,
            token,
            revoked_token_id: row.id,
        })
    })
}
