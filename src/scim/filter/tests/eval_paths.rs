//! Evaluator tests for where values live: extension attributes under their URN key,
//! case-insensitive JSON keys, values of the wrong JSON type, group members, and
//! `matches_element` on single elements.

use serde_json::json;

use super::eval::check;
use super::{emails_def, tags_def, TEST_GROUP, TEST_USER};
use crate::scim::filter::{matches, matches_element, parse_filter};

#[test]
fn extension_attributes() {
    const EXT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    check(&[
        (&format!(r#"{EXT}:employeeNumber eq "701984""#), true),
        (&format!(r#"{EXT}:department sw "tour""#), true),
        // Unqualified names find extension attributes too.
        (r#"department eq "Tour Operations""#, true),
        (
            &format!(r#"{EXT}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#),
            true,
        ),
        (
            &format!(r#"{EXT}:manager.value eq "26118915-6090-4610-87E4-49D8CA9F808D""#),
            false,
        ),
        // A complex attribute compared without a sub-attribute compares its `value`.
        (
            &format!(r#"{EXT}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#),
            true,
        ),
        (&format!(r#"{EXT}:manager.displayName co "smith""#), true),
        // The URN is matched case-insensitively.
        (
            &format!(r#"{}:employeeNumber eq "701984""#, EXT.to_uppercase()),
            true,
        ),
        // The core schema URN reaches top-level attributes.
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bjensen""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:employeeNumber eq "701984""#,
            false,
        ),
    ]);
}

#[test]
fn json_keys_are_case_insensitive() {
    let resource = json!({
        "USERNAME": "alice",
        "Emails": [{"Value": "a@x.org", "TYPE": "work"}],
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Department": "R&D"}
    });
    for filter in [
        r#"userName eq "alice""#,
        r#"emails[type eq "work"].value eq "a@x.org""#,
        r#"emails.value sw "a@""#,
        r#"department eq "r&d""#,
    ] {
        assert!(
            matches(&parse_filter(filter).unwrap(), &resource, &TEST_USER),
            "{filter}"
        );
    }
}

#[test]
fn wrong_json_types_do_not_match() {
    let resource = json!({
        "userName": 5, "active": "maybe", "loginCount": "many", "birthday": 12,
        "emails": "not-a-list", "name": "flat"
    });
    for filter in [
        "userName eq 5",
        "active eq true",
        "active ne true",
        "loginCount gt 1",
        r#"birthday gt "2000-01-01T00:00:00Z""#,
        r#"emails.value eq "x""#,
        r#"name.givenName eq "flat""#,
        r#"emails[value eq "not-a-list"]"#,
    ] {
        assert!(
            !matches(&parse_filter(filter).unwrap(), &resource, &TEST_USER),
            "{filter}"
        );
    }
    // Not an object at all.
    assert!(!matches(
        &parse_filter("userName pr").unwrap(),
        &json!([1, 2]),
        &TEST_USER
    ));
}

#[test]
fn groups_and_members() {
    let group = json!({
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "$ref": "https://example.com/v2/Users/902c246b"}
        ]
    });
    for (filter, expected) in [
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            true,
        ),
        (
            r#"members[value eq "2819C223-7F76-453A-919D-413861904646"]"#,
            false,
        ),
        (
            r#"members.value eq "902c246b-6245-4190-8e05-00816be7344a""#,
            true,
        ),
        (r#"members eq "902c246b-6245-4190-8e05-00816be7344a""#, true),
        (r#"members[$ref ew "902c246b"]"#, true),
        (
            r#"members[display co "babs"] and displayName sw "tour""#,
            true,
        ),
        ("members[display pr and $ref pr]", false),
    ] {
        assert_eq!(
            matches(&parse_filter(filter).unwrap(), &group, &TEST_GROUP),
            expected,
            "{filter}"
        );
    }
}

#[test]
fn matches_element_reads_sub_attributes() {
    let work = json!({"value": "bjensen@example.com", "type": "work", "primary": true});
    let home = json!({"value": "babs@jensen.org", "type": "Home"});
    let filter = parse_filter(r#"type eq "home" or primary eq true"#).unwrap();
    assert!(matches_element(&filter, &work, emails_def()));
    assert!(matches_element(&filter, &home, emails_def()));
    let filter = parse_filter("primary eq true and value ew \".com\"").unwrap();
    assert!(matches_element(&filter, &work, emails_def()));
    assert!(!matches_element(&filter, &home, emails_def()));
    let filter = parse_filter("not (primary pr)").unwrap();
    assert!(matches_element(&filter, &home, emails_def()));
    // A value path is not a valid element filter.
    let filter = parse_filter(r#"emails[type eq "work"]"#).unwrap();
    assert!(!matches_element(&filter, &work, emails_def()));
    // A simple multi-valued attribute: the element is its value.
    let filter = parse_filter(r#"value eq "BLUE""#).unwrap();
    assert!(matches_element(&filter, &json!("blue"), tags_def()));
    assert!(!matches_element(&filter, &json!("green"), tags_def()));
    assert!(!matches_element(
        &parse_filter(r#"type eq "x""#).unwrap(),
        &json!("x"),
        tags_def()
    ));
}
