//! `/api/v1/idp-connections/{id}/role-mapping`: a connection's role mapping rules. Read and
//! preview with what reading connections needs; apply (`PUT`) and turn off (`DELETE`) with what
//! changing connections needs.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::mapping::service::{self, MappingRequest};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageConnections, ReadConnections};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/idp-connections/{id}/role-mapping", web::get().to(get))
        .route("/idp-connections/{id}/role-mapping", web::put().to(apply))
        .route(
            "/idp-connections/{id}/role-mapping",
            web::delete().to(turn_off),
        )
        .route(
            "/idp-connections/{id}/role-mapping/preview",
            web::post().to(preview),
        );
}

async fn get(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let id = path.into_inner();
    let mapping = state
        .with_conn(move |c| service::get(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(mapping))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    offset: Option<usize>,
    limit: Option<usize>,
}

async fn preview(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let req: MappingRequest = parse(&body)?;
    let id = path.into_inner();
    let (offset, limit) = (query.offset.unwrap_or(0), query.limit.unwrap_or(100));
    let preview = state
        .with_conn(move |c| {
            service::preview(c, &auth, &id, &req.rules, offset, limit).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(preview))
}

async fn apply(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let req: MappingRequest = parse(&body)?;
    let id = path.into_inner();
    let applied = state
        .with_conn(move |c| service::apply(c, &auth, &id, &req.rules).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(applied))
}

async fn turn_off(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let id = path.into_inner();
    let mapping = state
        .with_conn(move |c| service::turn_off(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(mapping))
}
