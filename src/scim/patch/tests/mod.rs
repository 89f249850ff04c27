//! Tests of the PATCH engine: one table per area, with the payloads Okta and Entra ID send.

#![allow(clippy::panic)]

mod errors;
mod members;
mod props;
mod request;
mod users;

use serde_json::{json, Value};

use super::{apply_patch, parse_patch_request, PATCH_OP_SCHEMA};
use crate::scim::schema::ResourceTypeDef;
use crate::scim::ScimError;

pub(super) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(super) const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A PatchOp request body around `ops`.
pub(super) fn body(ops: Value) -> Value {
    json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": ops })
}

/// A stored user as the service would keep it.
pub(super) fn user() -> Value {
    json!({
        "schemas": [CORE_USER],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "00u1abcd",
        "userName": "bjensen@example.com",
        "name": { "givenName": "Barbara", "familyName": "Jensen" },
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@home.example", "type": "home" }
        ],
        "meta": { "resourceType": "User", "created": "2024-01-01T00:00:00Z" }
    })
}

/// A stored group document (its members live elsewhere).
pub(super) fn group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g-1",
        "displayName": "Engineering",
        "meta": { "resourceType": "Group" }
    })
}

/// Parses `ops` as a request and applies it to a copy of `doc`.
pub(super) fn run(
    doc: &Value,
    ops: Value,
    rt: &ResourceTypeDef,
) -> Result<(Value, bool), ScimError> {
    let parsed = parse_patch_request(&body(ops))?;
    let mut out = doc.clone();
    match apply_patch(&mut out, &parsed, rt) {
        Ok(changed) => Ok((out, changed)),
        Err(e) => {
            // All-or-nothing (RFC 7644 §3.5.2): a failed request leaves the document alone.
            assert_eq!(&out, doc, "document changed by a failed request: {e:?}");
            Err(e)
        }
    }
}

/// The kind of an error, for tables.
pub(super) fn kind(e: &ScimError) -> &'static str {
    e.scim_type().unwrap_or("other")
}
