//! The resource types the directory stores, as one table: each type's definition, its table
//! map, and its operations as plain functions. What works across types (the server-root search,
//! Bulk) dispatches over [`STORED_TYPES`] instead of matching on the type, so a new resource
//! type is one more entry here.

use serde_json::Value;

use super::agentic_applications::AgenticApplications;
use super::agents::Agents;
use super::listing::{groups_as_resources, users_as_resources};
use super::provisioned::{self, ProvisionedKind};
use super::{groups, users, Caller, DirectoryError, Resource};
use crate::db::filter_sql::{self, TableMap};
use crate::db::groups::{self as group_store, GroupRow};
use crate::db::page::rows_with_ids;
use crate::db::users::{self as user_store, UserRow};
use crate::db::DbConnection;
use crate::scim::patch::PatchOp;
use crate::scim::schema::{ResourceTypeDef, GROUP, USER};

/// Renders the resources with these ids (those that exist), each with its id, in any order.
/// `with_members` says whether multi-valued attributes kept out of the document (a group's
/// members) are wanted.
pub type LoadByIds =
    fn(&mut DbConnection, &Caller, &[&str], bool) -> Result<Vec<(String, Value)>, DirectoryError>;
/// POST: the body as sent.
pub type Create = fn(&mut DbConnection, &Caller, Value) -> Result<Resource, DirectoryError>;
/// PUT: the target id, the body and `If-Match`.
pub type Replace =
    fn(&mut DbConnection, &Caller, &str, Value, Option<&str>) -> Result<Resource, DirectoryError>;
/// PATCH: the target id, the parsed operations and `If-Match`.
pub type Patch = fn(
    &mut DbConnection,
    &Caller,
    &str,
    Vec<PatchOp>,
    Option<&str>,
) -> Result<Resource, DirectoryError>;
/// DELETE: the target id and `If-Match`.
pub type Delete = fn(&mut DbConnection, &Caller, &str, Option<&str>) -> Result<(), DirectoryError>;

/// A resource type the directory stores. The writes are the same service functions the type's
/// own endpoint calls (one transaction each, with its audit event and stewardship check); the
/// resource they return leaves out what `load` would only add on request (a group's members).
pub struct StoredType {
    pub rt: &'static ResourceTypeDef,
    pub map: &'static TableMap,
    pub load: LoadByIds,
    pub create: Create,
    pub replace: Replace,
    pub patch: Patch,
    pub delete: Delete,
}

impl std::fmt::Debug for StoredType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StoredType").field(&self.rt.name).finish()
    }
}

/// Every stored resource type, in the order a root search returns resources whose sort keys
/// tie.
pub static STORED_TYPES: [StoredType; 4] = [
    StoredType {
        rt: &USER,
        map: &filter_sql::USERS,
        load: load_users,
        create: users::create,
        replace: users::replace,
        patch: users::patch,
        delete: users::delete,
    },
    StoredType {
        rt: &GROUP,
        map: &filter_sql::GROUPS,
        load: load_groups,
        create: groups::create,
        replace: replace_group,
        patch: patch_group,
        delete: groups::delete,
    },
    provisioned_type::<Agents>(),
    provisioned_type::<AgenticApplications>(),
];

/// The stored type served at `endpoint` (`Users`, `/Agents`, ...; case-insensitive).
pub fn by_endpoint(endpoint: &str) -> Option<&'static StoredType> {
    let name = endpoint.trim_start_matches('/');
    STORED_TYPES.iter().find(|t| {
        t.rt.endpoint
            .trim_start_matches('/')
            .eq_ignore_ascii_case(name)
    })
}

/// An agent resource type's entry: every operation is `provisioned`'s, over `K`.
const fn provisioned_type<K: ProvisionedKind>() -> StoredType {
    StoredType {
        rt: K::RT,
        map: K::MAP,
        load: load_provisioned::<K>,
        create: provisioned::create::<K>,
        replace: provisioned::replace::<K>,
        patch: provisioned::patch::<K>,
        delete: provisioned::delete::<K>,
    }
}

fn load_provisioned<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    ids: &[&str],
    _with_members: bool,
) -> Result<Vec<(String, Value)>, DirectoryError> {
    provisioned::load_by_ids::<K>(conn, caller, ids)
}

fn load_users(
    conn: &mut DbConnection,
    caller: &Caller,
    ids: &[&str],
    _with_members: bool,
) -> Result<Vec<(String, Value)>, DirectoryError> {
    let table = user_store::users_page(crate::db::dialect(conn));
    let rows: Vec<UserRow> = rows_with_ids(conn, table, caller.org_id.as_str(), ids)?;
    let resources = users_as_resources(conn, &rows, caller)?;
    Ok(rows.into_iter().map(|r| r.id).zip(resources).collect())
}

fn load_groups(
    conn: &mut DbConnection,
    caller: &Caller,
    ids: &[&str],
    with_members: bool,
) -> Result<Vec<(String, Value)>, DirectoryError> {
    let rows: Vec<GroupRow> =
        rows_with_ids(conn, group_store::GROUPS_PAGE, caller.org_id.as_str(), ids)?;
    let resources = groups_as_resources(conn, &rows, caller, with_members)?;
    Ok(rows.into_iter().map(|r| r.id).zip(resources).collect())
}

/// A group's PUT, its members not read back.
fn replace_group(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Value,
    if_match: Option<&str>,
) -> Result<Resource, DirectoryError> {
    groups::replace(conn, caller, id, body, if_match, false)
}

/// A group's PATCH, its members not read back.
fn patch_group(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    ops: Vec<PatchOp>,
    if_match: Option<&str>,
) -> Result<Resource, DirectoryError> {
    groups::patch(conn, caller, id, ops, if_match, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::RESOURCE_TYPES;

    /// A resource type advertised in `/ResourceTypes` must be stored here, or a root search
    /// would silently leave it out and Bulk would refuse its path.
    #[test]
    fn every_advertised_resource_type_is_stored() {
        for rt in RESOURCE_TYPES {
            assert!(
                STORED_TYPES.iter().any(|t| t.rt.id == rt.id),
                "{} is not in STORED_TYPES",
                rt.id
            );
        }
        let mut tables: Vec<&str> = STORED_TYPES.iter().map(|t| t.map.table()).collect();
        tables.sort_unstable();
        tables.dedup();
        assert_eq!(tables.len(), STORED_TYPES.len(), "one table per type");
    }

    #[test]
    fn a_type_is_found_by_its_endpoint_with_or_without_a_slash_in_any_case() {
        for t in &STORED_TYPES {
            let bare = t.rt.endpoint.trim_start_matches('/');
            for name in [t.rt.endpoint, bare, &bare.to_ascii_uppercase()] {
                assert_eq!(by_endpoint(name).map(|f| f.rt.id), Some(t.rt.id), "{name}");
            }
        }
        assert!(by_endpoint("Schemas").is_none());
        assert!(by_endpoint("").is_none());
    }
}
