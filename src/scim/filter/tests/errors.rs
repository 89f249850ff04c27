//! Error tests: every syntax error names what went wrong and where, maps to the right
//! `ScimError` variant, and the length, depth and comparison-count limits hold.

use crate::scim::filter::{
    parse_attr_path, parse_filter, parse_path, MAX_COMPARISONS, MAX_DEPTH, MAX_INPUT_CHARS,
};
use crate::scim::ScimError;

fn filter_error(input: &str) -> String {
    match parse_filter(input) {
        Err(ScimError::InvalidFilter(detail)) => detail,
        other => panic!("{input:?} should be an invalid filter, got {other:?}"),
    }
}

fn path_error(input: &str) -> String {
    match parse_path(input) {
        Err(ScimError::InvalidPath(detail)) => detail,
        other => panic!("{input:?} should be an invalid path, got {other:?}"),
    }
}

#[test]
fn filter_syntax_errors_name_the_problem_and_offset() {
    // (input, fragments the detail must contain)
    let cases: &[(&str, &[&str])] = &[
        ("", &["empty"]),
        ("   ", &["empty"]),
        (
            "userName",
            &[
                "comparison operator",
                "\"userName\"",
                "offset 8",
                "end of the input",
            ],
        ),
        (
            "userName xx \"a\"",
            &[
                "expected a comparison operator",
                "after \"userName\"",
                "offset 9",
                "\"xx\"",
            ],
        ),
        (
            "userName eq",
            &["expected a value after \"eq\"", "offset 11"],
        ),
        ("userName eq )", &["expected a value", "offset 12", "\")\""]),
        ("userName eq \"a", &["unterminated string", "offset 12"]),
        ("userName eq \"a\\", &["unterminated string"]),
        (
            "userName eq \"bad \\q escape\"",
            &["invalid string literal", "offset 12"],
        ),
        ("userName eq \"\\ud83d\"", &["invalid string literal"]),
        (
            "userName eq \"a\" and",
            &["expected an attribute name", "end of the input"],
        ),
        ("userName eq \"a\" or", &["expected an attribute name"]),
        (
            "userName eq \"a\" title pr",
            &["unexpected \"title\"", "offset 16", "\"and\", \"or\""],
        ),
        ("userName eq \"a\" )", &["unexpected \")\"", "offset 16"]),
        ("(userName eq \"a\"", &["expected \")\"", "offset 0"]),
        ("((title pr)", &["expected \")\"", "\"(\" at offset 0"]),
        (")", &["expected an attribute name", "\")\""]),
        ("not title pr", &["\"not\" at offset 0", "parentheses"]),
        ("title pr and not nickName pr", &["\"not\" at offset 13"]),
        ("not", &["\"not\""]),
        ("1abc eq \"x\"", &["not a valid attribute name", "\"1abc\""]),
        ("user*Name eq \"x\"", &["not a valid attribute name"]),
        ("name.given.x eq \"x\"", &["at most one \".\""]),
        (
            "name. eq \"x\"",
            &["expected an attribute name at offset 5"],
        ),
        (":userName eq \"x\"", &["schema URN", "empty"]),
        ("urn:x: eq \"x\"", &["expected an attribute name"]),
        (
            "\"userName\" eq \"x\"",
            &["expected an attribute name", "the string"],
        ),
        ("emails[]", &["empty value filter", "offset 6"]),
        (
            "emails[type eq \"work\"",
            &["expected \"]\"", "\"[\" at offset 6"],
        ),
        ("emails[type eq \"work\")", &["expected \"]\""]),
        ("emails[type[value pr]]", &["cannot be nested"]),
        (
            "emails[emails.type eq \"work\"]",
            &["not a sub-attribute name"],
        ),
        (
            "emails[urn:ietf:params:scim:schemas:core:2.0:User:type eq \"work\"]",
            &["not a sub-attribute name"],
        ),
        (
            "name.givenName[value pr]",
            &["must follow a multi-valued attribute"],
        ),
        (
            "emails[type eq \"work\"].value",
            &["comparison operator", "end of the input"],
        ),
        ("emails[type eq \"work\"].", &["expected an attribute name"]),
        (
            "emails[type eq \"work\"].value.x eq 1",
            &["not a valid attribute name"],
        ),
        ("title pr ]", &["unexpected \"]\""]),
        ("title pr [", &["unexpected \"[\""]),
        ("title eq [", &["expected a value"]),
    ];
    for (input, fragments) in cases {
        let detail = filter_error(input);
        for fragment in *fragments {
            assert!(
                detail.contains(fragment),
                "{input:?}: {detail:?} lacks {fragment:?}"
            );
        }
    }
}

#[test]
fn offsets_count_characters_not_bytes() {
    let detail = filter_error("displayName eq \"café\" zz pr");
    assert!(detail.contains("offset 22"), "{detail}");
}

#[test]
fn long_tokens_are_shortened_in_details() {
    let long = "a".repeat(500);
    let detail = filter_error(&format!("{long} xx"));
    assert!(detail.len() < 300, "{detail}");
    assert!(detail.contains('…'));
}

#[test]
fn path_errors_are_invalid_path() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["expected an attribute name", "end of the input"]),
        (
            "name.familyName eq \"x\"",
            &["unexpected \"eq\"", "PATCH path"],
        ),
        ("members[value eq \"x\"", &["expected \"]\""]),
        (
            "members[value eq \"x\"].display.x",
            &["not a valid attribute name"],
        ),
        (
            "members[value eq \"x\"] extra",
            &["unexpected \"extra\"", "end of the path"],
        ),
        ("members[value eq \"x\"].display pr", &["unexpected \"pr\""]),
        ("members[value xx \"x\"]", &["comparison operator"]),
        ("members[]", &["empty value filter"]),
        (
            "name.givenName[value pr]",
            &["must follow a multi-valued attribute"],
        ),
        ("1bad", &["not a valid attribute name"]),
        ("(userName)", &["expected an attribute name", "\"(\""]),
    ];
    for (input, fragments) in cases {
        let detail = path_error(input);
        for fragment in *fragments {
            assert!(
                detail.contains(fragment),
                "{input:?}: {detail:?} lacks {fragment:?}"
            );
        }
    }
}

#[test]
fn attr_path_errors_are_invalid_path() {
    for input in ["", "a b", "emails[type pr]", "a.b.c", "1a", "\"x\""] {
        assert!(
            matches!(parse_attr_path(input), Err(ScimError::InvalidPath(_))),
            "{input:?}"
        );
    }
}

#[test]
fn length_limit() {
    // Exactly at the limit is fine; one more character is not.
    let at_limit = format!("title eq \"{}\"", "x".repeat(MAX_INPUT_CHARS - 11));
    assert_eq!(at_limit.chars().count(), MAX_INPUT_CHARS);
    assert!(parse_filter(&at_limit).is_ok());
    let over = format!("title eq \"{}\"", "x".repeat(MAX_INPUT_CHARS - 10));
    let detail = filter_error(&over);
    assert!(detail.starts_with("filter too complex"), "{detail}");
    assert!(detail.contains("4096"), "{detail}");
    assert!(matches!(parse_path(&over), Err(ScimError::InvalidPath(_))));
    // Characters, not bytes, are counted.
    let multibyte = format!("title eq \"{}\"", "é".repeat(MAX_INPUT_CHARS - 11));
    assert!(parse_filter(&multibyte).is_ok());
}

#[test]
fn depth_limit() {
    let nested = |depth: usize| format!("{}title pr{}", "(".repeat(depth), ")".repeat(depth));
    assert!(parse_filter(&nested(MAX_DEPTH)).is_ok());
    let detail = filter_error(&nested(MAX_DEPTH + 1));
    assert!(detail.starts_with("filter too complex"), "{detail}");
    assert!(detail.contains("16"), "{detail}");
    // `not (` and value-path brackets count as levels too.
    let nots = |depth: usize| format!("{}title pr{}", "not (".repeat(depth), ")".repeat(depth));
    assert!(parse_filter(&nots(MAX_DEPTH)).is_ok());
    assert!(filter_error(&nots(MAX_DEPTH + 1)).starts_with("filter too complex"));
    let in_brackets =
        |depth: usize| format!("emails[{}type pr{}]", "(".repeat(depth), ")".repeat(depth));
    assert!(parse_filter(&in_brackets(MAX_DEPTH - 1)).is_ok());
    assert!(filter_error(&in_brackets(MAX_DEPTH)).starts_with("filter too complex"));
    // A hostile input far deeper than the limit fails cleanly rather than overflowing the stack.
    let hostile = "(".repeat(MAX_INPUT_CHARS);
    assert!(filter_error(&hostile).starts_with("filter too complex"));
    let hostile_not = "not (".repeat(MAX_INPUT_CHARS / 5);
    assert!(filter_error(&hostile_not).starts_with("filter too complex"));
}

#[test]
fn comparison_limit() {
    let chain = |count: usize| vec!["title pr"; count].join(" and ");
    assert!(parse_filter(&chain(MAX_COMPARISONS)).is_ok());
    let detail = filter_error(&chain(MAX_COMPARISONS + 1));
    assert!(detail.starts_with("filter too complex"), "{detail}");
    assert!(detail.contains("64"), "{detail}");
    // Comparisons inside value paths, and Entra's `.sub op value`, count too.
    let in_brackets = format!(
        "emails[{}]",
        vec!["type pr"; MAX_COMPARISONS + 1].join(" or ")
    );
    assert!(filter_error(&in_brackets).starts_with("filter too complex"));
    let entra = format!(
        "{} and emails[type pr].value pr",
        vec!["title pr"; MAX_COMPARISONS - 1].join(" and ")
    );
    assert!(filter_error(&entra).starts_with("filter too complex"));
}
