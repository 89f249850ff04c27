//! Attribute path words (RFC 7644 §3.10 `attrPath`, RFC 7643 §2.1 `ATTRNAME`): splitting
//! `[schemaURN ":"] attrName ["." subAttr]` and checking each name, with error details that
//! point at the offending character offset. The parser calls this for every path it meets.

use super::ast::AttrPath;
use super::lexer::shorten;

/// Splits `[URI ":"] attrName ["." subAttr]` (RFC 7644 §3.10). A schema URN contains colons
/// and dots (`…:enterprise:2.0:User`), so the attribute part starts after the *last* colon and
/// only that part is split on `.`.
pub(crate) fn split_attr_path(word: &str, offset: usize) -> Result<AttrPath, String> {
    let (schema, rest, rest_offset) = match word.rfind(':') {
        Some(colon) => {
            let schema = &word[..colon];
            if schema.is_empty() {
                return Err(format!(
                    "\"{}\" at offset {offset} is not a valid attribute path: the schema URN \
                     before \":\" is empty",
                    shorten(word)
                ));
            }
            (
                Some(schema.to_owned()),
                &word[colon + 1..],
                offset + schema.chars().count() + 1,
            )
        }
        None => (None, word, offset),
    };
    let mut parts = rest.splitn(3, '.');
    let name = parts.next().unwrap_or_default();
    check_name(name, rest_offset)?;
    let sub_attr = match parts.next() {
        Some(sub) => {
            check_name(sub, rest_offset + name.chars().count() + 1)?;
            Some(sub.to_owned())
        }
        None => None,
    };
    if parts.next().is_some() {
        return Err(format!(
            "\"{}\" at offset {offset} is not a valid attribute path: SCIM paths have at most \
             one \".\" (attribute.subAttribute)",
            shorten(word)
        ));
    }
    Ok(AttrPath {
        schema,
        name: name.to_owned(),
        sub_attr,
    })
}

/// RFC 7643 §2.1 `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`, with
/// `$` allowed as well for `$ref`.
pub(crate) fn check_name(name: &str, offset: usize) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = match chars.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '$' => {
            chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$'))
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else if name.is_empty() {
        Err(format!("expected an attribute name at offset {offset}"))
    } else {
        Err(format!(
            "\"{}\" at offset {offset} is not a valid attribute name: names start with a letter \
             and contain only letters, digits, \"-\", \"_\" and \"$\"",
            shorten(name)
        ))
    }
}
