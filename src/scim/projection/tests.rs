//! Tests of `attributes`/`excludedAttributes` projection and name canonicalization.

use serde_json::{json, Value};

use super::*;
use crate::scim::schema::{GROUP, USER};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GATEHOUSE: &str = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User";

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, GATEHOUSE],
        "id": "2819c223",
        "externalId": "00u1",
        "userName": "bjensen@example.com",
        "password": "t1meMa$heen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "groups": [{"value": "e9e3", "display": "Tour Guides"}],
        ENTERPRISE: {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915", "displayName": "John Smith"},
        },
        GATEHOUSE: {"role": "admin"},
        "meta": {"resourceType": "User", "version": "W/\"3\""},
    })
}

fn group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e3",
        "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "display": "Babs Jensen", "type": "User"}],
        "meta": {"resourceType": "Group"},
    })
}

fn paths(list: &str) -> Vec<AttrPath> {
    parse_attribute_list(list).unwrap_or_default()
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn parses_attribute_lists() {
    // (schema, name, sub-attribute) of each expected path.
    type Parts<'a> = (Option<&'a str>, &'a str, Option<&'a str>);
    let cases: &[(&str, &[Parts])] = &[
        ("", &[]),
        ("userName", &[(None, "userName", None)]),
        (
            " userName , name.givenName,",
            &[(None, "userName", None), (None, "name", Some("givenName"))],
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            &[(Some(ENTERPRISE), "manager", Some("value"))],
        ),
        (
            ENTERPRISE,
            &[(
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
                "User",
                None,
            )],
        ),
    ];
    for (input, expected) in cases {
        let parsed = parse_attribute_list(input);
        let expected: Vec<AttrPath> = expected
            .iter()
            .map(|(schema, name, sub)| AttrPath {
                schema: schema.map(str::to_owned),
                name: (*name).to_owned(),
                sub_attr: sub.map(str::to_owned),
            })
            .collect();
        assert_eq!(parsed, Ok(expected), "{input:?}");
    }
    for bad in [
        "user name",
        "name.given.x",
        "1abc",
        "emails[type eq \"work\"]",
    ] {
        let err = parse_attribute_list(bad);
        assert!(
            matches!(err, Err(ScimError::InvalidValue(_))),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn default_projection_hides_password_only() {
    let out = project(user(), &USER, &[], &[]);
    let mut expected = user();
    if let Some(obj) = expected.as_object_mut() {
        obj.remove("password");
    }
    assert_eq!(out, expected);
}

#[test]
fn password_is_never_projected() {
    for list in ["password", "PASSWORD", "password,userName", ""] {
        let out = project(user(), &USER, &paths(list), &[]);
        assert!(out.get("password").is_none(), "{list:?}");
    }
    let out = project(user(), &USER, &[], &paths("userName"));
    assert!(out.get("password").is_none());
}

#[test]
fn attributes_select_with_always_returned() {
    let table: &[(&str, Value)] = &[
        (
            "userName",
            json!({"schemas": user()["schemas"], "id": "2819c223", "userName": "bjensen@example.com"}),
        ),
        (
            "USERNAME, name",
            json!({
                "schemas": user()["schemas"], "id": "2819c223",
                "userName": "bjensen@example.com",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
            }),
        ),
        (
            "name.familyName,emails.value",
            json!({
                "schemas": user()["schemas"], "id": "2819c223",
                "name": {"familyName": "Jensen"},
                "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}],
            }),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            json!({
                "schemas": user()["schemas"], "id": "2819c223",
                ENTERPRISE: {"manager": {"value": "26118915"}},
            }),
        ),
        (
            // The bare URN selects the whole extension object; case does not matter.
            "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User",
            json!({"schemas": user()["schemas"], "id": "2819c223", ENTERPRISE: user()[ENTERPRISE]}),
        ),
        (
            "department,urn:ietf:params:scim:schemas:core:2.0:User:displayName",
            json!({
                "schemas": user()["schemas"], "id": "2819c223",
                "displayName": "Babs Jensen",
                ENTERPRISE: {"department": "Tour Operations"},
            }),
        ),
        (
            "noSuchThing,urn:example:Nope:x,meta.version",
            json!({"schemas": user()["schemas"], "id": "2819c223", "meta": {"version": "W/\"3\""}}),
        ),
    ];
    for (list, expected) in table {
        let out = project(user(), &USER, &paths(list), &[]);
        assert_eq!(&out, expected, "attributes={list}");
        assert_eq!(keys(&out), keys(expected), "key order for {list}");
    }
}

#[test]
fn excluded_attributes_remove_but_never_always() {
    let out = project(group(), &GROUP, &[], &paths("members"));
    assert_eq!(
        out,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "e9e3",
            "displayName": "Tour Guides",
            "meta": {"resourceType": "Group"},
        })
    );
    let out = project(
        user(),
        &USER,
        &[],
        &paths("id,schemas,emails.type,meta,groups"),
    );
    assert_eq!(out["id"], "2819c223");
    assert!(out.get("schemas").is_some());
    assert!(out.get("meta").is_none() && out.get("groups").is_none());
    assert_eq!(
        out["emails"],
        json!([{"value": "bjensen@example.com", "primary": true}, {"value": "babs@jensen.org"}])
    );
    let out = project(
        user(),
        &USER,
        &[],
        &paths(&format!("{ENTERPRISE},{GATEHOUSE}:role")),
    );
    assert!(out.get(ENTERPRISE).is_none());
    assert!(
        out.get(GATEHOUSE).is_none(),
        "emptied extension objects are dropped"
    );
    let out = project(user(), &USER, &[], &paths("members.display"));
    assert_eq!(
        out,
        project(user(), &USER, &[], &[]),
        "unknown names are ignored"
    );
}

#[test]
fn attributes_win_over_excluded() {
    // RFC 7644 §3.4.2.5 lets a client send only one of the two; when both arrive,
    // `attributes` decides.
    let out = project(user(), &USER, &paths("userName"), &paths("userName"));
    assert_eq!(out["userName"], "bjensen@example.com");
}

#[test]
fn canonicalizes_attribute_names() {
    let mut doc = json!({
        "Schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "UserName": "bjensen",
        "NAME": {"GivenName": "Barbara", "nickname": "kept as unknown sub"},
        "Emails": [{"Value": "b@example.com", "Primary": true}, "not an object"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {
            "Manager": {"VALUE": "26118915", "DisplayName": "John"},
            "costcenter": "4130",
        },
        "x-custom": {"Primary": 1},
    });
    canonicalize_names(&mut doc, &USER);
    assert_eq!(
        doc,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "nickname": "kept as unknown sub"},
            "emails": [{"value": "b@example.com", "primary": true}, "not an object"],
            ENTERPRISE: {
                "manager": {"value": "26118915", "displayName": "John"},
                "costCenter": "4130",
            },
            "x-custom": {"Primary": 1},
        })
    );
    assert_eq!(
        keys(&doc),
        ["schemas", "userName", "name", "emails", ENTERPRISE, "x-custom"]
    );
    let mut members = json!({"Members": [{"Value": "1", "$REF": "u"}], "DisplayName": "G"});
    canonicalize_names(&mut members, &GROUP);
    assert_eq!(
        members,
        json!({"members": [{"value": "1", "$ref": "u"}], "displayName": "G"})
    );
}

#[test]
fn projection_matches_names_case_insensitively_and_keeps_stored_keys() {
    let doc = json!({"schemas": [], "id": "1", "UserName": "b", "Emails": [{"Value": "x", "Type": "work"}]});
    let out = project(doc.clone(), &USER, &paths("username,emails.type"), &[]);
    assert_eq!(
        out,
        json!({"schemas": [], "id": "1", "UserName": "b", "Emails": [{"Type": "work"}]})
    );
    assert_eq!(project(json!("x"), &USER, &[], &[]), json!("x"));
}
