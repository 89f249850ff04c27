//! Validation of the resource documents clients write: the body of a create (POST) or replace
//! (PUT), checked against the resource type's schemas (RFC 7643 §2, §3, §7; RFC 7644 §3.3,
//! §3.5.1) and turned into the document to store, and the immutability check between an old
//! and a new document. Provisioning clients resend what they read and fill blanks with `""`,
//! so this module is lenient where the RFCs allow (ignoring read-only and unknown attributes)
//! and strict where data would be wrong (types, required values, two primaries).

use serde_json::{Map, Value};

use crate::scim::projection::{canonicalize_names, extension, top_level};
use crate::scim::schema::{find, AttrType, AttributeDef, Mutability, ResourceTypeDef};
use crate::scim::ScimError;

/// Validates a create or replace body and returns the document to store.
///
/// - The body must be a JSON object (`InvalidSyntax`).
/// - Attribute names are rewritten to the schema's spelling (RFC 7643 §2.1).
/// - Read-only attributes (`id`, `meta`, `groups`, `manager.displayName`) are dropped: RFC 7644
///   §3.5.1 says they SHALL be ignored, and clients such as Okta resend them. Read-only
///   sub-attributes inside multi-valued elements (a member's `display`) are kept; the storage
///   layer decides what to do with them.
/// - Unknown attributes, and extensions this resource type lacks (with their URN in
///   `schemas`), are dropped.
/// - `null` and `""` mean "absent" (RFC 7643 §2.5); empty arrays and objects are dropped.
/// - Every known attribute must have its defined type (`InvalidValue`), a multi-valued one must
///   be an array, at most one element may be `primary: true` (RFC 7643 §2.4), and required
///   attributes must be present and non-blank.
/// - `schemas` is rebuilt: the core URN first, then each extension that has data.
///
/// `password` (writeOnly) stays in the result: the storage layer hashes it and removes it
/// before anything is persisted or returned.
pub fn prepare_write(input: Value, rt: &ResourceTypeDef) -> Result<Value, ScimError> {
    let mut input = input;
    canonicalize_names(&mut input, rt);
    let Value::Object(fields) = input else {
        return Err(ScimError::InvalidSyntax(
            "the request body must be a JSON object".to_owned(),
        ));
    };
    let mut attributes = Map::new();
    let mut extensions: Vec<(&'static str, Map<String, Value>)> = Vec::new();
    for (key, value) in fields {
        if key == "schemas" {
            check_schemas(&value)?;
        } else if let Some(attr) = top_level(rt, &key) {
            if attr.mutability == Mutability::ReadOnly {
                continue;
            }
            if let Some(v) = check_attr(attr, value, attr.name)? {
                attributes.insert(key, v);
            }
        } else if let Some(ext) = extension(rt, &key) {
            let Value::Object(inner) = value else {
                if value.is_null() {
                    continue;
                }
                return Err(ScimError::InvalidValue(format!(
                    "{key} must be a JSON object holding the extension's attributes"
                )));
            };
            let mut kept = Map::new();
            for (name, v) in inner {
                let Some(attr) = find(ext.attributes, &name) else {
                    continue;
                };
                if attr.mutability == Mutability::ReadOnly {
                    continue;
                }
                let label = format!("{}:{}", ext.id, attr.name);
                if let Some(v) = check_attr(attr, v, &label)? {
                    kept.insert(name, v);
                }
            }
            check_required(ext.attributes, &kept, &format!("{}:", ext.id))?;
            if !kept.is_empty() {
                extensions.push((ext.id, kept));
            }
        }
        // Anything else is unknown to this resource type (e.g. Microsoft's
        // `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`
        // extension): dropped without complaint.
    }
    check_required(rt.schema.attributes, &attributes, "")?;
    for ext in rt.extensions {
        if ext.required && !extensions.iter().any(|(id, _)| *id == ext.schema.id) {
            return Err(ScimError::InvalidValue(format!(
                "the required extension {} is missing",
                ext.schema.id
            )));
        }
    }

    // RFC 7643 §3: `schemas` lists exactly the schemas the document uses. Rebuilding it (rather
    // than trusting the client's list) adds a missing core URN, drops URNs of unknown
    // extensions and of known ones without data, and adds those with data but no URN.
    let mut schemas = vec![Value::from(rt.schema.id)];
    schemas.extend(rt.extensions.iter().filter_map(|ext| {
        let used = extensions.iter().any(|(id, _)| *id == ext.schema.id);
        used.then_some(Value::from(ext.schema.id))
    }));
    let mut out = Map::new();
    out.insert("schemas".to_owned(), Value::Array(schemas));
    out.extend(attributes);
    for (id, data) in extensions {
        out.insert(id.to_owned(), Value::Object(data));
    }
    Ok(Value::Object(out))
}

/// `schemas`, when sent, must be an array of strings. Its content is not trusted (see above).
fn check_schemas(value: &Value) -> Result<(), ScimError> {
    match value {
        Value::Null => Ok(()),
        Value::Array(items) if items.iter().all(Value::is_string) => Ok(()),
        _ => Err(ScimError::InvalidValue(
            "schemas must be an array of schema URN strings".to_owned(),
        )),
    }
}

/// Required attributes (named `prefix` + name in errors) must be present (clearing with `null`/`""` has already removed them)
/// and, if strings, not blank.
fn check_required(
    attrs: &[AttributeDef],
    present: &Map<String, Value>,
    prefix: &str,
) -> Result<(), ScimError> {
    for attr in attrs.iter().filter(|a| a.required) {
        let blank = match present.get(attr.name) {
            None => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        };
        if blank {
            return Err(ScimError::InvalidValue(format!(
                "{prefix}{} is required and must not be empty",
                attr.name
            )));
        }
    }
    Ok(())
}

/// Checks one attribute value; `Ok(None)` means the attribute is absent.
fn check_attr(attr: &AttributeDef, value: Value, label: &str) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if !attr.multi_valued {
        return check_single(attr, value, label, false);
    }
    let Value::Array(items) = value else {
        return Err(ScimError::InvalidValue(format!(
            "{label} is multi-valued and must be a JSON array, not {}",
            json_kind(&value)
        )));
    };
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = check_single(attr, item, label, true)? {
            kept.push(v);
        }
    }
    let primaries = kept
        .iter()
        .filter(|v| v.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(ScimError::InvalidValue(format!(
            "{label} has {primaries} values with primary true; at most one may be primary"
        )));
    }
    Ok((!kept.is_empty()).then_some(Value::Array(kept)))
}

/// Checks a single value (or one element of a multi-valued attribute, `in_array`).
fn check_single(
    attr: &AttributeDef,
    value: Value,
    label: &str,
    in_array: bool,
) -> Result<Option<Value>, ScimError> {
    let value = match (attr.ty, value) {
        (AttrType::Complex, Value::Object(obj)) => {
            return check_complex(attr, obj, label, in_array)
        }
        (_, value) => value,
    };
    let ok = match (attr.ty, &value) {
        (_, Value::Null) => return Ok(None),
        // RFC 7643 §2.5: Entra and Okta send "" for "no value".
        (_, Value::String(s)) if s.is_empty() => return Ok(None),
        (AttrType::String | AttrType::Reference | AttrType::Binary, Value::String(s)) => {
            check_characters(s, label)?;
            true
        }
        (AttrType::Boolean, Value::Bool(_)) => true,
        (AttrType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (AttrType::Decimal, Value::Number(_)) => true,
        // RFC 7643 §2.3.5: xsd:dateTime as profiled by RFC 3339, so with a time zone.
        (AttrType::DateTime, Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        _ => false,
    };
    if ok {
        Ok(Some(value))
    } else {
        Err(ScimError::InvalidValue(format!(
            "{label} must be {}, not {}",
            expected(attr.ty),
            json_kind(&value)
        )))
    }
}

/// Checks the sub-attributes of a complex value. Unknown sub-attributes are dropped, as are
/// read-only ones of a singular attribute (`manager.displayName`); inside a multi-valued
/// element they are kept (see `prepare_write`).
fn check_complex(
    attr: &AttributeDef,
    obj: Map<String, Value>,
    label: &str,
    in_array: bool,
) -> Result<Option<Value>, ScimError> {
    let mut kept = Map::new();
    for (name, v) in obj {
        let Some(sub) = find(attr.sub_attributes, &name) else {
            continue;
        };
        if sub.mutability == Mutability::ReadOnly && !in_array {
            continue;
        }
        let sub_label = format!("{label}.{}", sub.name);
        if let Some(v) = check_attr(sub, v, &sub_label)? {
            kept.insert(name, v);
        }
    }
    if kept.is_empty() {
        return Ok(None);
    }
    check_required(attr.sub_attributes, &kept, &format!("{label}."))?;
    Ok(Some(Value::Object(kept)))
}

/// Refuses control characters in a string a client writes. RFC 7643 §2.3.1 strings are
/// Unicode text, not binary: C0 controls (other than TAB, LF and CR, which multi-line values
/// such as `addresses.formatted` legitimately carry) and DEL are never sent by Okta or Entra
/// and only cause harm downstream (NUL ends strings in C APIs, SQLite's `length()` among them).
pub fn check_characters(s: &str, label: &str) -> Result<(), ScimError> {
    match s
        .chars()
        .find(|c| c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        None => Ok(()),
        Some(c) => Err(ScimError::InvalidValue(format!(
            "{label} contains the control character U+{:04X}; only TAB, LF and CR are allowed",
            u32::from(c)
        ))),
    }
}

fn expected(ty: AttrType) -> &'static str {
    match ty {
        AttrType::String => "a string",
        AttrType::Boolean => "a boolean (true or false)",
        AttrType::Decimal => "a number",
        AttrType::Integer => "an integer",
        AttrType::DateTime => "an RFC 3339 date-time string, e.g. 2024-05-01T12:00:00Z",
        AttrType::Binary => "a base64-encoded string",
        AttrType::Reference => "a URI string",
        AttrType::Complex => "a JSON object",
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks that a write does not change an immutable attribute that already had a value
/// (RFC 7643 §7 `immutable`; RFC 7644 §3.5.1: the input value MUST match, else `mutability`).
///
/// Both documents are stored documents (canonical names). Top-level attributes, those of
/// extensions and the sub-attributes of singular complex attributes are compared; a value
/// absent from `new` is not a change (the caller carries the old one forward). Immutable
/// sub-attributes of multi-valued elements (a group member's `value`) are not compared here:
/// elements have no identity across documents, and membership is managed elsewhere.
pub fn check_immutable(old: &Value, new: &Value, rt: &ResourceTypeDef) -> Result<(), ScimError> {
    let (Value::Object(old), Value::Object(new)) = (old, new) else {
        return Ok(());
    };
    for (key, new_value) in new {
        let Some(old_value) = old.get(key) else {
            continue;
        };
        if let Some(attr) = top_level(rt, key) {
            compare(attr, old_value, new_value, attr.name)?;
        } else if let Some(ext) = extension(rt, key) {
            let (Value::Object(old_ext), Value::Object(new_ext)) = (old_value, new_value) else {
                continue;
            };
            for (name, v) in new_ext {
                if let (Some(attr), Some(old_v)) = (find(ext.attributes, name), old_ext.get(name)) {
                    compare(attr, old_v, v, &format!("{}:{}", ext.id, attr.name))?;
                }
            }
        }
    }
    Ok(())
}

fn compare(attr: &AttributeDef, old: &Value, new: &Value, label: &str) -> Result<(), ScimError> {
    if old.is_null() || new.is_null() {
        return Ok(());
    }
    if attr.mutability == Mutability::Immutable && !same(attr, old, new) {
        return Err(ScimError::Mutability(format!(
            "{label} is immutable and cannot be changed once set"
        )));
    }
    if attr.multi_valued {
        return Ok(());
    }
    if let (Value::Object(old), Value::Object(new)) = (old, new) {
        for (name, v) in new {
            if let (Some(sub), Some(old_v)) = (find(attr.sub_attributes, name), old.get(name)) {
                compare(sub, old_v, v, &format!("{label}.{}", sub.name))?;
            }
        }
    }
    Ok(())
}

/// Equality under the attribute's `caseExact` (RFC 7643 §2.3.1).
fn same(attr: &AttributeDef, old: &Value, new: &Value) -> bool {
    match (old, new) {
        (Value::String(a), Value::String(b)) if !attr.case_exact => a.eq_ignore_ascii_case(b),
        _ => old == new,
    }
}

#[cfg(test)]
mod tests;
