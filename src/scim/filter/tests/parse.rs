//! Parser tests: every operator, precedence and associativity, case-insensitivity, literals,
//! value paths (including Entra's `attr[f].sub op v` form) and URN paths. The builders here
//! are shared with the other test modules.

use super::{CORE, ENTERPRISE};
use crate::scim::filter::{parse_filter, AttrPath, CompValue, CompareOp, Filter};

/// `name` or `name.sub`, unqualified.
pub(super) fn p(text: &str) -> AttrPath {
    let mut parts = text.splitn(2, '.');
    AttrPath {
        schema: None,
        name: parts.next().unwrap().to_owned(),
        sub_attr: parts.next().map(str::to_owned),
    }
}

/// A path qualified by a schema URN.
pub(super) fn q(schema: &str, text: &str) -> AttrPath {
    AttrPath {
        schema: Some(schema.to_owned()),
        ..p(text)
    }
}

pub(super) fn s(text: &str) -> CompValue {
    CompValue::String(text.to_owned())
}

pub(super) fn n(number: i64) -> CompValue {
    CompValue::Number(number.into())
}

pub(super) fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare { path, op, value }
}

pub(super) fn eq(path: &str, value: CompValue) -> Filter {
    cmp(p(path), CompareOp::Eq, value)
}

pub(super) fn pr(path: &str) -> Filter {
    Filter::Present(p(path))
}

pub(super) fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}

pub(super) fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}

pub(super) fn not(a: Filter) -> Filter {
    Filter::Not(Box::new(a))
}

pub(super) fn vp(attr: AttrPath, filter: Filter) -> Filter {
    Filter::ValuePath {
        attr,
        filter: Box::new(filter),
    }
}

#[test]
fn every_operator_in_any_case() {
    let ops = [
        ("eq", CompareOp::Eq),
        ("ne", CompareOp::Ne),
        ("co", CompareOp::Co),
        ("sw", CompareOp::Sw),
        ("ew", CompareOp::Ew),
        ("gt", CompareOp::Gt),
        ("ge", CompareOp::Ge),
        ("lt", CompareOp::Lt),
        ("le", CompareOp::Le),
    ];
    for (word, op) in ops {
        for spelled in [
            word.to_owned(),
            word.to_uppercase(),
            format!("{}{}", &word[..1].to_uppercase(), &word[1..]),
        ] {
            let input = format!("userName {spelled} \"bjensen\"");
            assert_eq!(
                parse_filter(&input).unwrap(),
                cmp(p("userName"), op, s("bjensen")),
                "{input}"
            );
        }
    }
    for spelled in ["pr", "PR", "Pr"] {
        assert_eq!(
            parse_filter(&format!("title {spelled}")).unwrap(),
            pr("title")
        );
    }
}

#[test]
fn table_of_filters() {
    let cases: Vec<(&str, Filter)> = vec![
        // RFC 7644 §3.4.2.2 examples.
        (r#"userName Eq "john""#, eq("userName", s("john"))),
        (
            r#"name.familyName co "O'Malley""#,
            cmp(p("name.familyName"), CompareOp::Co, s("O'Malley")),
        ),
        (
            r#"userName sw "J""#,
            cmp(p("userName"), CompareOp::Sw, s("J")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            cmp(q(CORE, "userName"), CompareOp::Sw, s("J")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "Ann""#,
            eq_q(CORE, "name.givenName", s("Ann")),
        ),
        ("title pr", pr("title")),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            cmp(
                p("meta.lastModified"),
                CompareOp::Gt,
                s("2011-05-13T04:42:34Z"),
            ),
        ),
        (
            r#"title pr and userType eq "Employee""#,
            and(pr("title"), eq("userType", s("Employee"))),
        ),
        (
            r#"title pr or userType eq "Intern""#,
            or(pr("title"), eq("userType", s("Intern"))),
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            eq("schemas", s(ENTERPRISE)),
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            and(
                eq("userType", s("Employee")),
                or(
                    cmp(p("emails"), CompareOp::Co, s("example.com")),
                    cmp(p("emails.value"), CompareOp::Co, s("example.org")),
                ),
            ),
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            and(
                cmp(p("userType"), CompareOp::Ne, s("Employee")),
                not(or(
                    cmp(p("emails"), CompareOp::Co, s("example.com")),
                    cmp(p("emails.value"), CompareOp::Co, s("example.org")),
                )),
            ),
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            and(
                eq("userType", s("Employee")),
                vp(
                    p("emails"),
                    and(
                        eq("type", s("work")),
                        cmp(p("value"), CompareOp::Co, s("@example.com")),
                    ),
                ),
            ),
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            or(
                vp(
                    p("emails"),
                    and(
                        eq("type", s("work")),
                        cmp(p("value"), CompareOp::Co, s("@example.com")),
                    ),
                ),
                vp(
                    p("ims"),
                    and(
                        eq("type", s("xmpp")),
                        cmp(p("value"), CompareOp::Co, s("@foo.com")),
                    ),
                ),
            ),
        ),
        // Literals.
        ("active eq true", eq("active", CompValue::Bool(true))),
        ("active eq FALSE", eq("active", CompValue::Bool(false))),
        ("active eq True", eq("active", CompValue::Bool(true))),
        ("title eq null", eq("title", CompValue::Null)),
        ("title eq NULL", eq("title", CompValue::Null)),
        ("loginCount gt 5", cmp(p("loginCount"), CompareOp::Gt, n(5))),
        (
            "loginCount ge -12",
            cmp(p("loginCount"), CompareOp::Ge, n(-12)),
        ),
        (
            "score lt 1.5e2",
            cmp(
                p("score"),
                CompareOp::Lt,
                CompValue::Number(serde_json::Number::from_f64(150.0).unwrap()),
            ),
        ),
        (r#"title eq "true""#, eq("title", s("true"))),
        (
            r#"title eq "a \"quoted\" \\ value""#,
            eq("title", s(r#"a "quoted" \ value"#)),
        ),
        (
            r#"title eq "caf\u00e9 \ud83d\ude00""#,
            eq("title", s("café 😀")),
        ),
        (r#"title eq """#, eq("title", s(""))),
        (
            r#"title eq "a (b) [c] and or""#,
            eq("title", s("a (b) [c] and or")),
        ),
        // Entra's unquoted values.
        ("externalId eq jyoung", eq("externalId", s("jyoung"))),
        (
            "userName eq jyoung@contoso.com",
            eq("userName", s("jyoung@contoso.com")),
        ),
        ("externalId eq 12345", eq("externalId", n(12345))),
        ("externalId eq 01234", eq("externalId", s("01234"))),
        // Whitespace anywhere.
        ("  title   pr  ", pr("title")),
        (
            "\ttitle pr\nand\r\nnickName pr",
            and(pr("title"), pr("nickName")),
        ),
        (r#"userName eq"x""#, eq("userName", s("x"))),
        ("( title pr )", pr("title")),
        (
            "(title pr)and(nickName pr)",
            and(pr("title"), pr("nickName")),
        ),
        (
            r#"emails[ type eq "work" ]"#,
            vp(p("emails"), eq("type", s("work"))),
        ),
        // Names with the characters the ABNF allows, and `$ref`.
        ("x-custom_attr2 pr", pr("x-custom_attr2")),
        (
            r#"members[$ref eq "https://x/Users/1"]"#,
            vp(p("members"), eq("$ref", s("https://x/Users/1"))),
        ),
        ("members.$ref pr", pr("members.$ref")),
        // Keywords are case-insensitive.
        ("title pr AND nickName pr", and(pr("title"), pr("nickName"))),
        ("title pr Or nickName pr", or(pr("title"), pr("nickName"))),
        ("NOT (title pr)", not(pr("title"))),
        ("not(title pr)", not(pr("title"))),
        // Extension attributes.
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            eq_q(ENTERPRISE, "employeeNumber", s("701984")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            eq_q(
                ENTERPRISE,
                "manager.value",
                s("26118915-6090-4610-87e4-49d8ca9f808d"),
            ),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#,
            vp(q(CORE, "emails"), eq("type", s("work"))),
        ),
        // Entra's `attr[filter].sub op value`.
        (
            r#"emails[type eq "work"].value eq "a@b.c""#,
            vp(
                p("emails"),
                and(eq("type", s("work")), eq("value", s("a@b.c"))),
            ),
        ),
        (
            r#"emails[type eq "work"].value pr"#,
            vp(p("emails"), and(eq("type", s("work")), pr("value"))),
        ),
        (
            r#"addresses[type eq "work"].locality sw "Se" and title pr"#,
            and(
                vp(
                    p("addresses"),
                    and(
                        eq("type", s("work")),
                        cmp(p("locality"), CompareOp::Sw, s("Se")),
                    ),
                ),
                pr("title"),
            ),
        ),
        // Value filters with their own structure.
        (
            r#"emails[not (type eq "work") or (primary eq true and value pr)]"#,
            vp(
                p("emails"),
                or(
                    not(eq("type", s("work"))),
                    and(eq("primary", CompValue::Bool(true)), pr("value")),
                ),
            ),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_filter(input).unwrap(), expected, "{input}");
    }
}

pub(super) fn eq_q(schema: &str, path: &str, value: CompValue) -> Filter {
    cmp(q(schema, path), CompareOp::Eq, value)
}

#[test]
fn precedence_and_associativity() {
    let (a, b, c, d) = (pr("a"), pr("b"), pr("c"), pr("d"));
    let cases = vec![
        // `and` binds tighter than `or`, on either side.
        (
            "a pr or b pr and c pr",
            or(a.clone(), and(b.clone(), c.clone())),
        ),
        (
            "a pr and b pr or c pr",
            or(and(a.clone(), b.clone()), c.clone()),
        ),
        // Both are left-associative.
        (
            "a pr and b pr and c pr",
            and(and(a.clone(), b.clone()), c.clone()),
        ),
        (
            "a pr or b pr or c pr",
            or(or(a.clone(), b.clone()), c.clone()),
        ),
        // Parentheses override.
        (
            "(a pr or b pr) and c pr",
            and(or(a.clone(), b.clone()), c.clone()),
        ),
        (
            "a pr and (b pr or c pr)",
            and(a.clone(), or(b.clone(), c.clone())),
        ),
        (
            "a pr and (b pr and c pr)",
            and(a.clone(), and(b.clone(), c.clone())),
        ),
        // `not` binds tightest.
        ("not (a pr) and b pr", and(not(a.clone()), b.clone())),
        (
            "a pr or not (b pr) and c pr",
            or(a.clone(), and(not(b.clone()), c.clone())),
        ),
        ("not (a pr or b pr)", not(or(a.clone(), b.clone()))),
        ("not (not (a pr))", not(not(a.clone()))),
        (
            "a pr and b pr or c pr and d pr",
            or(and(a.clone(), b.clone()), and(c.clone(), d.clone())),
        ),
        ("((((a pr))))", a.clone()),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_filter(input).unwrap(), expected, "{input}");
    }
}

#[test]
fn attribute_names_keep_their_case() {
    assert_eq!(
        parse_filter("USERNAME eq \"x\"").unwrap(),
        eq("USERNAME", s("x"))
    );
    assert_eq!(
        parse_filter("Name.FamilyName pr").unwrap(),
        pr("Name.FamilyName")
    );
}
