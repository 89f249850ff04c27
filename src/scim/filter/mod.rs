//! The SCIM filter language (RFC 7644 §3.4.2.2) and the PATCH path grammar (RFC 7644 §3.5.2):
//! lexer, parser with precedence and limits, a `Display` that renders the AST back to filter
//! syntax, and the in-memory evaluator. The SQL compiler lives with storage and reads the same
//! AST. This module is the only public door: parse errors come out as `ScimError`s whose
//! `detail` names the offending token and its character offset.

pub mod ast;
mod display;
pub mod eval;
mod lexer;
mod names;
mod parser;
#[cfg(test)]
mod tests;

pub use ast::*;
pub use eval::{matches, matches_element};

use crate::scim::ScimError;

/// The longest filter or path accepted, in characters. Real IdP filters are a few hundred
/// characters at most; the cap bounds the work a hostile client can ask for.
pub const MAX_INPUT_CHARS: usize = 4096;
/// The deepest nesting of parentheses and value-path brackets accepted. The parser recurses
/// once per level, so this also bounds its stack use.
pub const MAX_DEPTH: usize = 16;
/// The most comparisons (`attrPath op value` and `attrPath pr`) one filter may hold.
pub const MAX_COMPARISONS: usize = 64;

/// Parses a `filter` query parameter (RFC 7644 §3.4.2.2).
///
/// Errors are `ScimError::InvalidFilter` with a detail that names the position.
pub fn parse_filter(input: &str) -> Result<Filter, ScimError> {
    parser::parse_filter(input).map_err(ScimError::InvalidFilter)
}

/// Parses a PATCH operation `path` (RFC 7644 §3.5.2): `attrPath` or `valuePath ["." subAttr]`.
///
/// Errors are `ScimError::InvalidPath`.
pub fn parse_path(input: &str) -> Result<PatchPath, ScimError> {
    parser::parse_path(input).map_err(ScimError::InvalidPath)
}

/// Parses one bare attribute path, as used by `sortBy` and the `attributes` /
/// `excludedAttributes` lists (RFC 7644 §3.4.2.3, §3.4.2.5).
///
/// Errors are `ScimError::InvalidPath`.
pub fn parse_attr_path(input: &str) -> Result<AttrPath, ScimError> {
    parser::parse_attr_path(input).map_err(ScimError::InvalidPath)
}
