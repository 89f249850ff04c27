//! Projects and their memberships (issue 14; reference 003): projects registered by host
//! applications, members that are users or teams (SCIM groups) with an access level each, a
//! user's effective level (the highest of their own and their teams' memberships, naming the
//! membership that gave it), and decisions on project actions with their reason chain.
//!
//! A team's membership is one row: what it gives a user is read through the SCIM membership
//! rows at decision time, so it follows the IdP at once and never needs rewriting. Every change
//! is audited in its own transaction. Decisions read levels from memory (`cache`), dropped by
//! this instance's changes at once and checked against the database once a second.

pub mod cache;
pub mod decide;
pub mod effective;
pub mod level;
pub mod memberships;
pub mod registry;
mod views;

pub use effective::EffectiveLevel;
pub use level::{AccessLevel, LevelError, ProjectAction};
pub use views::{
    MemberKind, MemberRef, MembershipPage, MembershipView, NextPage, ParentRef, ProjectPage,
    ProjectView, UserRef,
};

use serde_json::Value;

use crate::audit::{self, Actor, AuditEvent};
use crate::db::DbConnection;
use crate::ids::OrgId;

/// Page sizes of the lists: 1 to `MAX_PAGE`, `DEFAULT_PAGE` when not given.
pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 100;

/// Writes an audit event about a project or a membership in the caller's transaction.
pub(crate) fn audit(
    conn: &mut DbConnection,
    org_id: &OrgId,
    actor: &Actor,
    (action, target_kind, target_id): (&str, &str, &str),
    details: Value,
) -> diesel::QueryResult<()> {
    audit::record(
        conn,
        AuditEvent {
            org_id,
            actor,
            action,
            target_kind,
            target_id,
            details,
        },
    )
}
