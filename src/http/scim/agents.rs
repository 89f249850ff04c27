//! `/scim/v2/Agents` and `/scim/v2/AgenticApplications` (draft-abbey-scim-agent-extension-00):
//! one endpoint over the directory's agent resource types.

use std::marker::PhantomData;

use super::params::Projection;
use super::resources::Endpoint;
use crate::db::DbConnection;
use crate::directory::provisioned::{self, ProvisionedKind};
use crate::directory::{Caller, DirectoryError, ListQuery, ListResult, Resource};
use crate::scim::patch::PatchOp;
use crate::scim::schema::ResourceTypeDef;

/// The SCIM endpoint of an agent resource type `K`.
pub struct AgentEndpoint<K>(PhantomData<K>);

impl<K: ProvisionedKind + 'static> Endpoint for AgentEndpoint<K> {
    const RT: &'static ResourceTypeDef = K::RT;

    fn create(
        c: &mut DbConnection,
        caller: &Caller,
        body: serde_json::Value,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        provisioned::create::<K>(c, caller, body)
    }

    fn get(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        provisioned::get::<K>(c, caller, id)
    }

    fn replace(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        body: serde_json::Value,
        if_match: Option<&str>,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        provisioned::replace::<K>(c, caller, id, body, if_match)
    }

    fn patch(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        ops: Vec<PatchOp>,
        if_match: Option<&str>,
        _: &Projection,
    ) -> Result<Resource, DirectoryError> {
        provisioned::patch::<K>(c, caller, id, ops, if_match)
    }

    fn delete(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), DirectoryError> {
        provisioned::delete::<K>(c, caller, id, if_match)
    }

    fn list(
        c: &mut DbConnection,
        caller: &Caller,
        query: ListQuery,
        _: &Projection,
    ) -> Result<ListResult, DirectoryError> {
        provisioned::list::<K>(c, caller, &query)
    }
}
