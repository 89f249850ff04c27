//! Every PATCH error the engine raises on a valid request body, and the all-or-nothing rule.

use serde_json::{json, Value};

use super::{group, kind, run, user, ENTERPRISE};
use crate::scim::filter::{parse_path, PatchPath};
use crate::scim::patch::{apply_patch, PatchOp, PatchOpKind};
use crate::scim::schema::{GROUP, USER};

/// (case, operations, expected scimType, text the detail must contain)
type Case = (&'static str, Value, &'static str, &'static str);

fn cases() -> Vec<Case> {
    vec![
        (
            "replace id",
            json!([{ "op": "replace", "path": "id", "value": "x" }]),
            "mutability",
            "\"id\" is read-only",
        ),
        (
            "remove meta",
            json!([{ "op": "remove", "path": "meta" }]),
            "mutability",
            "read-only",
        ),
        (
            "add groups",
            json!([{ "op": "add", "path": "groups", "value": [{ "value": "g" }] }]),
            "mutability",
            "\"groups\" is read-only",
        ),
        (
            "manager.displayName is read-only",
            json!([{ "op": "replace", "path": format!("{ENTERPRISE}:manager.displayName"), "value": "Boss" }]),
            "mutability",
            "manager.displayName\" is read-only",
        ),
        (
            "remove a required attribute (§3.5.2.2)",
            json!([{ "op": "remove", "path": "userName" }]),
            "mutability",
            "\"userName\" is required",
        ),
        (
            "clear a required attribute",
            json!([{ "op": "Replace", "path": "userName", "value": "" }]),
            "mutability",
            "required",
        ),
        (
            "explicit schemas path",
            json!([{ "op": "add", "path": "schemas", "value": [ENTERPRISE] }]),
            "mutability",
            "schemas",
        ),
        (
            "unknown attribute",
            json!([{ "op": "add", "path": "foo", "value": "x" }]),
            "invalidPath",
            "no attribute \"foo\" on User",
        ),
        (
            "unknown sub-attribute",
            json!([{ "op": "add", "path": "name.nickname", "value": "x" }]),
            "invalidPath",
            "no attribute \"name.nickname\" on User",
        ),
        (
            "unknown key in a path-less value",
            json!([{ "op": "replace", "value": { "active": false, "foo": 1 } }]),
            "invalidPath",
            "no attribute \"foo\" on User",
        ),
        (
            "unknown sub-attribute in a value",
            json!([{ "op": "add", "path": "emails", "value": [{ "value": "a@b.c", "kind": "work" }] }]),
            "invalidPath",
            "no sub-attribute \"kind\" on \"emails\"",
        ),
        (
            "unknown extension attribute",
            json!([{ "op": "add", "value": { ENTERPRISE: { "badge": "1" } } }]),
            "invalidPath",
            "badge",
        ),
        (
            "filter on a single-valued attribute",
            json!([{ "op": "replace", "path": "name[givenName eq \"x\"].familyName", "value": "y" }]),
            "invalidPath",
            "multi-valued",
        ),
        (
            "boolean must be a JSON boolean",
            json!([{ "op": "replace", "path": "active", "value": "False" }]),
            "invalidValue",
            "\"active\" must be a JSON boolean",
        ),
        (
            "string must be a string",
            json!([{ "op": "replace", "value": { "displayName": 7 } }]),
            "invalidValue",
            "\"displayName\" must be a string",
        ),
        (
            "complex must be an object",
            json!([{ "op": "add", "path": "name", "value": ["x"] }]),
            "invalidValue",
            "\"name\" must be a JSON object",
        ),
        (
            "elements must be objects",
            json!([{ "op": "add", "path": "emails", "value": ["a@b.c"] }]),
            "invalidValue",
            "\"emails\" must be a JSON object",
        ),
        (
            "sub-attribute type",
            json!([{ "op": "add", "path": "emails[type eq \"work\"].primary", "value": "yes" }]),
            "invalidValue",
            "\"emails[…].primary\" must be a JSON boolean",
        ),
        (
            "path-less value must be an object",
            json!([{ "op": "replace", "value": "x" }]),
            "invalidValue",
            "object of attributes",
        ),
        (
            "two primaries at once",
            json!([{ "op": "replace", "path": "emails", "value": [{ "value": "a@b.c", "primary": true }, { "value": "d@e.f", "primary": true }] }]),
            "invalidValue",
            "at most one value",
        ),
        (
            "empty removal template",
            json!([{ "op": "remove", "path": "emails", "value": [{}] }]),
            "invalidValue",
            "at least one sub-attribute",
        ),
        (
            "add to a value path matching nothing",
            json!([{ "op": "add", "path": "emails[type eq \"other\"]", "value": { "display": "x" } }]),
            "noTarget",
            "selects no value",
        ),
        (
            "replace a value path matching nothing",
            json!([{ "op": "replace", "path": "emails[type eq \"other\"]", "value": { "value": "x@y.z" } }]),
            "noTarget",
            "selects no value",
        ),
        (
            "non-eq filter can't create an element",
            json!([{ "op": "replace", "path": "emails[value co \"nobody\"].type", "value": "work" }]),
            "noTarget",
            "selects no value",
        ),
        (
            "sub-attribute of an empty list",
            json!([{ "op": "replace", "path": "phoneNumbers.type", "value": "work" }]),
            "noTarget",
            "phoneNumbers",
        ),
    ]
}

#[test]
fn patch_errors_by_kind() {
    for (name, ops, want, detail) in cases() {
        match run(&user(), ops, &USER) {
            Ok((doc, _)) => panic!("{name}: expected {want}, got {doc}"),
            Err(e) => {
                assert_eq!(kind(&e), want, "{name}: {e:?}");
                assert!(
                    e.detail().contains(detail),
                    "{name}: detail {:?}",
                    e.detail()
                );
                assert!(
                    e.detail().starts_with("Operations[0]: "),
                    "{name}: {:?}",
                    e.detail()
                );
            }
        }
    }
}

#[test]
fn patch_third_operation_failing_leaves_document_unchanged() {
    let ops = json!([
        { "op": "replace", "path": "displayName", "value": "Changed" },
        { "op": "add", "path": "emails", "value": [{ "value": "new@example.com", "primary": true }] },
        { "op": "replace", "path": "id", "value": "hijack" },
        { "op": "replace", "path": "title", "value": "never applied" }
    ]);
    let stored = user();
    let parsed = super::parse_patch_request(&super::body(ops)).unwrap_or_else(|e| panic!("{e:?}"));
    let mut doc = stored.clone();
    let err = apply_patch(&mut doc, &parsed, &USER).err();
    assert_eq!(doc, stored, "all-or-nothing");
    let err = err.unwrap_or_else(|| panic!("the third operation must fail"));
    assert_eq!(kind(&err), "mutability");
    assert!(
        err.detail().starts_with("Operations[2]: "),
        "{}",
        err.detail()
    );
}

#[test]
fn patch_remove_without_path_is_no_target_even_when_built_directly() {
    let op = PatchOp {
        op: PatchOpKind::Remove,
        path: None,
        value: None,
    };
    let mut doc = user();
    let err = apply_patch(&mut doc, &[op], &USER).err();
    assert_eq!(err.as_ref().map(kind), Some("noTarget"));
}

#[test]
fn patch_add_without_value_is_invalid_value_when_built_directly() {
    let path = parse_path("title")
        .map(Some)
        .unwrap_or_else(|e| panic!("{e:?}"));
    for op in [PatchOpKind::Add, PatchOpKind::Replace] {
        let ops = [PatchOp {
            op,
            path: path.clone(),
            value: None,
        }];
        let err = apply_patch(&mut user(), &ops, &USER).err();
        assert_eq!(err.as_ref().map(kind), Some("invalidValue"), "{op}");
    }
}

#[test]
fn patch_resource_that_is_not_an_object_is_refused() {
    let mut doc = json!([1, 2]);
    let err = apply_patch(&mut doc, &[], &USER).err();
    assert_eq!(err.as_ref().map(kind), Some("invalidValue"));
    assert_eq!(doc, json!([1, 2]));
}

#[test]
fn patch_immutable_member_value_cannot_change() {
    // Groups keep members out of the document, but the engine still honours `immutable`
    // wherever the schema declares it (RFC 7643 §7).
    let mut stored = group();
    stored["members"] = json!([{ "value": "u1", "type": "User" }]);
    let path = parse_path("members[value eq \"u1\"].value").unwrap_or_else(|e| panic!("{e:?}"));
    assert!(matches!(path, PatchPath::ValuePath { .. }));
    let ops = [PatchOp {
        op: PatchOpKind::Replace,
        path: Some(path),
        value: Some(json!("u2")),
    }];
    let mut doc = stored.clone();
    let err = apply_patch(&mut doc, &ops, &GROUP).err();
    assert_eq!(err.as_ref().map(kind), Some("mutability"));
    assert_eq!(doc, stored);
}

#[test]
fn patch_group_required_display_name() {
    let err = run(
        &group(),
        json!([{ "op": "remove", "path": "displayName" }]),
        &GROUP,
    )
    .err();
    assert_eq!(err.as_ref().map(kind), Some("mutability"));
}
