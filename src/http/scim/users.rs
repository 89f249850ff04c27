//! `/scim/v2/Users` (RFC 7644 §3.3–§3.6).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::error::ScimFailure;
use super::params::{
    if_match, list_from_query, list_from_search, list_response, not_modified, read_json,
    resource_response, Projection,
};
use crate::directory::users;
use crate::http::{AppState, ScimCaller};
use crate::scim::patch::parse_patch_request;
use crate::scim::schema::USER;

type Reply = Result<HttpResponse, ScimFailure>;

pub async fn create(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Reply {
    let projection = Projection::from_request(&req)?;
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let user = state
        .with_conn(move |c| users::create(c, &caller, body).map_err(ScimFailure::from))
        .await?;
    Ok(resource_response(
        StatusCode::CREATED,
        &user.resource,
        user.version,
        &USER,
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
    let user = state
        .with_conn(move |c| users::get(c, &caller, &id).map_err(ScimFailure::from))
        .await?;
    if not_modified(&req, user.version) {
        return Ok(HttpResponse::NotModified()
            .insert_header(("ETag", crate::directory::etag(user.version)))
            .finish());
    }
    Ok(resource_response(
        StatusCode::OK,
        &user.resource,
        user.version,
        &USER,
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
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let precondition = if_match(&req);
    let user = state
        .with_conn(move |c| {
            users::replace(c, &caller, &id, body, precondition.as_deref())
                .map_err(ScimFailure::from)
        })
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        &user.resource,
        user.version,
        &USER,
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
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let ops = parse_patch_request(&body)?;
    let precondition = if_match(&req);
    let user = state
        .with_conn(move |c| {
            users::patch(c, &caller, &id, ops, precondition.as_deref()).map_err(ScimFailure::from)
        })
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        &user.resource,
        user.version,
        &USER,
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
            users::delete(c, &caller, &id, precondition.as_deref()).map_err(ScimFailure::from)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Reply {
    let (query, projection) = list_from_query(&req, &state.settings.scim)?;
    let page = state
        .with_conn(move |c| users::list(c, &caller, &query).map_err(ScimFailure::from))
        .await?;
    Ok(list_response(&page, &USER, &projection))
}

pub async fn search(
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Reply {
    let body = read_json(body, state.settings.http.max_body_bytes).await?;
    let (query, projection) = list_from_search(&body, &state.settings.scim)?;
    let page = state
        .with_conn(move |c| users::list(c, &caller, &query).map_err(ScimFailure::from))
        .await?;
    Ok(list_response(&page, &USER, &projection))
}
