//! An app actor's tokens (kind `app_actor`, prefix `gaa_`): issued with a subset of the actor's
//! grants (asking for more is a 422) and optionally the user they act for; listed with what
//! they carry; revoked. New tokens expire as the organization's service-account policy says
//! (both are organization-owned, non-human credentials).

use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::grants::{Grant, GrantSet};
use super::service::load_grants;
use crate::audit::Actor;
use crate::db::app_actor_grants::{self as grant_store, TokenScopeRow};
use crate::db::app_actors as actor_store;
use crate::db::tokens as token_store;
use crate::db::{transaction, users, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::governance::tokens::personal::{issue_audited, revoke_row, valid_name, CreatedToken};
use crate::governance::tokens::{policy, views, TokenView};
use crate::ids::OrgId;
use crate::tokens::{TokenKind, TokenRequest};

/// `POST /app-actors/{id}/tokens`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActorToken {
    pub name: String,
    /// A subset of the actor's grants; absent: all of them.
    pub grants: Option<Vec<Grant>>,
    /// The user (id) the token acts for: then every action must be allowed for both.
    pub on_behalf_of: Option<String>,
    /// A shorter lifetime than the policy's, if wanted; never a longer one.
    pub expires_in_days: Option<u32>,
}

/// A token just issued: `token` is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedActorToken {
    #[serde(flatten)]
    pub token: CreatedToken,
    pub grants: Vec<Grant>,
    pub on_behalf_of: Option<String>,
}

/// An actor's token as admins see it: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorTokenView {
    #[serde(flatten)]
    pub token: TokenView,
    pub grants: Vec<Grant>,
    pub on_behalf_of: Option<String>,
}

fn actor_exists(conn: &mut DbConnection, org: &str, id: &str) -> Result<(), GovernanceError> {
    actor_store::find(conn, org, id)?
        .map(|_| ())
        .ok_or_else(|| GovernanceError::NotFound("no such app actor in this organization".into()))
}

/// Issues a token for an actor, in the caller's transaction when one is open.
pub fn issue(
    conn: &mut DbConnection,
    org: &OrgId,
    actor_id: &str,
    new: &NewActorToken,
    by: &Actor,
) -> Result<CreatedActorToken, GovernanceError> {
    let name = valid_name(&new.name)?;
    let asked = new.grants.clone().map(GrantSet::parse).transpose()?;
    let o = org.as_str();
    transaction(conn, |conn| {
        actor_exists(conn, o, actor_id)?;
        let held = load_grants(conn, o, actor_id)?;
        let grants = match &asked {
            Some(asked) => {
                asked.within(&held).map_err(|why| {
                    GovernanceError::Invalid(format!(
                        "grants: a token carries a subset of its app actor's grants; {why}"
                    ))
                })?;
                asked.clone()
            }
            None => held,
        };
        if let Some(user) = &new.on_behalf_of {
            match users::find_user(conn, o, user)? {
                Some(u) if u.active => {}
                Some(_) => {
                    return Err(GovernanceError::Invalid(format!(
                        "on_behalf_of: user {user:?} is deactivated"
                    )))
                }
                None => {
                    return Err(GovernanceError::Invalid(format!(
                        "on_behalf_of: no user {user:?} in this organization"
                    )))
                }
            }
        }
        let now = crate::clock::now();
        let mut expires_at = policy::expiry_for_new(conn, o, TokenKind::ServiceAccount, now)?;
        if let Some(days) = new.expires_in_days {
            expires_at = expires_at.min(now + Duration::days(i64::from(days.max(1))));
        }
        let created = issue_audited(
            conn,
            by,
            &TokenRequest {
                org_id: org,
                kind: TokenKind::AppActor,
                subject_id: actor_id,
                name: &name,
                created_by: actor_of(by),
                expires_at: Some(expires_at),
            },
        )?;
        grant_store::insert_token_scope(
            conn,
            &TokenScopeRow {
                token_id: created.id.clone(),
                org_id: o.to_owned(),
                actor_id: actor_id.to_owned(),
                on_behalf_of: new.on_behalf_of.clone(),
                grants: serde_json::to_string(grants.grants()).unwrap_or_else(|_| "[]".into()),
            },
        )?;
        Ok(CreatedActorToken {
            token: created,
            grants: grants.into_grants(),
            on_behalf_of: new.on_behalf_of.clone(),
        })
    })
}

fn actor_of(by: &Actor) -> Option<&str> {
    match by {
        Actor::User(id) | Actor::ServiceAccount(id) => Some(id),
        _ => None,
    }
}

/// A token's own grants as stored (what it was issued with).
pub(super) fn parse_scope(row: &TokenScopeRow) -> GrantSet {
    serde_json::from_str::<Vec<Grant>>(&row.grants)
        .ok()
        .and_then(|g| GrantSet::parse(g).ok())
        .unwrap_or_default()
}

/// An actor's active tokens with what each carries.
pub fn list(
    conn: &mut DbConnection,
    org: &OrgId,
    actor_id: &str,
) -> Result<Vec<ActorTokenView>, GovernanceError> {
    let o = org.as_str();
    actor_exists(conn, o, actor_id)?;
    let now = crate::clock::now();
    let rows: Vec<_> = token_store::tokens_of_subject(conn, o, actor_id)?
        .into_iter()
        .filter(|r| {
            r.kind == TokenKind::AppActor.as_str()
                && r.revoked_at.is_none()
                && r.expires_at.map_or(true, |at| at > now)
        })
        .collect();
    let scopes = grant_store::token_scopes_of_actor(conn, o, actor_id)?;
    Ok(views(conn, o, rows)?
        .into_iter()
        .map(|token| {
            let scope = scopes.iter().find(|s| s.token_id == token.id);
            ActorTokenView {
                grants: scope.map(parse_scope).unwrap_or_default().into_grants(),
                on_behalf_of: scope.and_then(|s| s.on_behalf_of.clone()),
                token,
            }
        })
        .collect())
}

/// Revokes one of an actor's tokens.
pub fn revoke(
    conn: &mut DbConnection,
    org: &OrgId,
    actor_id: &str,
    token_id: &str,
    by: &Actor,
) -> Result<(), GovernanceError> {
    let o = org.as_str();
    transaction(conn, |conn| {
        actor_exists(conn, o, actor_id)?;
        let row = token_store::find_in_org(conn, o, token_id)?
            .filter(|r| {
                r.subject_id == actor_id
                    && r.kind == TokenKind::AppActor.as_str()
                    && r.revoked_at.is_none()
            })
            .ok_or_else(|| GovernanceError::NotFound("no such active token".into()))?;
        revoke_row(conn, org, by, &row, "admin", false)?;
        Ok(())
    })
}

/// Revokes every live token of an app actor, in the caller's transaction (its deletion, by an
/// admin or by the IdP that provisioned it as an Agent); how many were revoked.
pub fn revoke_all_of(
    conn: &mut DbConnection,
    org: &str,
    actor_id: &str,
) -> diesel::QueryResult<usize> {
    let now = crate::clock::now();
    token_store::revoke_all(conn, org, TokenKind::AppActor.as_str(), Some(actor_id), now)
        .map(|revoked| revoked.len())
}
