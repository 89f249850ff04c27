//! Role mapping from the IdP: per connection, an ordered list of rules `{filter, role_id}` whose
//! filters are SCIM filters over the user as stored (core and extension attributes, `roles`,
//! `groups`). The first rule that matches decides the role; none gives the organization's
//! default for the user's type. A connection with mapping on is the source of truth for the
//! roles of the users it manages: their roles are re-evaluated in the transaction of every SCIM
//! change to them or to a group they are in (`remap`), and the admin API may not override them.
//!
//! - `rules`: the wire form, validation when saved, and the compiled rule sets of an org;
//! - `subject`: the user as rules see it (Entra's three app-role shapes made one);
//! - `evaluate`: first match wins, with the internal/external guard;
//! - `remap`: re-evaluation inside directory writes;
//! - `service`: the admin API (read, preview, apply, turn off).

pub mod evaluate;
pub mod remap;
pub mod rules;
pub mod service;
pub mod subject;

pub use evaluate::{evaluate, Outcome};
pub use rules::{OrgMappings, RoleMappingRule, RuleSet};

/// `LIKE` pattern of every `role_source` that `source_of` makes.
pub const MAPPED_SOURCES: &str = "idp:%";

/// The `role_source` of a user whose role a connection's mapping decides.
pub fn source_of(connection_id: &str) -> String {
    format!("idp:{connection_id}")
}

/// The connection named by a `role_source`, if the IdP decides the role.
pub fn connection_of_source(role_source: &str) -> Option<&str> {
    role_source.strip_prefix("idp:")
}
