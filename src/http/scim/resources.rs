//! The SCIM resource endpoints (RFC 7644 §3.3–§3.6), written once for every resource type:
//! each handler reads and bounds the request, hands it to the resource type's directory service
//! on the blocking pool, and renders the result with its projection and ETag.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::error::ScimFailure;
use super::params::{
    if_match, list_from_query, list_from_search, list_response, not_modified, read_json,
    resource_response, Projection,
};
use super::ResourceId;
use crate::db::DbConnection;
use crate::directory::{Caller, DirectoryError, ListQuery, ListResult, Resource};
use crate::http::{AppState, ScimCaller};
use crate::scim::patch::{parse_patch_request, PatchOp};
use crate::scim::schema::ResourceTypeDef;

/// A resource type's directory operations. `projection` lets a type skip work the response
/// won't show (a group's members under `excludedAttributes=members`).
pub trait Endpoint: 'static {
    const RT: &'static ResourceTypeDef;

    fn create(
        c: &mut DbConnection,
        caller: &Caller,
        body: serde_json::Value,
        p: &Projection,
    ) -> Result<Resource, DirectoryError>;
    fn get(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        p: &Projection,
    ) -> Result<Resource, DirectoryError>;
    fn replace(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        body: serde_json::Value,
        if_match: Option<&str>,
        p: &Projection,
    ) -> Result<Resource, DirectoryError>;
    fn patch(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        ops: Vec<PatchOp>,
        if_match: Option<&str>,
        p: &Projection,
    ) -> Result<Resource, DirectoryError>;
    fn delete(
        c: &mut DbConnection,
        caller: &Caller,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), DirectoryError>;
    fn list(
        c: &mut DbConnection,
        caller: &Caller,
        query: ListQuery,
        p: &Projection,
    ) -> Result<ListResult, DirectoryError>;
}

type Reply = Result<HttpResponse, ScimFailure>;

/// Runs one directory operation with a pooled connection on the blocking pool.
async fn run<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&mut DbConnection) -> Result<T, DirectoryError> + Send + 'static,
) -> Result<T, ScimFailure> {
    state
        .with_conn(move |c| work(c).map_err(ScimFailure::from))
        .await
}

pub async fn create<E: Endpoint>(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Reply {
    let p = Projection::from_request(&req)?;
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let projection = p.clone();
    let r = run(&state, move |c| E::create(c, &caller, body, &projection)).await?;
    Ok(resource_response(
        StatusCode::CREATED,
        r.resource,
        r.version,
        E::RT,
        &p,
    ))
}

pub async fn get<E: Endpoint>(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: ResourceId,
) -> Reply {
    let p = Projection::from_request(&req)?;
    let projection = p.clone();
    let r = run(&state, move |c| E::get(c, &caller, &id, &projection)).await?;
    if not_modified(&req, r.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(("ETag", crate::directory::etag(r.version)))
            .finish());
    }
    Ok(resource_response(
        StatusCode::OK,
        r.resource,
        r.version,
        E::RT,
        &p,
    ))
}

pub async fn replace<E: Endpoint>(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: ResourceId,
    body: web::Payload,
) -> Reply {
    let p = Projection::from_request(&req)?;
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let (precondition, projection) = (if_match(&req), p.clone());
    let r = run(&state, move |c| {
        E::replace(c, &caller, &id, body, precondition.as_deref(), &projection)
    })
    .await?;
    Ok(resource_response(
        StatusCode::OK,
        r.resource,
        r.version,
        E::RT,
        &p,
    ))
}

pub async fn patch<E: Endpoint>(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: ResourceId,
    body: web::Payload,
) -> Reply {
    let p = Projection::from_request(&req)?;
    let ops = parse_patch_request(&read_json(body, state.settings.http.max_body_bytes).await?)?;
    let (precondition, projection) = (if_match(&req), p.clone());
    let r = run(&state, move |c| {
        E::patch(c, &caller, &id, ops, precondition.as_deref(), &projection)
    })
    .await?;
    Ok(resource_response(
        StatusCode::OK,
        r.resource,
        r.version,
        E::RT,
        &p,
    ))
}

pub async fn delete<E: Endpoint>(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: ResourceId,
) -> Reply {
    let precondition = if_match(&req);
    run(&state, move |c| {
        E::delete(c, &caller, &id, precondition.as_deref())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list<E: Endpoint>(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Reply {
    let (query, p) = list_from_query(&req, &state.settings.scim)?;
    let projection = p.clone();
    let page = run(&state, move |c| E::list(c, &caller, query, &projection)).await?;
    Ok(list_response(page, E::RT, &p))
}

pub async fn search<E: Endpoint>(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Reply {
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let (query, p) = list_from_search(&body, &state.settings.scim)?;
    let projection = p.clone();
    let page = run(&state, move |c| E::list(c, &caller, query, &projection)).await?;
    Ok(list_response(page, E::RT, &p))
}
