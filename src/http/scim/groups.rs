//! `/scim/v2/Groups` (RFC 7644 §3.3–§3.6). Members are read only when the response carries
//! them (`excludedAttributes=members` never touches the member rows).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::error::ScimFailure;
use super::params::{
    if_match, list_from_query, list_from_search, list_response, not_modified, read_json,
    resource_response, Projection,
};
use crate::directory::groups;
use crate::http::{AppState, ScimCaller};
use crate::scim::patch::parse_patch_request;
use crate::scim::schema::GROUP;

type Reply = Result<HttpResponse, ScimFailure>;

pub async fn create(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Reply {
    let projection = Projection::from_request(&req)?;
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let group = state
        .with_conn(move |c| groups::create(c, &caller, body).map_err(ScimFailure::from))
        .await?;
    Ok(resource_response(
        StatusCode::CREATED,
        &group.resource,
        group.version,
        &GROUP,
        &projection,
    ))
}

pub async fn get(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Reply {
    let projection = Projection::from_request(&req)?;
    let with_members = projection.wants("members");
    let group = state
        .with_conn(move |c| groups::get(c, &caller, &id, with_members).map_err(ScimFailure::from))
        .await?;
    if not_modified(&req, group.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(("ETag", crate::directory::etag(group.version)))
            .finish());
    }
    Ok(resource_response(
        StatusCode::OK,
        &group.resource,
        group.version,
        &GROUP,
        &projection,
    ))
}

pub async fn replace(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Payload,
) -> Reply {
    let projection = Projection::from_request(&req)?;
    let with_members = projection.wants("members");
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let precondition = if_match(&req);
    let group = state
        .with_conn(move |c| {
            groups::replace(c, &caller, &id, body, precondition.as_deref(), with_members)
                .map_err(ScimFailure::from)
        })
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        &group.resource,
        group.version,
        &GROUP,
        &projection,
    ))
}

pub async fn patch(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Payload,
) -> Reply {
    let projection = Projection::from_request(&req)?;
    let with_members = projection.wants("members");
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let ops = parse_patch_request(&body)?;
    let precondition = if_match(&req);
    let group = state
        .with_conn(move |c| {
            groups::patch(c, &caller, &id, ops, precondition.as_deref(), with_members)
                .map_err(ScimFailure::from)
        })
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        &group.resource,
        group.version,
        &GROUP,
        &projection,
    ))
}

pub async fn delete(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Reply {
    let precondition = if_match(&req);
    state
        .with_conn(move |c| {
            groups::delete(c, &caller, &id, precondition.as_deref()).map_err(ScimFailure::from)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Reply {
    let (mut query, projection) = list_from_query(&req, &state.settings.scim)?;
    query.with_members = projection.wants("members");
    let page = state
        .with_conn(move |c| groups::list(c, &caller, &query).map_err(ScimFailure::from))
        .await?;
    Ok(list_response(&page, &GROUP, &projection))
}

pub async fn search(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Reply {
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let (mut query, projection) = list_from_search(&body, &state.settings.scim)?;
    query.with_members = projection.wants("members");
    let page = state
        .with_conn(move |c| groups::list(c, &caller, &query).map_err(ScimFailure::from))
        .await?;
    Ok(list_response(&page, &GROUP, &projection))
}
