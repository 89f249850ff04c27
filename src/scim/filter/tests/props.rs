//! Property tests: the parsers never panic on arbitrary input, and `Display` round-trips any
//! filter the grammar can express.

use proptest::prelude::*;

use super::{CORE, ENTERPRISE};
use crate::scim::filter::{
    parse_attr_path, parse_filter, parse_path, AttrPath, CompValue, CompareOp, Filter,
};
use crate::scim::ScimError;

/// Inputs biased towards the grammar's own tokens, so the parser is driven deep, not just
/// rejected at the first character.
fn filterish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(" ".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just(".".to_owned()),
        Just(":".to_owned()),
        Just("not".to_owned()),
        Just("and".to_owned()),
        Just("or".to_owned()),
        Just("pr".to_owned()),
        Just("eq".to_owned()),
        Just("gt".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("emails".to_owned()),
        Just("urn:a:2.0:User:".to_owned()),
        Just(".value".to_owned()),
        Just("-1.5e3".to_owned()),
        "[a-z$]{1,6}",
        "\"[^\"]{0,6}\"",
        "\\PC{1,3}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

/// Attribute names; `not` is left out because `not` followed by anything but `(` is rejected
/// as a misplaced keyword (no SCIM attribute is called `not`).
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9_-]{0,8}|\\$ref".prop_filter("keyword", |n| !n.eq_ignore_ascii_case("not"))
}

/// A value path's attribute: a name, maybe qualified by a schema URN.
fn value_path_attr() -> BoxedStrategy<AttrPath> {
    (prop::option::of(Just(CORE.to_owned())), name())
        .prop_map(|(schema, name)| AttrPath {
            schema,
            name,
            sub_attr: None,
        })
        .boxed()
}

fn attr_path(relative: bool) -> BoxedStrategy<AttrPath> {
    if relative {
        name()
            .prop_map(|name| AttrPath {
                schema: None,
                name,
                sub_attr: None,
            })
            .boxed()
    } else {
        (
            prop::option::of(prop_oneof![
                Just(CORE.to_owned()),
                Just(ENTERPRISE.to_owned()),
            ]),
            name(),
            prop::option::of(name()),
        )
            .prop_map(|(schema, name, sub_attr)| AttrPath {
                schema,
                name,
                sub_attr,
            })
            .boxed()
    }
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        (-1e12f64..1e12).prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(CompValue::Number)
        }),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Co),
        Just(CompareOp::Sw),
        Just(CompareOp::Ew),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
    ]
}

/// Filters within the limits; `relative` ones are value-path bodies.
fn filter(relative: bool) -> BoxedStrategy<Filter> {
    let leaf = prop_oneof![
        (attr_path(relative), compare_op(), comp_value())
            .prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
        attr_path(relative).prop_map(Filter::Present),
    ];
    let tree = leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Filter::Not(Box::new(a))),
        ]
    });
    if relative {
        tree.boxed()
    } else {
        let value_path =
            (value_path_attr(), filter(true)).prop_map(|(attr, filter)| Filter::ValuePath {
                attr,
                filter: Box::new(filter),
            });
        prop_oneof![3 => tree.clone(), 1 => value_path.clone(), 1 => (tree, value_path)
            .prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b)))]
        .boxed()
    }
}

proptest! {
    // No regression files: the source tree is shared, and failures print their minimal input.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn parsers_never_panic_on_arbitrary_strings(input in any::<String>()) {
        let _ = parse_filter(&input);
        let _ = parse_path(&input);
        let _ = parse_attr_path(&input);
    }

    #[test]
    fn parsers_never_panic_on_filter_like_strings(input in filterish()) {
        match parse_filter(&input) {
            Ok(parsed) => {
                // Whatever parses renders to something that parses to the same thing.
                prop_assert_eq!(parse_filter(&parsed.to_string()), Ok(parsed));
            }
            Err(err) => prop_assert!(matches!(err, ScimError::InvalidFilter(_))),
        }
        if let Err(err) = parse_path(&input) {
            prop_assert!(matches!(err, ScimError::InvalidPath(_)));
        }
    }

    #[test]
    fn display_round_trips(filter in filter(false)) {
        let shown = filter.to_string();
        prop_assert_eq!(parse_filter(&shown), Ok(filter), "{}", shown);
    }
}
