//! The schemas and resource types gatehouse advertises (RFC 7643 §4, §6, §7) and the lookup of
//! attribute paths against them. Names match case-insensitively (RFC 7643 §2.1).

mod common;
mod definitions;
mod discovery;
mod types;

pub use common::COMMON_ATTRIBUTES;
pub use definitions::agents::{
    self as agent_definitions, AGENT, AGENTIC_APPLICATION, AGENTIC_APPLICATION_SCHEMA, AGENT_SCHEMA,
};
pub use definitions::{
    ENTERPRISE_USER_SCHEMA, GATEHOUSE_USER_SCHEMA, GROUP, GROUP_SCHEMA, RESOURCE_TYPES, USER,
    USER_SCHEMA,
};
pub use discovery::{resource_type_json, resource_types_json, schema_json, schemas_json};
pub use types::*;

use crate::scim::filter::AttrPath;

/// What an attribute path resolves to on a resource type.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedAttr {
    /// The schema that owns the attribute; `None` for the common attributes (`id`,
    /// `externalId`, `meta`), which belong to no schema (RFC 7643 §3.1).
    pub schema: Option<&'static SchemaDef>,
    /// The top-level attribute.
    pub attr: &'static AttributeDef,
    /// The sub-attribute, when the path names one.
    pub sub: Option<&'static AttributeDef>,
}

impl ResolvedAttr {
    /// The definition the path ends at: the sub-attribute if any, else the attribute.
    pub fn leaf(&self) -> &'static AttributeDef {
        self.sub.unwrap_or(self.attr)
    }

    /// Whether the attribute lives under its extension's URN key in the JSON document.
    pub fn is_extension(&self, rt: &ResourceTypeDef) -> bool {
        match self.schema {
            Some(schema) => schema.id != rt.schema.id,
            None => false,
        }
    }
}

/// Finds the attribute definition a path names on a resource type, or `None`.
///
/// An unqualified name is looked up in the common attributes, then the core schema, then each
/// extension; a qualified name only in the schema its URN names.
pub fn resolve(rt: &ResourceTypeDef, path: &AttrPath) -> Option<ResolvedAttr> {
    let (schema, attr) = match &path.schema {
        Some(urn) => {
            let schema = schemas_of(rt).find(|s| s.id.eq_ignore_ascii_case(urn))?;
            (Some(schema), find(schema.attributes, &path.name)?)
        }
        None => match find(COMMON_ATTRIBUTES, &path.name) {
            Some(attr) => (None, attr),
            None => {
                schemas_of(rt).find_map(|s| find(s.attributes, &path.name).map(|a| (Some(s), a)))?
            }
        },
    };
    let sub = match &path.sub_attr {
        Some(name) => Some(find(attr.sub_attributes, name)?),
        None => None,
    };
    Some(ResolvedAttr { schema, attr, sub })
}

/// The core schema of a resource type followed by its extensions.
pub fn schemas_of(rt: &ResourceTypeDef) -> impl Iterator<Item = &'static SchemaDef> {
    std::iter::once(rt.schema).chain(rt.extensions.iter().map(|e| e.schema))
}

/// Finds an attribute by name, case-insensitively.
pub fn find(attrs: &'static [AttributeDef], name: &str) -> Option<&'static AttributeDef> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}
