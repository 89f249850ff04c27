//! Case-insensitive access to the keys of a stored SCIM document. Attribute names are
//! case-insensitive (RFC 7643 §2.1), and a stored document may spell a key differently from the
//! schema, so every lookup here ignores ASCII case (attribute names and schema URNs are ASCII by
//! the RFC 7643 §2.1 ABNF). Existing keys keep their spelling; new keys take the schema's.

use serde_json::{Map, Value};

/// A JSON object, as stored.
pub(super) type Obj = Map<String, Value>;

/// The value under `name`, ignoring case.
pub(super) fn get<'m>(map: &'m Obj, name: &str) -> Option<&'m Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// The value under `name`, ignoring case; a JSON `null` counts as absent ("unassigned",
/// RFC 7643 §2.5).
pub(super) fn get_set<'m>(map: &'m Obj, name: &str) -> Option<&'m Value> {
    get(map, name).filter(|v| !v.is_null())
}

/// The mutable value under `name`, ignoring case.
pub(super) fn get_mut<'m>(map: &'m mut Obj, name: &str) -> Option<&'m mut Value> {
    map.iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Sets `canonical` to `value`, overwriting an existing key of any case in place (so the key
/// order of the document is kept), else appending the key in its canonical spelling.
pub(super) fn set(map: &mut Obj, canonical: &str, value: Value) {
    match get_mut(map, canonical) {
        Some(slot) => *slot = value,
        None => {
            map.insert(canonical.to_owned(), value);
        }
    }
}

/// Removes every key that spells `name` in any case, keeping the order of the others, and
/// returns the first removed value.
pub(super) fn remove(map: &mut Obj, name: &str) -> Option<Value> {
    let keys: Vec<String> = map
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    let mut first = None;
    for key in keys {
        if let Some(v) = map.shift_remove(&key) {
            first.get_or_insert(v);
        }
    }
    first
}

/// The object under `name`, created (or overwritten, if it holds something else) when
/// `create` is set; `None` when absent and not created.
pub(super) fn object_mut<'m>(map: &'m mut Obj, name: &str, create: bool) -> Option<&'m mut Obj> {
    let exists = get(map, name).is_some_and(Value::is_object);
    if !exists {
        if !create {
            return None;
        }
        set(map, name, Value::Object(Obj::new()));
    }
    get_mut(map, name).and_then(Value::as_object_mut)
}

/// The elements of the multi-valued attribute under `name`. A stored scalar where a list belongs
/// (older data) is read as a one-element list rather than dropped.
pub(super) fn list(map: &Obj, name: &str) -> Vec<Value> {
    match get_set(map, name) {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// Stores a multi-valued attribute; an empty list leaves the attribute unassigned
/// (RFC 7644 §3.5.2.2: "If no other values remain … the multi-valued attribute SHALL be
/// considered unassigned").
pub(super) fn store_list(map: &mut Obj, canonical: &str, items: Vec<Value>) {
    if items.is_empty() {
        remove(map, canonical);
    } else {
        set(map, canonical, Value::Array(items));
    }
}
