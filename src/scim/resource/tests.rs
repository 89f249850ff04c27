//! Tests of create/replace body validation and the immutability check.

use serde_json::{json, Value};

use super::*;
use crate::scim::schema::{AttributeDef, ExtensionDef, Returned, SchemaDef, Uniqueness};
use crate::scim::schema::{GROUP, USER};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GATEHOUSE: &str = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User";
const MS_GROUP: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

fn ok(input: Value, rt: &ResourceTypeDef) -> Value {
    match prepare_write(input, rt) {
        Ok(v) => v,
        Err(e) => Value::String(format!("unexpected error: {e:?}")),
    }
}

#[test]
fn okta_create_body_is_cleaned() {
    let input = json!({
        "schemas": [CORE, ENTERPRISE],
        "id": "client-made-up",
        "meta": {"resourceType": "User", "created": "2020-01-01T00:00:00Z"},
        "groups": [{"value": "g1"}],
        "UserName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen", "middleName": ""},
        "Emails": [{"Primary": true, "value": "bjensen@example.com", "type": "work"}],
        "displayName": "Babs",
        "nickName": null,
        "locale": "",
        "active": true,
        "password": "t1meMa$heen",
        "phoneNumbers": [],
        "roles": [{"value": ""}],
        "favouriteColour": "blue",
        ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "26118915", "displayName": "John"}},
        GATEHOUSE: {"role": "admin", "external": false},
    });
    assert_eq!(
        ok(input, &USER),
        json!({
            "schemas": [CORE, ENTERPRISE, GATEHOUSE],
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"primary": true, "value": "bjensen@example.com", "type": "work"}],
            "displayName": "Babs",
            "active": true,
            "password": "t1meMa$heen",
            ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "26118915"}},
            GATEHOUSE: {"role": "admin", "external": false},
        })
    );
}

#[test]
fn schemas_are_rebuilt_from_the_data() {
    let cases = [
        // Absent `schemas`: the core URN is added.
        (json!({"userName": "a"}), json!([CORE])),
        // Core URN missing, extension data without its URN.
        (
            json!({"schemas": [ENTERPRISE], "userName": "a", ENTERPRISE: {"department": "x"}}),
            json!([CORE, ENTERPRISE]),
        ),
        // A declared extension without data is dropped; case of URNs does not matter.
        (
            json!({"schemas": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER", GATEHOUSE], "userName": "a"}),
            json!([CORE]),
        ),
        // An extension object that is cleared entirely counts as no data.
        (
            json!({"schemas": [CORE, ENTERPRISE], "userName": "a", ENTERPRISE: {"department": ""}}),
            json!([CORE]),
        ),
    ];
    for (input, schemas) in cases {
        let out = ok(input.clone(), &USER);
        assert_eq!(out["schemas"], schemas, "{input}");
    }
}

#[test]
fn microsoft_group_extension_is_dropped() {
    let input = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", MS_GROUP],
        "externalId": "8aa1a0c0",
        "displayName": "Sales",
        "members": [{"value": "u1", "display": "Ann"}],
        MS_GROUP: {"description": "Sales team"},
    });
    assert_eq!(
        ok(input, &GROUP),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "externalId": "8aa1a0c0",
            "displayName": "Sales",
            "members": [{"value": "u1", "display": "Ann"}],
        })
    );
}

#[test]
fn invalid_bodies_are_rejected() {
    let table: &[(Value, &str)] = &[
        (
            json!({"displayName": "no user name"}),
            "userName is required",
        ),
        (json!({"userName": ""}), "userName is required"),
        (json!({"userName": "   "}), "userName is required"),
        (json!({"userName": null}), "userName is required"),
        (
            json!({"userName": 42}),
            "userName must be a string, not a number",
        ),
        (
            json!({"userName": "a", "active": "true"}),
            "active must be a boolean",
        ),
        (
            json!({"userName": "a", "name": "Ann"}),
            "name must be a JSON object",
        ),
        (
            json!({"userName": "a", "emails": {"value": "a@example.com"}}),
            "emails is multi-valued and must be a JSON array",
        ),
        (
            json!({"userName": "a", "emails": [{"value": 1}]}),
            "emails.value must be a string",
        ),
        (
            json!({"userName": "a", "emails": [
                {"value": "a@example.com", "primary": true},
                {"value": "b@example.com", "Primary": true},
            ]}),
            "emails has 2 values with primary true",
        ),
        (
            json!({"userName": "a", ENTERPRISE: "Sales"}),
            "must be a JSON object holding the extension's attributes",
        ),
        (
            json!({"userName": "a", GATEHOUSE: {"external": "no"}}),
            "gatehouse:2.0:User:external must be a boolean",
        ),
        (
            json!({"schemas": CORE, "userName": "a"}),
            "schemas must be an array",
        ),
    ];
    for (input, detail) in table {
        let result = prepare_write(input.clone(), &USER);
        let matched = matches!(&result, Err(ScimError::InvalidValue(d)) if d.contains(detail));
        assert!(
            matched,
            "{input}: expected InvalidValue({detail:?}), got {result:?}"
        );
    }
    let missing = prepare_write(json!({"members": []}), &GROUP);
    assert!(matches!(missing, Err(ScimError::InvalidValue(d)) if d.contains("displayName")));
    for body in [json!([]), json!("x"), json!(null)] {
        let err = prepare_write(body.clone(), &USER);
        assert!(matches!(err, Err(ScimError::InvalidSyntax(_))), "{body}");
    }
}

/// A schema exercising the types and characteristics the real schemas barely use.
static SUBS: [AttributeDef; 2] = [
    attr(
        "fixed",
        AttrType::String,
        "Immutable sub.",
        Mutability::Immutable,
        false,
    ),
    attr(
        "note",
        AttrType::String,
        "Free sub.",
        Mutability::ReadWrite,
        true,
    ),
];
static TEST_ATTRS: [AttributeDef; 6] = [
    attr(
        "userName",
        AttrType::String,
        "Required.",
        Mutability::ReadWrite,
        false,
    ),
    attr(
        "count",
        AttrType::Integer,
        "An integer.",
        Mutability::ReadWrite,
        false,
    ),
    attr(
        "ratio",
        AttrType::Decimal,
        "A decimal.",
        Mutability::ReadWrite,
        false,
    ),
    attr(
        "since",
        AttrType::DateTime,
        "A dateTime.",
        Mutability::ReadWrite,
        false,
    ),
    attr(
        "badge",
        AttrType::String,
        "Immutable.",
        Mutability::Immutable,
        true,
    ),
    AttributeDef {
        sub_attributes: &SUBS,
        ..attr(
            "card",
            AttrType::Complex,
            "Complex.",
            Mutability::ReadWrite,
            false,
        )
    },
];
static TEST_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:example:Test",
    name: "Test",
    description: "Test",
    attributes: &TEST_ATTRS,
};
static TEST_EXT: [ExtensionDef; 1] = [ExtensionDef {
    schema: &TEST_SCHEMA,
    required: true,
}];
static TEST_RT: ResourceTypeDef = ResourceTypeDef {
    id: "Test",
    name: "Test",
    endpoint: "/Tests",
    description: "Test",
    schema: &crate::scim::schema::USER_SCHEMA,
    extensions: &TEST_EXT,
};

const fn attr(
    name: &'static str,
    ty: AttrType,
    description: &'static str,
    mutability: Mutability,
    case_exact: bool,
) -> AttributeDef {
    AttributeDef {
        name,
        ty,
        multi_valued: false,
        description,
        required: false,
        case_exact,
        mutability,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
    }
}

#[test]
fn numeric_and_date_types_are_checked() {
    let body = |ext: Value| json!({"userName": "a", "urn:example:Test": ext});
    let good = json!({"count": 3, "ratio": 0.5, "since": "2024-05-01T12:00:00+02:00"});
    assert_eq!(ok(body(good.clone()), &TEST_RT)["urn:example:Test"], good);
    let bad = [
        (json!({"count": 1.5}), "count must be an integer"),
        (json!({"ratio": "0.5"}), "ratio must be a number"),
        (json!({"since": "yesterday"}), "since must be an RFC 3339"),
        (json!({"since": "2024-05-01"}), "since must be an RFC 3339"),
    ];
    for (ext, detail) in bad {
        let result = prepare_write(body(ext.clone()), &TEST_RT);
        let matched = matches!(&result, Err(ScimError::InvalidValue(d)) if d.contains(detail));
        assert!(
            matched,
            "{ext}: expected InvalidValue({detail:?}), got {result:?}"
        );
    }
    let missing = prepare_write(json!({"userName": "a"}), &TEST_RT);
    assert!(matches!(missing, Err(ScimError::InvalidValue(d)) if d.contains("urn:example:Test")));
}

#[test]
fn immutable_attributes_cannot_change_once_set() {
    let doc = |ext: Value| json!({"userName": "a", "urn:example:Test": ext});
    let old = doc(json!({"badge": "B-1", "card": {"fixed": "F", "note": "x"}}));
    let allowed = [
        doc(json!({"badge": "B-1", "card": {"fixed": "f", "note": "y"}})),
        doc(json!({"count": 2})),
        json!({"userName": "renamed"}),
    ];
    for new in allowed {
        assert_eq!(check_immutable(&old, &new, &TEST_RT), Ok(()), "{new}");
    }
    let refused = [
        (doc(json!({"badge": "b-1"})), "urn:example:Test:badge"),
        (
            doc(json!({"card": {"fixed": "G"}})),
            "urn:example:Test:card.fixed",
        ),
    ];
    for (new, name) in refused {
        let result = check_immutable(&old, &new, &TEST_RT);
        let matched = matches!(&result, Err(ScimError::Mutability(d)) if d.starts_with(name));
        assert!(
            matched,
            "{new}: expected Mutability({name}…), got {result:?}"
        );
    }
    // Nothing in the core User schema is immutable, so a User replace always passes.
    let user = json!({"userName": "a", "id": "1"});
    assert_eq!(
        check_immutable(&user, &json!({"userName": "b"}), &USER),
        Ok(())
    );
    // Fresh values for a previously unset immutable attribute are fine.
    let unset = doc(json!({}));
    assert_eq!(check_immutable(&unset, &old, &TEST_RT), Ok(()));
}
