//! Microsoft Entra ID's provisioning engine, where it departs from the RFCs:
//! - booleans arrive as strings (`"active": "False"`, `roles[primary eq "True"]`) unless the
//!   app uses the `aadOptscim062020` flag: every string "true"/"false" in a position the schema
//!   types as boolean becomes a JSON boolean, in bodies, PATCH values and filter literals;
//! - the enterprise `manager` arrives as a bare id string, as a one-element list
//!   `[{"$ref": null, "value": id}]` (a PATCH `Add` in Microsoft's docs and reference code), or
//!   as `""` / `{"value": ""}` meaning "clear it" (RFC 7643 §4.3 makes it a single-valued
//!   complex attribute).
//!
//! Capitalised PATCH ops, path-less replaces keyed by attribute paths, typed value paths that
//! create their element, `$ref: null` members and Microsoft's group schema URN are accepted by the
//! core for every client, so they need nothing here.

use serde_json::{Map, Value};

use crate::scim::filter::{parse_attr_path, AttrPath, CompValue, Filter, PatchPath};
use crate::scim::patch::PatchOp;
use crate::scim::schema::{
    resolve, schemas_of, AttrType, AttributeDef, ResourceTypeDef, COMMON_ATTRIBUTES,
};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub fn resource(rt: &ResourceTypeDef, mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        coerce_resource(rt, map);
    }
    body
}

/// Coerces a resource object: core attributes at the top, extension attributes under their URN.
fn coerce_resource(rt: &ResourceTypeDef, map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        if let Some(ext) = schemas_of(rt).find(|s| s.id.eq_ignore_ascii_case(key)) {
            if let Value::Object(inner) = value {
                if ext.id == ENTERPRISE {
                    manager_as_object(inner);
                }
                coerce_object(inner, ext.attributes);
            }
        } else if let Some(def) = find_def(rt, key) {
            coerce(value, def);
        }
    }
}

fn find_def(rt: &ResourceTypeDef, name: &str) -> Option<&'static AttributeDef> {
    crate::scim::schema::find(COMMON_ATTRIBUTES, name)
        .or_else(|| crate::scim::schema::find(rt.schema.attributes, name))
}

fn coerce_object(map: &mut Map<String, Value>, attrs: &'static [AttributeDef]) {
    for (key, value) in map.iter_mut() {
        if let Some(def) = crate::scim::schema::find(attrs, key) {
            coerce(value, def);
        }
    }
}

/// Rewrites `value` to the JSON type `def` declares where Entra sent a string boolean.
fn coerce(value: &mut Value, def: &AttributeDef) {
    match value {
        Value::Array(items) if def.multi_valued => {
            for item in items {
                coerce_single(item, def);
            }
        }
        other => coerce_single(other, def),
    }
}

fn coerce_single(value: &mut Value, def: &AttributeDef) {
    match (def.ty, &mut *value) {
        (AttrType::Boolean, Value::String(s)) => {
            if let Some(b) = string_bool(s) {
                *value = Value::Bool(b);
            }
        }
        (AttrType::Complex, Value::Object(inner)) => coerce_object(inner, def.sub_attributes),
        _ => {}
    }
}

fn string_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `"manager": "id"` → `{"value": "id"}`; `""` or `{"value": ""}` → removed (clear it).
fn manager_as_object(ext: &mut Map<String, Value>) {
    let Some(key) = ext
        .keys()
        .find(|k| k.eq_ignore_ascii_case("manager"))
        .cloned()
    else {
        return;
    };
    if let Some(value) = ext.get_mut(&key) {
        unwrap_manager_list(value);
    }
    let clear = match ext.get(&key) {
        Some(Value::String(id)) if id.is_empty() => true,
        Some(Value::String(id)) => {
            let id = id.clone();
            ext.insert(key.clone(), serde_json::json!({ "value": id }));
            false
        }
        Some(Value::Object(m)) => m
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("value"))
            .is_some_and(|(_, v)| v.as_str() == Some("") || v.is_null()),
        _ => false,
    };
    if clear {
        ext.remove(&key);
    }
}

pub fn patch_ops(rt: &ResourceTypeDef, ops: Vec<PatchOp>) -> Vec<PatchOp> {
    ops.into_iter().map(|op| patch_op(rt, op)).collect()
}

fn patch_op(rt: &ResourceTypeDef, mut op: PatchOp) -> PatchOp {
    let leaf = match &mut op.path {
        Some(PatchPath::Attr(path)) => resolve(rt, path).map(|r| r.leaf()),
        Some(PatchPath::ValuePath {
            attr,
            filter,
            sub_attr,
        }) => {
            let parent = resolve(rt, attr).map(|r| r.attr);
            if let Some(parent) = parent {
                *filter = element_filter(
                    parent,
                    std::mem::replace(filter, Filter::Present(attr.clone())),
                );
            }
            match (parent, sub_attr) {
                (Some(parent), Some(sub)) => crate::scim::schema::find(parent.sub_attributes, sub),
                (parent, None) => parent,
                (None, Some(_)) => None,
            }
        }
        None => None,
    };
    if let Some(value) = op.value.as_mut() {
        match (&op.path, leaf) {
            (Some(_), Some(def)) => {
                coerce(value, def);
                if def.name == "manager" {
                    manager_value(value);
                }
            }
            (None, _) => {
                if let Value::Object(map) = value {
                    coerce_pathless(rt, map);
                }
            }
            _ => {}
        }
    }
    op
}

/// A path-less value whose keys may be attribute paths (`name.givenName`, URN-qualified).
fn coerce_pathless(rt: &ResourceTypeDef, map: &mut Map<String, Value>) {
    coerce_resource(rt, map);
    for (key, value) in map.iter_mut() {
        if key.contains('.') || key.contains(':') {
            if let Some(r) = parse_attr_path(key).ok().and_then(|p| resolve(rt, &p)) {
                coerce(value, r.leaf());
                if r.leaf().name == "manager" {
                    manager_value(value);
                }
            }
        }
    }
}

/// `[{"$ref": null, "value": id}]` → `{"value": id}`: the one element of a list, without a null
/// `$ref` (the service derives `$ref` from `value`); an empty list is `null` (clear it). A list
/// of several managers is left for the core to refuse: `manager` is single-valued.
fn unwrap_manager_list(value: &mut Value) {
    let Value::Array(items) = value else {
        return;
    };
    match items.len() {
        0 => *value = Value::Null,
        1 => {
            let mut item = items.remove(0);
            if let Value::Object(m) = &mut item {
                m.retain(|k, v| !(k.eq_ignore_ascii_case("$ref") && v.is_null()));
            }
            *value = item;
        }
        _ => {}
    }
}

/// A manager set through a path: a one-element list is its element; `""` or `{"value": ""}`
/// clears it (as `null` does).
fn manager_value(value: &mut Value) {
    unwrap_manager_list(value);
    let empty = match value {
        Value::String(s) => s.is_empty(),
        Value::Object(m) => m.get("value").is_some_and(|v| v.as_str() == Some("")),
        _ => false,
    };
    if empty {
        *value = Value::Null;
    }
}

/// Filter literals compared with boolean attributes become booleans, at the top level and
/// inside value paths (`roles[primary eq "True"]`).
pub fn filter(rt: &ResourceTypeDef, filter: Filter) -> Filter {
    rewrite(
        filter,
        &|path| resolve(rt, path).map(|r| r.leaf().ty),
        &|attr| resolve(rt, attr).map(|r| r.attr),
    )
}

/// The same for a PATCH value path's filter, whose paths are relative to the parent attribute.
fn element_filter(parent: &'static AttributeDef, filter: Filter) -> Filter {
    rewrite(
        filter,
        &|path| crate::scim::schema::find(parent.sub_attributes, &path.name).map(|d| d.ty),
        &|_| None,
    )
}

type TypeOf<'a> = &'a dyn Fn(&AttrPath) -> Option<AttrType>;
type ParentOf<'a> = &'a dyn Fn(&AttrPath) -> Option<&'static AttributeDef>;

fn rewrite(filter: Filter, type_of: TypeOf<'_>, parent_of: ParentOf<'_>) -> Filter {
    let again = |f: Box<Filter>| Box::new(rewrite(*f, type_of, parent_of));
    match filter {
        Filter::Compare {
            path,
            op,
            value: CompValue::String(s),
        } if type_of(&path) == Some(AttrType::Boolean) => {
            let value = string_bool(&s)
                .map(CompValue::Bool)
                .unwrap_or(CompValue::String(s));
            Filter::Compare { path, op, value }
        }
        Filter::And(a, b) => Filter::And(again(a), again(b)),
        Filter::Or(a, b) => Filter::Or(again(a), again(b)),
        Filter::Not(a) => Filter::Not(again(a)),
        Filter::ValuePath { attr, filter } => {
            let inner = match parent_of(&attr) {
                Some(parent) => element_filter(parent, *filter),
                None => *filter,
            };
            Filter::ValuePath {
                attr,
                filter: Box::new(inner),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::filter::{parse_filter, parse_path};
    use crate::scim::patch::parse_patch_request;
    use crate::scim::schema::{GROUP, USER};

    #[test]
    fn string_booleans_in_a_body_become_booleans_where_the_schema_says_boolean() {
        let body = resource(
            &USER,
            json!({
                "userName": "a@b.c",
                "active": "False",
                "emails": [{ "value": "a@b.c", "primary": "True" }],
                "roles": [{ "value": "Admin", "primary": "true" }],
                "title": "True",
            }),
        );
        assert_eq!(body["active"], json!(false));
        assert_eq!(body["emails"][0]["primary"], json!(true));
        assert_eq!(body["roles"][0]["primary"], json!(true));
        assert_eq!(
            body["title"],
            json!("True"),
            "a string attribute keeps its text"
        );
    }

    #[test]
    fn a_bare_manager_id_becomes_a_complex_value_and_an_empty_one_clears_it() {
        let body = resource(
            &USER,
            json!({ ENTERPRISE: { "manager": "m-1", "department": "X" } }),
        );
        assert_eq!(body[ENTERPRISE]["manager"], json!({ "value": "m-1" }));
        let body = resource(&USER, json!({ ENTERPRISE: { "manager": "" } }));
        assert!(body[ENTERPRISE].get("manager").is_none());
        let body = resource(&USER, json!({ ENTERPRISE: { "manager": { "value": "" } } }));
        assert!(body[ENTERPRISE].get("manager").is_none());
    }

    fn ops(body: serde_json::Value) -> Vec<PatchOp> {
        patch_ops(&USER, parse_patch_request(&body).unwrap())
    }

    #[test]
    fn patch_values_and_value_path_filters_lose_their_string_booleans() {
        let ops = ops(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                { "op": "Replace", "path": "active", "value": "False" },
                { "op": "Add", "path": "roles[primary eq \"True\"].value", "value": "Admin" },
                { "op": "Replace", "value": { "active": "True", "name.givenName": "A" } },
            ]
        }));
        assert_eq!(ops[0].value, Some(json!(false)));
        assert_eq!(
            ops[1].path,
            Some(parse_path("roles[primary eq true].value").unwrap())
        );
        assert_eq!(ops[2].value.as_ref().unwrap()["active"], json!(true));
    }

    #[test]
    fn a_manager_cleared_through_a_path_becomes_null() {
        let ops = ops(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Replace",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                "value": { "value": "" }
            }]
        }));
        assert_eq!(ops[0].value, Some(serde_json::Value::Null));
    }

    #[test]
    fn a_manager_sent_as_a_one_element_list_becomes_its_element() {
        let ops = ops(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                { "op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": [{ "$ref": null, "value": "m-1" }] },
                { "op": "Add", "value": { format!("{ENTERPRISE}:manager"): [{ "$ref": null, "value": "m-2" }] } },
                { "op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": [] },
            ]
        }));
        assert_eq!(ops[0].value, Some(json!({ "value": "m-1" })));
        assert_eq!(
            ops[1].value.as_ref().unwrap()[format!("{ENTERPRISE}:manager")],
            json!({ "value": "m-2" })
        );
        assert_eq!(ops[2].value, Some(serde_json::Value::Null));
        let body = resource(
            &USER,
            json!({ ENTERPRISE: { "manager": [{ "$ref": null, "value": "m-3" }] } }),
        );
        assert_eq!(body[ENTERPRISE]["manager"], json!({ "value": "m-3" }));
    }

    #[test]
    fn list_filters_compare_booleans_as_booleans() {
        let f = filter(
            &USER,
            parse_filter(r#"roles[primary eq "True"] and active eq "false""#).unwrap(),
        );
        assert_eq!(
            f,
            parse_filter("roles[primary eq true] and active eq false").unwrap()
        );
        let g = filter(&GROUP, parse_filter(r#"displayName eq "True""#).unwrap());
        assert_eq!(g, parse_filter(r#"displayName eq "True""#).unwrap());
    }
}
