//! The SQL text and binds the compiler writes: each operator, each kind of location, both
//! dialects, value paths, precedence, sorting and the errors.

use chrono::NaiveDate;

use super::super::SqlValue::{self, Bool, Float, Int, Text, Timestamp};
use super::*;
use crate::scim::filter::{AttrPath, CompValue, CompareOp, Filter};

const BOTH: [Dialect; 2] = [Dialect::Sqlite, Dialect::Mysql];

fn text(s: &str) -> SqlValue {
    Text(s.to_owned())
}

/// Checks a users filter against the SQL and binds expected on both dialects.
fn same_on_both(filter: &str, sql: &str, binds: &[SqlValue]) {
    for dialect in BOTH {
        let got = users(filter, dialect).unwrap_or_else(|e| panic!("{filter}: {e}"));
        assert_eq!(got.sql, sql, "{dialect:?}: {filter}");
        assert_eq!(got.binds, binds, "{dialect:?}: {filter}");
    }
}

fn invalid_filter(result: Result<Compiled, ScimError>, needle: &str) {
    match result {
        Err(ScimError::InvalidFilter(detail)) => {
            assert!(detail.contains(needle), "{detail:?} lacks {needle:?}")
        }
        other => panic!("expected invalidFilter with {needle:?}, got {other:?}"),
    }
}

#[test]
fn every_operator_on_a_case_insensitive_nullable_column() {
    let x = "users.display_name";
    let cases: &[(&str, String, &str)] = &[
        (
            "eq",
            format!("({x} IS NOT NULL AND LOWER({x}) = ?)"),
            "babs",
        ),
        ("ne", format!("({x} IS NULL OR LOWER({x}) <> ?)"), "babs"),
        (
            "co",
            format!("({x} IS NOT NULL AND LOWER({x}) LIKE ? ESCAPE '!')"),
            "%babs%",
        ),
        (
            "sw",
            format!("({x} IS NOT NULL AND LOWER({x}) LIKE ? ESCAPE '!')"),
            "babs%",
        ),
        (
            "ew",
            format!("({x} IS NOT NULL AND LOWER({x}) LIKE ? ESCAPE '!')"),
            "%babs",
        ),
        (
            "gt",
            format!("({x} IS NOT NULL AND LOWER({x}) > ?)"),
            "babs",
        ),
        (
            "ge",
            format!("({x} IS NOT NULL AND LOWER({x}) >= ?)"),
            "babs",
        ),
        (
            "lt",
            format!("({x} IS NOT NULL AND LOWER({x}) < ?)"),
            "babs",
        ),
        (
            "le",
            format!("({x} IS NOT NULL AND LOWER({x}) <= ?)"),
            "babs",
        ),
    ];
    for (op, sql, bind) in cases {
        same_on_both(&format!(r#"displayName {op} "BABS""#), sql, &[text(bind)]);
    }
    same_on_both(
        "displayName pr",
        &format!("({x} IS NOT NULL AND {x} <> '')"),
        &[],
    );
    same_on_both("displayName eq null", &format!("({x} IS NULL)"), &[]);
    same_on_both("displayName ne null", &format!("({x} IS NOT NULL)"), &[]);
}

#[test]
fn user_name_compares_the_lower_cased_indexed_column() {
    same_on_both(
        r#"userName eq "BJensen""#,
        "(users.user_name_lower = ?)",
        &[text("bjensen")],
    );
    same_on_both(
        r#"userName ne "BJensen""#,
        "(users.user_name_lower <> ?)",
        &[text("bjensen")],
    );
    same_on_both(
        r#"userName sw "ÉM""#,
        "(users.user_name_lower LIKE ? ESCAPE '!')",
        &[text("ém%")],
    );
    same_on_both(
        r#"userName gt "M""#,
        "(users.user_name_lower > ?)",
        &[text("m")],
    );
    same_on_both("userName pr", "(users.user_name_lower <> '')", &[]);
}

#[test]
fn case_exact_attributes_keep_case() {
    same_on_both(
        r#"externalId eq "AbC""#,
        "(users.external_id IS NOT NULL AND users.external_id = ?)",
        &[text("AbC")],
    );
    same_on_both(r#"id eq "U1""#, "(users.id = ?)", &[text("U1")]);
    // Unquoted ids are compared as text, as the evaluator does.
    same_on_both(
        "externalId eq 12345",
        "(users.external_id IS NOT NULL AND users.external_id = ?)",
        &[text("12345")],
    );
}

#[test]
fn like_metacharacters_are_escaped_with_bang() {
    same_on_both(
        r#"externalId co "100%_!x""#,
        "(users.external_id IS NOT NULL AND users.external_id LIKE ? ESCAPE '!')",
        &[text("%100!%!_!!x%")],
    );
}

#[test]
fn booleans_take_eq_and_ne_only() {
    same_on_both("active eq true", "(users.active = ?)", &[Bool(true)]);
    same_on_both("active ne false", "(users.active <> ?)", &[Bool(false)]);
    same_on_both(r#"active eq "TRUE""#, "(users.active = ?)", &[Bool(true)]);
    same_on_both("active pr", "(users.active IS NOT NULL)", &[]);
    for dialect in BOTH {
        invalid_filter(users("active gt true", dialect), "only eq and ne");
        invalid_filter(users(r#"active co "t""#, dialect), "only eq and ne");
        invalid_filter(users(r#"active eq "yes""#, dialect), "boolean");
        invalid_filter(users("active eq 1", dialect), "boolean");
    }
}

#[test]
fn timestamps_bind_naive_utc() {
    let ts = |d: u32, h: u32, micro: u32| {
        Timestamp(
            NaiveDate::from_ymd_opt(2025, 12, d)
                .and_then(|d| d.and_hms_micro_opt(h, 0, 0, micro))
                .unwrap(),
        )
    };
    same_on_both(
        r#"meta.created gt "2026-01-01T00:00:00+02:00""#,
        "(users.created_at > ?)",
        &[ts(31, 22, 0)],
    );
    // No offset: UTC, as in the evaluator.
    same_on_both(
        r#"meta.lastModified le "2025-12-31T22:00:00.000250""#,
        "(users.updated_at <= ?)",
        &[ts(31, 22, 250)],
    );
    for dialect in BOTH {
        invalid_filter(users(r#"meta.created gt "yesterday""#, dialect), "RFC 3339");
        invalid_filter(users("meta.created gt 5", dialect), "RFC 3339");
        invalid_filter(
            users(r#"meta.created sw "2026""#, dialect),
            "only to strings",
        );
    }
}

#[test]
fn null_takes_eq_and_ne_only() {
    for dialect in BOTH {
        invalid_filter(users("displayName gt null", dialect), "null");
        invalid_filter(users("emails.type co null", dialect), "null");
    }
}

#[test]
fn emails_use_the_child_table() {
    let exists = "EXISTS (SELECT 1 FROM user_emails e WHERE e.user_id = users.id";
    same_on_both(
        r#"emails eq "BJ@Example.com""#,
        &format!("{exists} AND (e.value_lower = ?))"),
        &[text("bj@example.com")],
    );
    same_on_both(
        r#"emails.type ne "work""#,
        &format!(
            "({exists} AND (e.email_type IS NOT NULL AND LOWER(e.email_type) <> ?)) \
             OR NOT {exists} AND e.email_type IS NOT NULL))"
        ),
        &[text("work")],
    );
    same_on_both(
        "emails.type eq null",
        &format!("(NOT {exists} AND e.email_type IS NOT NULL))"),
        &[],
    );
    same_on_both("emails pr", &format!("{exists})"), &[]);
    // One EXISTS for the whole value filter: both conditions on the same email.
    same_on_both(
        r#"emails[type eq "work" and not (value ew ".org")]"#,
        &format!(
            "{exists} AND ((e.email_type IS NOT NULL AND LOWER(e.email_type) = ?) \
             AND (NOT (e.value_lower LIKE ? ESCAPE '!'))))"
        ),
        &[text("work"), text("%.org")],
    );
    same_on_both(
        r#"emails[type eq "work"].value co "x""#,
        &format!(
            "{exists} AND ((e.email_type IS NOT NULL AND LOWER(e.email_type) = ?) \
             AND (e.value_lower LIKE ? ESCAPE '!')))"
        ),
        &[text("work"), text("%x%")],
    );
}

#[test]
fn emails_read_the_document_for_what_the_table_does_not_hold() {
    // The table stores a missing `primary` as false and has no `display`.
    let got = users("emails.primary eq true", Dialect::Sqlite).unwrap();
    assert!(got
        .sql
        .starts_with("EXISTS (SELECT 1 FROM json_each(users.attributes, '$.\"emails\"') j WHERE "));
    let got = users(
        r#"emails[display eq "x" and type eq "work"]"#,
        Dialect::Mysql,
    )
    .unwrap();
    assert!(got.sql.starts_with(
        "EXISTS (SELECT 1 FROM JSON_TABLE(users.attributes, '$.\"emails\"[*]' COLUMNS"
    ));
    assert!(
        got.sql.contains("(j.c1 IS NOT NULL AND LOWER(j.c1) = ?)"),
        "{}",
        got.sql
    );
}

#[test]
fn groups_of_a_user_use_memberships() {
    let exists = "EXISTS (SELECT 1 FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
                  WHERE gm.member_id = users.id";
    same_on_both(
        r#"groups eq "g1""#,
        &format!("{exists} AND (gm.group_id = ?))"),
        &[text("g1")],
    );
    same_on_both(
        r#"groups[display sw "Adm"]"#,
        &format!("{exists} AND (g.display_name_lower LIKE ? ESCAPE '!'))"),
        &[text("adm%")],
    );
    same_on_both(
        r#"groups.type eq "Direct""#,
        &format!("{exists} AND (LOWER('direct') = ?))"),
        &[text("direct")],
    );
    for dialect in BOTH {
        invalid_filter(users(r#"groups.$ref eq "x""#, dialect), "groups.$ref");
    }
}

#[test]
fn group_attributes() {
    for dialect in BOTH {
        let got = groups(r#"displayName eq "Admins""#, dialect).unwrap();
        assert_eq!(got.sql, "(scim_groups.display_name_lower = ?)");
        assert_eq!(got.binds, [text("admins")]);
        let got = groups(r#"members[type eq "User" and value eq "u1"]"#, dialect).unwrap();
        assert_eq!(
            got.sql,
            "EXISTS (SELECT 1 FROM group_members gm LEFT JOIN users u ON u.id = gm.member_id \
             LEFT JOIN scim_groups mg ON mg.id = gm.member_id WHERE gm.group_id = scim_groups.id \
             AND ((LOWER(gm.member_type) = ?) AND (gm.member_id = ?)))"
        );
        assert_eq!(got.binds, [text("user"), text("u1")]);
        let got = groups(r#"members.display co "Babs""#, dialect).unwrap();
        assert!(got.sql.contains(
            "(COALESCE(u.display_name, u.user_name, mg.display_name) IS NOT NULL AND \
             LOWER(COALESCE(u.display_name, u.user_name, mg.display_name)) LIKE ? ESCAPE '!')"
        ));
        invalid_filter(groups(r#"members.$ref eq "x""#, dialect), "members.$ref");
        invalid_filter(groups(r#"userName eq "x""#, dialect), "unknown attribute");
    }
}

#[test]
fn document_attributes_by_dialect() {
    let department =
        "'$.\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\".\"department\"'";
    let sqlite = format!("json_extract(users.attributes, {department})");
    let mysql = format!("(JSON_VALUE(users.attributes, {department}) COLLATE utf8mb4_bin)");
    for filter in [
        r#"department eq "Sales""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales""#,
        r#"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT eq "Sales""#,
    ] {
        let got = users(filter, Dialect::Sqlite).unwrap();
        assert_eq!(
            got.sql,
            format!("({sqlite} IS NOT NULL AND LOWER({sqlite}) = ?)")
        );
        assert_eq!(got.binds, [text("sales")]);
        let got = users(filter, Dialect::Mysql).unwrap();
        assert_eq!(
            got.sql,
            format!("({mysql} IS NOT NULL AND LOWER({mysql}) = ?)")
        );
    }
    // A complex attribute named whole compares its `value` (manager.value).
    let got = users(r#"manager eq "u3""#, Dialect::Sqlite).unwrap();
    assert!(got.sql.contains(
        "'$.\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\".\"manager\".\"value\"'"
    ));
    // Core attributes without a column.
    let got = users(r#"name.formatted co "J""#, Dialect::Mysql).unwrap();
    assert_eq!(
        got.sql,
        "((JSON_VALUE(users.attributes, '$.\"name\".\"formatted\"') COLLATE utf8mb4_bin) IS NOT NULL \
         AND LOWER((JSON_VALUE(users.attributes, '$.\"name\".\"formatted\"') COLLATE utf8mb4_bin)) \
         LIKE ? ESCAPE '!')"
    );
}

#[test]
fn document_booleans_are_normalized_per_dialect() {
    let path = "'$.\"urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User\".\"external\"'";
    let filter = "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User:external ne true";
    let sqlite = format!(
        "LOWER(CASE json_type(users.attributes, {path}) WHEN 'true' THEN 'true' \
         WHEN 'false' THEN 'false' WHEN 'text' THEN json_extract(users.attributes, {path}) END)"
    );
    let got = users(filter, Dialect::Sqlite).unwrap();
    assert_eq!(got.sql, format!("({sqlite} IS NULL OR {sqlite} = ?)"));
    assert_eq!(got.binds, [text("false")]);
    let mysql = format!(
        "(CASE WHEN JSON_TYPE(JSON_EXTRACT(users.attributes, {path})) IN ('BOOLEAN', 'STRING') \
         THEN LOWER(JSON_UNQUOTE(JSON_EXTRACT(users.attributes, {path}))) END)"
    );
    let got = users(filter, Dialect::Mysql).unwrap();
    assert_eq!(got.sql, format!("({mysql} IS NULL OR {mysql} = ?)"));
    assert_eq!(got.binds, [text("false")]);
}

#[test]
fn document_arrays_by_dialect() {
    let filter = r#"roles[value eq "Admin" and primary eq true]"#;
    let element = "CASE j.type WHEN 'object' THEN j.value END";
    let value = format!("json_extract({element}, '$.\"value\"')");
    let primary = format!(
        "LOWER(CASE json_type({element}, '$.\"primary\"') WHEN 'true' THEN 'true' \
         WHEN 'false' THEN 'false' WHEN 'text' THEN json_extract({element}, '$.\"primary\"') END)"
    );
    let got = users(filter, Dialect::Sqlite).unwrap();
    assert_eq!(
        got.sql,
        format!(
            "EXISTS (SELECT 1 FROM json_each(users.attributes, '$.\"roles\"') j WHERE \
             (({value} IS NOT NULL AND LOWER({value}) = ?) AND ({primary} IS NOT NULL AND {primary} = ?)))"
        )
    );
    assert_eq!(got.binds, [text("admin"), text("true")]);
    let column = |i: usize, name: &str| {
        format!("c{i} LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$.\"{name}\"'")
    };
    let got = users(filter, Dialect::Mysql).unwrap();
    assert_eq!(
        got.sql,
        format!(
            "EXISTS (SELECT 1 FROM JSON_TABLE(users.attributes, '$.\"roles\"[*]' COLUMNS \
             (n FOR ORDINALITY, {}, {}, {}, {})) j WHERE \
             ((j.c0 IS NOT NULL AND LOWER(j.c0) = ?) AND (LOWER(j.c3) IS NOT NULL AND LOWER(j.c3) = ?)))",
            column(0, "value"),
            column(1, "display"),
            column(2, "type"),
            column(3, "primary"),
        )
    );
    assert_eq!(got.binds, [text("admin"), text("true")]);
    // Outside brackets, `ne` also holds when no element has a value.
    let got = users(r#"phoneNumbers.type ne "work""#, Dialect::Sqlite).unwrap();
    assert!(got.sql.starts_with(
        "(EXISTS (SELECT 1 FROM json_each(users.attributes, '$.\"phoneNumbers\"') j WHERE "
    ));
    assert!(
        got.sql.contains(" OR NOT EXISTS (SELECT 1 FROM json_each("),
        "{}",
        got.sql
    );
}

#[test]
fn single_valued_complex_value_filters_need_the_attribute() {
    let got = users(
        r#"name[givenName eq "x" or familyName eq "y"]"#,
        Dialect::Sqlite,
    )
    .unwrap();
    assert_eq!(
        got.sql,
        "(json_type(users.attributes, '$.\"name\"') IS NOT NULL AND \
         ((users.given_name IS NOT NULL AND LOWER(users.given_name) = ?) OR \
         (users.family_name IS NOT NULL AND LOWER(users.family_name) = ?)))"
    );
    assert_eq!(got.binds, [text("x"), text("y")]);
    let got = users(r#"name[givenName eq "x"]"#, Dialect::Mysql).unwrap();
    assert!(got
        .sql
        .starts_with("(JSON_CONTAINS_PATH(users.attributes, 'one', '$.\"name\"') = 1 AND "));
    // `meta` is always there.
    let got = users(
        r#"meta[created gt "2026-01-01T00:00:00Z"]"#,
        Dialect::Sqlite,
    )
    .unwrap();
    assert_eq!(got.sql, "(users.created_at > ?)");
}

#[test]
fn precedence_is_kept_by_parentheses() {
    same_on_both(
        r#"id eq "a" or not (id eq "b") and id eq "c""#,
        "((users.id = ?) OR ((NOT (users.id = ?)) AND (users.id = ?)))",
        &[text("a"), text("b"), text("c")],
    );
    same_on_both(
        r#"(id eq "a" or id eq "b") and id eq "c""#,
        "(((users.id = ?) OR (users.id = ?)) AND (users.id = ?))",
        &[text("a"), text("b"), text("c")],
    );
}

#[test]
fn numbers_in_the_document() {
    let thing = |f: &str, d: Dialect| compile(f, &THING, &THINGS, d);
    let age = "json_extract(users.attributes, '$.\"age\"')";
    let got = thing("age gt 3", Dialect::Sqlite).unwrap();
    assert_eq!(got.sql, format!("({age} IS NOT NULL AND {age} > ?)"));
    assert_eq!(got.binds, [Int(3)]);
    let got = thing("height le 1.5", Dialect::Mysql).unwrap();
    assert_eq!(
        got.sql,
        "(JSON_VALUE(users.attributes, '$.\"height\"') IS NOT NULL AND \
         JSON_VALUE(users.attributes, '$.\"height\"') <= ?)"
    );
    assert_eq!(got.binds, [Float(1.5)]);
    assert_eq!(
        thing(r#"age eq "7""#, Dialect::Sqlite).unwrap().binds,
        [Int(7)]
    );
    for dialect in BOTH {
        invalid_filter(thing(r#"age eq "seven""#, dialect), "number");
        invalid_filter(thing(r#"age co "7""#, dialect), "only to strings");
        invalid_filter(
            thing(r#"born gt "2026-01-01T00:00:00Z""#, dialect),
            "not supported",
        );
    }
    assert_eq!(
        sort(Some("age"), false, &THING, &THINGS, Dialect::Mysql).unwrap(),
        "(CAST(JSON_VALUE(users.attributes, '$.\"age\"') AS DOUBLE) IS NULL) ASC, \
         CAST(JSON_VALUE(users.attributes, '$.\"age\"') AS DOUBLE) ASC, users.id ASC"
    );
}

#[test]
fn errors_name_the_attribute() {
    for dialect in BOTH {
        invalid_filter(
            users(r#"nope eq "x""#, dialect),
            "unknown attribute \"nope\" on User",
        );
        invalid_filter(
            users(r#"name.nope eq "x""#, dialect),
            "unknown attribute \"name.nope\"",
        );
        invalid_filter(
            users(r#"password eq "x""#, dialect),
            "password cannot be used",
        );
        invalid_filter(users("password pr", dialect), "password cannot be used");
        invalid_filter(users(r#"name eq "x""#, dialect), "name is complex");
        invalid_filter(
            users(r#"meta.location eq "x""#, dialect),
            "meta.location is not supported",
        );
        invalid_filter(
            users(r#"meta.version eq "x""#, dialect),
            "meta.version is not supported",
        );
        invalid_filter(
            users(r#"userName[value eq "x"]"#, dialect),
            "complex attribute",
        );
        invalid_filter(
            users(r#"emails[nope eq "x"]"#, dialect),
            "emails has no sub-attribute \"nope\"",
        );
        invalid_filter(
            users(r#"department eq "x" and active gt true"#, dialect),
            "active is a boolean",
        );
        // Value paths cannot nest (the parser refuses them too).
        let nested = Filter::ValuePath {
            attr: AttrPath {
                schema: None,
                name: "emails".into(),
                sub_attr: None,
            },
            filter: Box::new(Filter::ValuePath {
                attr: AttrPath {
                    schema: None,
                    name: "emails".into(),
                    sub_attr: None,
                },
                filter: Box::new(Filter::Present(AttrPath {
                    schema: None,
                    name: "value".into(),
                    sub_attr: None,
                })),
            }),
        };
        invalid_filter(
            compile_filter(&nested, &USER, &USERS, dialect),
            "cannot be nested",
        );
    }
}

#[test]
fn client_text_only_ever_reaches_binds() {
    let evil = "'; DROP TABLE users; --";
    for dialect in BOTH {
        for filter in [
            format!("displayName eq {evil:?}"),
            format!("department co {evil:?}"),
            format!("roles[value sw {evil:?}]"),
            format!("emails.type ne {evil:?}"),
        ] {
            let got = users(&filter, dialect).unwrap();
            assert!(!got.sql.contains("DROP"), "{}", got.sql);
            assert!(
                got.binds.iter().any(
                    |b| matches!(b, Text(t) if t.contains("drop table") || t.contains("DROP TABLE"))
                ),
                "{:?}",
                got.binds
            );
        }
        // A literal that is not a string never reaches the SQL text either.
        let hand = Filter::Compare {
            path: AttrPath {
                schema: None,
                name: "userName".into(),
                sub_attr: None,
            },
            op: CompareOp::Eq,
            value: CompValue::Number(serde_json::Number::from(1)),
        };
        assert_eq!(
            compile_filter(&hand, &USER, &USERS, dialect).unwrap().binds,
            [text("1")]
        );
    }
}

#[test]
fn placeholders_match_binds_and_output_is_deterministic() {
    for filter in [
        r#"userName eq "a" or emails[type eq "work" and value co "b"] and not (roles.value ne "c")"#,
        r#"name[givenName sw "d"] and manager eq "e" and meta.created gt "2026-01-01T00:00:00Z""#,
        r#"groups.display ew "f" or addresses[primary eq true and locality eq "g"]"#,
    ] {
        for dialect in BOTH {
            let first = users(filter, dialect).unwrap();
            assert_eq!(
                first.sql.matches('?').count(),
                first.binds.len(),
                "{filter}"
            );
            assert_eq!(first, users(filter, dialect).unwrap());
        }
    }
}

#[test]
fn order_by_sorts_with_a_tie_breaker() {
    for dialect in BOTH {
        assert_eq!(
            sort(None, false, &USER, &USERS, dialect).unwrap(),
            "users.created_at ASC, users.id ASC"
        );
        assert_eq!(
            sort(None, true, &GROUP, &GROUPS, dialect).unwrap(),
            "scim_groups.created_at ASC, scim_groups.id ASC"
        );
        assert_eq!(
            sort(Some("userName"), false, &USER, &USERS, dialect).unwrap(),
            "users.user_name_lower ASC, users.id ASC"
        );
        assert_eq!(
            sort(Some("displayName"), true, &USER, &USERS, dialect).unwrap(),
            "(LOWER(users.display_name) IS NULL) DESC, LOWER(users.display_name) DESC, users.id DESC"
        );
        assert_eq!(
            sort(Some("externalId"), false, &USER, &USERS, dialect).unwrap(),
            "(users.external_id IS NULL) ASC, users.external_id ASC, users.id ASC"
        );
        assert_eq!(
            sort(Some("meta.lastModified"), false, &GROUP, &GROUPS, dialect).unwrap(),
            "scim_groups.updated_at ASC, scim_groups.id ASC"
        );
        assert_eq!(
            sort(Some("groups.display"), false, &USER, &USERS, dialect).unwrap(),
            "((SELECT g.display_name_lower FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
             WHERE gm.member_id = users.id ORDER BY g.display_name_lower ASC, g.id ASC LIMIT 1) IS NULL) ASC, \
             (SELECT g.display_name_lower FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id \
             WHERE gm.member_id = users.id ORDER BY g.display_name_lower ASC, g.id ASC LIMIT 1) ASC, users.id ASC"
        );
    }
    let emails = sort(Some("emails"), false, &USER, &USERS, Dialect::Sqlite).unwrap();
    assert!(
        emails.contains("FROM json_each(users.attributes, '$.\"emails\"') j ORDER BY CASE WHEN")
    );
    assert!(
        emails.ends_with("j.key ASC LIMIT 1)) ASC, users.id ASC"),
        "{emails}"
    );
    let emails = sort(Some("emails"), false, &USER, &USERS, Dialect::Mysql).unwrap();
    assert!(emails.contains(
        "ORDER BY CASE WHEN LOWER(j.c3) = 'true' THEN 0 ELSE 1 END ASC, j.n ASC LIMIT 1"
    ));
}

#[test]
fn order_by_rejects_what_it_cannot_sort_by() {
    for dialect in BOTH {
        for (sort_by, needle) in [
            ("nope", "unknown attribute"),
            ("password", "password cannot be used"),
            ("name", "name is complex"),
            ("meta.location", "not supported"),
            ("groups.$ref", "not supported"),
        ] {
            match sort(Some(sort_by), false, &USER, &USERS, dialect) {
                Err(ScimError::InvalidValue(detail)) => {
                    assert!(
                        detail.starts_with("sortBy: ") && detail.contains(needle),
                        "{detail}"
                    )
                }
                other => panic!("{sort_by}: {other:?}"),
            }
        }
    }
}
