//! Splitting group PATCH requests into member changes and document operations, with the
//! requests Okta and Entra ID send for group push.

use serde_json::{json, Value};

use super::{body, group, kind};
use crate::scim::filter::parse_filter;
use crate::scim::patch::{
    apply_patch, parse_patch_request, split_member_ops, MemberChange, MemberRef, PatchOp,
};
use crate::scim::schema::GROUP;
use crate::scim::ScimError;

fn split(ops: Value) -> Result<(Vec<MemberChange>, Vec<PatchOp>), ScimError> {
    split_member_ops(parse_patch_request(&body(ops))?)
}

fn member(id: &str) -> MemberRef {
    MemberRef {
        value: id.to_owned(),
        display: None,
        member_type: None,
    }
}

#[test]
fn patch_member_forms() {
    let cases: Vec<(&str, Value, Vec<MemberChange>)> = vec![
        (
            "okta adds members with display",
            json!([{ "op": "add", "path": "members", "value": [
                { "value": "u1", "display": "bjensen@example.com" },
                { "value": "u2", "display": "jsmith@example.com", "$ref": null, "type": "User" }
            ] }]),
            vec![MemberChange::Add(vec![
                MemberRef {
                    display: Some("bjensen@example.com".into()),
                    ..member("u1")
                },
                MemberRef {
                    display: Some("jsmith@example.com".into()),
                    member_type: Some("User".into()),
                    ..member("u2")
                },
            ])],
        ),
        (
            "microsoft's reference code: displayName beside value, a name on the operation",
            json!([{ "name": "addMember", "op": "add", "path": "members", "value": [
                { "displayName": "new User", "value": "u1" },
                { "display": "x", "displayName": "y", "$ref": null, "value": "u2" }
            ] }]),
            vec![MemberChange::Add(vec![
                MemberRef {
                    display: Some("new User".into()),
                    ..member("u1")
                },
                MemberRef {
                    display: Some("x".into()),
                    ..member("u2")
                },
            ])],
        ),
        (
            "a single member object and repeats",
            json!([{ "op": "Add", "path": "members", "value": { "value": "u1" } },
                   { "op": "Add", "path": "members", "value": [{ "value": "u2" }, { "value": "u2" }] }]),
            vec![
                MemberChange::Add(vec![member("u1")]),
                MemberChange::Add(vec![member("u2")]),
            ],
        ),
        (
            "okta removes one member by filter",
            json!([{ "op": "remove", "path": "members[value eq \"u1\"]" }]),
            vec![MemberChange::Remove(vec!["u1".into()])],
        ),
        (
            "an or of ids is still removal by id",
            json!([{ "op": "remove", "path": "members[value eq \"u1\" or value eq \"u2\"]" }]),
            vec![MemberChange::Remove(vec!["u1".into(), "u2".into()])],
        ),
        (
            "entra mixed remove and add in one request",
            json!([
                { "op": "Remove", "path": "members", "value": [{ "value": "u1" }, { "value": "u3" }] },
                { "op": "Add", "path": "members", "value": [{ "value": "u2" }] }
            ]),
            vec![
                MemberChange::Remove(vec!["u1".into(), "u3".into()]),
                MemberChange::Add(vec![member("u2")]),
            ],
        ),
        (
            "remove every member",
            json!([{ "op": "remove", "path": "members" }]),
            vec![MemberChange::RemoveAll],
        ),
        (
            "an empty removal list removes nothing",
            json!([{ "op": "Remove", "path": "members", "value": [] }]),
            vec![],
        ),
        (
            "replace the member list",
            json!([{ "op": "replace", "path": "members", "value": [{ "value": "u9" }] }]),
            vec![MemberChange::Replace(vec![member("u9")])],
        ),
        (
            "replace with an empty list empties the group",
            json!([{ "op": "replace", "path": "members", "value": [] }]),
            vec![MemberChange::Replace(vec![])],
        ),
        (
            "path-less add carrying members only",
            json!([{ "op": "add", "value": { "members": [{ "value": "u1" }] } }]),
            vec![MemberChange::Add(vec![member("u1")])],
        ),
        (
            "qualified members path",
            json!([{ "op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:Group:members", "value": [{ "value": "u1" }] }]),
            vec![MemberChange::Add(vec![member("u1")])],
        ),
    ];
    for (name, ops, want) in cases {
        match split(ops) {
            Ok((changes, rest)) => {
                assert_eq!(changes, want, "{name}");
                assert!(rest.is_empty(), "{name}: {rest:?}");
            }
            Err(e) => panic!("{name}: {e:?}"),
        }
    }
}

#[test]
fn patch_member_removal_by_other_filter() {
    let (changes, _) = split(json!([{ "op": "remove", "path": "members[type eq \"Group\"]" }]))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let filter = parse_filter("type eq \"Group\"").unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(changes, vec![MemberChange::RemoveMatching(filter)]);
}

#[test]
fn patch_okta_group_rename_drops_the_echoed_id() {
    let ops =
        json!([{ "op": "replace", "value": { "id": "g-1", "displayName": "Engineering EMEA" } }]);
    let (changes, rest) = split(ops).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(changes.is_empty());
    let mut doc = group();
    let changed = apply_patch(&mut doc, &rest, &GROUP).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(changed);
    let mut want = group();
    want["displayName"] = json!("Engineering EMEA");
    assert_eq!(doc, want);
}

#[test]
fn patch_okta_full_push_splits_members_from_the_document() {
    let ops = json!([
        { "op": "replace", "value": { "id": "g-1", "displayName": "Eng", "members": [{ "value": "u1", "display": "a@b.c" }] } },
        { "op": "add", "path": "externalId", "value": "okta-g-1" }
    ]);
    let (changes, rest) = split(ops).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        changes,
        vec![MemberChange::Replace(vec![MemberRef {
            display: Some("a@b.c".into()),
            ..member("u1")
        }])]
    );
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[0].value, Some(json!({ "displayName": "Eng" })));
    let mut doc = group();
    apply_patch(&mut doc, &rest, &GROUP).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(doc["displayName"], json!("Eng"));
    assert_eq!(doc["externalId"], json!("okta-g-1"));
    assert!(doc.get("members").is_none());
}

#[test]
fn patch_member_errors() {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "empty id",
            json!([{ "op": "add", "path": "members", "value": [{ "value": "" }] }]),
            "invalidValue",
        ),
        (
            "missing id",
            json!([{ "op": "add", "path": "members", "value": [{ "display": "x" }] }]),
            "invalidValue",
        ),
        (
            "id not a string",
            json!([{ "op": "add", "path": "members", "value": [{ "value": 7 }] }]),
            "invalidValue",
        ),
        (
            "member not an object",
            json!([{ "op": "add", "path": "members", "value": ["u1"] }]),
            "invalidValue",
        ),
        (
            "empty id in a filter",
            json!([{ "op": "remove", "path": "members[value eq \"\"]" }]),
            "invalidValue",
        ),
        (
            "unknown member key",
            json!([{ "op": "add", "path": "members", "value": [{ "value": "u1", "role": "x" }] }]),
            "invalidPath",
        ),
        (
            "edit a member's display",
            json!([{ "op": "replace", "path": "members[value eq \"u1\"].display", "value": "x" }]),
            "mutability",
        ),
        (
            "remove a member's type",
            json!([{ "op": "remove", "path": "members[value eq \"u1\"].type" }]),
            "mutability",
        ),
        (
            "members.value",
            json!([{ "op": "remove", "path": "members.value" }]),
            "mutability",
        ),
        (
            "unknown member sub-attribute",
            json!([{ "op": "remove", "path": "members.role" }]),
            "invalidPath",
        ),
        (
            "replace a filtered member",
            json!([{ "op": "replace", "path": "members[value eq \"u1\"]", "value": { "value": "u2" } }]),
            "mutability",
        ),
    ];
    for (name, ops, want) in cases {
        match split(ops) {
            Ok(out) => panic!("{name}: expected {want}, got {out:?}"),
            Err(e) => assert_eq!(kind(&e), want, "{name}: {e:?}"),
        }
    }
}

#[test]
fn patch_member_split_keeps_document_ops_in_order() {
    let ops = json!([
        { "op": "replace", "path": "displayName", "value": "A" },
        { "op": "add", "path": "members", "value": [{ "value": "u1" }] },
        { "op": "add", "path": "externalId", "value": "x" },
        { "op": "remove", "path": "members[value eq \"u1\"]" }
    ]);
    let (changes, rest) = split(ops).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        changes,
        vec![
            MemberChange::Add(vec![member("u1")]),
            MemberChange::Remove(vec!["u1".into()])
        ]
    );
    let paths: Vec<String> = rest.iter().map(|o| format!("{:?}", o.path)).collect();
    assert_eq!(rest.len(), 2, "{paths:?}");
    assert!(paths[0].contains("displayName") && paths[1].contains("externalId"));
}

#[test]
fn patch_member_error_names_the_operation() {
    let err = split(json!([
        { "op": "add", "path": "members", "value": [{ "value": "u1" }] },
        { "op": "add", "path": "members", "value": [{ "value": "" }] }
    ]))
    .err()
    .unwrap_or_else(|| panic!("must fail"));
    assert!(
        err.detail().starts_with("Operations[1]: "),
        "{}",
        err.detail()
    );
}
