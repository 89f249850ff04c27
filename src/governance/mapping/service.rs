//! The admin API of role mapping, per IdP connection: read the rules, preview a proposed list
//! (which users would move from which role to which, changing nothing), apply a list (one
//! transaction: the rules, every user's new role, an audit event per move), and turn mapping
//! off. Preview and apply share `plan`, so they give the same moves.
//!
//! Reading and previewing needs what reading connections needs (admins); applying and turning
//! off need what changing connections needs (super admins): a rule list assigns roles.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::remap::{self, Cause, Evaluated, RoleChangeCount};
use super::rules::{self, RoleMappingRule, RuleSet};
use super::source_of;
use crate::audit::{self, AuditEvent};
use crate::db::role_mappings as store;
use crate::db::{transaction, DbConnection};
use crate::governance::roles::GovernanceError;
use crate::rbac::{Authorized, ManageConnections, ReadConnections};

/// A connection's mapping as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MappingView {
    pub connection_id: String,
    /// Whether the connection decides the roles of the users it manages.
    pub enabled: bool,
    pub rules: Vec<RoleMappingRule>,
}

/// The body of a preview or an apply.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingRequest {
    pub rules: Vec<RoleMappingRule>,
}

/// One user who would move (preview) or moved (apply).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleMove {
    pub user_id: String,
    pub user_name: String,
    pub from: String,
    pub to: String,
    /// The index of the deciding rule; `null` when no rule matched (the type's default).
    pub rule: Option<usize>,
    /// Rules that matched but name a role the user may not hold (external users hold only
    /// guest-based roles, internal users never one).
    pub skipped_rules: Vec<usize>,
}

impl From<&Evaluated> for RoleMove {
    fn from(e: &Evaluated) -> Self {
        RoleMove {
            user_id: e.user_id.clone(),
            user_name: e.user_name.clone(),
            from: e.from.clone(),
            to: e.outcome.role.to_string(),
            rule: e.outcome.rule,
            skipped_rules: e.outcome.skipped.clone(),
        }
    }
}

/// What a preview reports: totals, counts per change, and one page of the moves (by user id).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preview {
    pub users_evaluated: usize,
    pub users_moving: usize,
    pub changes: Vec<RoleChangeCount>,
    pub offset: usize,
    pub limit: usize,
    pub moves: Vec<RoleMove>,
}

/// What an apply did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Applied {
    pub mapping: MappingView,
    pub users_evaluated: usize,
    pub users_moved: usize,
    pub changes: Vec<RoleChangeCount>,
}

pub fn get(
    conn: &mut DbConnection,
    auth: &Authorized<ReadConnections>,
    connection_id: &str,
) -> Result<MappingView, GovernanceError> {
    view(conn, auth.org_id.as_str(), connection_id)
}

fn view(
    conn: &mut DbConnection,
    org: &str,
    connection_id: &str,
) -> Result<MappingView, GovernanceError> {
    let enabled = mapped(conn, org, connection_id)?;
    Ok(MappingView {
        connection_id: connection_id.to_owned(),
        enabled,
        rules: rules::stored_rules(conn, org, connection_id)?,
    })
}

fn mapped(
    conn: &mut DbConnection,
    org: &str,
    connection_id: &str,
) -> Result<bool, GovernanceError> {
    store::is_mapped(conn, org, connection_id)?.ok_or_else(|| {
        GovernanceError::NotFound(format!(
            "no IdP connection {connection_id:?} in this organization"
        ))
    })
}

pub const MAX_PAGE: usize = 500;

pub fn preview(
    conn: &mut DbConnection,
    auth: &Authorized<ReadConnections>,
    connection_id: &str,
    proposed: &[RoleMappingRule],
    offset: usize,
    limit: usize,
) -> Result<Preview, GovernanceError> {
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(GovernanceError::Invalid(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    let org = auth.org_id.as_str();
    mapped(conn, org, connection_id)?;
    let set = rules::compile(conn, org, connection_id, proposed)?;
    let evaluated = plan(conn, org, &set)?;
    let moving: Vec<&Evaluated> = evaluated.iter().filter(|e| e.moves()).collect();
    Ok(Preview {
        users_evaluated: evaluated.len(),
        users_moving: moving.len(),
        changes: remap::summarize(&evaluated),
        offset,
        limit,
        moves: moving
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(RoleMove::from)
            .collect(),
    })
}

pub fn apply(
    conn: &mut DbConnection,
    auth: &Authorized<ManageConnections>,
    connection_id: &str,
    proposed: &[RoleMappingRule],
) -> Result<Applied, GovernanceError> {
    let org = auth.org_id.as_str();
    let actor = auth.actor();
    transaction(conn, |conn| {
        mapped(conn, org, connection_id)?;
        let set = rules::compile(conn, org, connection_id, proposed)?;
        let pairs: Vec<(String, String)> = proposed
            .iter()
            .map(|r| (r.filter.clone(), r.role_id.clone()))
            .collect();
        store::replace_rules(conn, org, connection_id, &pairs, true)?;
        let evaluated = plan(conn, org, &set)?;
        let users_evaluated = evaluated.len();
        let changes = remap::summarize(&evaluated);
        let users_moved = remap::write(conn, &auth.org_id, &actor, evaluated, Cause::RulesApplied)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &actor,
                action: "role_mapping.applied",
                target_kind: "idp_connection",
                target_id: connection_id,
                details: json!({
                    "rules": proposed,
                    "users_evaluated": users_evaluated,
                    "users_moved": users_moved,
                    "changes": changes,
                }),
            },
        )?;
        Ok(Applied {
            mapping: view(conn, org, connection_id)?,
            users_evaluated,
            users_moved,
            changes,
        })
    })
}

/// Turns mapping off: the rules go, users keep their roles and become assignable through the
/// admin API again (`role_source` "idp_mapping_removed").
pub fn turn_off(
    conn: &mut DbConnection,
    auth: &Authorized<ManageConnections>,
    connection_id: &str,
) -> Result<MappingView, GovernanceError> {
    let org = auth.org_id.as_str();
    transaction(conn, |conn| {
        if !mapped(conn, org, connection_id)? {
            return view(conn, org, connection_id);
        }
        store::replace_rules(conn, org, connection_id, &[], false)?;
        let released = store::release_users(
            conn,
            org,
            connection_id,
            &source_of(connection_id),
            "idp_mapping_removed",
        )?;
        audit::record(
            conn,
            AuditEvent {
                org_id: &auth.org_id,
                actor: &auth.actor(),
                action: "role_mapping.removed",
                target_kind: "idp_connection",
                target_id: connection_id,
                details: json!({ "users_released": released }),
            },
        )?;
        view(conn, org, connection_id)
    })
}

/// Every user the connection manages, evaluated under `set`, in id order; read a page at a
/// time, so a connection of any size is planned in memory proportional to its users, not to
/// their documents.
fn plan(
    conn: &mut DbConnection,
    org: &str,
    set: &RuleSet,
) -> Result<Vec<Evaluated>, GovernanceError> {
    const PAGE: i64 = 1000;
    let mut evaluated = Vec::new();
    let mut after = String::new();
    loop {
        let rows = store::users_managed_by(conn, org, &set.connection_id, &after, PAGE)?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.id.clone();
        let full = rows.len() as i64 == PAGE;
        evaluated.extend(rows.iter().map(|row| Evaluated::of(set, row)));
        if !full {
            break;
        }
    }
    Ok(evaluated)
}
