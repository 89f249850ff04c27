//! Leaked-token reports (`POST /tokens/revoke-leaked`): anyone (a secret scanner, a person who
//! found a token in a repository) may report up to 1,000 strings without authentication. Each
//! is checked against its checksum before any lookup, so made-up strings cost no database work;
//! what is a live token of ours is revoked and its owner notified. The caller's answer never
//! depends on what was found (no oracle): the count returned here is for the log only.

use std::collections::HashMap;

use crate::audit::Actor;
use crate::db::tokens as store;
use crate::db::{transaction, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::ids::OrgId;
use crate::tokens::secret;

/// The most strings one report may carry.
pub const MAX_REPORTED: usize = 1000;

/// What a report revoked, for the log and for the caches the handler clears.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeakOutcome {
    pub revoked: usize,
    pub scim_secrets_revoked: bool,
}

pub fn revoke_leaked(
    conn: &mut DbConnection,
    reported: &[String],
) -> Result<LeakOutcome, GovernanceError> {
    // Checksums first: only well-formed tokens reach the database.
    let parsed: HashMap<&str, secret::PresentedToken<'_>> = reported
        .iter()
        .filter_map(|s| secret::parse(s.trim()))
        .map(|p| (p.key_id, p))
        .collect();
    if parsed.is_empty() {
        return Ok(LeakOutcome::default());
    }
    let key_ids: Vec<&str> = parsed.keys().copied().collect();
    transaction(conn, |conn| {
        let mut outcome = LeakOutcome::default();
        for row in store::find_by_key_ids(conn, &key_ids)? {
            let Some(p) = parsed.get(row.key_id.as_str()) else {
                continue;
            };
            if row.revoked_at.is_some()
                || row.kind != p.kind.as_str()
                || !p.secret_matches(&row.secret_hash)
            {
                continue;
            }
            let org = OrgId(row.org_id.clone());
            if super::personal::revoke_row(conn, &org, &Actor::System, &row, "leaked", true)? {
                outcome.revoked += 1;
                if row.kind == secret::TokenKind::ScimConnection.as_str() {
                    outcome.scim_secrets_revoked = true;
                }
            }
        }
        Ok(outcome)
    })
}
