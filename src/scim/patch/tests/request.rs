//! Parsing PatchOp request bodies: what is accepted, and the error kind of each malformation.

use serde_json::{json, Value};

use super::{body, kind};
use crate::scim::filter::{AttrPath, PatchPath};
use crate::scim::patch::{parse_patch_request, PatchOp, PatchOpKind};

#[test]
fn patch_request_parses_entra_capitalised_ops() {
    let ops = parse_patch_request(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            { "op": "Replace", "path": "active", "value": "False" },
            { "op": "Add", "path": "title", "value": "Guide" },
            { "op": "Remove", "path": "nickName" }
        ]
    }))
    .unwrap_or_else(|e| panic!("{e:?}"));
    let kinds: Vec<PatchOpKind> = ops.iter().map(|o| o.op).collect();
    assert_eq!(
        kinds,
        [PatchOpKind::Replace, PatchOpKind::Add, PatchOpKind::Remove]
    );
    assert_eq!(
        ops[1],
        PatchOp {
            op: PatchOpKind::Add,
            path: Some(PatchPath::Attr(AttrPath {
                schema: None,
                name: "title".into(),
                sub_attr: None
            })),
            value: Some(json!("Guide")),
        }
    );
    assert_eq!(ops[2].value, None);
}

#[test]
fn patch_request_accepts_key_case_and_path_less_forms() {
    let ops = parse_patch_request(&json!({
        "Schemas": ["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],
        "operations": [
            { "OP": "replace", "value": { "active": false } },
            { "op": "replace", "path": "", "value": { "active": true } },
            { "op": "replace", "path": "title", "value": null }
        ]
    }))
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(ops.len(), 3);
    assert!(ops[0].path.is_none() && ops[1].path.is_none());
    // A replace with null is kept: it clears the attribute.
    assert_eq!(ops[2].value, Some(Value::Null));
}

#[test]
fn patch_request_errors() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("not an object", json!([]), "invalidSyntax"),
        (
            "no schemas",
            json!({ "Operations": [{ "op": "add", "value": {} }] }),
            "invalidSyntax",
        ),
        (
            "wrong schema",
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": [{ "op": "add", "value": {} }] }),
            "invalidSyntax",
        ),
        (
            "no Operations",
            json!({ "schemas": [super::PATCH_OP_SCHEMA] }),
            "invalidSyntax",
        ),
        ("empty Operations", body(json!([])), "invalidSyntax"),
        (
            "Operations not an array",
            body(json!({ "op": "add" })),
            "invalidSyntax",
        ),
        (
            "operation not an object",
            body(json!(["add"])),
            "invalidSyntax",
        ),
        (
            "no op",
            body(json!([{ "path": "title", "value": "x" }])),
            "invalidSyntax",
        ),
        (
            "unknown op",
            body(json!([{ "op": "merge", "path": "title", "value": "x" }])),
            "invalidSyntax",
        ),
        (
            "bad path",
            body(json!([{ "op": "add", "path": "emails[type eq", "value": "x" }])),
            "invalidPath",
        ),
        (
            "path not a string",
            body(json!([{ "op": "add", "path": 3, "value": "x" }])),
            "invalidPath",
        ),
        (
            "add without value",
            body(json!([{ "op": "add", "path": "title" }])),
            "invalidValue",
        ),
        (
            "add with null",
            body(json!([{ "op": "add", "path": "title", "value": null }])),
            "invalidValue",
        ),
        (
            "replace without value",
            body(json!([{ "op": "replace", "path": "title" }])),
            "invalidValue",
        ),
        (
            "remove without path (§3.5.2.2)",
            body(json!([{ "op": "remove" }])),
            "noTarget",
        ),
    ];
    for (name, input, want) in cases {
        match parse_patch_request(&input) {
            Ok(ops) => panic!("{name}: expected {want}, got {ops:?}"),
            Err(e) => assert_eq!(kind(&e), want, "{name}: {e:?}"),
        }
    }
}

#[test]
fn patch_request_error_names_the_operation() {
    let err = parse_patch_request(&body(json!([
        { "op": "add", "path": "title", "value": "x" },
        { "op": "remove" }
    ])))
    .err()
    .unwrap_or_else(|| panic!("must fail"));
    assert!(
        err.detail().starts_with("Operations[1]: "),
        "{}",
        err.detail()
    );
}
