//! What an app actor may do: explicit grants of `read`, `write` or `create` on one resource kind
//! of a fixed list, optionally limited to named projects (issue 14: "never everything its
//! creator can do"). An actor's tokens carry a subset of its grants; a decision for a token
//! takes what both its own grants and its actor's current grants allow.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::governance::roles::GovernanceError;

/// The resource kinds grants name. Admin API operations say which one they need (see
/// `rbac::AdminPermission::GRANT`); host applications ask `/authorize` about any of them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// The host application's projects.
    Projects,
    /// Project memberships.
    Memberships,
    /// People of the organization (`/users`, their roles, `/authorize` about them).
    Users,
    /// Teams (SCIM groups).
    Groups,
    /// The audit trail.
    AuditEvents,
    /// The app registry, approval requests and app usage.
    Apps,
    /// The organization's tokens and credentials.
    Tokens,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 7] = [
        ResourceKind::Projects,
        ResourceKind::Memberships,
        ResourceKind::Users,
        ResourceKind::Groups,
        ResourceKind::AuditEvents,
        ResourceKind::Apps,
        ResourceKind::Tokens,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Projects => "projects",
            ResourceKind::Memberships => "memberships",
            ResourceKind::Users => "users",
            ResourceKind::Groups => "groups",
            ResourceKind::AuditEvents => "audit_events",
            ResourceKind::Apps => "apps",
            ResourceKind::Tokens => "tokens",
        }
    }

    pub fn parse(s: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a grant on this kind may be limited to named projects.
    pub fn project_scoped(self) -> bool {
        matches!(self, ResourceKind::Projects | ResourceKind::Memberships)
    }
}

/// What a grant allows on its kind. Each is separate: `write` does not include `read`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
    Create,
}

impl Access {
    pub const ALL: [Access; 3] = [Access::Read, Access::Write, Access::Create];

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Create => "create",
        }
    }

    pub fn parse(s: &str) -> Option<Access> {
        Access::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One grant: `access` on `resource`, limited to `projects` when given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub resource: ResourceKind,
    pub access: Access,
    /// Only these projects (ids of the host application); absent or `null`: every project.
    /// Only `projects` and `memberships` grants may be limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<String>>,
}

/// Why a grant set does not allow something, as a reason chain names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantMiss {
    /// No grant of this access on this kind.
    GrantMissing,
    /// A grant exists but is limited to other projects (or the question names no project).
    ProjectNotInGrant,
}

impl GrantMiss {
    pub fn detail(self) -> &'static str {
        match self {
            GrantMiss::GrantMissing => "the app actor holds no grant of this access on this kind",
            GrantMiss::ProjectNotInGrant => {
                "the app actor's grant of this access on this kind is limited to other projects"
            }
        }
    }
}

/// A validated set of grants: at most one per (kind, access), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantSet(Vec<Grant>);

const MAX_PROJECTS: usize = 100;

impl GrantSet {
    /// Validates grants as given on the API: known kinds, project limits only where they make
    /// sense, no duplicates.
    pub fn parse(grants: Vec<Grant>) -> Result<GrantSet, GovernanceError> {
        let mut out: Vec<Grant> = Vec::with_capacity(grants.len());
        for (i, mut g) in grants.into_iter().enumerate() {
            if let Some(projects) = &mut g.projects {
                if !g.resource.project_scoped() {
                    return Err(GovernanceError::Invalid(format!(
                        "grants[{i}]: only projects and memberships grants may be limited to \
                         projects, not {}",
                        g.resource.as_str()
                    )));
                }
                if projects.is_empty()
                    || projects.len() > MAX_PROJECTS
                    || projects
                        .iter()
                        .any(|p| p.trim().is_empty() || p.len() > 255)
                {
                    return Err(GovernanceError::Invalid(format!(
                        "grants[{i}]: projects must list 1 to {MAX_PROJECTS} project ids of 1 \
                         to 255 bytes"
                    )));
                }
                projects.sort();
                projects.dedup();
            }
            if out
                .iter()
                .any(|o| o.resource == g.resource && o.access == g.access)
            {
                return Err(GovernanceError::Invalid(format!(
                    "grants[{i}]: {} {} is granted twice",
                    g.access.as_str(),
                    g.resource.as_str()
                )));
            }
            out.push(g);
        }
        out.sort_by_key(|g| (g.resource, g.access));
        Ok(GrantSet(out))
    }

    pub fn grants(&self) -> &[Grant] {
        &self.0
    }

    pub fn into_grants(self) -> Vec<Grant> {
        self.0
    }

    fn find(&self, resource: ResourceKind, access: Access) -> Option<&Grant> {
        self.0
            .iter()
            .find(|g| g.resource == resource && g.access == access)
    }

    /// Whether `access` on `resource` is granted for the whole organization (what admin API
    /// operations need: a project-limited grant never opens an org-wide operation).
    pub fn org_wide(&self, resource: ResourceKind, access: Access) -> bool {
        self.find(resource, access)
            .is_some_and(|g| g.projects.is_none())
    }

    /// Whether `access` on `resource` (in `project`, if named) is granted.
    pub fn allows(
        &self,
        resource: ResourceKind,
        access: Access,
        project: Option<&str>,
    ) -> Result<(), GrantMiss> {
        let grant = self.find(resource, access).ok_or(GrantMiss::GrantMissing)?;
        match (&grant.projects, project) {
            (None, _) => Ok(()),
            (Some(list), Some(p)) if list.iter().any(|x| x == p) => Ok(()),
            (Some(_), _) => Err(GrantMiss::ProjectNotInGrant),
        }
    }

    /// Checks that every grant of `self` is within `outer` (a token's grants within its
    /// actor's); the first that is not, described.
    pub fn within(&self, outer: &GrantSet) -> Result<(), String> {
        for g in &self.0 {
            let Some(o) = outer.find(g.resource, g.access) else {
                return Err(format!(
                    "{} {}: the app actor holds no such grant",
                    g.access.as_str(),
                    g.resource.as_str()
                ));
            };
            let fits = match (&o.projects, &g.projects) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(outer), Some(inner)) => inner.iter().all(|p| outer.contains(p)),
            };
            if !fits {
                return Err(format!(
                    "{} {}: more projects than the app actor's grant",
                    g.access.as_str(),
                    g.resource.as_str()
                ));
            }
        }
        Ok(())
    }

    /// What both sets allow (a token's grants as its actor's current grants still allow them).
    pub fn intersect(&self, other: &GrantSet) -> GrantSet {
        let mut out = Vec::new();
        for g in &self.0 {
            let Some(o) = other.find(g.resource, g.access) else {
                continue;
            };
            let projects = match (&g.projects, &o.projects) {
                (None, None) => None,
                (Some(a), None) | (None, Some(a)) => Some(a.clone()),
                (Some(a), Some(b)) => Some(a.iter().filter(|p| b.contains(p)).cloned().collect()),
            };
            if projects.as_ref().is_some_and(Vec::is_empty) {
                continue;
            }
            out.push(Grant {
                resource: g.resource,
                access: g.access,
                projects,
            });
        }
        GrantSet(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(resource: ResourceKind, access: Access, projects: Option<&[&str]>) -> Grant {
        Grant {
            resource,
            access,
            projects: projects.map(|p| p.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn a_project_limited_grant_allows_only_its_projects_and_never_org_wide() {
        let set = GrantSet::parse(vec![g(
            ResourceKind::Projects,
            Access::Read,
            Some(&["p1", "p2"]),
        )])
        .unwrap();
        assert_eq!(
            set.allows(ResourceKind::Projects, Access::Read, Some("p1")),
            Ok(())
        );
        assert_eq!(
            set.allows(ResourceKind::Projects, Access::Read, Some("p3")),
            Err(GrantMiss::ProjectNotInGrant)
        );
        assert_eq!(
            set.allows(ResourceKind::Projects, Access::Write, Some("p1")),
            Err(GrantMiss::GrantMissing)
        );
        assert!(!set.org_wide(ResourceKind::Projects, Access::Read));
    }

    #[test]
    fn subsets_and_intersections_respect_project_limits() {
        let actor = GrantSet::parse(vec![
            g(ResourceKind::Projects, Access::Read, Some(&["p1", "p2"])),
            g(ResourceKind::Users, Access::Read, None),
        ])
        .unwrap();
        let fits =
            GrantSet::parse(vec![g(ResourceKind::Projects, Access::Read, Some(&["p2"]))]).unwrap();
        assert!(fits.within(&actor).is_ok());
        let wider = GrantSet::parse(vec![g(ResourceKind::Projects, Access::Read, None)]).unwrap();
        assert!(wider.within(&actor).is_err());
        let other = GrantSet::parse(vec![g(ResourceKind::Users, Access::Write, None)]).unwrap();
        assert!(other.within(&actor).is_err());
        let both = wider.intersect(&actor);
        assert_eq!(
            both.allows(ResourceKind::Projects, Access::Read, Some("p3")),
            Err(GrantMiss::ProjectNotInGrant)
        );
    }

    #[test]
    fn bad_grants_are_refused() {
        assert!(GrantSet::parse(vec![g(ResourceKind::Users, Access::Read, Some(&["p"]))]).is_err());
        assert!(GrantSet::parse(vec![g(ResourceKind::Projects, Access::Read, Some(&[]))]).is_err());
        assert!(GrantSet::parse(vec![
            g(ResourceKind::Users, Access::Read, None),
            g(ResourceKind::Users, Access::Read, None),
        ])
        .is_err());
    }
}
