//! Okta's provisioning engine. Everything it sends is within RFC 7643/7644 as the core reads it:
//! - deprovisioning is a path-less `replace` of `{"active": false}`, never a DELETE;
//! - `password`, `groups: []` on create and read-only `id`/`meta`/`groups` on PUT are ignored;
//! - Group Push renames with `id` inside a path-less replace value (ignored as read-only), mixes
//!   `remove` by `members[value eq "…"]` with `add` of `members`, and pushes a whole list with
//!   `replace` of `members`;
//! - `userName` is matched case-insensitively by `userName eq` filters.
//!
//! App-specific profile attributes (such as a role) are sent in the custom extension
//! `urn:ietf:params:scim:schemas:extension:gatehouse:2.0:User`, which admins configure in Okta's
//! profile editor (see docs/okta.md).

use serde_json::Value;

use crate::scim::schema::ResourceTypeDef;

/// Okta's resource bodies need no rewriting.
pub fn resource(_rt: &ResourceTypeDef, body: Value) -> Value {
    body
}
