//! Tokens: issuing them (shown once, stored as a hash) and authenticating a presented one.
//! Personal access tokens, IdP connection secrets, service-account and app-actor tokens all
//! share this path; policies and revocation build on it.

pub mod cache;
pub mod secret;

use chrono::NaiveDateTime;

use crate::db::tokens::{self as store, NewToken, TokenRow};
use crate::db::DbConnection;
use crate::ids::{OrgId, TokenId};
pub use secret::TokenKind;

/// A token that was just issued. `plaintext` is shown to its owner once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub id: TokenId,
    pub plaintext: String,
}

/// What to issue.
pub struct TokenRequest<'a> {
    pub org_id: &'a OrgId,
    pub kind: TokenKind,
    /// The user, connection, service account or app actor the token authenticates as.
    pub subject_id: &'a str,
    pub name: &'a str,
    pub created_by: Option<&'a str>,
    pub expires_at: Option<NaiveDateTime>,
}

/// Issues a token inside the caller's transaction.
pub fn issue(conn: &mut DbConnection, req: &TokenRequest<'_>) -> diesel::QueryResult<IssuedToken> {
    let minted = secret::mint(req.kind);
    let id = TokenId::new();
    store::insert_token(
        conn,
        &NewToken {
            id: id.as_str(),
            org_id: req.org_id.as_str(),
            kind: req.kind.as_str(),
            key_id: &minted.key_id,
            secret_hash: &minted.secret_hash,
            subject_id: req.subject_id,
            name: req.name,
            created_by: req.created_by,
            created_at: crate::clock::now(),
            expires_at: req.expires_at,
        },
    )?;
    Ok(IssuedToken {
        id,
        plaintext: minted.plaintext,
    })
}

/// Why a presented token was refused. Callers answer 401 for all of them alike (the client
/// learns nothing about which check failed); the reason goes to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a gatehouse token of the expected kind")]
    Malformed,
    #[error("unknown token")]
    Unknown,
    #[error("token revoked")]
    Revoked,
    #[error("token expired")]
    Expired,
}

/// Checks a presented token of the expected kind: checksum, lookup by key id, constant-time
/// comparison of the secret's hash, revocation and expiry. On success records its use, at most
/// once a minute, so authentication stays a read on the hot path. Runs outside any transaction:
/// that write is best effort, and a failed statement would abort an enclosing transaction.
pub fn authenticate(
    conn: &mut DbConnection,
    presented: &str,
    kind: TokenKind,
) -> Result<Result<TokenRow, Refusal>, diesel::result::Error> {
    let Some(parsed) = secret::parse(presented).filter(|p| p.kind == kind) else {
        return Ok(Err(Refusal::Malformed));
    };
    let Some(row) = store::find_by_key_id(conn, parsed.key_id)? else {
        return Ok(Err(Refusal::Unknown));
    };
    if row.kind != kind.as_str() || !parsed.secret_matches(&row.secret_hash) {
        return Ok(Err(Refusal::Unknown));
    }
    let now = crate::clock::now();
    if row.revoked_at.is_some() {
        return Ok(Err(Refusal::Revoked));
    }
    if row.expires_at.is_some_and(|at| at <= now) {
        return Ok(Err(Refusal::Expired));
    }
    let stale = now - chrono::Duration::minutes(1);
    if row.last_used_at.map_or(true, |at| at < stale) {
        // Coarse and best effort: two instances that touch the same token at once conflict on
        // a Galera cluster (error 1213), and the loser's write is the same minute anyway. Losing
        // it must never refuse the caller.
        match store::touch_last_used(conn, &row.id, now, stale) {
            Err(e) if crate::db::is_retryable(&e) => {
                tracing::debug!(error = %e, "last use of a token not recorded: another writer won");
            }
            other => {
                other?;
            }
        }
    }
    Ok(Ok(row))
}
