//! `/api/v1/idp-connections/{id}/role-mapping`: a connection's role mapping rules. Read and
//! preview with what reading connections needs; apply (`PUT`) and turn off (`DELETE`) with what
//! changing connections needs. See `docs/role-mapping.md`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::mapping::service::{self, Applied, MappingRequest, MappingView, Preview};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageConnections, ReadConnections};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/idp-connections/{id}/role-mapping", get)
        .put("/idp-connections/{id}/role-mapping", apply)
        .delete("/idp-connections/{id}/role-mapping", turn_off)
        .post("/idp-connections/{id}/role-mapping/preview", preview);
}

#[utoipa::path(
    get,
    path = "/api/v1/idp-connections/{id}/role-mapping",
    tag = "role mapping",
    operation_id = "getRoleMapping",
    summary = "A connection's role mapping rules and whether mapping is on",
    description = "Requires the view_members permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The IdP connection's id")),
    responses(
        (status = 200, description = "The mapping", body = MappingView),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn get(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let id = path.into_inner();
    let mapping = state.api(move |c| service::get(c, &auth, &id)).await?;
    Ok(HttpResponse::Ok().json(mapping))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// How many moving users to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<usize>,
    /// How many moving users to list, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

#[utoipa::path(
    post,
    path = "/api/v1/idp-connections/{id}/role-mapping/preview",
    tag = "role mapping",
    operation_id = "previewRoleMapping",
    summary = "Who a proposed rule list would move from which role to which, changing nothing",
    description = "Requires the view_members permission (a 403 names it when missing). \
        Evaluates every user the connection manages; `moves` is one page, by user id.",
    params(("id" = String, Path, description = "The IdP connection's id"), PageQuery),
    request_body = MappingRequest,
    responses(
        (status = 200, description = "The moves", body = Preview),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
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
        .api(move |c| service::preview(c, &auth, &id, &req.rules, offset, limit))
        .await?;
    Ok(HttpResponse::Ok().json(preview))
}

#[utoipa::path(
    put,
    path = "/api/v1/idp-connections/{id}/role-mapping",
    tag = "role mapping",
    operation_id = "applyRoleMapping",
    summary = "Save a rule list, turn mapping on and move every user, in one transaction",
    description = "Requires the manage_idp_connections permission (super admins; a 403 names it \
        when missing). Makes exactly the moves a preview of the same list shows.",
    params(("id" = String, Path, description = "The IdP connection's id")),
    request_body = MappingRequest,
    responses(
        (status = 200, description = "What the apply did", body = Applied),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
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
        .api(move |c| service::apply(c, &auth, &id, &req.rules))
        .await?;
    Ok(HttpResponse::Ok().json(applied))
}

#[utoipa::path(
    delete,
    path = "/api/v1/idp-connections/{id}/role-mapping",
    tag = "role mapping",
    operation_id = "removeRoleMapping",
    summary = "Turn mapping off: users keep their roles and are assigned through the API again",
    description = "Requires the manage_idp_connections permission (super admins; a 403 names it \
        when missing).",
    params(("id" = String, Path, description = "The IdP connection's id")),
    responses(
        (status = 200, description = "The mapping, now off", body = MappingView),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn turn_off(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let id = path.into_inner();
    let mapping = state.api(move |c| service::turn_off(c, &auth, &id)).await?;
    Ok(HttpResponse::Ok().json(mapping))
}
