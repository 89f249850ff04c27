//! `/scim/v2/Users`: the User resource type's directory operations.

use super::params::Projection;
use super::resources::Endpoint;
use crate::db::DbConnection;
use crate::directory::{users, Caller, DirectoryError, ListQuery, ListResult, Resource};
use crate::scim::patch::PatchOp;
use crate::scim::schema::{ResourceTypeDef, USER};

pub struct Users;

impl Endpoint for Users {
    const RT: &'static ResourceTypeDef = &USER;

    fn create(
        c: &mut DbConnection,
        caller: &Caller,
        body: serde_json::Value,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        users::create(c, caller, body)
    }

    fn get(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        users::get(c, caller, id)
    }

    fn replace(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        body: serde_json::Value,
        if_match: Option<&str>,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        users::replace(c, caller, id, body, if_match)
    }

    fn patch(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        ops: Vec<PatchOp>,
        if_match: Option<&str>,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        users::patch(c, caller, id, ops, if_match)
    }

    fn delete(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), DirectoryError> {
        users::delete(c, caller, id, if_match)
    }

    fn list(
        c: &mut DbConnection,
        caller: &Caller,
        query: ListQuery,
        _: &Projection,
    ) -> Result<ListResult, DirectoryError> {
        users::list(c, caller, &query)
    }
}
