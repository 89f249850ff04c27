//! `/api/v1/roles`: list, read, create, edit and delete roles. Also the shared mapping of
//! governance errors to problem+json and the JSON body reader of the governance endpoints.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::problem::ApiError;
use crate::governance::roles::service::{self, NewRole, RoleEdit};
use crate::governance::roles::GovernanceError;
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageRoles, ViewMembers};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/roles", web::get().to(list))
        .route("/roles", web::post().to(create))
        .route("/roles/{id}", web::get().to(get))
        .route("/roles/{id}", web::patch().to(update))
        .route("/roles/{id}", web::delete().to(delete));
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

async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let roles = state
        .with_conn(move |c| service::list(c, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "roles": roles })))
}

async fn get(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let id = path.into_inner();
    let role = state
        .with_conn(move |c| service::get(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(role))
}

async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageRoles>()?;
    let new: NewRole = parse(&body)?;
    let org = auth.org_id.to_string();
    let role = state
        .with_conn(move |c| service::create(c, &auth, &new).map_err(ApiError::from))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Created().json(role))
}

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
        .with_conn(move |c| service::update(c, &auth, &id, &edit).map_err(ApiError::from))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Ok().json(role))
}

async fn delete(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageRoles>()?;
    let id = path.into_inner();
    let org = auth.org_id.to_string();
    state
        .with_conn(move |c| service::delete(c, &auth, &id).map_err(ApiError::from))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::NoContent().finish())
}
