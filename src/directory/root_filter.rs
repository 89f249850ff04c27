//! A filter over several resource types at once (RFC 7644 §3.4.2.1, a query at the server
//! root), narrowed to one type before it is compiled for that type's table. RFC 7644 §3.4.2.2:
//! "a filter … attribute that is not defined for a resource type … evaluates to false" for its
//! resources, so a comparison on `userName` matches no Group while `userName eq "a" or
//! displayName eq "b"` still finds groups by name. An attribute that no searched type defines
//! is a client error (`invalidFilter`), as it is on `/Users` and `/Groups`.

use crate::scim::filter::{AttrPath, Filter};
use crate::scim::schema::{resolve, ResourceTypeDef};
use crate::scim::ScimError;

/// A filter narrowed to one resource type.
#[derive(Debug, Clone, PartialEq)]
pub enum Narrowed {
    /// Every resource of the type matches (e.g. `not (userName eq "a")` for Groups).
    All,
    /// No resource of the type can match: its query is left out.
    Nothing,
    /// Resources matching this filter, every attribute of which the type defines.
    Filter(Filter),
}

/// Checks that every attribute the filter names is defined by at least one of `types`.
pub fn check_known(filter: &Filter, types: &[&ResourceTypeDef]) -> Result<(), ScimError> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            check_known(a, types)?;
            check_known(b, types)
        }
        Filter::Not(a) => check_known(a, types),
        Filter::Compare { path, .. } | Filter::Present(path) => known(path, types),
        Filter::ValuePath { attr, .. } => known(attr, types),
    }
}

fn known(path: &AttrPath, types: &[&ResourceTypeDef]) -> Result<(), ScimError> {
    if types.iter().any(|rt| resolve(rt, path).is_some()) {
        Ok(())
    } else {
        Err(ScimError::InvalidFilter(format!(
            "no searched resource type has the attribute {path}"
        )))
    }
}

/// The filter as it applies to `rt`: comparisons on attributes `rt` doesn't define are false.
pub fn narrow(filter: Filter, rt: &ResourceTypeDef) -> Narrowed {
    match filter {
        Filter::And(a, b) => match (narrow(*a, rt), narrow(*b, rt)) {
            (Narrowed::Nothing, _) | (_, Narrowed::Nothing) => Narrowed::Nothing,
            (Narrowed::All, other) | (other, Narrowed::All) => other,
            (Narrowed::Filter(a), Narrowed::Filter(b)) => {
                Narrowed::Filter(Filter::And(Box::new(a), Box::new(b)))
            }
        },
        Filter::Or(a, b) => match (narrow(*a, rt), narrow(*b, rt)) {
            (Narrowed::All, _) | (_, Narrowed::All) => Narrowed::All,
            (Narrowed::Nothing, other) | (other, Narrowed::Nothing) => other,
            (Narrowed::Filter(a), Narrowed::Filter(b)) => {
                Narrowed::Filter(Filter::Or(Box::new(a), Box::new(b)))
            }
        },
        Filter::Not(a) => match narrow(*a, rt) {
            Narrowed::All => Narrowed::Nothing,
            Narrowed::Nothing => Narrowed::All,
            Narrowed::Filter(f) => Narrowed::Filter(Filter::Not(Box::new(f))),
        },
        leaf => {
            let path = match &leaf {
                Filter::Compare { path, .. } | Filter::Present(path) => path,
                Filter::ValuePath { attr, .. } => attr,
                // The arms above took every composite filter.
                Filter::And(..) | Filter::Or(..) | Filter::Not(_) => return Narrowed::Nothing,
            };
            if resolve(rt, path).is_some() {
                Narrowed::Filter(leaf)
            } else {
                Narrowed::Nothing
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::parse_filter;
    use crate::scim::schema::{GROUP, USER};

    fn narrowed(text: &str, rt: &ResourceTypeDef) -> Narrowed {
        narrow(parse_filter(text).unwrap(), rt)
    }

    fn kept(text: &str) -> Narrowed {
        Narrowed::Filter(parse_filter(text).unwrap())
    }

    #[test]
    fn attributes_of_one_type_match_nothing_of_the_other() {
        let cases: &[(&str, &ResourceTypeDef, Narrowed)] = &[
            (r#"userName eq "a""#, &GROUP, Narrowed::Nothing),
            (r#"userName eq "a""#, &USER, kept(r#"userName eq "a""#)),
            (r#"members[value eq "x"]"#, &USER, Narrowed::Nothing),
            (r#"emails.value co "@""#, &GROUP, Narrowed::Nothing),
            (
                r#"userName eq "a" or displayName eq "b""#,
                &GROUP,
                kept(r#"displayName eq "b""#),
            ),
            (
                r#"userName eq "a" and displayName eq "b""#,
                &GROUP,
                Narrowed::Nothing,
            ),
            (r#"not (userName eq "a")"#, &GROUP, Narrowed::All),
            (r#"not (userName eq "a") and id pr"#, &GROUP, kept("id pr")),
            (r#"not (userName eq "a") or id pr"#, &GROUP, Narrowed::All),
            (r#"not (not (userName pr))"#, &GROUP, Narrowed::Nothing),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#,
                &GROUP,
                Narrowed::Nothing,
            ),
            (
                r#"meta.resourceType eq "Group""#,
                &GROUP,
                kept(r#"meta.resourceType eq "Group""#),
            ),
        ];
        for (text, rt, want) in cases {
            assert_eq!(&narrowed(text, rt), want, "{text} on {}", rt.name);
        }
    }

    #[test]
    fn an_attribute_no_type_defines_is_an_invalid_filter() {
        let types = [&USER, &GROUP];
        for ok in [
            r#"nickName eq "a" or members pr"#,
            r#"roles[value eq "y"]"#,
            "id pr",
        ] {
            assert!(
                check_known(&parse_filter(ok).unwrap(), &types).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "bogus pr",
            r#"userName eq "a" or not (name.bogus pr)"#,
            "members[x pr]",
        ] {
            let known = check_known(&parse_filter(bad).unwrap(), &types);
            let is_invalid = matches!(known, Err(ScimError::InvalidFilter(_)));
            // A value filter's own sub-attributes are checked when it is compiled.
            assert_eq!(is_invalid, !bad.starts_with("members"), "{bad}: {known:?}");
        }
    }
}
