//! `/scim/v2/Groups`: the Group resource type's directory operations. Members are read only
//! when the response carries them (`excludedAttributes=members` never touches member rows).

use super::params::Projection;
use super::resources::Endpoint;
use crate::db::DbConnection;
use crate::directory::{groups, Caller, DirectoryError, ListQuery, ListResult, Resource};
use crate::scim::patch::PatchOp;
use crate::scim::schema::{ResourceTypeDef, GROUP};

pub struct Groups;

impl Endpoint for Groups {
    const RT: &'static ResourceTypeDef = &GROUP;

    fn create(
        c: &mut DbConnection,
        caller: &Caller,
        body: serde_json::Value,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        groups::create(c, caller, body)
    }

    fn get(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        p: &Projection,
    ) -> Result<Resource, DirectoryError> {
        groups::get(c, caller, id, p.wants("members"))
    }

    fn replace(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        body: serde_json::Value,
        if_match: Option<&str>,
        p: &Projection,
    ) -> Result<Resource, DirectoryError> {
        groups::replace(c, caller, id, body, if_match, p.wants("members"))
    }

    fn patch(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        ops: Vec<PatchOp>,
        if_match: Option<&str>,
        p: &Projection,
    ) -> Result<Resource, DirectoryError> {
        groups::patch(c, caller, id, ops, if_match, p.wants("members"))
    }

    fn delete(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), DirectoryError> {
        groups::delete(c, caller, id, if_match)
    }

    fn list(
        c: &mut DbConnection,
        caller: &Caller,
        mut query: ListQuery,
        p: &Projection,
    ) -> Result<ListResult, DirectoryError> {
        query.with_members = p.wants("members");
        groups::list(c, caller, &query)
    }
}
