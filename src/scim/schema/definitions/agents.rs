//! The agent resource types of draft-abbey-scim-agent-extension-00: `Agent` (`/Agents`) and
//! `AgenticApplication` (`/AgenticApplications`), and the `agentExtension` object a service
//! provider advertises in `/ServiceProviderConfig`.
//!
//! The drafts for non-human identities in SCIM compete (draft-wahl-scim-agent-schema,
//! draft-wzdk-scim-agent-resource): every URN, endpoint and attribute name gatehouse takes from
//! them is in this file, and the rest of the code names them through these definitions, so
//! following another draft means changing this file (and the column maps that cite its names).

use serde_json::{json, Value};

use super::super::common::{attr, complex, string};
use super::super::types::{
    AttrType, AttributeDef, Mutability, ResourceTypeDef, SchemaDef, Uniqueness,
};
use super::plural_sub_attributes;

/// Attribute names the storage maps to columns (and the directory reads), as the draft spells
/// them.
pub mod names {
    /// REQUIRED on both types; unique in the organization.
    pub const NAME: &str = "name";
    pub const DISPLAY_NAME: &str = "displayName";
    pub const DESCRIPTION: &str = "description";
    pub const AGENT_TYPE: &str = "agentType";
    pub const ACTIVE: &str = "active";
    /// The Agent's group memberships: read-only, as a user's.
    pub const GROUPS: &str = "groups";
    /// The Users or Groups accountable for the Agent: the first of them names its owner.
    pub const OWNERS: &str = "owners";
    /// The `/ServiceProviderConfig` key and its members.
    pub const SPC_EXTENSION: &str = "agentExtension";
}

/// The `agentExtension` object of `/ServiceProviderConfig`: gatehouse supports both types.
pub fn service_provider_config_entry() -> (&'static str, Value) {
    (
        names::SPC_EXTENSION,
        json!({
            "supported": true,
            "agentsSupported": true,
            "agenticApplicationsSupported": true,
        }),
    )
}

/// `value`/`$ref`/`display` of a reference to another resource (`parent`, `owners`, ...).
const fn reference_sub_attributes(
    whose: &'static str,
    to: &'static [&'static str],
) -> [AttributeDef; 3] {
    [
        string("value", whose),
        attr("$ref", AttrType::Reference, "The URI of the resource.").references(to),
        string("display", "A human-readable name of the resource."),
    ]
}

static AGENT_GROUPS: [AttributeDef; 3] = [
    string("value", "The id of a Group the Agent belongs to.").read_only(),
    attr(
        "$ref",
        AttrType::Reference,
        "The URI of the Group resource.",
    )
    .references(&["Group"])
    .read_only(),
    string("display", "The displayName of the Group.").read_only(),
];

static ENTITLEMENTS: [AttributeDef; 4] =
    plural_sub_attributes(AttrType::String, "An entitlement the Agent has.", &[]);

static ROLES: [AttributeDef; 4] =
    plural_sub_attributes(AttrType::String, "A role the Agent assumes.", &[]);

static X509_CERTIFICATES: [AttributeDef; 4] = plural_sub_attributes(
    AttrType::Binary,
    "A DER-encoded X.509 certificate, base64-encoded.",
    &[],
);

static APPLICATIONS: [AttributeDef; 3] = reference_sub_attributes(
    "The id of an AgenticApplication the Agent shares a trust boundary with.",
    &["AgenticApplication"],
);

static PROTOCOLS: [AttributeDef; 2] = [
    string("type", "The type of the protocol.").canonical(&[
        "A2A",
        "OpenAPI",
        "MCP-Client",
        "MCP-Server",
    ]),
    attr(
        "specificationUrl",
        AttrType::Reference,
        "Where the Agent's specification document for the protocol is.",
    )
    .references(&["external"]),
];

static PARENT: [AttributeDef; 3] =
    reference_sub_attributes("The id of the parent Agent.", &["Agent"]);

static OWNERS: [AttributeDef; 3] = reference_sub_attributes(
    "The id of a User or Group accountable for the Agent.",
    &["User", "Group"],
);

static AGENT_ATTRIBUTES: [AttributeDef; 14] = [
    // Unique in the organization (the `app_actors_org_name` key). Compared exactly, as that
    // key compares it, so a filter and the uniqueness rule agree on what "the same name" is.
    string(names::NAME, "The name of the Agent. REQUIRED.")
        .required()
        .case_exact()
        .uniqueness(Uniqueness::Server),
    string(names::DISPLAY_NAME, "The display name of the Agent."),
    string(names::DESCRIPTION, "The description of the Agent."),
    string(names::AGENT_TYPE, "The type of the Agent, e.g. Assistant."),
    attr(
        names::ACTIVE,
        AttrType::Boolean,
        "The Agent's administrative status; false suspends it.",
    ),
    complex("entitlements", "Entitlements the Agent has.", &ENTITLEMENTS).multi(),
    complex("roles", "Roles the Agent assumes.", &ROLES).multi(),
    complex(
        names::GROUPS,
        "The Groups the Agent belongs to.",
        &AGENT_GROUPS,
    )
    .multi()
    .read_only(),
    complex(
        "applications",
        "The AgenticApplications the Agent shares a trust boundary with.",
        &APPLICATIONS,
    )
    .multi(),
    string(
        "subject",
        "The `sub` claim an OpenID Connect provider puts in the Agent's tokens.",
    ),
    complex(
        "protocols",
        "The communication protocols the Agent supports.",
        &PROTOCOLS,
    )
    .multi(),
    complex("parent", "The parent Agent in a hierarchy.", &PARENT),
    complex(
        names::OWNERS,
        "The Users or Groups accountable for the Agent.",
        &OWNERS,
    )
    .multi(),
    complex(
        "x509Certificates",
        "X.509 certificates issued to the Agent.",
        &X509_CERTIFICATES,
    )
    .multi(),
];

/// `urn:ietf:params:scim:schemas:core:2.0:Agent`.
pub static AGENT_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:ietf:params:scim:schemas:core:2.0:Agent",
    name: "Agent",
    description: "Agent identities",
    attributes: &AGENT_ATTRIBUTES,
};

/// The Agent resource type.
pub static AGENT: ResourceTypeDef = ResourceTypeDef {
    id: "Agent",
    name: "Agent",
    endpoint: "/Agents",
    description: "Agent identities",
    schema: &AGENT_SCHEMA,
    extensions: &[],
};

static APPLICATION_URLS: [AttributeDef; 3] = [
    attr(
        "value",
        AttrType::Reference,
        "A URL where the application is reached.",
    )
    .references(&["external"]),
    string("type", "What the URL is for, e.g. sign-in."),
    attr(
        "primary",
        AttrType::Boolean,
        "Whether this is the preferred URL; at most one value may be primary.",
    ),
];

static OAUTH_CONFIGURATION: [AttributeDef; 4] = [
    string("clientId", "The OAuth client id of the application.").case_exact(),
    string("audience", "The audience of the application's tokens.").case_exact(),
    string("issuer", "The issuer of the application's tokens.").case_exact(),
    attr(
        "redirectUri",
        AttrType::Reference,
        "The OAuth redirect URI of the application.",
    )
    .references(&["external"]),
];

static AGENTS: [AttributeDef; 3] =
    reference_sub_attributes("The id of an Agent the application exposes.", &["Agent"]);

static EXTERNAL_IDENTIFIERS: [AttributeDef; 2] = [
    string(
        "value",
        "An identifier of the application in another system.",
    )
    .case_exact(),
    string("type", "The kind of identifier."),
];

static AGENTIC_APPLICATION_ATTRIBUTES: [AttributeDef; 9] = [
    // Unique in the organization (`agentic_applications_org_name`), compared exactly.
    string(names::NAME, "The name of the application. REQUIRED.")
        .required()
        .case_exact()
        .uniqueness(Uniqueness::Server),
    string(names::DISPLAY_NAME, "The display name of the application."),
    string(names::DESCRIPTION, "The description of the application."),
    attr(
        names::ACTIVE,
        AttrType::Boolean,
        "The application's administrative status.",
    ),
    complex(
        "applicationUrls",
        "URLs where the application is reached.",
        &APPLICATION_URLS,
    )
    .multi(),
    attr(
        "lastAccessed",
        AttrType::DateTime,
        "When the application was last used; set by the service provider.",
    )
    .mutability(Mutability::ReadOnly),
    complex(
        "oAuthConfiguration",
        "The application's OAuth client configuration.",
        &OAUTH_CONFIGURATION,
    ),
    complex("agents", "The Agents the application exposes.", &AGENTS).multi(),
    complex(
        "externalIdentifiers",
        "Identifiers of the application in other systems.",
        &EXTERNAL_IDENTIFIERS,
    )
    .multi(),
];

/// `urn:ietf:params:scim:schemas:core:2.0:AgenticApplication`.
pub static AGENTIC_APPLICATION_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:ietf:params:scim:schemas:core:2.0:AgenticApplication",
    name: "AgenticApplication",
    description: "Applications exposing agents",
    attributes: &AGENTIC_APPLICATION_ATTRIBUTES,
};

/// The AgenticApplication resource type.
pub static AGENTIC_APPLICATION: ResourceTypeDef = ResourceTypeDef {
    id: "AgenticApplication",
    name: "AgenticApplication",
    endpoint: "/AgenticApplications",
    description: "Applications exposing agents",
    schema: &AGENTIC_APPLICATION_SCHEMA,
    extensions: &[],
};
