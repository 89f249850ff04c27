//! Turning stored rows into SCIM resources: the document plus `id`, derived attributes and
//! `meta` (RFC 7643 §3.1).

use serde_json::{json, Map, Value};

use crate::clock::rfc3339;
use crate::db::groups::{GroupRow, MemberRow, MembershipRow};
use crate::db::users::UserRow;

/// The weak ETag of a resource version (RFC 7644 §3.14).
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// A stored document, or an empty object if it is unreadable (never the case for rows we wrote).
pub fn document(attributes: &str) -> Map<String, Value> {
    match serde_json::from_str(attributes) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

pub(super) fn assemble(
    id: &str,
    mut doc: Map<String, Value>,
    derived: Option<(&str, Value)>,
    meta: Value,
) -> Value {
    let mut out = Map::new();
    out.insert(
        "schemas".into(),
        doc.remove("schemas").unwrap_or_else(|| json!([])),
    );
    out.insert("id".into(), Value::String(id.to_owned()));
    out.extend(doc);
    if let Some((name, value)) = derived {
        out.insert(name.to_owned(), value);
    }
    out.insert("meta".into(), meta);
    Value::Object(out)
}

pub(super) fn meta(
    resource_type: &str,
    location: String,
    row_created: chrono::NaiveDateTime,
    row_updated: chrono::NaiveDateTime,
    version: i64,
) -> Value {
    json!({
        "resourceType": resource_type,
        "created": rfc3339(row_created),
        "lastModified": rfc3339(row_updated),
        "location": location,
        "version": etag(version),
    })
}

/// The version a user's ETag names (RFC 7644 §3.14). A user's `groups` is part of the user but
/// lives in other rows: renaming or deleting a group, or leaving it, changes the user's
/// representation without writing the user's row. So a user with groups has a version derived
/// from its row's version and each group's id and current name; a change to any of them is a
/// new version. Without groups it is the row's own counter. Derived versions are 2^52 plus 52
/// bits of a SHA-256, so they are positive and never equal a counter.
pub fn user_version(row: &UserRow, groups: &[MembershipRow]) -> i64 {
    use sha2::{Digest, Sha256};
    if groups.is_empty() {
        return row.version;
    }
    let mut sorted: Vec<&MembershipRow> = groups.iter().collect();
    sorted.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    let mut hasher = Sha256::new();
    hasher.update(row.version.to_be_bytes());
    for g in sorted {
        for part in [&g.group_id, &g.display_name] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let bits = u64::from_be_bytes(first) >> 12;
    i64::try_from((1u64 << 52) | bits).unwrap_or(i64::MAX)
}

/// A user resource; `groups` are the user's direct memberships (readOnly, derived).
pub fn user(row: &UserRow, groups_of_user: &[MembershipRow], scim_base: &str) -> Value {
    let groups: Vec<Value> = groups_of_user
        .iter()
        .map(|g| {
            json!({
                "value": g.group_id,
                "$ref": format!("{scim_base}/Groups/{}", g.group_id),
                "display": g.display_name,
                "type": "direct",
            })
        })
        .collect();
    let derived = (!groups.is_empty()).then(|| ("groups", Value::Array(groups)));
    let location = format!("{scim_base}/Users/{}", row.id);
    assemble(
        &row.id,
        document(&row.attributes),
        derived,
        meta(
            "User",
            location,
            row.created_at,
            row.updated_at,
            user_version(row, groups_of_user),
        ),
    )
}

/// A group resource; `members` is `None` when the client excluded them (never read then).
pub fn group(row: &GroupRow, members: Option<&[&MemberRow]>, scim_base: &str) -> Value {
    let derived = members.filter(|m| !m.is_empty()).map(|members| {
        let list = members
            .iter()
            .map(|m| {
                let kind = if m.member_type == "Group" {
                    "Groups"
                } else {
                    "Users"
                };
                let mut member = json!({
                    "value": m.member_id,
                    "$ref": format!("{scim_base}/{kind}/{}", m.member_id),
                    "type": m.member_type,
                });
                if let Some(display) = &m.display {
                    member["display"] = Value::String(display.clone());
                }
                member
            })
            .collect();
        ("members", Value::Array(list))
    });
    let location = format!("{scim_base}/Groups/{}", row.id);
    assemble(
        &row.id,
        document(&row.attributes),
        derived,
        meta(
            "Group",
            location,
            row.created_at,
            row.updated_at,
            row.version,
        ),
    )
}
