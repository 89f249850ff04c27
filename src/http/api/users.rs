//! `/api/v1/users`: the organization's users with their role, type and licence (paged), role
//! and licence changes, and every permission of a user with its reasons.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::roles::assignment::{self, LicenceAssignment, RoleAssignment};
use crate::governance::roles::decisions;
use crate::governance::roles::{GovernanceError, Permission};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{AssignRoles, ViewMembers};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users/{id}", web::get().to(get))
        .route("/users/{id}/role", web::put().to(set_role))
        .route("/users/{id}/licence", web::put().to(set_licence))
        .route("/users/{id}/permissions", web::get().to(permissions));
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    offset: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let (offset, limit) = (query.offset.unwrap_or(0), query.limit.unwrap_or(100));
    let page = state
        .with_conn(move |c| assignment::list(c, &auth, offset, limit).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let id = path.into_inner();
    let user = state
        .with_conn(move |c| assignment::get(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(user))
}

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
        .with_conn(move |c| {
            assignment::set_role(c, &auth, &id, &req.role_id).map_err(ApiError::from)
        })
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Ok().json(user))
}

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
        .with_conn(move |c| {
            assignment::set_licence(c, &auth, &id, req.licence).map_err(ApiError::from)
        })
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Ok().json(user))
}

/// Every permission of the catalogue for a user, allowed or not, with the reason chain. A user
/// may ask about themselves; asking about others needs `view_members`.
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
            Ok(json!({
                "user_id": id,
                "role": user.role,
                "role_source": role_source,
                "licence": user.licence,
                "permissions": list,
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}
