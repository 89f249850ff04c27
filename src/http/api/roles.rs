//! `/api/v1/roles`: list, read, create, edit and delete roles. Also the shared mapping of
//! governance errors to problem+json and the JSON body reader of the governance endpoints.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, ProblemResponse};
use super::routes::ApiRoutes;
use crate::governance::roles::service::{self, NewRole, RoleEdit, RoleView};
use crate::governance::roles::GovernanceError;
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageRoles, ViewMembers};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/roles", list)
        .post("/roles", create)
        .get("/roles/{id}", get)
        .patch("/roles/{id}", update)
        .delete("/roles/{id}", delete);
}

/// Every role of the organization, standard roles first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    pub roles: Vec<RoleView>,
}

fn problem(status: StatusCode, title: &'static str, detail: String) -> ApiError {
    ApiError {
        status,
        title,
        detail,
    }
}

impl From<GovernanceError> for ApiError {
    fn from(err: GovernanceError) -> Self {
        match err {
            GovernanceError::NotFound(d) => problem(StatusCode::NOT_FOUND, "Not Found", d),
            GovernanceError::Invalid(d) => {
                problem(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Content", d)
            }
            GovernanceError::Conflict(d) => problem(StatusCode::CONFLICT, "Conflict", d),
            GovernanceError::Forbidden(d) => problem(StatusCode::FORBIDDEN, "Forbidden", d),
            GovernanceError::Db(e) => e.into(),
            GovernanceError::Retry => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "too many concurrent changes; retry".into(),
            ),
        }
    }
}

/// Reads a JSON body: malformed JSON is 400, a well-formed body of the wrong shape is 422, both
/// as problem+json with serde's description (which names the field, never internals).
pub(super) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    serde_json::from_value(value).map_err(|e| {
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unprocessable Content",
            format!("the body does not fit: {e}"),
        )
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/roles",
    tag = "roles",
    operation_id = "listRoles",
    summary = "Every role (standard first) with its permissions and holder count",
    description = "Requires the view_members permission (a 403 names it when missing).",
    responses(
        (status = 200, description = "The roles", body = RoleList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let roles = state.api(move |c| service::list(c, &auth)).await?;
    Ok(HttpResponse::Ok().json(RoleList { roles }))
}

#[utoipa::path(
    get,
    path = "/api/v1/roles/{id}",
    tag = "roles",
    operation_id = "getRole",
    summary = "One role",
    description = "Requires the view_members permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The role's id")),
    responses(
        (status = 200, description = "The role", body = RoleView),
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
    let auth = caller.authorize::<ViewMembers>()?;
    let id = path.into_inner();
    let role = state.api(move |c| service::get(c, &auth, &id)).await?;
    Ok(HttpResponse::Ok().json(role))
}

#[utoipa::path(
    post,
    path = "/api/v1/roles",
    tag = "roles",
    operation_id = "createRole",
    summary = "Create a custom role from a base role's current permissions",
    description = "Requires the manage_roles permission (a 403 names it when missing).",
    request_body = NewRole,
    responses(
        (status = 201, description = "The new role", body = RoleView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageRoles>()?;
    let new: NewRole = parse(&body)?;
    let org = auth.org_id.to_string();
    let role = state.api(move |c| service::create(c, &auth, &new)).await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Created().json(role))
}

#[utoipa::path(
    patch,
    path = "/api/v1/roles/{id}",
    tag = "roles",
    operation_id = "updateRole",
    summary = "Edit a role: name (custom roles only), description, permissions",
    description = "Requires the manage_roles permission (a 403 names it when missing). 422 for \
        what the catalogue forbids (naming the permission), 409 where an org setting decides \
        (naming it).",
    params(("id" = String, Path, description = "The role's id")),
    request_body = RoleEdit,
    responses(
        (status = 200, description = "The role as edited", body = RoleView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn update(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageRoles>()?;
    let edit: RoleEdit = parse(&body)?;
    let id = path.into_inner();
    let org = auth.org_id.to_string();
    let role = state
        .api(move |c| service::update(c, &auth, &id, &edit))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Ok().json(role))
}

#[utoipa::path(
    delete,
    path = "/api/v1/roles/{id}",
    tag = "roles",
    operation_id = "deleteRole",
    summary = "Delete a custom role nobody holds (409 naming how many hold it)",
    description = "Requires the manage_roles permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The role's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
    )
)]
async fn delete(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageRoles>()?;
    let id = path.into_inner();
    let org = auth.org_id.to_string();
    state.api(move |c| service::delete(c, &auth, &id)).await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::NoContent().finish())
}
