//! Token governance (issue 13 "Tokens"; reference "Managing personal access tokens", "Set
//! default expiration", "Restrict guests from using the API", service accounts): personal access
//! tokens (create, list, revoke, introspect), expiration policies and warnings, leaked-token
//! reports, service accounts, the at-risk report and the credential inventory. Every change is
//! audited and its notifications enqueued in its own transaction; callers that revoke or
//! disable tokens clear the admin credential cache after the commit.

pub mod inventory;
pub mod leaked;
pub mod personal;
pub mod policy;
pub mod service_accounts;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::tokens::{self as store, TokenRow};
use crate::db::DbConnection;

/// A token was revoked (by an admin, the org-wide switch, a leak report): to its owner.
pub const TOKEN_REVOKED: &str = "token.revoked";
/// A token expires within the warning window (7 days).
pub const TOKEN_EXPIRING: &str = "token.expiring";
/// A token expired.
pub const TOKEN_EXPIRED: &str = "token.expired";

/// Who a token's notices go to: a personal token's owner; for other kinds, whoever created it.
pub(crate) fn owner_recipients(row: &TokenRow) -> Vec<String> {
    if row.kind == crate::tokens::TokenKind::Personal.as_str() {
        vec![row.subject_id.clone()]
    } else {
        row.created_by.iter().cloned().collect()
    }
}

/// A token as admins see it: never its secret or hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub owner_id: String,
    /// The owner's userName (personal tokens), when the owner still exists.
    pub owner_user_name: Option<String>,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub last_used_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<String>)]
    pub expires_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<String>)]
    pub revoked_at: Option<NaiveDateTime>,
}

/// Views of `rows` with their owners' userNames (one query).
pub(crate) fn views(
    conn: &mut DbConnection,
    org: &str,
    rows: Vec<TokenRow>,
) -> diesel::QueryResult<Vec<TokenView>> {
    let mut ids: Vec<&str> = rows.iter().map(|r| r.subject_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<String, String> = store::user_names(conn, org, &ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|r| TokenView {
            owner_user_name: names.get(&r.subject_id).cloned(),
            id: r.id,
            name: r.name,
            kind: r.kind,
            owner_id: r.subject_id,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        })
        .collect())
}
