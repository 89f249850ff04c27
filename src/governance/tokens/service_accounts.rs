//! Service accounts (reference "Manage service accounts"; issue 13: "organization-owned
//! identities (no person, no seat) with their own tokens, managed by super admins; they survive
//! the departure of whoever created them"). An account acts on the admin API with the
//! permissions of the role it was given (any role of the organization, compiled like a user's
//! with a full licence); its tokens (kind `service_account`, prefix `gsa_`) follow the
//! service-account expiration policy. Deleting the account revokes its tokens.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::personal::{issue_audited, revoke_row, valid_name, CreatedToken};
use super::{policy, views, TokenView};
use crate::audit::{self, AuditEvent};
use crate::db::service_accounts::{self as store, ServiceAccountRow};
use crate::db::tokens as token_store;
use crate::db::{roles as role_store, transaction, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::ids::OrgId;
use crate::rbac::{Authorized, ManageServiceAccounts};
use crate::tokens::{TokenKind, TokenRequest};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceAccount {
    pub name: String,
    /// The role whose permissions the account acts with (e.g. `admin`, `member`).
    pub role_id: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountToken {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub role_id: String,
    pub created_by: Option<String>,
    #[schema(value_type = String)]
    pub created_at: chrono::NaiveDateTime,
}

impl From<ServiceAccountRow> for AccountView {
    fn from(r: ServiceAccountRow) -> Self {
        AccountView {
            id: r.id,
            name: r.name,
            role_id: r.role,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

fn found(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> Result<ServiceAccountRow, GovernanceError> {
    store::find(conn, org, id)?.ok_or_else(|| {
        GovernanceError::NotFound("no such service account in this organization".into())
    })
}

pub fn create(
    conn: &mut DbConnection,
    auth: &Authorized<ManageServiceAccounts>,
    new: &NewServiceAccount,
) -> Result<AccountView, GovernanceError> {
    let name = valid_name(&new.name)?;
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        if role_store::find_role(conn, org, &new.role_id)?.is_none() {
            return Err(GovernanceError::Invalid(format!(
                "role_id: no role {:?}",
                new.role_id
            )));
        }
        let row = ServiceAccountRow {
            org_id: org.to_owned(),
            id: uuid::Uuid::new_v4().to_string(),
            name: name.clone(),
            role: new.role_id.clone(),
            created_by: Some(auth.user_id.to_string()),
            created_at: crate::clock::now(),
            deleted_at: None,
        };
        store::insert(conn, &row)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "service_account.created",
                target_kind: "service_account",
                target_id: &row.id,
                details: json!({ "name": row.name, "role_id": row.role }),
            },
        )?;
        Ok(row.into())
    })
}

pub fn list(
    conn: &mut DbConnection,
    auth: &Authorized<ManageServiceAccounts>,
) -> Result<Vec<AccountView>, GovernanceError> {
    Ok(store::list(conn, auth.org_id.as_str())?
        .into_iter()
        .map(AccountView::from)
        .collect())
}

/// Deletes an account and revokes its tokens.
pub fn delete(
    conn: &mut DbConnection,
    auth: &Authorized<ManageServiceAccounts>,
    id: &str,
) -> Result<(), GovernanceError> {
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        found(conn, org, id)?;
        let now = crate::clock::now();
        store::delete(conn, org, id, now)?;
        let revoked =
            token_store::revoke_all(conn, org, TokenKind::ServiceAccount.as_str(), Some(id), now)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "service_account.deleted",
                target_kind: "service_account",
                target_id: id,
                details: json!({ "tokens_revoked": revoked.len() }),
            },
        )?;
        Ok(())
    })
}

pub fn create_token(
    conn: &mut DbConnection,
    auth: &Authorized<ManageServiceAccounts>,
    account_id: &str,
    new: &NewAccountToken,
) -> Result<CreatedToken, GovernanceError> {
    let name = valid_name(&new.name)?;
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        found(conn, org, account_id)?;
        let now = crate::clock::now();
        let expires_at = policy::expiry_for_new(conn, org, TokenKind::ServiceAccount, now)?;
        issue_audited(
            conn,
            &auth.actor(),
            &TokenRequest {
                org_id: &auth.org_id,
                kind: TokenKind::ServiceAccount,
                subject_id: account_id,
                name: &name,
                created_by: Some(auth.user_id.as_str()),
                expires_at: Some(expires_at),
            },
        )
    })
}

pub fn list_tokens(
    conn: &mut DbConnection,
    auth: &Authorized<ManageServiceAccounts>,
    account_id: &str,
) -> Result<Vec<TokenView>, GovernanceError> {
    let org = auth.org_id.as_str();
    found(conn, org, account_id)?;
    let rows = token_store::tokens_of_subject(conn, org, account_id)?
        .into_iter()
        .filter(|r| r.kind == TokenKind::ServiceAccount.as_str() && r.revoked_at.is_none())
        .collect();
    Ok(views(conn, org, rows)?)
}

pub fn revoke_token(
    conn: &mut DbConnection,
    auth: &Authorized<ManageServiceAccounts>,
    account_id: &str,
    token_id: &str,
) -> Result<(), GovernanceError> {
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        found(conn, org, account_id)?;
        let row = token_store::find_in_org(conn, org, token_id)?
            .filter(|r| r.subject_id == account_id && r.revoked_at.is_none())
            .ok_or_else(|| GovernanceError::NotFound("no such active token".into()))?;
        revoke_row(
            conn,
            &OrgId(org.to_owned()),
            &auth.actor(),
            &row,
            "admin",
            false,
        )?;
        Ok(())
    })
}

/// The account a service-account token authenticates as, for the admin API: live, of the
/// token's organization.
pub fn account_of(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> diesel::QueryResult<Option<ServiceAccountRow>> {
    store::find(conn, org, id)
}
