//! Queries at the server root (RFC 7644 §3.4.2.1, §3.4.3): `POST /.search` and `GET /` (with
//! or without a `filter`) search Users and Groups together. Each resource keeps its `schemas`
//! and `meta.resourceType`, so a client can tell the types apart, and is projected with its own
//! type's schema (`attributes`, `excludedAttributes`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::error::ScimFailure;
use super::params::{list_from_query, list_from_search, list_of_resources, read_json, Projection};
use crate::directory::root_search::{search_all, RootListResult};
use crate::directory::ListQuery;
use crate::http::{AppState, ScimCaller};

/// `POST /.search` at the root.
pub async fn search(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, ScimFailure> {
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let (query, projection) = list_from_search(&body, &state.settings.scim)?;
    run(caller, &state, query, projection).await
}

/// `GET /` at the root, a query over every resource type.
pub async fn list(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ScimFailure> {
    let (query, projection) = list_from_query(&req, &state.settings.scim)?;
    run(caller, &state, query, projection).await
}

async fn run(
    caller: crate::directory::Caller,
    state: &AppState,
    mut query: ListQuery,
    projection: Projection,
) -> Result<HttpResponse, ScimFailure> {
    query.with_members = projection.wants("members");
    let page = state
        .with_conn(move |c| search_all(c, &caller, &query).map_err(ScimFailure::from))
        .await?;
    Ok(response(page, &projection))
}

/// A ListResponse whose resources are of several types, each projected with its own schema.
fn response(page: RootListResult, projection: &Projection) -> HttpResponse {
    let resources: Vec<Value> = page
        .resources
        .into_iter()
        .map(|(rt, r)| projection.apply(r, rt))
        .collect();
    list_of_resources(page.total_results, page.start_index, resources)
}
