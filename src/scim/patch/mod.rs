//! The PATCH engine (RFC 7644 §3.5.2): parsing a PatchOp request body, applying its operations
//! in order and all-or-nothing to a resource document, and splitting group membership changes
//! out so that a group's member list is never rewritten as part of the document. Pure: JSON
//! values in, JSON values out; the schema decides every name, type and mutability rule.
//!
//! Leniencies beyond the RFC, each for a real client:
//! - `op` is case-insensitive ("Add", "Replace", "Remove": Entra ID).
//! - A path-less value may use dotted (`name.givenName`) and fully qualified
//!   (`urn:…:enterprise:2.0:User:employeeNumber`) keys (Entra ID).
//! - Read-only keys inside a path-less value are skipped, not refused (Okta echoes the group
//!   `id` in a rename).
//! - `null` or `""` as a value clears the attribute (Entra ID).
//! - A value filter with a sub-attribute that matches nothing, made only of `eq` comparisons
//!   joined by `and`, creates the element: `emails[type eq "work"].value` adds
//!   `{"type": "work", "value": …}` (Entra ID). RFC 7644 §3.5.2.3 would say `noTarget`.
//! - A string for a complex attribute with a `value` sub-attribute means `{"value": …}`
//!   (Entra ID sends the enterprise `manager` as a bare id).
//! - `remove` with a value on a multi-valued attribute removes the listed values (Entra ID).

mod apply;
mod keys;
mod members;
mod request;
mod target;
mod value;

#[cfg(test)]
mod tests;

pub use members::{split_member_ops, MemberChange, MemberRef};
pub use request::{parse_patch_request, PATCH_OP_SCHEMA};

use std::fmt;

use serde_json::Value;

use crate::scim::filter::PatchPath;
use crate::scim::schema::ResourceTypeDef;
use crate::scim::ScimError;
use keys::Obj;

/// The three PATCH operations of RFC 7644 §3.5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Remove,
    Replace,
}

impl fmt::Display for PatchOpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        })
    }
}

/// One parsed PATCH operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    pub op: PatchOpKind,
    /// `None` targets the resource itself (add and replace only).
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Applies `ops` in order to `resource`, a stored document with core attributes at the top
/// and extension attributes under their schema URN.
///
/// RFC 7644 §3.5.2: "A PATCH request, regardless of the number of operations, SHALL be treated
/// as atomic". The operations run on a private copy that replaces `resource` only when all of
/// them succeed, so on `Err` the document is exactly as it was. `Ok(true)` when the document
/// changed, `Ok(false)` when the operations left it equal (RFC 7644 §3.5.2.1: then the modify
/// timestamp must not move). Errors name the failing operation's index.
///
/// The `schemas` array follows the extension data: an extension's URN is added when its
/// object gains attributes and removed, with the object, when the object becomes empty.
pub fn apply_patch(
    resource: &mut Value,
    ops: &[PatchOp],
    rt: &ResourceTypeDef,
) -> Result<bool, ScimError> {
    let Some(original) = resource.as_object() else {
        return Err(ScimError::InvalidValue(
            "the resource document is not a JSON object".to_owned(),
        ));
    };
    let mut work = original.clone();
    for (i, op) in ops.iter().enumerate() {
        apply::apply_op(&mut work, op, rt).map_err(|e| at_operation(i, e))?;
    }
    sync_schemas(original, &mut work, rt);
    if work == *original {
        return Ok(false);
    }
    *resource = Value::Object(work);
    Ok(true)
}

/// Prefixes an error's detail with the index of the operation it came from, so a client with
/// a long request knows which operation to fix.
fn at_operation(index: usize, err: ScimError) -> ScimError {
    let detail = |d: String| format!("Operations[{index}]: {d}");
    match err {
        ScimError::Mutability(d) => ScimError::Mutability(detail(d)),
        ScimError::InvalidSyntax(d) => ScimError::InvalidSyntax(detail(d)),
        ScimError::InvalidPath(d) => ScimError::InvalidPath(detail(d)),
        ScimError::NoTarget(d) => ScimError::NoTarget(detail(d)),
        ScimError::InvalidValue(d) => ScimError::InvalidValue(detail(d)),
        ScimError::InvalidFilter(d) => ScimError::InvalidFilter(detail(d)),
        other => other,
    }
}

/// Keeps `schemas` consistent with the extension objects (RFC 7643 §3: `schemas` lists the
/// extensions the resource carries), for the extensions this request touched only, so that a
/// request that changes nothing leaves the document byte-for-byte equal.
fn sync_schemas(original: &Obj, work: &mut Obj, rt: &ResourceTypeDef) {
    for ext in rt.extensions {
        let urn = ext.schema.id;
        let before = keys::get(original, urn);
        if before == keys::get(work, urn) {
            continue;
        }
        if !has_data(keys::get(work, urn)) {
            keys::remove(work, urn);
        }
        let after = keys::get(work, urn);
        if before == after {
            continue;
        }
        let present = has_data(after);
        let schemas = match keys::get_mut(work, "schemas") {
            Some(Value::Array(list)) => list,
            _ if !present => continue,
            _ => {
                keys::set(work, "schemas", Value::Array(vec![rt.schema.id.into()]));
                match keys::get_mut(work, "schemas") {
                    Some(Value::Array(list)) => list,
                    _ => continue,
                }
            }
        };
        let listed = |s: &Value| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn));
        if present && !schemas.iter().any(listed) {
            schemas.push(urn.into());
        } else if !present {
            schemas.retain(|s| !listed(s));
        }
    }
}

/// Whether an extension value holds at least one attribute.
fn has_data(v: Option<&Value>) -> bool {
    v.and_then(Value::as_object).is_some_and(|o| !o.is_empty())
}
