//! The static schema and resource-type definitions gatehouse advertises: the User and Group
//! core schemas (RFC 7643 §4.1, §4.2, §8.7.1), the Enterprise User extension (§4.3), gatehouse's
//! own User extension for app-specific attributes an IdP pushes, and the two resource types
//! (§6). The schemas live in `definitions/{user,group,extensions}.rs`; this
//! module ties them into resource types.

pub mod agents;
mod extensions;
mod group;
mod user;

pub use extensions::{ENTERPRISE_USER_SCHEMA, GATEHOUSE_USER_SCHEMA};
pub use group::GROUP_SCHEMA;
pub use user::USER_SCHEMA;

use super::common::{attr, string};
use super::types::{AttrType, AttributeDef, ExtensionDef, ResourceTypeDef};

/// The `value`/`display`/`type`/`primary` sub-attributes shared by the plural attributes
/// (RFC 7643 §2.4, §4.1.2): `value_type` and `value_description` describe `value`, and
/// `canonical` lists the `type` values the RFC suggests.
pub(super) const fn plural_sub_attributes(
    value_type: AttrType,
    value_description: &'static str,
    canonical: &'static [&'static str],
) -> [AttributeDef; 4] {
    [
        attr("value", value_type, value_description),
        string(
            "display",
            "A human-readable name, primarily used for display purposes.",
        ),
        string("type", "A label indicating the attribute's function.").canonical(canonical),
        attr(
            "primary",
            AttrType::Boolean,
            "Whether this is the preferred value; at most one value may be primary.",
        ),
    ]
}

/// The User resource type: the core User schema with the Enterprise and gatehouse extensions,
/// both optional so a client that knows neither can still create users.
pub static USER: ResourceTypeDef = ResourceTypeDef {
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schema: &USER_SCHEMA,
    extensions: &[
        ExtensionDef {
            schema: &ENTERPRISE_USER_SCHEMA,
            required: false,
        },
        ExtensionDef {
            schema: &GATEHOUSE_USER_SCHEMA,
            required: false,
        },
    ],
};

/// The Group resource type: the core Group schema, no extensions.
pub static GROUP: ResourceTypeDef = ResourceTypeDef {
    id: "Group",
    name: "Group",
    endpoint: "/Groups",
    description: "Group",
    schema: &GROUP_SCHEMA,
    extensions: &[],
};

/// Every resource type the service exposes, in `/ResourceTypes` order.
pub static RESOURCE_TYPES: [&ResourceTypeDef; 4] =
    [&USER, &GROUP, &agents::AGENT, &agents::AGENTIC_APPLICATION];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::parse_attr_path;
    use crate::scim::schema::{resolve, COMMON_ATTRIBUTES};

    /// The characteristics that matter for behaviour, in one line per attribute:
    /// type, multiValued, required, mutability, returned, uniqueness.
    fn describe(attr: &AttributeDef) -> String {
        let multi = if attr.multi_valued { "multi" } else { "single" };
        let required = if attr.required {
            "required"
        } else {
            "optional"
        };
        format!(
            "{:?} {multi} {required} {:?} {:?} {:?}",
            attr.ty, attr.mutability, attr.returned, attr.uniqueness
        )
    }

    #[test]
    fn key_characteristics_follow_rfc_7643() {
        let gatehouse_external =
            "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User:external";
        let table: &[(&ResourceTypeDef, &str, &str)] = &[
            (&USER, "id", "String single optional ReadOnly Always Server"),
            (
                &USER,
                "externalId",
                "String single optional ReadWrite Default None",
            ),
            (
                &USER,
                "meta",
                "Complex single optional ReadOnly Default None",
            ),
            (
                &USER,
                "meta.lastModified",
                "DateTime single optional ReadOnly Default None",
            ),
            (
                &USER,
                "USERNAME",
                "String single required ReadWrite Default Server",
            ),
            (
                &USER,
                "password",
                "String single optional WriteOnly Never None",
            ),
            (
                &USER,
                "active",
                "Boolean single optional ReadWrite Default None",
            ),
            (
                &USER,
                "emails",
                "Complex multi optional ReadWrite Default None",
            ),
            (
                &USER,
                "emails.primary",
                "Boolean single optional ReadWrite Default None",
            ),
            (
                &USER,
                "addresses.primary",
                "Boolean single optional ReadWrite Default None",
            ),
            (
                &USER,
                "groups",
                "Complex multi optional ReadOnly Default None",
            ),
            (
                &USER,
                "groups.$ref",
                "Reference single optional ReadOnly Default None",
            ),
            (
                &USER,
                "photos.value",
                "Reference single optional ReadWrite Default None",
            ),
            (
                &USER,
                "x509Certificates.value",
                "Binary single optional ReadWrite Default None",
            ),
            (
                &USER,
                "manager.displayName",
                "String single optional ReadOnly Default None",
            ),
            (
                &USER,
                gatehouse_external,
                "Boolean single optional ReadWrite Default None",
            ),
            (
                &GROUP,
                "displayName",
                // Unique per organization: both IdPs match groups by displayName.
                "String single required ReadWrite Default Server",
            ),
            (
                &GROUP,
                "members",
                "Complex multi optional ReadWrite Default None",
            ),
            (
                &GROUP,
                "members.value",
                "String single optional Immutable Default None",
            ),
            (
                &GROUP,
                "members.$ref",
                "Reference single optional Immutable Default None",
            ),
            (
                &GROUP,
                "members.display",
                "String single optional ReadOnly Default None",
            ),
        ];
        for (rt, path, expected) in table {
            let resolved = parse_attr_path(path).ok().and_then(|p| resolve(rt, &p));
            let got = resolved.map(|r| describe(r.leaf()));
            assert_eq!(got.as_deref(), Some(*expected), "{path}");
        }
        let case_exact = |path: &str| {
            let resolved = parse_attr_path(path).ok().and_then(|p| resolve(&USER, &p));
            resolved.map(|r| r.leaf().case_exact)
        };
        assert_eq!(case_exact("id"), Some(true));
        assert_eq!(case_exact("externalId"), Some(true));
        assert_eq!(case_exact("userName"), Some(false));
    }

    #[test]
    fn definitions_are_well_formed() {
        fn check(attrs: &[AttributeDef], depth: usize) {
            for (i, attr) in attrs.iter().enumerate() {
                let dup = attrs[..i]
                    .iter()
                    .any(|a| a.name.eq_ignore_ascii_case(attr.name));
                assert!(!dup, "duplicate attribute {}", attr.name);
                let complex = attr.ty == AttrType::Complex;
                assert_eq!(complex, !attr.sub_attributes.is_empty(), "{}", attr.name);
                assert!(
                    depth == 0 || !complex,
                    "{} nests complex attributes",
                    attr.name
                );
                let reference = attr.ty == AttrType::Reference;
                assert_eq!(reference, !attr.reference_types.is_empty(), "{}", attr.name);
                assert!(!attr.description.is_empty(), "{}", attr.name);
                check(attr.sub_attributes, depth + 1);
            }
        }
        check(COMMON_ATTRIBUTES, 0);
        for rt in RESOURCE_TYPES {
            check(rt.schema.attributes, 0);
            for ext in rt.extensions {
                check(ext.schema.attributes, 0);
            }
        }
        assert_eq!(USER_SCHEMA.attributes.len(), 21);
        assert_eq!(ENTERPRISE_USER_SCHEMA.attributes.len(), 6);
        assert_eq!(GATEHOUSE_USER_SCHEMA.attributes.len(), 2);
        assert_eq!(GROUP_SCHEMA.attributes.len(), 2);
        assert_eq!(agents::AGENT_SCHEMA.attributes.len(), 14);
        assert_eq!(agents::AGENTIC_APPLICATION_SCHEMA.attributes.len(), 9);
    }

    #[test]
    fn agent_attributes_follow_the_agent_draft() {
        let table: &[(&ResourceTypeDef, &str, &str)] = &[
            (
                &agents::AGENT,
                "name",
                "String single required ReadWrite Default Server",
            ),
            (
                &agents::AGENT,
                "groups",
                "Complex multi optional ReadOnly Default None",
            ),
            (
                &agents::AGENT,
                "agentType",
                "String single optional ReadWrite Default None",
            ),
            (
                &agents::AGENT,
                "active",
                "Boolean single optional ReadWrite Default None",
            ),
            (
                &agents::AGENTIC_APPLICATION,
                "name",
                "String single required ReadWrite Default Server",
            ),
            (
                &agents::AGENTIC_APPLICATION,
                "oAuthConfiguration.clientId",
                "String single optional ReadWrite Default None",
            ),
        ];
        for (rt, path, expected) in table {
            let resolved = parse_attr_path(path).ok().and_then(|p| resolve(rt, &p));
            let got = resolved.map(|r| describe(r.leaf()));
            assert_eq!(got.as_deref(), Some(*expected), "{path}");
        }
    }
}
