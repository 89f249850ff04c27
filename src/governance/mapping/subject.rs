//! The user as mapping rules see it: the SCIM representation clients read (core and extension
//! attributes, `roles`, and `groups` with each group's id and current name), with the app-role
//! shapes Entra ID sends made one, so that `roles[value eq "Admin"]` matches however the role
//! arrived:
//!
//! - one role per user ("SingleAppRoleAssignment"): `{"primary": true, "value": "Admin"}`
//!   (the dialect has already turned `"True"` into `true`);
//! - every role ("AppRoleAssignmentsComplex", and its assertive successor): elements whose
//!   `value` is a JSON object encoded as a string, `{"id": …, "value": "Admin", "displayName": …}`;
//!   the object's `value` becomes the element's value and `displayName` its `display`;
//! - plain `{"value": "Admin"}` elements, as Okta sends.
//!
//! The stored document keeps what the IdP sent; only evaluation sees the normalized form.

use serde_json::{Map, Value};

use crate::db::users::UserRow;
use crate::directory::render;

/// The document rules are evaluated against.
pub fn of(row: &UserRow) -> Value {
    let groups = row.groups().unwrap_or_default();
    let mut doc = render::user(row, &groups, "");
    normalize_roles(&mut doc);
    doc
}

/// Rewrites JSON-encoded app-role elements of `roles` in place.
pub fn normalize_roles(doc: &mut Value) {
    let Some(roles) = doc
        .as_object_mut()
        .and_then(|d| d.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("roles")))
        .and_then(|(_, v)| v.as_array_mut())
    else {
        return;
    };
    for element in roles.iter_mut() {
        let Some(map) = element.as_object_mut() else {
            continue;
        };
        let Some(encoded) = map.get("value").and_then(Value::as_str) else {
            continue;
        };
        let Ok(Value::Object(inner)) = serde_json::from_str::<Value>(encoded) else {
            continue;
        };
        decode_into(map, &inner);
    }
}

fn decode_into(element: &mut Map<String, Value>, inner: &Map<String, Value>) {
    let field = |name: &str| {
        inner
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    };
    if let Some(value) = field("value") {
        element.insert("value".into(), Value::String(value));
    }
    if let Some(display) = field("displayName") {
        element.entry("display").or_insert(Value::String(display));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_encoded_app_roles_become_plain_elements() {
        let mut doc = json!({ "roles": [
            { "value": "{\"id\":\"7c1\",\"value\":\"Finance.Approver\",\"displayName\":\"Approver\"}" },
            { "value": "Admin", "primary": true },
            { "value": "{not json" },
        ]});
        normalize_roles(&mut doc);
        assert_eq!(
            doc["roles"],
            json!([
                { "value": "Finance.Approver", "display": "Approver" },
                { "value": "Admin", "primary": true },
                { "value": "{not json" },
            ])
        );
    }

    #[test]
    fn documents_without_roles_are_left_alone() {
        let mut doc = json!({ "userName": "a", "roles": "odd" });
        normalize_roles(&mut doc);
        assert_eq!(doc, json!({ "userName": "a", "roles": "odd" }));
    }
}
