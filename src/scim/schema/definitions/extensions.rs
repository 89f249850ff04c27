//! The User schema extensions: the Enterprise User extension (RFC 7643 §4.3, §8.7.1) and
//! gatehouse's own extension, which carries the app-specific attributes an IdP can push (what
//! Okta calls the custom app-user schema).

use super::super::common::{attr, complex, string};
use super::super::types::{AttrType, AttributeDef, SchemaDef};

/// `manager` sub-attributes (RFC 7643 §4.3).
static MANAGER: [AttributeDef; 3] = [
    // §4.3 says REQUIRED in prose while §8.7.1 lists `required: false`; not enforcing it lets
    // an IdP clear or partially send a manager without the whole write failing.
    string(
        "value",
        "The id of the SCIM resource representing the User's manager.",
    ),
    attr(
        "$ref",
        AttrType::Reference,
        "The URI of the SCIM resource representing the User's manager.",
    )
    .references(&["User"]),
    // Filled in by the service provider from the manager's own record.
    string("displayName", "The displayName of the User's manager.").read_only(),
];

static ENTERPRISE_USER_ATTRIBUTES: [AttributeDef; 6] = [
    string("employeeNumber", "A string identifier, typically numeric or alphanumeric, assigned to a person by the organization."),
    string("costCenter", "The name of a cost center."),
    string("organization", "The name of an organization."),
    string("division", "The name of a division."),
    string("department", "The name of a department."),
    complex("manager", "The User's manager.", &MANAGER),
];

/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
pub static ENTERPRISE_USER_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &ENTERPRISE_USER_ATTRIBUTES,
};

static GATEHOUSE_USER_ATTRIBUTES: [AttributeDef; 2] = [
    string(
        "role",
        "The User's role in the applications gatehouse governs.",
    ),
    attr(
        "external",
        AttrType::Boolean,
        "True for external users (contractors, partners, guests).",
    ),
];

/// `urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User`.
pub static GATEHOUSE_USER_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User",
    name: "GatehouseUser",
    description: "Application-specific User attributes pushed by the identity provider",
    attributes: &GATEHOUSE_USER_ATTRIBUTES,
};
