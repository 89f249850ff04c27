//! Parsing a PatchOp request body (RFC 7644 §3.5.2) into [`PatchOp`]s: the message schema,
//! the `Operations` array, each operation's `op`, `path` and `value`.

use serde_json::Value;

use super::keys;
use super::{at_operation, PatchOp, PatchOpKind};
use crate::scim::filter::parse_path;
use crate::scim::ScimError;

/// The message schema a PATCH body must declare (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Parses a PatchOp request body.
///
/// Errors: `invalidSyntax` when the body is not a PatchOp message (not an object, no
/// `schemas` naming [`PATCH_OP_SCHEMA`], no non-empty `Operations` array, an operation that is
/// not an object, an unknown `op`); `invalidPath` for a malformed `path`; `invalidValue` when
/// an add lacks a value or a replace has no `value` member (a replace with `null` is kept:
/// it clears); `noTarget` for a remove without a path (RFC 7644 §3.5.2.2). Member names and
/// `op` values are matched case-insensitively: Entra ID sends `"op": "Replace"`.
pub fn parse_patch_request(body: &Value) -> Result<Vec<PatchOp>, ScimError> {
    let Some(obj) = body.as_object() else {
        return Err(ScimError::InvalidSyntax(
            "a PATCH body must be a JSON object".to_owned(),
        ));
    };
    let declared = keys::get(obj, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .any(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
        });
    if !declared {
        return Err(ScimError::InvalidSyntax(format!(
            "a PATCH body must declare \"schemas\": [\"{PATCH_OP_SCHEMA}\"]"
        )));
    }
    let ops = match keys::get(obj, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        Some(Value::Array(_)) => {
            return Err(ScimError::InvalidSyntax(
                "\"Operations\" must hold at least one operation".to_owned(),
            ))
        }
        _ => {
            return Err(ScimError::InvalidSyntax(
                "a PATCH body needs an \"Operations\" array".to_owned(),
            ))
        }
    };
    ops.iter()
        .enumerate()
        .map(|(i, op)| parse_op(op).map_err(|e| at_operation(i, e)))
        .collect()
}

/// Parses one element of `Operations`.
fn parse_op(v: &Value) -> Result<PatchOp, ScimError> {
    let Some(obj) = v.as_object() else {
        return Err(ScimError::InvalidSyntax(
            "each operation must be a JSON object".to_owned(),
        ));
    };
    let op = match keys::get(obj, "op") {
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "add" => PatchOpKind::Add,
            "remove" => PatchOpKind::Remove,
            "replace" => PatchOpKind::Replace,
            _ => {
                return Err(ScimError::InvalidSyntax(format!(
                    "unknown op \"{s}\": expected add, remove or replace"
                )))
            }
        },
        _ => {
            return Err(ScimError::InvalidSyntax(
                "each operation needs an \"op\" string".to_owned(),
            ))
        }
    };
    let path = match keys::get(obj, "path") {
        None | Some(Value::Null) => None,
        // An empty path is read as no path; some clients send `"path": ""` for path-less ops.
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(parse_path(s.trim())?),
        Some(other) => {
            return Err(ScimError::InvalidPath(format!(
                "\"path\" must be a string, not {other}"
            )))
        }
    };
    let value = keys::get(obj, "value").cloned();
    match op {
        // RFC 7644 §3.5.2.1: add "MUST contain a "value" member".
        PatchOpKind::Add if value.as_ref().filter(|v| !v.is_null()).is_none() => Err(
            ScimError::InvalidValue("an add operation needs a \"value\"".to_owned()),
        ),
        PatchOpKind::Replace if value.is_none() => Err(ScimError::InvalidValue(
            "a replace operation needs a \"value\"".to_owned(),
        )),
        // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with … noTarget".
        PatchOpKind::Remove if path.is_none() => Err(ScimError::NoTarget(
            "a remove operation needs a \"path\"".to_owned(),
        )),
        _ => Ok(PatchOp { op, path, value }),
    }
}
