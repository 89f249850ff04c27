//! Every successful PATCH form on a User, with the payloads Okta and Entra ID send. Each case
//! starts from `user()`, applies the request, and compares with `user()` edited by hand.

use serde_json::{json, Value};

use super::{run, user, CORE_USER, ENTERPRISE};
use crate::scim::schema::USER;

/// (case, operations, edit turning `user()` into the expected result, changed)
type Case = (&'static str, Value, fn(&mut Value), bool);

fn remove_key(d: &mut Value, key: &str) {
    if let Some(obj) = d.as_object_mut() {
        obj.shift_remove(key);
    }
}

fn push(list: &mut Value, item: Value) {
    if let Some(list) = list.as_array_mut() {
        list.push(item);
    }
}

fn cases() -> Vec<Case> {
    vec![
        (
            "okta deactivate: path-less replace",
            json!([{ "op": "replace", "value": { "active": false } }]),
            |d| d["active"] = json!(false),
            true,
        ),
        (
            "entra replace active by path",
            json!([{ "op": "Replace", "path": "active", "value": false }]),
            |d| d["active"] = json!(false),
            true,
        ),
        (
            "replace with the same value changes nothing",
            json!([{ "op": "replace", "path": "displayName", "value": "Babs Jensen" }]),
            |_| {},
            false,
        ),
        (
            "entra sets the work email through a value path",
            json!([{ "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com" }]),
            |d| d["emails"][0]["value"] = json!("barbara@example.com"),
            true,
        ),
        (
            "entra value path with no match creates the element from the filter",
            json!([{ "op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100" }]),
            |d| d["phoneNumbers"] = json!([{ "type": "mobile", "value": "+1 555 0100" }]),
            true,
        ),
        (
            "entra primary work mail: created element takes primary from the others",
            json!([{ "op": "Replace", "path": "emails[type eq \"work\" and primary eq true].value", "value": "new@example.com" }]),
            |d| d["emails"][0]["value"] = json!("new@example.com"),
            true,
        ),
        (
            "entra path-less replace with dotted and qualified keys",
            json!([{ "op": "Replace", "value": {
                "name.givenName": "Babs",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984",
                "displayName": "Babs J."
            } }]),
            |d| {
                d["name"]["givenName"] = json!("Babs");
                d["displayName"] = json!("Babs J.");
                d[ENTERPRISE] = json!({ "employeeNumber": "701984" });
                d["schemas"] = json!([CORE_USER, ENTERPRISE]);
            },
            true,
        ),
        (
            "entra sends the manager as a bare id",
            json!([{ "op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "mgr-26118915" }]),
            |d| {
                d[ENTERPRISE] = json!({ "manager": { "value": "mgr-26118915" } });
                d["schemas"] = json!([CORE_USER, ENTERPRISE]);
            },
            true,
        ),
        (
            "entra clears an attribute with an empty string",
            json!([{ "op": "Replace", "path": "displayName", "value": "" }]),
            |d| remove_key(d, "displayName"),
            true,
        ),
        (
            "replace with null clears",
            json!([{ "op": "replace", "path": "name.familyName", "value": null }]),
            |d| d["name"] = json!({ "givenName": "Barbara" }),
            true,
        ),
        (
            "add to a single-valued attribute replaces it",
            json!([{ "op": "add", "path": "title", "value": "Tour Guide" }]),
            |d| d["title"] = json!("Tour Guide"),
            true,
        ),
        (
            "add to a complex attribute merges sub-attributes",
            json!([{ "op": "add", "path": "name", "value": { "middleName": "Jane" } }]),
            |d| d["name"]["middleName"] = json!("Jane"),
            true,
        ),
        (
            "replace of a complex attribute keeps unnamed sub-attributes (§3.5.2.3)",
            json!([{ "op": "replace", "path": "name", "value": { "givenName": "Babs" } }]),
            |d| d["name"]["givenName"] = json!("Babs"),
            true,
        ),
        (
            "add to a multi-valued attribute appends; a single object stands for a list",
            json!([{ "op": "add", "path": "emails", "value": { "value": "b@other.example", "type": "other" } }]),
            |d| {
                push(
                    &mut d["emails"],
                    json!({ "value": "b@other.example", "type": "other" }),
                );
            },
            true,
        ),
        (
            "add of an identical value does not duplicate it",
            json!([{ "op": "add", "path": "emails", "value": [{ "value": "BJENSEN@example.com", "type": "work", "primary": true }] }]),
            |_| {},
            false,
        ),
        (
            "a new primary value clears primary on the others (RFC 7643 §2.4)",
            json!([{ "op": "add", "path": "emails", "value": [{ "value": "b@new.example", "type": "work", "primary": true }] }]),
            |d| {
                d["emails"][0]["primary"] = json!(false);
                push(
                    &mut d["emails"],
                    json!({ "value": "b@new.example", "type": "work", "primary": true }),
                );
            },
            true,
        ),
        (
            "primary set through a value path",
            json!([{ "op": "replace", "path": "emails[type eq \"home\"].primary", "value": true }]),
            |d| {
                d["emails"][0]["primary"] = json!(false);
                d["emails"][1]["primary"] = json!(true);
            },
            true,
        ),
        (
            "replace of a multi-valued attribute swaps the list",
            json!([{ "op": "replace", "path": "emails", "value": [{ "value": "only@example.com", "primary": true }] }]),
            |d| d["emails"] = json!([{ "value": "only@example.com", "primary": true }]),
            true,
        ),
        (
            "replace of a value path merges into the matched values",
            json!([{ "op": "replace", "path": "emails[type eq \"home\"]", "value": { "value": "babs@new-home.example" } }]),
            |d| d["emails"][1]["value"] = json!("babs@new-home.example"),
            true,
        ),
        (
            "okta password change in a path-less replace",
            json!([{ "op": "replace", "value": { "password": "t1meMa$heen" } }]),
            |d| d["password"] = json!("t1meMa$heen"),
            true,
        ),
        (
            "read-only keys in a path-less value are skipped",
            json!([{ "op": "replace", "value": { "id": "other", "meta": {}, "groups": [], "schemas": [], "nickName": "Babs" } }]),
            |d| d["nickName"] = json!("Babs"),
            true,
        ),
        (
            "path-less add with an extension object",
            json!([{ "op": "add", "value": { ENTERPRISE: { "department": "Tour Operations", "manager": { "value": "m1", "displayName": "echoed, read-only" } } } }]),
            |d| {
                d[ENTERPRISE] =
                    json!({ "department": "Tour Operations", "manager": { "value": "m1" } });
                d["schemas"] = json!([CORE_USER, ENTERPRISE]);
            },
            true,
        ),
        (
            "add with the bare extension URN as path",
            json!([{ "op": "add", "path": ENTERPRISE, "value": { "costCenter": "4130" } }]),
            |d| {
                d[ENTERPRISE] = json!({ "costCenter": "4130" });
                d["schemas"] = json!([CORE_USER, ENTERPRISE]);
            },
            true,
        ),
        (
            "names match case-insensitively and new keys take the schema's spelling",
            json!([{ "op": "add", "path": "NICKNAME", "value": "Babs" }, { "op": "replace", "path": "UserName", "value": "babs@example.com" }]),
            |d| {
                d["userName"] = json!("babs@example.com");
                d["nickName"] = json!("Babs");
            },
            true,
        ),
        (
            "remove a single-valued attribute",
            json!([{ "op": "remove", "path": "displayName" }]),
            |d| remove_key(d, "displayName"),
            true,
        ),
        (
            "remove a sub-attribute",
            json!([{ "op": "remove", "path": "name.givenName" }]),
            |d| d["name"] = json!({ "familyName": "Jensen" }),
            true,
        ),
        (
            "remove matching values",
            json!([{ "op": "remove", "path": "emails[type eq \"home\"]" }]),
            |d| {
                d["emails"] =
                    json!([{ "value": "bjensen@example.com", "type": "work", "primary": true }])
            },
            true,
        ),
        (
            "remove matching nothing succeeds unchanged (a retried remove)",
            json!([{ "op": "remove", "path": "emails[type eq \"other\"]" }]),
            |_| {},
            false,
        ),
        (
            "remove a sub-attribute of matching values",
            json!([{ "op": "remove", "path": "emails[type eq \"work\"].primary" }]),
            |d| d["emails"][0] = json!({ "value": "bjensen@example.com", "type": "work" }),
            true,
        ),
        (
            "entra removes a value by listing it",
            json!([{ "op": "Remove", "path": "emails", "value": [{ "value": "babs@home.example" }] }]),
            |d| {
                d["emails"] =
                    json!([{ "value": "bjensen@example.com", "type": "work", "primary": true }])
            },
            true,
        ),
        (
            "removing every value leaves the attribute unassigned",
            json!([{ "op": "remove", "path": "emails" }]),
            |d| remove_key(d, "emails"),
            true,
        ),
        (
            "operations apply in order",
            json!([
                { "op": "add", "path": "title", "value": "A" },
                { "op": "replace", "path": "title", "value": "B" },
                { "op": "remove", "path": "title" },
                { "op": "add", "path": "nickName", "value": "C" }
            ]),
            |d| d["nickName"] = json!("C"),
            true,
        ),
    ]
}

#[test]
fn patch_user_forms() {
    for (name, ops, edit, changed) in cases() {
        let mut expected = user();
        edit(&mut expected);
        match run(&user(), ops, &USER) {
            Ok((doc, did_change)) => {
                assert_eq!(doc, expected, "{name}");
                assert_eq!(did_change, changed, "{name}: changed");
            }
            Err(e) => panic!("{name}: {e:?}"),
        }
    }
}

#[test]
fn patch_extension_lifecycle_keeps_schemas_consistent() {
    let (with_ext, _) = run(
        &user(),
        json!([{ "op": "add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "42" }]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(with_ext["schemas"], json!([CORE_USER, ENTERPRISE]));
    // Removing the last extension attribute removes the object and the URN.
    let (back, changed) = run(
        &with_ext,
        json!([{ "op": "remove", "path": format!("{ENTERPRISE}:employeeNumber") }]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(changed);
    assert_eq!(back, user());
    // Removing from an extension the user doesn't have changes nothing.
    let (same, changed) = run(
        &user(),
        json!([{ "op": "remove", "path": format!("{ENTERPRISE}:department") }]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!changed);
    assert_eq!(same, user());
}

#[test]
fn patch_keeps_stored_key_spelling() {
    let stored = json!({ "schemas": [CORE_USER], "USERNAME": "a", "Name": { "GIVENNAME": "x" } });
    let (doc, _) = run(
        &stored,
        json!([
            { "op": "replace", "path": "userName", "value": "b" },
            { "op": "replace", "path": "name.givenName", "value": "y" }
        ]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        doc,
        json!({ "schemas": [CORE_USER], "USERNAME": "b", "Name": { "GIVENNAME": "y" } })
    );
}

#[test]
fn patch_entra_creates_address_from_filter() {
    let (doc, _) = run(
        &user(),
        json!([
            { "op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Hollywood" },
            { "op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "91608" }
        ]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        doc["addresses"],
        json!([{ "type": "work", "locality": "Hollywood", "postalCode": "91608" }])
    );
}

#[test]
fn patch_entra_replace_creates_the_work_email() {
    let mut stored = user();
    remove_key(&mut stored, "emails");
    let (doc, changed) = run(
        &stored,
        json!([{ "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@example.com" }]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(changed);
    assert_eq!(
        doc["emails"],
        json!([{ "type": "work", "value": "x@example.com" }])
    );
}

#[test]
fn patch_value_filter_matches_stored_keys_of_any_case() {
    let stored = json!({ "schemas": [CORE_USER], "userName": "a", "emails": [{ "VALUE": "a@b.c", "Type": "work" }] });
    let (doc, _) = run(
        &stored,
        json!([{ "op": "Replace", "path": "emails[type eq \"WORK\"].value", "value": "x@example.com" }]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        doc["emails"],
        json!([{ "VALUE": "x@example.com", "Type": "work" }])
    );
}

#[test]
fn patch_entra_creates_primary_work_mail() {
    let mut stored = user();
    remove_key(&mut stored, "emails");
    let (doc, changed) = run(
        &stored,
        json!([{ "op": "Add", "path": "emails[type eq \"work\" and primary eq true].value", "value": "bjensen@example.com" }]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(changed);
    assert_eq!(
        doc["emails"],
        json!([{ "type": "work", "primary": true, "value": "bjensen@example.com" }])
    );
}

#[test]
fn patch_whole_extension_value_may_carry_its_own_schemas() {
    // Clients that serialise an extension as a model send its `schemas` inside it.
    let (patched, changed) = run(
        &user(),
        json!([{
            "op": "add",
            "path": ENTERPRISE,
            "value": { "schemas": [ENTERPRISE], "employeeNumber": "7", "manager": { "value": "m" } }
        }]),
        &USER,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(changed);
    assert_eq!(
        patched[ENTERPRISE],
        json!({ "employeeNumber": "7", "manager": { "value": "m" } })
    );
    assert_eq!(patched["schemas"], json!([CORE_USER, ENTERPRISE]));
}
