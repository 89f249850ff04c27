//! Group membership changes out of PATCH operations. A group can have a hundred thousand
//! members, so `members` is kept out of the group document and changed row by row: this module
//! turns every operation on `members` into an ordered [`MemberChange`] and leaves the rest to
//! `apply_patch`.

use serde_json::Value;

use super::keys::{self, Obj};
use super::value::is_clear;
use super::{at_operation, PatchOp, PatchOpKind};
use crate::scim::filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use crate::scim::ScimError;

/// The core Group schema URN, with which `members` may be fully qualified.
const GROUP_SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// One member as a client sends it (RFC 7643 §4.2). `$ref` is accepted and dropped: the
/// service derives it from `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    /// The member resource's `id`; never empty.
    pub value: String,
    /// The client's `display`, kept for the storage layer to use or ignore.
    pub display: Option<String>,
    /// `User` or `Group` when the client says.
    pub member_type: Option<String>,
}

/// One change to a group's member list, in request order.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberChange {
    /// Add these members; ones already present stay as they are.
    Add(Vec<MemberRef>),
    /// Remove the members with these ids: `members[value eq "x"]` (or an `or` of such
    /// comparisons), or `remove` of `members` with a value list (Entra ID).
    Remove(Vec<String>),
    /// Remove the members matching a filter relative to a member (`value`, `display`,
    /// `type`), for any other `members[…]` filter.
    RemoveMatching(Filter),
    /// `remove` of `members` with no value.
    RemoveAll,
    /// Make the member list exactly this: `replace` of `members`, or a path-less replace
    /// carrying `members` (Okta's full push).
    Replace(Vec<MemberRef>),
}

/// Splits group PATCH operations into ordered member changes and the operations left for the
/// group document (in their order).
///
/// Member sub-attributes can't be patched in place: `members[value eq "x"].display`,
/// `members.type` and the like fail with `mutability`, because RFC 7643 §8.7.1 makes `value`,
/// `$ref` and `type` immutable and `display` is read-only (RFC 7644 §3.5.2.2: removing or
/// writing a read-only attribute is `mutability`); a member is re-pointed by removing it and
/// adding another. For the same reason add or replace on `members[filter]` is `mutability`.
/// Path-less values lose their read-only `id` and `meta` keys here (Okta renames a group with
/// `{"op":"replace","value":{"id":…,"displayName":…}}`); what remains goes to the document.
pub fn split_member_ops(ops: Vec<PatchOp>) -> Result<(Vec<MemberChange>, Vec<PatchOp>), ScimError> {
    let mut changes = Vec::new();
    let mut rest = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        split_one(op, &mut changes, &mut rest).map_err(|e| at_operation(i, e))?;
    }
    Ok((changes, rest))
}

/// Whether a path names the group's `members`.
fn is_members(ap: &AttrPath) -> bool {
    ap.name.eq_ignore_ascii_case("members")
        && !matches!(ap.schema.as_deref(), Some(s) if !s.eq_ignore_ascii_case(GROUP_SCHEMA_URN))
}

fn split_one(
    op: PatchOp,
    changes: &mut Vec<MemberChange>,
    rest: &mut Vec<PatchOp>,
) -> Result<(), ScimError> {
    let PatchOp {
        op: kind,
        path,
        value,
    } = op;
    match path {
        Some(PatchPath::Attr(ap)) if is_members(&ap) => match &ap.sub_attr {
            Some(sub) => Err(sub_attribute(sub)),
            None => whole(kind, value.as_ref(), changes),
        },
        Some(PatchPath::ValuePath {
            attr,
            filter,
            sub_attr,
        }) if is_members(&attr) => match (sub_attr, kind) {
            (Some(sub), _) => Err(sub_attribute(&sub)),
            (None, PatchOpKind::Remove) => {
                changes.push(match ids_of(&filter)? {
                    Some(ids) => MemberChange::Remove(ids),
                    None => MemberChange::RemoveMatching(filter),
                });
                Ok(())
            }
            (None, _) => Err(ScimError::Mutability(
                "members can't be edited in place (RFC 7643 §8.7.1: their sub-attributes are \
                 immutable); remove the member and add another"
                    .to_owned(),
            )),
        },
        None if kind != PatchOpKind::Remove => {
            let Some(Value::Object(obj)) = value else {
                rest.push(PatchOp {
                    op: kind,
                    path,
                    value,
                });
                return Ok(());
            };
            pathless(kind, obj, changes, rest)
        }
        path => {
            rest.push(PatchOp {
                op: kind,
                path,
                value,
            });
            Ok(())
        }
    }
}

/// A path-less add or replace: `members` becomes a member change, `id`/`meta` (read-only,
/// echoed by Okta) are dropped, and the other keys stay one document operation.
fn pathless(
    kind: PatchOpKind,
    mut obj: Obj,
    changes: &mut Vec<MemberChange>,
    rest: &mut Vec<PatchOp>,
) -> Result<(), ScimError> {
    let qualified = format!("{GROUP_SCHEMA_URN}:members");
    let members = keys::remove(&mut obj, "members").or_else(|| keys::remove(&mut obj, &qualified));
    for read_only in ["id", "meta"] {
        keys::remove(&mut obj, read_only);
    }
    match members {
        // An add of nothing changes nothing.
        Some(Value::Null) if kind == PatchOpKind::Add => {}
        Some(members) => whole(kind, Some(&members), changes)?,
        None => {}
    }
    let only_schemas = obj.keys().all(|k| k.eq_ignore_ascii_case("schemas"));
    if !only_schemas {
        rest.push(PatchOp {
            op: kind,
            path: None,
            value: Some(Value::Object(obj)),
        });
    }
    Ok(())
}

/// An operation on the whole `members` attribute.
fn whole(
    kind: PatchOpKind,
    value: Option<&Value>,
    changes: &mut Vec<MemberChange>,
) -> Result<(), ScimError> {
    match kind {
        PatchOpKind::Add => {
            let v = value.filter(|v| !v.is_null()).ok_or_else(|| {
                ScimError::InvalidValue("an add to \"members\" needs a value".to_owned())
            })?;
            let refs = member_refs(v)?;
            if !refs.is_empty() {
                changes.push(MemberChange::Add(refs));
            }
        }
        PatchOpKind::Replace => {
            let v = value.ok_or_else(|| {
                ScimError::InvalidValue("a replace of \"members\" needs a value".to_owned())
            })?;
            let refs = if is_clear(v) {
                Vec::new()
            } else {
                member_refs(v)?
            };
            changes.push(MemberChange::Replace(refs));
        }
        PatchOpKind::Remove => match value.filter(|v| !v.is_null()) {
            None => changes.push(MemberChange::RemoveAll),
            // Entra ID: `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`. An
            // empty list removes nothing (never everything).
            Some(v) => {
                let ids: Vec<String> = member_refs(v)?.into_iter().map(|m| m.value).collect();
                if !ids.is_empty() {
                    changes.push(MemberChange::Remove(ids));
                }
            }
        },
    }
    Ok(())
}

/// Reads members from an array of member objects or a single one, dropping repeats.
fn member_refs(v: &Value) -> Result<Vec<MemberRef>, ScimError> {
    let items: &[Value] = match v {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    };
    let mut out: Vec<MemberRef> = Vec::with_capacity(items.len());
    for item in items {
        let m = member_ref(item)?;
        if !out.iter().any(|o| o.value == m.value) {
            out.push(m);
        }
    }
    Ok(out)
}

/// Reads one member object: `value` a non-empty string, `display` and `type` optional strings,
/// `$ref` ignored; any other key is an unknown sub-attribute. `displayName` is read as
/// `display`: Microsoft's SCIM reference code and its Postman collection send members as
/// `{"displayName": "…", "value": id}`.
fn member_ref(item: &Value) -> Result<MemberRef, ScimError> {
    let Some(obj) = item.as_object() else {
        return Err(ScimError::InvalidValue(format!(
            "a member must be an object such as {{\"value\": \"<id>\"}}, not {item}"
        )));
    };
    let mut member = MemberRef {
        value: String::new(),
        display: None,
        member_type: None,
    };
    for (key, v) in obj {
        let text = match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => {
                return Err(ScimError::InvalidValue(format!(
                    "\"members.{key}\" must be a string, not {other}"
                )))
            }
        };
        match key.to_ascii_lowercase().as_str() {
            "value" => member.value = text.unwrap_or_default(),
            // `display` wins over `displayName` whichever comes first.
            "display" => member.display = text.or(member.display.take()),
            "displayname" => member.display = member.display.take().or(text),
            "type" => member.member_type = text,
            "$ref" => {}
            _ => {
                return Err(ScimError::InvalidPath(format!(
                    "no sub-attribute \"{key}\" on \"members\""
                )))
            }
        }
    }
    if member.value.is_empty() {
        return Err(ScimError::InvalidValue(
            "each member needs a non-empty \"value\" (the member's id)".to_owned(),
        ));
    }
    Ok(member)
}

/// The ids of a filter made only of `value eq "<id>"` joined by `or`; `None` for any other
/// filter.
fn ids_of(filter: &Filter) -> Result<Option<Vec<String>>, ScimError> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(id),
        } if path.schema.is_none()
            && path.sub_attr.is_none()
            && path.name.eq_ignore_ascii_case("value") =>
        {
            if id.is_empty() {
                return Err(ScimError::InvalidValue(
                    "a member id can't be empty".to_owned(),
                ));
            }
            Ok(Some(vec![id.clone()]))
        }
        Filter::Or(a, b) => match (ids_of(a)?, ids_of(b)?) {
            (Some(mut left), Some(right)) => {
                for id in right {
                    if !left.contains(&id) {
                        left.push(id);
                    }
                }
                Ok(Some(left))
            }
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The error for a path into one member's sub-attribute.
fn sub_attribute(sub: &str) -> ScimError {
    match sub.to_ascii_lowercase().as_str() {
        "value" | "$ref" | "type" | "display" => ScimError::Mutability(format!(
            "\"members.{sub}\" can't be changed in place: a member's value, $ref and type are \
             immutable (RFC 7643 §8.7.1) and display is read-only; remove the member and add it \
             again"
        )),
        _ => ScimError::InvalidPath(format!("no sub-attribute \"{sub}\" on \"members\"")),
    }
}
