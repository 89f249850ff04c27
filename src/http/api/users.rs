//! `/api/v1/users`: the organization's users with their role, type and licence (paged), role
//! and licence changes, and every permission of a user with its reasons.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::roles::assignment::{
    self, LicenceAssignment, RoleAssignment, UserPage, UserView,
};
use crate::governance::roles::decisions;
use crate::governance::roles::reference::Decision;
use crate::governance::roles::{GovernanceError, Licence, Permission, RoleId};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{AssignRoles, ViewMembers};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/users", list)
        .get("/users/{id}", get)
        .put("/users/{id}/role", set_role)
        .put("/users/{id}/licence", set_licence)
        .get("/users/{id}/permissions", permissions);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// How many users to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// How many users at most, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// Every permission of the catalogue for one user, allowed or not, each with its reasons.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPermissions {
    pub user_id: String,
    pub role: RoleId,
    /// Where the role came from: `idp:{connection id}` when an IdP connection's role mapping
    /// decides it, else `default`, `admin`, `invite`, `domain_change`, `bootstrap`….
    pub role_source: Option<String>,
    pub licence: Licence,
    pub permissions: Vec<Decision>,
}

#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    operation_id = "listUsers",
    summary = "Users, oldest first",
    description = "Requires the view_members permission (a 403 names it when missing).",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of users", body = UserPage),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let (offset, limit) = (query.offset.unwrap_or(0), query.limit.unwrap_or(100));
    let page = state
        .api(move |c| assignment::list(c, &auth, offset, limit))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "users",
    operation_id = "getUser",
    summary = "One user",
    description = "Requires the view_members permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserView),
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
    let user = state.api(move |c| assignment::get(c, &auth, &id)).await?;
    Ok(HttpResponse::Ok().json(user))
}

#[utoipa::path(
    put,
    path = "/api/v1/users/{id}/role",
    tag = "users",
    operation_id = "setUserRole",
    summary = "Assign a role",
    description = "Requires the assign_roles permission (a 403 names it when missing). External \
        users hold only guest-based roles, internal users never; super admin is assigned only by \
        super admins; never above the caller's own role; a user an IdP connection manages gets \
        a 409 naming the connection.",
    params(("id" = String, Path, description = "The user's id")),
    request_body = RoleAssignment,
    responses(
        (status = 200, description = "The user with their new role", body = UserView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn set_role(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<AssignRoles>()?;
    let req: RoleAssignment = parse(&body)?;
    let id = path.into_inner();
    let org = auth.org_id.to_string();
    let user = state
        .api(move |c| assignment::set_role(c, &auth, &id, &req.role_id))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Ok().json(user))
}

#[utoipa::path(
    put,
    path = "/api/v1/users/{id}/licence",
    tag = "users",
    operation_id = "setUserLicence",
    summary = "Set a user's licence",
    description = "Requires the assign_roles permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The user's id")),
    request_body = LicenceAssignment,
    responses(
        (status = 200, description = "The user with their new licence", body = UserView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn set_licence(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<AssignRoles>()?;
    let req: LicenceAssignment = parse(&body)?;
    let id = path.into_inner();
    let org = auth.org_id.to_string();
    let user = state
        .api(move |c| assignment::set_licence(c, &auth, &id, req.licence))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Ok().json(user))
}

/// Every permission of the catalogue for a user, allowed or not, with the reason chain. A user
/// may ask about themselves; asking about others needs `view_members`.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/permissions",
    tag = "users",
    operation_id = "getUserPermissions",
    summary = "Every permission of the catalogue for the user, with its reason chain",
    description = "A user may ask about themselves; asking about others needs the view_members \
        permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user's permissions", body = UserPermissions),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn permissions(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if caller.user_id.as_str() != id {
        caller.authorize::<ViewMembers>()?;
    }
    let org = caller.org_id.to_string();
    let cache = state.decisions.clone();
    let answer = state
        .with_conn(move |c| -> Result<_, ApiError> {
            let view = decisions::view(c, &cache, &org)?;
            let user = decisions::user_entry(c, &view, &org, &id)?.ok_or_else(|| {
                GovernanceError::NotFound(format!("no user {id:?} in this organization"))
            })?;
            let list: Vec<_> = Permission::all()
                .map(|p| decisions::decide(&view, &user, p))
                .collect();
            let role_source = decisions::role_source(c, &org, &id)?;
            Ok(UserPermissions {
                user_id: id,
                role: user.role,
                role_source,
                licence: user.licence,
                permissions: list,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}
