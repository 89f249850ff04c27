//! Evaluator tests against fixture schemas: each operator by attribute type, caseExact,
//! booleans, numbers, dates, nulls, `pr`, multi-valued "any element" semantics, value paths,
//! extension attributes and case-insensitive JSON keys.

use serde_json::{json, Value};

use super::TEST_USER;
use crate::scim::filter::{matches, parse_filter};

pub(super) fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "BJensen-Ext",
        "userName": "bjensen@example.com",
        "displayName": "Babs Jensen",
        "nickName": null,
        "password": "Secret",
        "active": true,
        "loginCount": 42,
        "score": 7.5,
        "birthday": "1990-06-15T08:00:00+02:00",
        "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": ""},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "tags": ["Blue", "green"],
        "codes": ["AbC"],
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z"
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        }
    })
}

fn user_matches(filter: &str) -> bool {
    matches(&parse_filter(filter).unwrap(), &user(), &TEST_USER)
}

pub(super) fn check(cases: &[(&str, bool)]) {
    for (filter, expected) in cases {
        assert_eq!(user_matches(filter), *expected, "{filter}");
    }
}

#[test]
fn strings_respect_case_exact() {
    check(&[
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"userName eq "BJENSEN@example.COM""#, true),
        (r#"USERNAME eq "bjensen@example.com""#, true),
        (r#"userName ne "bjensen@example.com""#, false),
        (r#"userName ne "someone""#, true),
        (r#"userName co "JENSEN""#, true),
        (r#"userName sw "BJ""#, true),
        (r#"userName ew ".COM""#, true),
        (r#"userName ew "example""#, false),
        (r#"userName gt "a""#, true),
        (r#"userName gt "C""#, false),
        (r#"userName ge "BJENSEN@example.com""#, true),
        (r#"userName lt "c""#, true),
        (r#"userName le "b""#, false),
        // caseExact attributes: `password` here, `id` and `externalId` (RFC 7643 §3.1).
        (r#"password eq "Secret""#, true),
        (r#"password eq "secret""#, false),
        (r#"password co "CRE""#, false),
        (r#"externalId eq "BJensen-Ext""#, true),
        (r#"externalId eq "bjensen-ext""#, false),
        (r#"externalId sw "BJ""#, true),
        (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
        // Entra's unquoted values.
        ("externalId eq BJensen-Ext", true),
        ("displayName sw babs", true),
    ]);
}

#[test]
fn unquoted_numbers_compare_with_string_attributes() {
    let resource = json!({"externalId": "12345", "userName": "true"});
    for (filter, expected) in [
        ("externalId eq 12345", true),
        ("externalId eq 1234", false),
        ("externalId sw 123", true),
        ("userName eq true", true),
    ] {
        assert_eq!(
            matches(&parse_filter(filter).unwrap(), &resource, &TEST_USER),
            expected,
            "{filter}"
        );
    }
}

#[test]
fn booleans() {
    check(&[
        ("active eq true", true),
        ("active eq TRUE", true),
        ("active eq false", false),
        ("active ne false", true),
        ("active ne true", false),
        (r#"active eq "true""#, true),
        ("active gt false", false),
        ("active co true", false),
        ("active eq 1", false),
    ]);
}

#[test]
fn numbers() {
    check(&[
        ("loginCount eq 42", true),
        ("loginCount eq 42.0", true),
        ("loginCount ne 42", false),
        ("loginCount gt 41", true),
        ("loginCount gt 42", false),
        ("loginCount ge 42", true),
        ("loginCount lt 100", true),
        ("loginCount le 41", false),
        ("loginCount gt -1", true),
        ("loginCount co 4", false),
        ("loginCount eq true", false),
        (r#"loginCount eq "42""#, true),
        ("score gt 7", true),
        ("score lt 7.6", true),
        ("score eq 7.5", true),
        ("score ge 7.51", false),
        ("score eq 75e-1", true),
    ]);
}

#[test]
fn date_times_compare_as_instants() {
    check(&[
        (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified eq "2011-05-13T04:42:34.000Z""#, true),
        // The same instant written in another offset.
        (r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
        (r#"meta.lastModified lt "2011-05-13T06:42:35+02:00""#, true),
        (r#"meta.created le "2010-01-23T04:56:22Z""#, true),
        (r#"meta.created lt "2010-01-23T04:56:22Z""#, false),
        (r#"birthday eq "1990-06-15T06:00:00Z""#, true),
        // An offset-less value is read as UTC.
        (r#"meta.lastModified eq "2011-05-13T04:42:34""#, true),
        // A non-date literal matches nothing, not even `ne`.
        (r#"meta.lastModified gt "yesterday""#, false),
        (r#"meta.lastModified ne "yesterday""#, false),
        ("meta.lastModified gt 5", false),
        (r#"meta.lastModified sw "2011""#, false),
        (r#"meta.lastModified pr"#, true),
    ]);
}

#[test]
fn present() {
    check(&[
        ("userName pr", true),
        ("nickName pr", false),
        ("title pr", false),
        ("name pr", true),
        ("name.givenName pr", true),
        ("name.formatted pr", false),
        ("emails pr", true),
        ("emails.value pr", true),
        ("emails.primary pr", true),
        ("emails.display pr", false),
        ("tags pr", true),
        ("active pr", true),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr",
            true,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr",
            false,
        ),
    ]);
    let empty =
        json!({"userName": "", "emails": [], "name": {}, "tags": [null, ""], "displayName": null});
    for filter in [
        "userName pr",
        "emails pr",
        "name pr",
        "tags pr",
        "displayName pr",
        "emails.value pr",
    ] {
        assert!(
            !matches(&parse_filter(filter).unwrap(), &empty, &TEST_USER),
            "{filter}"
        );
    }
    let hollow = json!({"name": {"givenName": null, "familyName": ""}});
    assert!(!matches(
        &parse_filter("name pr").unwrap(),
        &hollow,
        &TEST_USER
    ));
}

#[test]
fn nulls_and_missing_attributes() {
    check(&[
        ("nickName eq null", true),
        ("title eq null", true),
        ("userName eq null", false),
        ("nickName ne null", false),
        ("userName ne null", true),
        ("nickName gt null", false),
        // `ne` on an absent attribute matches; every other operator does not.
        (r#"title ne "x""#, true),
        (r#"nickName ne "x""#, true),
        (r#"title eq "x""#, false),
        (r#"title co "x""#, false),
        (r#"title gt "x""#, false),
        ("not (title pr)", true),
        (r#"name.middleName ne "x""#, false),
        // Attributes the schema does not define never match, whatever the operator.
        (r#"favouriteColour eq "blue""#, false),
        (r#"favouriteColour ne "blue""#, false),
        ("favouriteColour pr", false),
        ("favouriteColour eq null", false),
        (r#"not (favouriteColour eq "blue")"#, true),
        (
            r#"urn:example:unknown:userName eq "bjensen@example.com""#,
            false,
        ),
        // `schemas` is readable though no schema defines it (RFC 7644 §3.4.2.2's example).
        (
            r#"schemas eq "URN:ietf:params:scim:schemas:core:2.0:User""#,
            true,
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            false,
        ),
        ("schemas pr", true),
        (r#"schemas.value eq "x""#, false),
        (r#"emails.nothing eq "x""#, false),
    ]);
}

#[test]
fn logical_operators() {
    check(&[
        (r#"userName sw "bj" and active eq true"#, true),
        (r#"userName sw "bj" and active eq false"#, false),
        (r#"userName sw "zz" or active eq true"#, true),
        (r#"userName sw "zz" or active eq false"#, false),
        (r#"not (userName sw "zz")"#, true),
        (r#"not (userName sw "bj")"#, false),
        // `and` before `or`: true or (false and false) = true.
        (
            r#"active eq true or active eq false and userName eq "x""#,
            true,
        ),
        (
            r#"(active eq true or active eq false) and userName eq "x""#,
            false,
        ),
    ]);
}

#[test]
fn multi_valued_any_element() {
    check(&[
        (r#"emails eq "babs@jensen.org""#, true),
        (r#"emails co "JENSEN.ORG""#, true),
        (r#"emails.value eq "bjensen@example.com""#, true),
        (r#"emails.type eq "home""#, true),
        (r#"emails.type eq "other""#, false),
        // `ne` holds when some element differs (RFC 7644 §3.4.2.2, "any").
        (r#"emails.type ne "work""#, true),
        ("emails.primary eq true", true),
        // Each comparison outside brackets may be met by a different element...
        (r#"emails.type eq "home" and emails.primary eq true"#, true),
        // ...while a value path needs one element to meet the whole filter.
        (r#"emails[type eq "home" and primary eq true]"#, false),
        (r#"emails[type eq "work" and primary eq true]"#, true),
        (r#"emails[TYPE eq "WORK"]"#, true),
        (
            r#"emails[type eq "work"].value eq "bjensen@example.com""#,
            true,
        ),
        (
            r#"emails[type eq "work"].value eq "babs@jensen.org""#,
            false,
        ),
        (r#"emails[type eq "home"].value ew "jensen.org""#, true),
        (r#"emails[type eq "home"].primary pr"#, false),
        (r#"emails[not (type eq "work")]"#, true),
        (r#"emails[unknown eq "x"]"#, false),
        (r#"name[givenName eq "barbara"]"#, true),
        (r#"nothing[value eq "x"]"#, false),
        // Multi-valued simple attributes: the element is the value.
        (r#"tags eq "blue""#, true),
        (r#"tags[value eq "GREEN"]"#, true),
        (r#"tags[value sw "b"]"#, true),
        (r#"tags[type eq "x"]"#, false),
        (r#"codes eq "AbC""#, true),
        (r#"codes eq "abc""#, false),
    ]);
}
