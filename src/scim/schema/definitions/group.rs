//! The core Group schema, `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 §4.2, with
//! the characteristics of its §8.7.1 representation).

use super::super::common::{attr, complex, string};
use super::super::types::{AttrType, AttributeDef, Mutability, SchemaDef, Uniqueness};

/// `members` sub-attributes. A member's identity (`value`, `$ref`, `type`) is fixed once added
/// (RFC 7643 §8.7.1 makes them immutable); members are added and removed, never re-pointed.
static MEMBERS: [AttributeDef; 4] = [
    string(
        "value",
        "The id of a SCIM resource that is a member of the Group.",
    )
    .mutability(Mutability::Immutable),
    attr(
        "$ref",
        AttrType::Reference,
        "The URI of the member resource.",
    )
    .references(&["User", "Group"])
    .mutability(Mutability::Immutable),
    // The §8.7.1 listing has no `display`; gatehouse advertises one, read-only, since the
    // service knows each member's name. Okta sends it when adding members anyway, so a written
    // `display` is tolerated, never rejected: write validation keeps it in the member element
    // and the membership store decides what is shown.
    string("display", "A human-readable name for the member.").read_only(),
    string("type", "The type of the member resource.")
        .canonical(&["User", "Group"])
        .mutability(Mutability::Immutable),
];

static GROUP_ATTRIBUTES: [AttributeDef; 2] = [
    // §4.2 calls displayName REQUIRED (the §8.7.1 listing says `required: false`; the prose
    // wins, and every IdP sends one). Unique per organization, case-insensitively: Okta and
    // Entra ID match groups by displayName, so a duplicate would be provisioned silently.
    string(
        "displayName",
        "A human-readable name for the Group, unique in the organization. REQUIRED.",
    )
    .required()
    .uniqueness(Uniqueness::Server),
    complex("members", "A list of members of the Group.", &MEMBERS).multi(),
];

/// `urn:ietf:params:scim:schemas:core:2.0:Group`.
pub static GROUP_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:ietf:params:scim:schemas:core:2.0:Group",
    name: "Group",
    description: "Group",
    attributes: &GROUP_ATTRIBUTES,
};
