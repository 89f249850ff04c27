//! PATCH path (RFC 7644 §3.5.2) and bare attribute path tests, and the `Display` rendering of
//! filters and paths back to parseable syntax.

use super::parse::{and, eq, p, q, s};
use super::{CORE, ENTERPRISE};
use crate::scim::filter::{parse_attr_path, parse_filter, parse_path, CompValue, PatchPath};

#[test]
fn patch_paths() {
    let cases = vec![
        ("userName", PatchPath::Attr(p("userName"))),
        ("name.familyName", PatchPath::Attr(p("name.familyName"))),
        (" name.familyName ", PatchPath::Attr(p("name.familyName"))),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            PatchPath::Attr(q(ENTERPRISE, "manager")),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            PatchPath::Attr(q(ENTERPRISE, "manager.value")),
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            PatchPath::ValuePath {
                attr: p("members"),
                filter: eq("value", s("2819c223-7f76-453a-919d-413861904646")),
                sub_attr: None,
            },
        ),
        (
            r#"emails[type eq "work"].value"#,
            PatchPath::ValuePath {
                attr: p("emails"),
                filter: eq("type", s("work")),
                sub_attr: Some("value".to_owned()),
            },
        ),
        (
            r#"addresses[type eq "work"].locality"#,
            PatchPath::ValuePath {
                attr: p("addresses"),
                filter: eq("type", s("work")),
                sub_attr: Some("locality".to_owned()),
            },
        ),
        (
            r#"emails[type eq "work" and primary eq TRUE]"#,
            PatchPath::ValuePath {
                attr: p("emails"),
                filter: and(eq("type", s("work")), eq("primary", CompValue::Bool(true))),
                sub_attr: None,
            },
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].display"#,
            PatchPath::ValuePath {
                attr: q(CORE, "emails"),
                filter: eq("type", s("work")),
                sub_attr: Some("display".to_owned()),
            },
        ),
        (
            "members[value eq 2819c223]",
            PatchPath::ValuePath {
                attr: p("members"),
                filter: eq("value", s("2819c223")),
                sub_attr: None,
            },
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_path(input).unwrap(), expected, "{input}");
    }
}

#[test]
fn attr_paths() {
    assert_eq!(parse_attr_path("userName").unwrap(), p("userName"));
    assert_eq!(
        parse_attr_path(" name.givenName ").unwrap(),
        p("name.givenName")
    );
    assert_eq!(
        parse_attr_path("meta.lastModified").unwrap(),
        p("meta.lastModified")
    );
    assert_eq!(
        parse_attr_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
            .unwrap(),
        q(ENTERPRISE, "department")
    );
}

#[test]
fn display_renders_parseable_canonical_syntax() {
    let cases = [
        (r#"userName EQ "bjensen""#, r#"userName eq "bjensen""#),
        ("a pr or b pr and c pr", "a pr or b pr and c pr"),
        ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
        ("a pr and (b pr and c pr)", "a pr and (b pr and c pr)"),
        ("a pr or (b pr or c pr)", "a pr or (b pr or c pr)"),
        ("NOT(a pr)", "not (a pr)"),
        (r#"title eq "say \"hi\"""#, r#"title eq "say \"hi\"""#),
        ("active eq TRUE", "active eq true"),
        ("x eq null", "x eq null"),
        ("loginCount gt 5", "loginCount gt 5"),
        ("externalId eq jyoung", r#"externalId eq "jyoung""#),
        (
            r#"emails[type eq "work"].value eq "a@b.c""#,
            r#"emails[type eq "work" and value eq "a@b.c"]"#,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
        ),
    ];
    for (input, shown) in cases {
        let parsed = parse_filter(input).unwrap();
        assert_eq!(parsed.to_string(), shown, "{input}");
        assert_eq!(parse_filter(shown).unwrap(), parsed, "{shown}");
    }
    let path = parse_path(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(path.to_string(), r#"emails[type eq "work"].value"#);
}
