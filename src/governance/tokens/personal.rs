//! Personal access tokens (reference "Managing personal access tokens"): a person creates their
//! own (shown once; the `use_personal_access_tokens` decision: org switch, role, guest
//! restriction), admins list the organization's active ones with owner and last use, revoke any
//! (the owner is notified), anyone revokes their own, and host applications introspect one.
//! Turning the org-wide switch off revokes them all (`revoke_all_for_switch`).

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{policy, views, TokenView, TOKEN_REVOKED};
use crate::audit::{self, Actor, AuditEvent};
use crate::db::tokens::{self as store, ActiveFilter, TokenRow};
use crate::db::{service_accounts, transaction, users, DbConnection};
use crate::governance::roles::{decisions, DecisionCache, GovernanceError, Permission, RoleId};
use crate::ids::OrgId;
use crate::outbox::{self, Notification};
use crate::rbac::{authorize, Authorized, ManageTokens, Principal, UsePersonalTokens};
use crate::tokens::{self, TokenKind, TokenRequest};

/// `POST /tokens`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonalToken {
    pub name: String,
    /// A shorter lifetime than the policy's, if wanted; never a longer one.
    pub expires_in_days: Option<u32>,
}

/// A token just created: `token` is shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    pub token: String,
    #[schema(value_type = String)]
    pub expires_at: NaiveDateTime,
}

pub(crate) fn valid_name(name: &str) -> Result<String, GovernanceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(GovernanceError::Invalid(
            "name must have 1 to 255 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<UsePersonalTokens>,
    new: &NewPersonalToken,
) -> Result<CreatedToken, GovernanceError> {
    let name = valid_name(&new.name)?;
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        // Only people hold personal tokens (a service account's come from its own endpoint).
        match users::find_user(conn, org, auth.user_id.as_str())? {
            Some(u) if u.active => {}
            _ => {
                return Err(GovernanceError::Forbidden(
                    "only people of the organization hold personal access tokens".into(),
                ))
            }
        }
        let now = crate::clock::now();
        let mut expires_at = policy::expiry_for_new(conn, org, TokenKind::Personal, now)?;
        if let Some(days) = new.expires_in_days {
            expires_at = expires_at.min(now + Duration::days(i64::from(days.max(1))));
        }
        issue_audited(
            conn,
            &auth.actor(),
            &TokenRequest {
                org_id: &auth.org_id,
                kind: TokenKind::Personal,
                subject_id: auth.user_id.as_str(),
                name: &name,
                created_by: Some(auth.user_id.as_str()),
                expires_at: Some(expires_at),
            },
        )
    })
}

/// Issues a token with an expiry and records `token.created`, in the caller's transaction.
pub(crate) fn issue_audited(
    conn: &mut DbConnection,
    actor: &Actor,
    req: &TokenRequest<'_>,
) -> Result<CreatedToken, GovernanceError> {
    let issued = tokens::issue(conn, req)?;
    let expires_at = req
        .expires_at
        .ok_or_else(|| GovernanceError::Invalid("a governed token needs an expiry".into()))?;
    audit::record(
        conn,
        AuditEvent {
            org_id: req.org_id,
            actor,
            action: "token.created",
            target_kind: "token",
            target_id: issued.id.as_str(),
            details: json!({
                "kind": req.kind.as_str(),
                "subject": req.subject_id,
                "name": req.name,
                "expires_at": expires_at,
            }),
        },
    )?;
    Ok(CreatedToken {
        id: issued.id.to_string(),
        name: req.name.to_owned(),
        token: issued.plaintext,
        expires_at,
    })
}

/// `GET /tokens` filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the tokens of this user (id).
    pub owner: Option<String>,
    /// Only tokens last used before this time (`YYYY-MM-DDTHH:MM:SS`, UTC).
    #[param(value_type = Option<String>)]
    pub last_used_before: Option<NaiveDateTime>,
    /// Only tokens last used after this time (`YYYY-MM-DDTHH:MM:SS`, UTC).
    #[param(value_type = Option<String>)]
    pub last_used_after: Option<NaiveDateTime>,
}

/// The organization's active personal tokens with owner and last use (reference: "A list of
/// active personal access tokens ..., the user that created it, and the last time the token was
/// used").
pub fn list(
    conn: &mut DbConnection,
    auth: &Authorized<ManageTokens>,
    query: &ListQuery,
) -> Result<Vec<TokenView>, GovernanceError> {
    let org = auth.org_id.as_str();
    let rows = store::list_active(
        conn,
        org,
        &[TokenKind::Personal.as_str()],
        &ActiveFilter {
            owner: query.owner.as_deref(),
            last_used_before: query.last_used_before,
            last_used_after: query.last_used_after,
        },
        crate::clock::now(),
    )?;
    Ok(views(conn, org, rows)?)
}

/// Revokes a personal token: one's own, or anyone's for admins (`ManageTokens`), who notify
/// the owner (reference: "The developer who created the token will receive an email").
/// Answers whether the admin permission was what allowed it (someone else's token).
pub fn revoke(
    conn: &mut DbConnection,
    caller: &Principal,
    id: &str,
) -> Result<bool, GovernanceError> {
    let org = caller.org_id.as_str();
    transaction(conn, |conn| {
        let row = store::find_in_org(conn, org, id)?
            .filter(|r| r.kind == TokenKind::Personal.as_str() && r.revoked_at.is_none())
            .ok_or_else(|| GovernanceError::NotFound("no such active token".into()))?;
        let own = row.subject_id == caller.user_id.as_str();
        if !own {
            authorize::<ManageTokens>(caller)
                .map_err(|denied| GovernanceError::Forbidden(denied.to_string()))?;
        }
        let actor = caller.actor.clone();
        revoke_row(
            conn,
            &caller.org_id,
            &actor,
            &row,
            if own { "owner" } else { "admin" },
            !own,
        )?;
        Ok(!own)
    })
}

/// Revokes one token row in the caller's transaction: audit event and, if `notify`, the
/// owner's notice.
pub(crate) fn revoke_row(
    conn: &mut DbConnection,
    org: &OrgId,
    actor: &Actor,
    row: &TokenRow,
    reason: &str,
    notify: bool,
) -> diesel::QueryResult<bool> {
    if !store::revoke_in_org(conn, org.as_str(), &row.id, crate::clock::now())? {
        return Ok(false);
    }
    record_revocation(conn, org, actor, row, reason, notify)?;
    Ok(true)
}

/// The audit event and, if `notify`, the owner's `token.revoked` notice of a revoked token.
fn record_revocation(
    conn: &mut DbConnection,
    org: &OrgId,
    actor: &Actor,
    row: &TokenRow,
    reason: &str,
    notify: bool,
) -> diesel::QueryResult<()> {
    audit::record(
        conn,
        AuditEvent {
            org_id: org,
            actor,
            action: "token.revoked",
            target_kind: "token",
            target_id: &row.id,
            details: json!({ "kind": row.kind, "owner": row.subject_id, "reason": reason }),
        },
    )?;
    if notify {
        outbox::enqueue(
            conn,
            &Notification {
                org_id: org,
                topic: TOKEN_REVOKED,
                recipients: super::owner_recipients(row),
                data: json!({ "token_id": row.id, "name": row.name, "reason": reason }),
                dedupe_key: Some(format!("{TOKEN_REVOKED}:{}", row.id)),
            },
        )?;
    }
    Ok(())
}

/// Reference: "Turning off PATs will cause all existing personal access tokens belonging to
/// users in their organization to be revoked and blocked." Called by the settings change in its
/// transaction; one audit event and one notice per token.
pub fn revoke_all_for_switch(
    conn: &mut DbConnection,
    org: &OrgId,
    actor: &Actor,
) -> diesel::QueryResult<usize> {
    let rows = store::revoke_all(
        conn,
        org.as_str(),
        TokenKind::Personal.as_str(),
        None,
        crate::clock::now(),
    )?;
    for row in &rows {
        record_revocation(
            conn,
            org,
            actor,
            row,
            "personal_access_tokens turned off",
            true,
        )?;
    }
    Ok(rows.len())
}

/// `POST /tokens/introspect` answer; an inactive token says only `active: false`.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Introspection {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Permission>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub expires_at: Option<NaiveDateTime>,
    /// An app actor's token: the grants it carries (what its actor still holds of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<crate::governance::actors::grants::Grant>>,
    /// An app actor's token that acts for a user: that user's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

/// Whether `presented` is a live token of the caller's organization, for host applications.
/// Never an oracle: a token of another organization, a malformed one, an unknown one and a
/// revoked one all answer `{active: false}`. Does not count as a use of the token.
pub fn introspect(
    conn: &mut DbConnection,
    cache: &DecisionCache,
    auth: &Authorized<ManageTokens>,
    presented: &str,
) -> Result<Introspection, GovernanceError> {
    let inactive = Introspection::default();
    let Some(parsed) = tokens::secret::parse(presented) else {
        return Ok(inactive);
    };
    let kind = match parsed.kind {
        TokenKind::Personal => TokenKind::Personal,
        TokenKind::ServiceAccount => TokenKind::ServiceAccount,
        TokenKind::AppActor => return introspect_app_actor(conn, cache, auth, presented),
        TokenKind::ScimConnection => return Ok(inactive),
    };
    let Some(row) = store::find_by_key_id(conn, parsed.key_id)? else {
        return Ok(inactive);
    };
    let now = crate::clock::now();
    if row.org_id != auth.org_id.as_str()
        || row.kind != kind.as_str()
        || !parsed.secret_matches(&row.secret_hash)
        || row.revoked_at.is_some()
        || row.expires_at.is_some_and(|at| at <= now)
    {
        return Ok(inactive);
    }
    let view = decisions::view(conn, cache, &row.org_id)?;
    let scopes = match kind {
        TokenKind::Personal => {
            let Some(user) = users::find_user(conn, &row.org_id, &row.subject_id)? else {
                return Ok(inactive);
            };
            let model = decisions::user_model(&user.role, user.licence.as_deref(), user.active);
            let granted = view.permissions(&model);
            if !user.active || !granted.contains(Permission::UsePersonalAccessTokens) {
                return Ok(inactive);
            }
            granted
        }
        _ => {
            let Some(account) = service_accounts::find(conn, &row.org_id, &row.subject_id)? else {
                return Ok(inactive);
            };
            match view.role(&RoleId(account.role)) {
                Some(role) => role.full,
                None => return Ok(inactive),
            }
        }
    };
    Ok(Introspection {
        active: true,
        kind: Some(kind.as_str()),
        owner: Some(row.subject_id),
        scopes: Some(scopes.iter().collect()),
        expires_at: row.expires_at,
        ..Introspection::default()
    })
}

/// An app actor's token, checked as its own calls are (actor active, org settings, the user it
/// acts for active): its admin permissions are those its grants open, and with a user, only
/// those the user holds too.
fn introspect_app_actor(
    conn: &mut DbConnection,
    cache: &DecisionCache,
    auth: &Authorized<ManageTokens>,
    presented: &str,
) -> Result<Introspection, GovernanceError> {
    use crate::governance::actors::access;
    let inactive = Introspection::default();
    let Ok(credential) = access::authenticate(conn, presented)? else {
        return Ok(inactive);
    };
    if credential.org_id != auth.org_id.as_str() {
        return Ok(inactive);
    }
    let mut granted = crate::rbac::permissions_of_grants(&credential.scope);
    if let Some(user_id) = &credential.on_behalf_of {
        let view = decisions::view(conn, cache, &credential.org_id)?;
        match decisions::user_entry(conn, &view, &credential.org_id, user_id)? {
            Some(model) if model.active => {
                let (_, of_user) = decisions::effective(&view, &model);
                granted = crate::governance::roles::PermissionSet(granted.0 & of_user.0);
            }
            _ => return Ok(inactive),
        }
    }
    let expires_at = store::find_in_org(conn, &credential.org_id, &credential.token_id)?
        .and_then(|row| row.expires_at);
    Ok(Introspection {
        active: true,
        kind: Some(TokenKind::AppActor.as_str()),
        owner: Some(credential.actor_id),
        scopes: Some(granted.iter().collect()),
        expires_at,
        grants: Some(credential.scope.into_grants()),
        on_behalf_of: credential.on_behalf_of,
    })
}
