//! Re-evaluating roles inside the transactions that change what rules read: a SCIM write of a
//! user, a member change of a group, a group renamed or deleted, a verified domain that changes
//! users' type, and the apply of a new rule list. The role is written in the same transaction
//! as the change, so it never lags the IdP.
//!
//! Every evaluated user is written with an optimistic check on the version that was read, even
//! when the role stays: two transactions that each change something rules read (one the
//! user's department, the other their groups) then conflict on the user's row and one runs
//! again, instead of both committing a role computed from half the picture.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;

use super::evaluate::{evaluate, Outcome};
use super::rules::{OrgMappings, RuleSet};
use super::{source_of, subject};
use crate::audit::{self, Actor, AuditEvent};
use crate::db::orgs::{guard_super_admin_removal, SuperAdminGuard};
use crate::db::role_mappings::{self as store, RoleWrite};
use crate::db::users::UserRow;
use crate::db::{DbConnection, DbError};
use crate::governance::roles::GovernanceError;
use crate::ids::OrgId;

/// Why re-evaluation could not finish.
#[derive(Debug, thiserror::Error)]
pub enum RemapError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// A user changed after it was read: the caller's whole transaction runs again.
    #[error("a user changed while their role was re-evaluated")]
    Raced,
}

impl From<diesel::result::Error> for RemapError {
    fn from(err: diesel::result::Error) -> Self {
        RemapError::Db(err.into())
    }
}

impl From<GovernanceError> for RemapError {
    fn from(err: GovernanceError) -> Self {
        match err {
            GovernanceError::Db(e) => RemapError::Db(e),
            GovernanceError::Retry => RemapError::Raced,
            other => RemapError::Db(DbError::Unavailable(other.to_string())),
        }
    }
}

impl From<RemapError> for GovernanceError {
    fn from(err: RemapError) -> Self {
        match err {
            RemapError::Db(db) => GovernanceError::Db(db),
            RemapError::Raced => GovernanceError::Retry,
        }
    }
}

/// What set off a re-evaluation, as the audit trail names it.
#[derive(Debug, Clone, Copy)]
pub enum Cause {
    UserCreated,
    UserChanged,
    GroupMembership,
    GroupRenamed,
    GroupDeleted,
    DomainChanged,
    RulesApplied,
}

impl Cause {
    fn as_str(self) -> &'static str {
        match self {
            Cause::UserCreated => "user_created",
            Cause::UserChanged => "user_changed",
            Cause::GroupMembership => "group_membership",
            Cause::GroupRenamed => "group_renamed",
            Cause::GroupDeleted => "group_deleted",
            Cause::DomainChanged => "domain_changed",
            Cause::RulesApplied => "rules_applied",
        }
    }
}

/// One user evaluated: who, as read, and what the rules decided.
#[derive(Debug, Clone)]
pub struct Evaluated {
    pub user_id: String,
    pub user_name: String,
    pub version: i64,
    pub active: bool,
    pub from: String,
    pub connection_id: String,
    pub outcome: Outcome,
}

impl Evaluated {
    pub fn moves(&self) -> bool {
        self.from != self.outcome.role.as_str()
    }
}

/// Evaluates a user row under its connection's rules; `None` if no mapping decides its role.
pub fn evaluate_row(mappings: &OrgMappings, row: &UserRow) -> Option<Evaluated> {
    let set = mappings.for_connection(row.managed_by.as_deref())?;
    Some(Evaluated::of(set, row))
}

impl Evaluated {
    /// Evaluates a user row under one connection's rules.
    pub fn of(set: &RuleSet, row: &UserRow) -> Evaluated {
        Evaluated {
            user_id: row.id.clone(),
            user_name: row.user_name.clone(),
            version: row.version,
            active: row.active,
            from: row.role.clone(),
            connection_id: set.connection_id.clone(),
            outcome: evaluate(set, &subject::of(row), row.is_external),
        }
    }
}

/// Re-evaluates these users (ids that are not users of the organization, or whose connection
/// maps no roles, are passed over). Returns how many changed role.
pub fn remap_users(
    conn: &mut DbConnection,
    org_id: &OrgId,
    actor: &Actor,
    ids: &[&str],
    cause: Cause,
) -> Result<usize, RemapError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mappings = OrgMappings::load(conn, org_id.as_str())?;
    remap_with(conn, &mappings, org_id, actor, ids, cause)
}

/// `remap_users` with the organization's mappings already read in this transaction.
pub fn remap_with(
    conn: &mut DbConnection,
    mappings: &OrgMappings,
    org_id: &OrgId,
    actor: &Actor,
    ids: &[&str],
    cause: Cause,
) -> Result<usize, RemapError> {
    if mappings.is_empty() {
        return Ok(0);
    }
    let mut moved = 0;
    for chunk in ids.chunks(crate::db::IN_LIST_CHUNK) {
        let rows = store::users_by_id(conn, org_id.as_str(), chunk)?;
        let evaluated: Vec<Evaluated> = rows
            .iter()
            .filter_map(|row| evaluate_row(mappings, row))
            .collect();
        moved += write(conn, org_id, actor, evaluated, cause)?;
    }
    Ok(moved)
}

/// Writes evaluated roles (optimistically, every user), keeps the organization's last active
/// super admin, audits each move and each skipped rule, and bumps the governance version when a
/// role changed. Returns how many users changed role.
pub fn write(
    conn: &mut DbConnection,
    org_id: &OrgId,
    actor: &Actor,
    mut evaluated: Vec<Evaluated>,
    cause: Cause,
) -> Result<usize, RemapError> {
    let org = org_id.as_str();
    let mut events: Vec<(String, serde_json::Value, &'static str)> = Vec::new();
    for e in evaluated.iter_mut() {
        let demotes_super_admin =
            e.from == "super_admin" && e.outcome.role.as_str() != "super_admin" && e.active;
        if demotes_super_admin {
            match guard_super_admin_removal(conn, org, &e.user_id)? {
                SuperAdminGuard::Cleared => {}
                SuperAdminGuard::Raced => return Err(RemapError::Raced),
                SuperAdminGuard::LastOne => {
                    events.push((
                        e.user_id.clone(),
                        json!({
                            "connection": e.connection_id,
                            "role": e.from,
                            "mapped_role": e.outcome.role,
                            "cause": cause.as_str(),
                        }),
                        "role_mapping.kept_last_super_admin",
                    ));
                    e.outcome.role = crate::governance::roles::RoleId(e.from.clone());
                    e.outcome.rule = None;
                }
            }
        }
        if e.moves() {
            events.push((
                e.user_id.clone(),
                json!({
                    "from": e.from,
                    "to": e.outcome.role,
                    "reason": "role_mapping",
                    "connection": e.connection_id,
                    "rule": e.outcome.rule,
                    "no_rule_matched": e.outcome.rule.is_none(),
                    "skipped_rules": e.outcome.skipped,
                    "cause": cause.as_str(),
                }),
                "user.role_changed",
            ));
        } else if matches!(cause, Cause::UserCreated) || !e.outcome.skipped.is_empty() {
            // A new user's mapping is audited even when the rules confirm the default role, so
            // the trail says whether a rule matched.
            events.push((
                e.user_id.clone(),
                json!({
                    "connection": e.connection_id,
                    "role": e.outcome.role,
                    "rule": e.outcome.rule,
                    "no_rule_matched": e.outcome.rule.is_none(),
                    "skipped_rules": e.outcome.skipped,
                    "cause": cause.as_str(),
                }),
                "user.role_mapped",
            ));
        }
    }
    // One statement per target role (and chunk), whatever the number of users.
    let mut by_target: BTreeMap<(&str, String), Vec<RoleWrite<'_>>> = BTreeMap::new();
    for e in &evaluated {
        by_target
            .entry((e.outcome.role.as_str(), source_of(&e.connection_id)))
            .or_default()
            .push(RoleWrite {
                id: &e.user_id,
                version: e.version,
            });
    }
    let now = crate::clock::now();
    for ((role, source), users) in &by_target {
        if !store::write_roles(conn, org, users, role, source, now)? {
            return Err(RemapError::Raced);
        }
    }
    let moved = evaluated.iter().filter(|e| e.moves()).count();
    if moved > 0 {
        crate::db::roles::bump_governance_version(conn, org)?;
    }
    let events: Vec<AuditEvent<'_>> = events
        .iter()
        .map(|(user_id, details, action)| AuditEvent {
            org_id,
            actor,
            action,
            target_kind: "user",
            target_id: user_id,
            details: details.clone(),
        })
        .collect();
    audit::record_all(conn, &events)?;
    Ok(moved)
}

/// How many users move from one role to another.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RoleChangeCount {
    pub from: String,
    pub to: String,
    pub users: usize,
}

/// How many users move from which role to which, for previews and the apply's own audit event.
pub fn summarize(evaluated: &[Evaluated]) -> Vec<RoleChangeCount> {
    let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
    for e in evaluated.iter().filter(|e| e.moves()) {
        *counts
            .entry((e.from.as_str(), e.outcome.role.as_str()))
            .or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort();
    rows.into_iter()
        .map(|((from, to), users)| RoleChangeCount {
            from: from.to_owned(),
            to: to.to_owned(),
            users,
        })
        .collect()
}
