//! Roles and permissions: the catalogue, standard and custom roles, org-wide settings and
//! verified domains, user role assignment, invites, and decisions that explain themselves.

pub mod assignment;
pub mod catalogue;
pub mod decisions;
pub mod invite_defaults;
pub mod invites;
pub mod model;
pub mod reference;
pub mod service;
pub mod settings;
pub mod view;

#[cfg(test)]
mod proptests;

pub use catalogue::{BaseRole, Licence, OrgSwitch, Permission, PermissionSet};
pub use view::DecisionCache;

use utoipa::ToSchema;

use crate::db::{DbError, RetryClassify};

/// A role of an organization: a standard role's fixed id (`super_admin`, `admin`, `member`,
/// `guest`, the values `users.role` held before roles existed) or a custom role's UUID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, ToSchema)]
pub struct RoleId(pub String);

impl RoleId {
    pub fn standard(base: BaseRole) -> RoleId {
        RoleId(base.as_str().to_owned())
    }

    pub fn new_custom() -> RoleId {
        RoleId(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RoleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A governance operation's failure; each variant maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum GovernanceError {
    /// 404: no such role or user in this organization.
    #[error("{0}")]
    NotFound(String),
    /// 422: the request breaks a catalogue rule (the detail names the permission).
    #[error("{0}")]
    Invalid(String),
    /// 409: refused by the current state (an org setting, holders of a role, a name taken).
    #[error("{0}")]
    Conflict(String),
    /// 403: the caller lacks what the change needs (the detail names the permission).
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Db(#[from] DbError),
    /// A concurrent write won an optimistic check: the whole transaction is run again.
    #[error("concurrent update")]
    Retry,
}

impl From<diesel::result::Error> for GovernanceError {
    fn from(err: diesel::result::Error) -> Self {
        GovernanceError::Db(err.into())
    }
}

impl RetryClassify for GovernanceError {
    fn is_retryable(&self) -> bool {
        match self {
            GovernanceError::Retry => true,
            GovernanceError::Db(DbError::Query(e)) => crate::db::is_retryable(e),
            _ => false,
        }
    }

    fn needs_fresh_connection(&self) -> bool {
        matches!(self, GovernanceError::Db(DbError::Query(e)) if crate::db::is_retryable(e))
    }
}
