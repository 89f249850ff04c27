//! The directory: SCIM Users and Groups as gatehouse stores them. Each operation is one
//! transaction holding the change, its index rows and its audit event; concurrency is optimistic
//! (a version per resource, `If-Match` checked in the same `UPDATE`).

pub mod agentic_applications;
pub mod agents;
pub mod bulk;
pub mod groups;
mod listing;
pub mod provisioned;
pub mod render;
pub mod resource_types;
mod root_filter;
pub mod root_search;
pub mod stewardship;
pub mod users;

pub use listing::{ListQuery, ListResult};
pub use render::etag;

use crate::audit::Actor;
use crate::db::{DbError, RetryClassify};
use crate::governance::mapping::remap::RemapError;
use crate::idp::Dialect;
use crate::ids::OrgId;
use crate::scim::ScimError;

/// A SCIM resource as rendered after an operation, with the version its ETag names.
#[derive(Debug, Clone)]
pub struct Resource {
    pub resource: serde_json::Value,
    pub version: i64,
}

/// Who is acting on the directory, for scoping and audit.
#[derive(Debug, Clone)]
pub struct Caller {
    pub org_id: OrgId,
    pub actor: Actor,
    /// The IdP connection the request came through; it manages what it creates.
    pub connection_id: Option<String>,
    /// Base URL for `meta.location` and `$ref`, e.g. `https://host/scim/v2`.
    pub scim_base: String,
    /// The dialect of the calling IdP, applied to each request before the core sees it.
    pub dialect: Dialect,
}

/// A directory operation's failure.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error(transparent)]
    Scim(#[from] ScimError),
    #[error(transparent)]
    Db(#[from] DbError),
    /// The row changed between our read and our write, and the client gave no `If-Match`:
    /// the whole transaction is run again.
    #[error("concurrent update")]
    Conflict,
}

impl From<diesel::result::Error> for DirectoryError {
    fn from(err: diesel::result::Error) -> Self {
        DirectoryError::Db(err.into())
    }
}

impl From<RemapError> for DirectoryError {
    fn from(err: RemapError) -> Self {
        match err {
            RemapError::Db(e) => DirectoryError::Db(e),
            // A user re-evaluated here changed meanwhile: run the whole operation again.
            RemapError::Raced => DirectoryError::Conflict,
        }
    }
}

impl RetryClassify for DirectoryError {
    fn is_retryable(&self) -> bool {
        match self {
            DirectoryError::Conflict => true,
            DirectoryError::Db(DbError::Query(e)) => crate::db::is_retryable(e),
            _ => false,
        }
    }

    fn retry_cause(&self) -> Option<String> {
        Some(self.to_string())
    }

    fn needs_fresh_connection(&self) -> bool {
        matches!(self, DirectoryError::Db(DbError::Query(e)) if crate::db::is_retryable(e))
    }

    fn database_error(&self) -> Option<&diesel::result::Error> {
        match self {
            DirectoryError::Db(DbError::Query(e)) => Some(e),
            _ => None,
        }
    }
}

/// The `If-Match` precondition of a write (RFC 7644 §3.14): the version the client last saw.
pub fn check_if_match(if_match: Option<&str>, version: i64) -> Result<(), ScimError> {
    match if_match {
        None => Ok(()),
        Some(tags) if tags.trim() == "*" => Ok(()),
        Some(tags) => {
            let current = etag(version);
            let matched = tags.split(',').any(|t| {
                let t = t.trim();
                t == current || t.trim_start_matches("W/") == current.trim_start_matches("W/")
            });
            if matched {
                Ok(())
            } else {
                Err(ScimError::PreconditionFailed(format!(
                    "the resource has changed: its version is {current}, not {tags}"
                )))
            }
        }
    }
}

/// A value bound for a `VARCHAR(max)` column must fit: MySQL in strict mode refuses a longer
/// one (and counts characters, i.e. code points, as `chars()` does). Lower-cased copies are
/// checked too, since lower-casing can lengthen a string ("İ" becomes "i̇").
fn check_length(label: &str, value: &str, max: usize) -> Result<(), ScimError> {
    let length = value.chars().count();
    if length > max {
        return Err(ScimError::InvalidValue(format!(
            "{label} is {length} characters long; at most {max} are stored"
        )));
    }
    Ok(())
}

fn not_found(kind: &str, id: &str) -> ScimError {
    ScimError::NotFound(format!("{kind} {id:?} not found"))
}
