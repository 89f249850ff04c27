//! The in-memory filter evaluator (RFC 7644 §3.4.2.2): decides whether a resource, or one
//! element of a multi-valued attribute, matches a parsed `Filter`. Attribute definitions come
//! from the schema (`resolve`), so string comparisons follow each attribute's `caseExact` and
//! values are compared by their declared type. Evaluation never fails: a path naming no
//! attribute, or a value of the wrong JSON type, simply does not match.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde_json::{Map, Number, Value};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::schema::{
    find, resolve, AttrType, AttributeDef, Mutability, ResolvedAttr, ResourceTypeDef, Returned,
    Uniqueness,
};

/// Whether a whole resource, as returned to clients, matches `filter`.
///
/// Core and common attributes are read from the top level, extension attributes from under
/// their schema URN key; JSON keys are matched case-insensitively (RFC 7643 §2.1).
pub fn matches(filter: &Filter, resource: &Value, rt: &ResourceTypeDef) -> bool {
    match filter {
        Filter::Compare { path, op, value } => match resource_targets(resource, rt, path, true) {
            Some((values, def)) => compare_all(&values, def, *op, value),
            None => false,
        },
        Filter::Present(path) => match resource_targets(resource, rt, path, false) {
            Some((values, _)) => values.iter().any(|v| is_present(v)),
            None => false,
        },
        Filter::And(a, b) => matches(a, resource, rt) && matches(b, resource, rt),
        Filter::Or(a, b) => matches(a, resource, rt) || matches(b, resource, rt),
        Filter::Not(inner) => !matches(inner, resource, rt),
        Filter::ValuePath { attr, filter } => {
            let Some(resolved) = resolve(rt, attr) else {
                return false;
            };
            if resolved.sub.is_some() {
                return false;
            }
            let Some(value) = attribute_value(resource, rt, &resolved) else {
                return false;
            };
            elements(value)
                .iter()
                .any(|element| matches_element(filter, element, resolved.attr))
        }
    }
}

/// Whether one element of the multi-valued attribute `attr` matches a value-path filter
/// (the part inside `[...]`, RFC 7644 §3.4.2.2), whose paths name sub-attributes of `attr`.
/// For a multi-valued attribute of simple type the element itself is its `value`.
pub fn matches_element(filter: &Filter, element: &Value, attr: &AttributeDef) -> bool {
    match filter {
        Filter::Compare { path, op, value } => match element_targets(element, attr, path) {
            Some((values, def)) => compare_all(&values, def, *op, value),
            None => false,
        },
        Filter::Present(path) => match element_targets(element, attr, path) {
            Some((values, _)) => values.iter().any(|v| is_present(v)),
            None => false,
        },
        Filter::And(a, b) => matches_element(a, element, attr) && matches_element(b, element, attr),
        Filter::Or(a, b) => matches_element(a, element, attr) || matches_element(b, element, attr),
        Filter::Not(inner) => !matches_element(inner, element, attr),
        // The grammar forbids value paths inside value paths.
        Filter::ValuePath { .. } => false,
    }
}

/// The JSON values a resource path points at, flattened over multi-valued attributes, and the
/// definition they are compared by; `None` when the path names no attribute.
///
/// With `value_fallback`, a path to a complex attribute without a sub-attribute compares the
/// elements' `value` sub-attribute (`emails eq "a@b.c"`, `manager eq "id"`), as RFC 7644
/// §3.4.2.2 does for multi-valued attributes; `pr` (no fallback) looks at the attribute itself.
fn resource_targets<'v>(
    resource: &'v Value,
    rt: &ResourceTypeDef,
    path: &AttrPath,
    value_fallback: bool,
) -> Option<(Vec<&'v Value>, &'static AttributeDef)> {
    let Some(resolved) = resolve(rt, path) else {
        return schemas_targets(resource, path);
    };
    let value = attribute_value(resource, rt, &resolved);
    let sub = match resolved.sub {
        Some(sub) => Some(sub),
        None if value_fallback && resolved.attr.ty == AttrType::Complex => {
            Some(find(resolved.attr.sub_attributes, "value")?)
        }
        None => None,
    };
    let Some(value) = value else {
        return Some((Vec::new(), sub.unwrap_or(resolved.attr)));
    };
    match sub {
        Some(sub) => Some((sub_values(value, sub), sub)),
        None => Some((elements(value).iter().collect(), resolved.attr)),
    }
}

/// `schemas` is no schema attribute (RFC 7643 §3), yet RFC 7644 §3.4.2.2 filters on it
/// (`schemas eq "urn:…:enterprise:2.0:User"`): it is read as a multi-valued string whose URNs
/// compare case-insensitively.
fn schemas_targets<'v>(
    resource: &'v Value,
    path: &AttrPath,
) -> Option<(Vec<&'v Value>, &'static AttributeDef)> {
    static SCHEMAS: AttributeDef = AttributeDef {
        name: "schemas",
        ty: AttrType::Reference,
        multi_valued: true,
        description: "The schema URNs the resource uses.",
        required: true,
        case_exact: false,
        mutability: Mutability::ReadOnly,
        returned: Returned::Always,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &["uri"],
        sub_attributes: &[],
    };
    if path.schema.is_some()
        || path.sub_attr.is_some()
        || !path.name.eq_ignore_ascii_case("schemas")
    {
        return None;
    }
    let values = match resource.as_object().and_then(|o| get_ci(o, "schemas")) {
        Some(v) => elements(v).iter().collect(),
        None => Vec::new(),
    };
    Some((values, &SCHEMAS))
}

/// The JSON value of the attribute a path names (ignoring its sub-attribute), looked up under
/// the extension's URN key when the attribute belongs to a schema extension.
fn attribute_value<'v>(
    resource: &'v Value,
    rt: &ResourceTypeDef,
    resolved: &ResolvedAttr,
) -> Option<&'v Value> {
    let top = resource.as_object()?;
    let container = match resolved.schema {
        Some(schema) if resolved.is_extension(rt) => get_ci(top, schema.id)?.as_object()?,
        _ => top,
    };
    get_ci(container, resolved.attr.name)
}

/// The values a path inside `[...]` points at on one element of `attr`.
fn element_targets<'v, 'd>(
    element: &'v Value,
    attr: &'d AttributeDef,
    path: &AttrPath,
) -> Option<(Vec<&'v Value>, &'d AttributeDef)> {
    if path.schema.is_some() || path.sub_attr.is_some() {
        return None;
    }
    if attr.sub_attributes.is_empty() {
        // RFC 7644 §3.4.2.2: for a multi-valued attribute of simple type, `value` is the
        // element itself (e.g. a list of strings), compared by the attribute's own type.
        if !path.name.eq_ignore_ascii_case("value") {
            return None;
        }
        return Some((elements(element).iter().collect(), attr));
    }
    let sub = find(attr.sub_attributes, &path.name)?;
    let values = match element.as_object().and_then(|o| get_ci(o, sub.name)) {
        Some(v) => elements(v).iter().collect(),
        None => Vec::new(),
    };
    Some((values, sub))
}

/// The values of sub-attribute `sub` across a single or multi-valued complex value.
fn sub_values<'v>(value: &'v Value, sub: &AttributeDef) -> Vec<&'v Value> {
    elements(value)
        .iter()
        .filter_map(|element| element.as_object().and_then(|o| get_ci(o, sub.name)))
        .flat_map(|v| elements(v).iter())
        .collect()
}

/// The elements of a multi-valued value, or the value itself when it is single.
fn elements(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    }
}

/// Looks a key up in a JSON object, exactly first, then ignoring ASCII case (RFC 7643 §2.1:
/// attribute names are case-insensitive, and clients store them in any case).
fn get_ci<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// RFC 7644 §3.4.2.2 `pr`: the attribute has a non-empty value. `null`, `""`, `[]` and `{}` are
/// empty; so is an array or object whose members are all empty (looked at one level deep,
/// which is all SCIM's two-level attributes need).
fn is_present(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(is_shallow_present),
        Value::Object(members) => members.values().any(is_shallow_present),
        other => is_shallow_present(other),
    }
}

fn is_shallow_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Applies a comparison to every value a path points at: a multi-valued attribute matches when
/// any value does. An absent (or null) attribute matches `eq null` and `ne <anything but null>`.
fn compare_all(values: &[&Value], def: &AttributeDef, op: CompareOp, literal: &CompValue) -> bool {
    let present: Vec<&Value> = values.iter().copied().filter(|v| !v.is_null()).collect();
    if *literal == CompValue::Null {
        return match op {
            CompareOp::Eq => present.is_empty(),
            CompareOp::Ne => !present.is_empty(),
            _ => false,
        };
    }
    if present.is_empty() {
        return op == CompareOp::Ne;
    }
    present.iter().any(|v| compare_one(v, def, op, literal))
}

/// Compares one stored value with a literal, by the attribute's declared type.
fn compare_one(value: &Value, def: &AttributeDef, op: CompareOp, literal: &CompValue) -> bool {
    match def.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            match (value.as_str(), literal_text(literal)) {
                (Some(actual), Some(expected)) => {
                    compare_strings(actual, &expected, def.case_exact, op)
                }
                _ => false,
            }
        }
        AttrType::Boolean => match (value_bool(value), literal_bool(literal)) {
            (Some(a), Some(b)) => match op {
                CompareOp::Eq => a == b,
                CompareOp::Ne => a != b,
                _ => false,
            },
            _ => false,
        },
        AttrType::Integer | AttrType::Decimal => {
            let (Some(actual), Some(expected)) = (value_number(value), literal_number(literal))
            else {
                return false;
            };
            compare_numbers(&actual, &expected).is_some_and(|ord| ordering_matches(op, ord))
        }
        AttrType::DateTime => {
            let actual = value.as_str().and_then(parse_date_time);
            let expected = match literal {
                CompValue::String(s) => parse_date_time(s),
                _ => None,
            };
            match (actual, expected) {
                (Some(a), Some(b)) => ordering_matches(op, a.cmp(&b)),
                _ => false,
            }
        }
        AttrType::Complex => false,
    }
}

/// `eq`, `ne`, `gt`, `ge`, `lt`, `le` as an ordering test; `co`, `sw`, `ew` never apply here.
fn ordering_matches(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// String comparison (RFC 7644 §3.4.2.2): case-insensitive unless the attribute is caseExact;
/// `gt`/`ge`/`lt`/`le` compare lexically.
fn compare_strings(actual: &str, expected: &str, case_exact: bool, op: CompareOp) -> bool {
    let (actual, expected) = if case_exact {
        (actual.to_owned(), expected.to_owned())
    } else {
        (actual.to_lowercase(), expected.to_lowercase())
    };
    match op {
        CompareOp::Co => actual.contains(&expected),
        CompareOp::Sw => actual.starts_with(&expected),
        CompareOp::Ew => actual.ends_with(&expected),
        _ => ordering_matches(op, actual.cmp(&expected)),
    }
}

/// The text a literal stands for against a string attribute. Numbers and booleans count too,
/// because IdPs send unquoted ids (`externalId eq 12345`) that the grammar reads as numbers.
fn literal_text(literal: &CompValue) -> Option<String> {
    match literal {
        CompValue::String(s) => Some(s.clone()),
        CompValue::Number(n) => Some(n.to_string()),
        CompValue::Bool(b) => Some(b.to_string()),
        CompValue::Null => None,
    }
}

/// A stored boolean; the strings `"true"`/`"false"` (any case) count, as some IdPs send them.
fn value_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => parse_bool(s),
        _ => None,
    }
}

fn literal_bool(literal: &CompValue) -> Option<bool> {
    match literal {
        CompValue::Bool(b) => Some(*b),
        CompValue::String(s) => parse_bool(s),
        _ => None,
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn value_number(value: &Value) -> Option<Number> {
    match value {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => serde_json::from_str(s.trim()).ok(),
        _ => None,
    }
}

fn literal_number(literal: &CompValue) -> Option<Number> {
    match literal {
        CompValue::Number(n) => Some(n.clone()),
        CompValue::String(s) => serde_json::from_str(s.trim()).ok(),
        _ => None,
    }
}

/// Orders two JSON numbers: exactly when both are integers, else as `f64`.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    fn as_int(n: &Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    match (as_int(a), as_int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Parses an RFC 3339 / xsd:dateTime instant (RFC 7643 §2.3.5). A value without an offset is
/// taken as UTC, which is how IdPs that omit the `Z` mean it.
fn parse_date_time(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt);
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc().fixed_offset())
}
