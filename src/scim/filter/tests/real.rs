//! A few evaluations against the real User and Group definitions, so the filter rules and the
//! advertised schemas stay in step (caseExact of `id`, `externalId` and `members.value`, the
//! Enterprise extension under its URN key).

use serde_json::json;

use crate::scim::filter::{matches, parse_filter};
use crate::scim::schema::{GROUP, USER};

#[test]
fn real_user_schema() {
    let user = json!({
        "id": "abc-123",
        "externalId": "E-1",
        "userName": "Alice@Example.com",
        "active": true,
        "emails": [{"value": "alice@example.com", "type": "work", "primary": true}],
        "meta": {"lastModified": "2024-02-01T10:00:00Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "42",
            "manager": {"value": "boss-1"}
        }
    });
    for (filter, expected) in [
        (r#"userName eq "alice@example.com""#, true),
        (r#"id eq "ABC-123""#, false),
        (r#"externalId eq "E-1""#, true),
        ("active eq true", true),
        (
            r#"emails[type eq "work" and primary eq true].value co "alice""#,
            true,
        ),
        (r#"meta.lastModified ge "2024-01-01T00:00:00Z""#, true),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss-1""#,
            true,
        ),
        ("title pr", false),
        (r#"title ne "x""#, true),
    ] {
        assert_eq!(
            matches(&parse_filter(filter).unwrap(), &user, &USER),
            expected,
            "{filter}"
        );
    }
}

#[test]
fn real_group_schema() {
    let group = json!({
        "id": "g-1",
        "displayName": "Admins",
        "members": [{"value": "abc-123", "display": "Alice"}]
    });
    for (filter, expected) in [
        (r#"displayName eq "admins""#, true),
        (r#"members[value eq "abc-123"]"#, true),
        (r#"members.value eq "abc-123""#, true),
        (r#"members[display eq "alice"]"#, true),
        (r#"members[value eq "nobody"]"#, false),
    ] {
        assert_eq!(
            matches(&parse_filter(filter).unwrap(), &group, &GROUP),
            expected,
            "{filter}"
        );
    }
}
