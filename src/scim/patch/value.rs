//! Checking PATCH values against attribute definitions (RFC 7643 §2.3 data types, §7
//! characteristics), comparing values the way the schema says (`caseExact`), and the
//! one-primary rule of RFC 7643 §2.4.

use serde_json::Value;

use super::keys::{self, Obj};
use crate::scim::schema::{find, AttrType, AttributeDef, Mutability};
use crate::scim::ScimError;

/// Whether a value means "make this unassigned": JSON `null` (RFC 7643 §2.5) or the empty
/// string, which Entra ID sends to clear an attribute.
pub(super) fn is_clear(v: &Value) -> bool {
    v.is_null() || v.as_str() == Some("")
}

/// What a value of `def` must look like, for error details.
fn expected(def: &AttributeDef) -> &'static str {
    match def.ty {
        AttrType::String => "a string",
        AttrType::Reference => "a reference string",
        AttrType::Binary => "a base64 string",
        AttrType::DateTime => "an xsd:dateTime string such as 2024-01-31T12:00:00Z",
        AttrType::Boolean => "a JSON boolean",
        AttrType::Integer => "a JSON integer",
        AttrType::Decimal => "a JSON number",
        AttrType::Complex => "a JSON object",
    }
}

/// Checks one non-null scalar value against its type (RFC 7643 §2.3).
pub(super) fn scalar(def: &AttributeDef, v: &Value, label: &str) -> Result<Value, ScimError> {
    let ok = match def.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => v.is_string(),
        AttrType::DateTime => v
            .as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        AttrType::Boolean => v.is_boolean(),
        AttrType::Integer => v.is_i64() || v.is_u64(),
        AttrType::Decimal => v.is_number(),
        AttrType::Complex => v.is_object(),
    };
    if ok {
        Ok(v.clone())
    } else {
        Err(ScimError::InvalidValue(format!(
            "\"{label}\" must be {}, not {v}",
            expected(def)
        )))
    }
}

/// Reads a complex value as a patch of its sub-attributes: keys in canonical spelling, each
/// value type-checked, and `null` where the client clears a sub-attribute. Read-only
/// sub-attributes are dropped: clients echo them back (e.g. `manager.displayName`), and
/// RFC 7643 §7 says such values are ignored rather than applied.
pub(super) fn complex(def: &AttributeDef, v: &Value, label: &str) -> Result<Obj, ScimError> {
    let Some(obj) = v.as_object() else {
        return Err(ScimError::InvalidValue(format!(
            "\"{label}\" must be a JSON object of sub-attributes, not {v}"
        )));
    };
    let mut out = Obj::new();
    for (key, val) in obj {
        let Some(sub) = find(def.sub_attributes, key) else {
            return Err(ScimError::InvalidPath(format!(
                "no sub-attribute \"{key}\" on \"{label}\""
            )));
        };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let sub_label = format!("{label}.{}", sub.name);
        let norm = if is_clear(val) {
            Value::Null
        } else if sub.multi_valued {
            Value::Array(list(sub, val, &sub_label)?)
        } else {
            scalar(sub, val, &sub_label)?
        };
        out.insert(sub.name.to_owned(), norm);
    }
    Ok(out)
}

/// One new element of a multi-valued attribute, or `None` when nothing writable is left of it.
fn element(def: &AttributeDef, v: &Value, label: &str) -> Result<Option<Value>, ScimError> {
    if v.is_null() {
        return Err(ScimError::InvalidValue(format!(
            "\"{label}\" cannot hold a null value"
        )));
    }
    if def.ty != AttrType::Complex {
        return scalar(def, v, label).map(Some);
    }
    let mut obj = complex(def, v, label)?;
    obj.retain(|_, v| !v.is_null());
    Ok((!obj.is_empty()).then_some(Value::Object(obj)))
}

/// The values for a multi-valued attribute: a JSON array, or a single value standing for a
/// one-element list (RFC 7644 §3.5.2.1 lets `add` carry either).
pub(super) fn list(def: &AttributeDef, v: &Value, label: &str) -> Result<Vec<Value>, ScimError> {
    let items: &[Value] = match v {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(el) = element(def, item, label)? {
            if !out.iter().any(|o| same(def, o, &el)) {
                out.push(el);
            }
        }
    }
    Ok(out)
}

/// Whether two values of `def` are equal: strings by `caseExact` (RFC 7643 §2.2), objects key by
/// key ignoring key case and `null` members, numbers by value.
pub(super) fn same(def: &AttributeDef, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !def.case_exact => {
            x.to_lowercase() == y.to_lowercase()
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(def, p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            let set = |o: &Obj| o.values().filter(|v| !v.is_null()).count();
            set(x) == set(y) && contains(def, y, x)
        }
        _ => a == b,
    }
}

/// Whether every assigned member of `template` appears in `element` with an equal value.
pub(super) fn contains(def: &AttributeDef, element: &Obj, template: &Obj) -> bool {
    template
        .iter()
        .filter(|(_, v)| !v.is_null())
        .all(|(k, tv)| {
            keys::get_set(element, k).is_some_and(|ev| match find(def.sub_attributes, k) {
                Some(sub) => same(sub, ev, tv),
                None => ev == tv,
            })
        })
}

/// Refuses to change an immutable attribute that already has a value (RFC 7643 §7
/// "immutable": set once, "Thereafter, the attribute SHALL NOT be updated").
pub(super) fn check_immutable(
    def: &AttributeDef,
    old: Option<&Value>,
    new: Option<&Value>,
    label: &str,
) -> Result<(), ScimError> {
    if def.mutability != Mutability::Immutable {
        return Ok(());
    }
    match (old.filter(|v| !v.is_null()), new.filter(|v| !v.is_null())) {
        (None, _) => Ok(()),
        (Some(o), Some(n)) if same(def, o, n) => Ok(()),
        _ => Err(ScimError::Mutability(format!(
            "\"{label}\" is immutable and already has a value"
        ))),
    }
}

/// Refuses to leave a required attribute unassigned: RFC 7644 §3.5.2.2 "If an attribute is
/// removed or becomes unassigned and is defined as a required attribute or a read-only
/// attribute, the server SHALL return … a "scimType" error code of "mutability"."
pub(super) fn check_not_required(def: &AttributeDef, label: &str) -> Result<(), ScimError> {
    if def.required {
        Err(ScimError::Mutability(format!(
            "\"{label}\" is required and cannot be removed or cleared"
        )))
    } else {
        Ok(())
    }
}

/// Merges a sub-attribute patch (from [`complex`]) into a stored object: `null` removes,
/// anything else sets. Immutable sub-attributes that already hold a value may not change.
pub(super) fn merge(
    def: &AttributeDef,
    target: &mut Obj,
    patch: &Obj,
    label: &str,
) -> Result<(), ScimError> {
    for (name, new) in patch {
        let Some(sub) = find(def.sub_attributes, name) else {
            continue;
        };
        let sub_label = format!("{label}.{}", sub.name);
        check_immutable(sub, keys::get(target, name), Some(new), &sub_label)?;
        if new.is_null() {
            if keys::get_set(target, name).is_some() {
                check_not_required(sub, &sub_label)?;
            }
            keys::remove(target, name);
        } else {
            keys::set(target, sub.name, new.clone());
        }
    }
    Ok(())
}

/// Whether an element is marked `"primary": true`.
fn is_primary(el: &Value) -> bool {
    el.as_object()
        .and_then(|o| keys::get(o, "primary"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// Enforces RFC 7643 §2.4 after an operation touched the elements at `touched`: "The primary
/// attribute value "true" MUST appear no more than once", and RFC 7644 §3.5.2: setting
/// `primary` on one value makes the server set it `false` on the others. Two touched elements
/// both claiming primary is the client's contradiction, so `invalidValue`.
pub(super) fn settle_primary(
    def: &AttributeDef,
    items: &mut [Value],
    touched: &[usize],
    label: &str,
) -> Result<(), ScimError> {
    if find(def.sub_attributes, "primary").is_none() {
        return Ok(());
    }
    let mut winners: Vec<usize> = touched
        .iter()
        .copied()
        .filter(|&i| items.get(i).is_some_and(is_primary))
        .collect();
    winners.sort_unstable();
    winners.dedup();
    let keep = match winners.as_slice() {
        [] => return Ok(()),
        [keep] => *keep,
        _ => {
            return Err(ScimError::InvalidValue(format!(
                "at most one value of \"{label}\" may have \"primary\": true"
            )))
        }
    };
    for (i, el) in items.iter_mut().enumerate() {
        if i != keep && is_primary(el) {
            if let Some(obj) = el.as_object_mut() {
                keys::set(obj, "primary", Value::Bool(false));
            }
        }
    }
    Ok(())
}
