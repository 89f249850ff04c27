//! Rules as admins write them and as evaluation uses them. A rule list is validated whole when
//! saved: every filter must parse (the error names the rule and the character position) and
//! every role must exist in the organization. Compiled rule sets keep the parsed filter and the
//! base of the target role, so evaluating a user is one pass over the rules in memory.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::db::role_mappings as store;
use crate::db::roles as role_store;
use crate::db::DbConnection;
use crate::governance::roles::{BaseRole, GovernanceError, RoleId};
use crate::scim::filter::{parse_filter, AttrPath, Filter};

/// The most rules one connection may hold.
pub const MAX_RULES: usize = 200;

/// One rule as the admin API reads and writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleMappingRule {
    /// A SCIM filter over the user (RFC 7644 §3.4.2.2), e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Finance"`.
    pub filter: String,
    /// The role a matching user gets (a standard role's id or a custom role's UUID).
    pub role_id: String,
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub filter: Filter,
    pub role: RoleId,
    pub base: BaseRole,
}

/// One connection's rules in order, and the organization's role defaults.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub connection_id: String,
    pub rules: Vec<CompiledRule>,
    pub default_internal: RoleId,
    pub default_external: RoleId,
}

impl RuleSet {
    /// Whether a rule reads the user's groups: only then do group renames and deletes need
    /// their members re-evaluated.
    pub fn reads_groups(&self) -> bool {
        self.rules.iter().any(|r| reads_groups(&r.filter))
    }
}

fn reads_groups(filter: &Filter) -> bool {
    let is_groups = |p: &AttrPath| p.name.eq_ignore_ascii_case("groups");
    match filter {
        Filter::Compare { path, .. } | Filter::Present(path) => is_groups(path),
        Filter::And(a, b) | Filter::Or(a, b) => reads_groups(a) || reads_groups(b),
        Filter::Not(inner) => reads_groups(inner),
        Filter::ValuePath { attr, .. } => is_groups(attr),
    }
}

/// Checks a proposed rule list against the organization's roles and compiles it.
pub fn compile(
    conn: &mut DbConnection,
    org_id: &str,
    connection_id: &str,
    rules: &[RoleMappingRule],
) -> Result<RuleSet, GovernanceError> {
    if rules.len() > MAX_RULES {
        return Err(GovernanceError::Invalid(format!(
            "a connection holds at most {MAX_RULES} rules"
        )));
    }
    let roles: HashMap<String, BaseRole> = role_store::list_roles(conn, org_id)?
        .into_iter()
        .filter_map(|r| Some((r.id, BaseRole::parse(&r.base_role)?)))
        .collect();
    let mut compiled = Vec::with_capacity(rules.len());
    for (i, rule) in rules.iter().enumerate() {
        let filter = parse_filter(&rule.filter)
            .map_err(|e| GovernanceError::Invalid(format!("rules[{i}].filter: {}", e.detail())))?;
        let base = *roles.get(&rule.role_id).ok_or_else(|| {
            GovernanceError::Invalid(format!(
                "rules[{i}].role_id: no role {:?} in this organization",
                rule.role_id
            ))
        })?;
        compiled.push(CompiledRule {
            filter,
            role: RoleId(rule.role_id.clone()),
            base,
        });
    }
    let (default_internal, default_external) = defaults(conn, org_id)?;
    Ok(RuleSet {
        connection_id: connection_id.to_owned(),
        rules: compiled,
        default_internal,
        default_external,
    })
}

fn defaults(conn: &mut DbConnection, org_id: &str) -> Result<(RoleId, RoleId), GovernanceError> {
    let settings = role_store::find_settings(conn, org_id)?
        .ok_or_else(|| GovernanceError::NotFound("no such organization".into()))?;
    Ok((
        RoleId(settings.default_internal_role),
        RoleId(settings.default_external_role),
    ))
}

/// The rule sets of an organization's connections that have mapping on, read in the caller's
/// transaction: two queries when no connection maps roles, three otherwise.
#[derive(Debug, Clone, Default)]
pub struct OrgMappings {
    by_connection: HashMap<String, RuleSet>,
}

impl OrgMappings {
    pub fn load(conn: &mut DbConnection, org_id: &str) -> Result<OrgMappings, GovernanceError> {
        let mapped = store::mapped_connections(conn, org_id)?;
        if mapped.is_empty() {
            return Ok(OrgMappings::default());
        }
        let (default_internal, default_external) = defaults(conn, org_id)?;
        let mut by_connection: HashMap<String, RuleSet> = mapped
            .into_iter()
            .map(|id| {
                let set = RuleSet {
                    connection_id: id.clone(),
                    rules: Vec::new(),
                    default_internal: default_internal.clone(),
                    default_external: default_external.clone(),
                };
                (id, set)
            })
            .collect();
        for row in store::rules_of_org(conn, org_id, None)? {
            let Some(set) = by_connection.get_mut(&row.connection_id) else {
                continue;
            };
            // Saved rules were validated; one that no longer parses or names a deleted role
            // (role deletion refuses while a rule names it) is skipped, never fatal.
            let (Ok(filter), Some(base)) = (
                parse_filter(&row.filter),
                row.base_role.as_deref().and_then(BaseRole::parse),
            ) else {
                tracing::warn!(connection = %row.connection_id, position = row.position,
                    "skipping an unusable role mapping rule");
                continue;
            };
            set.rules.push(CompiledRule {
                filter,
                role: RoleId(row.role_id),
                base,
            });
        }
        Ok(OrgMappings { by_connection })
    }

    pub fn is_empty(&self) -> bool {
        self.by_connection.is_empty()
    }

    /// The rules that decide the role of a user managed by `connection_id`, if it maps roles.
    pub fn for_connection(&self, connection_id: Option<&str>) -> Option<&RuleSet> {
        self.by_connection.get(connection_id?)
    }

    pub fn reads_groups(&self) -> bool {
        self.by_connection.values().any(RuleSet::reads_groups)
    }
}

/// The stored rules of a connection, in order, as the admin API shows them.
pub fn stored_rules(
    conn: &mut DbConnection,
    org_id: &str,
    connection_id: &str,
) -> Result<Vec<RoleMappingRule>, GovernanceError> {
    Ok(store::rules_of_org(conn, org_id, Some(connection_id))?
        .into_iter()
        .map(|r| RoleMappingRule {
            filter: r.filter,
            role_id: r.role_id,
        })
        .collect())
}
