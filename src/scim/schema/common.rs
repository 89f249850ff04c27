//! The common attributes every resource carries (`id`, `externalId`, `meta`; RFC 7643 §3.1) and
//! the small `const` builders the static schema definitions are written with. The common
//! attributes belong to no schema, so `/Schemas` does not list them; `resolve()` finds them
//! first for unqualified names.

use super::types::{AttrType, AttributeDef, Mutability, Returned, Uniqueness};

/// A single-valued, optional, case-insensitive, readWrite attribute returned by default, with
/// no uniqueness: the RFC 7643 §7 defaults, which the builder methods below override.
pub(super) const fn attr(
    name: &'static str,
    ty: AttrType,
    description: &'static str,
) -> AttributeDef {
    AttributeDef {
        name,
        ty,
        multi_valued: false,
        description,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: Uniqueness::None,
        canonical_values: &[],
        reference_types: &[],
        sub_attributes: &[],
    }
}

/// A default-characteristics string attribute.
pub(super) const fn string(name: &'static str, description: &'static str) -> AttributeDef {
    attr(name, AttrType::String, description)
}

/// A complex attribute with the given sub-attributes.
pub(super) const fn complex(
    name: &'static str,
    description: &'static str,
    sub_attributes: &'static [AttributeDef],
) -> AttributeDef {
    AttributeDef {
        sub_attributes,
        ..attr(name, AttrType::Complex, description)
    }
}

// The builders only override one characteristic each, so a definition reads like the RFC's
// JSON: only what differs from the defaults is spelled out.
impl AttributeDef {
    pub(super) const fn multi(self) -> Self {
        AttributeDef {
            multi_valued: true,
            ..self
        }
    }

    pub(super) const fn required(self) -> Self {
        AttributeDef {
            required: true,
            ..self
        }
    }

    pub(super) const fn case_exact(self) -> Self {
        AttributeDef {
            case_exact: true,
            ..self
        }
    }

    pub(super) const fn mutability(self, mutability: Mutability) -> Self {
        AttributeDef { mutability, ..self }
    }

    pub(super) const fn read_only(self) -> Self {
        self.mutability(Mutability::ReadOnly)
    }

    pub(super) const fn returned(self, returned: Returned) -> Self {
        AttributeDef { returned, ..self }
    }

    pub(super) const fn uniqueness(self, uniqueness: Uniqueness) -> Self {
        AttributeDef { uniqueness, ..self }
    }

    pub(super) const fn canonical(self, canonical_values: &'static [&'static str]) -> Self {
        AttributeDef {
            canonical_values,
            ..self
        }
    }

    pub(super) const fn references(self, reference_types: &'static [&'static str]) -> Self {
        AttributeDef {
            reference_types,
            ..self
        }
    }
}

/// `meta` sub-attributes (RFC 7643 §3.1). All are set by the service provider.
static META_SUB_ATTRIBUTES: [AttributeDef; 5] = [
    string(
        "resourceType",
        "The name of the resource type of the resource.",
    )
    .case_exact()
    .read_only(),
    attr(
        "created",
        AttrType::DateTime,
        "The date and time the resource was added to the service provider.",
    )
    .read_only(),
    attr(
        "lastModified",
        AttrType::DateTime,
        "The most recent date and time the resource was modified at the service provider.",
    )
    .read_only(),
    attr(
        "location",
        AttrType::Reference,
        "The URI of the resource being returned.",
    )
    .references(&["uri"])
    .case_exact()
    .read_only(),
    string("version", "The version (entity tag) of the resource.")
        .case_exact()
        .read_only(),
];

/// `id`, `externalId` and `meta` (RFC 7643 §3.1).
pub static COMMON_ATTRIBUTES: &[AttributeDef] = &[
    // `id` is assigned by the service provider, compared exactly, and returned always.
    string(
        "id",
        "A unique identifier for the resource, assigned by the service provider.",
    )
    .case_exact()
    .read_only()
    .returned(Returned::Always)
    .uniqueness(Uniqueness::Server),
    // `externalId` is the client's own identifier; RFC 7643 §3.1 makes it case-exact.
    string(
        "externalId",
        "An identifier for the resource as defined by the provisioning client.",
    )
    .case_exact(),
    complex(
        "meta",
        "Resource metadata maintained by the service provider.",
        &META_SUB_ATTRIBUTES,
    )
    .read_only(),
];
