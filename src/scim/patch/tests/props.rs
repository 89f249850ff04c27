//! Property tests: no input makes the engine panic, and a failed request never leaves a
//! partial change behind.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::{group, user};
use crate::scim::filter::parse_path;
use crate::scim::patch::{
    apply_patch, parse_patch_request, split_member_ops, PatchOp, PatchOpKind,
};
use crate::scim::schema::{GROUP, USER};

/// Paths real clients send, some of them wrong on purpose.
const PATHS: &[&str] = &[
    "userName",
    "USERNAME",
    "active",
    "title",
    "displayName",
    "name",
    "name.givenName",
    "name.foo",
    "emails",
    "emails.value",
    "emails.primary",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[type eq \"work\" and primary eq true].value",
    "emails[value co \"@\"].primary",
    "emails[not (type eq \"home\")]",
    "phoneNumbers[type eq \"mobile\"].value",
    "addresses[type eq \"work\"].locality",
    "groups",
    "id",
    "meta",
    "meta.created",
    "password",
    "schemas",
    "members",
    "members[value eq \"u1\"]",
    "members[value eq \"u1\"].display",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
    "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User:external",
    "foo",
    "x509Certificates",
];

/// Keys for generated objects: attribute names, sub-attribute names, qualified keys, junk.
const KEYS: &[&str] = &[
    "value",
    "type",
    "primary",
    "display",
    "givenName",
    "active",
    "userName",
    "name",
    "name.givenName",
    "emails",
    "id",
    "meta",
    "schemas",
    "members",
    "$ref",
    "displayName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "manager",
    "???",
    "emails[type eq \"work\"].value",
    "",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "work",
            "home",
            "u1",
            "x@y.z",
            "2024-01-01T00:00:00Z",
            "False"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..4).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn op() -> impl Strategy<Value = PatchOp> {
    (
        prop::sample::select(vec![
            PatchOpKind::Add,
            PatchOpKind::Remove,
            PatchOpKind::Replace,
        ]),
        prop::option::of(prop::sample::select(PATHS)),
        prop::option::of(json_value()),
    )
        .prop_map(|(op, path, value)| PatchOp {
            op,
            path: path.and_then(|p| parse_path(p).ok()),
            value,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn patch_apply_never_panics_and_is_atomic(ops in prop::collection::vec(op(), 0..6)) {
        for (doc, rt) in [(user(), &USER), (group(), &GROUP)] {
            let mut out = doc.clone();
            match apply_patch(&mut out, &ops, rt) {
                Ok(_) => prop_assert!(out.is_object()),
                Err(_) => prop_assert_eq!(&out, &doc),
            }
        }
        let _ = split_member_ops(ops);
    }

    #[test]
    fn patch_parse_never_panics(ops in prop::collection::vec(json_value(), 0..4), op in json_value()) {
        let mut list = ops;
        list.push(op);
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": list,
        });
        let _ = parse_patch_request(&body);
    }

    #[test]
    fn patch_generated_values_never_panic(value in json_value(), path in prop::sample::select(PATHS)) {
        for kind in ["add", "replace", "remove"] {
            let body = serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    { "op": kind, "path": path, "value": value.clone() },
                    { "op": kind, "value": value.clone() }
                ],
            });
            if let Ok(ops) = parse_patch_request(&body) {
                let mut doc = user();
                let _ = apply_patch(&mut doc, &ops, &USER);
            }
        }
    }
}
