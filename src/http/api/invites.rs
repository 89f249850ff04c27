//! `/api/v1/invites`: invite someone to the organization, list invites and change their role,
//! revoke one, and accept one for the invitee (see `governance::roles::invites` for the rules
//! and for who may call what).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::roles::invites::{self, Acceptance, InviteRole, Inviter, NewInvite};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{AssignRoles, ViewMembers};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/invites", web::post().to(create))
        .route("/invites", web::get().to(list))
        .route("/invites/{id}", web::get().to(get))
        .route("/invites/{id}", web::delete().to(revoke))
        .route("/invites/{id}/role", web::put().to(change_role))
        .route("/invites/{id}/accept", web::post().to(accept));
}

async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let new: NewInvite = parse(&body)?;
    let invite = state
        .with_conn(move |c| {
            let inviter = Inviter {
                principal: &caller.principal,
                role: &caller.role,
            };
            invites::create(c, &inviter, &new).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Created().json(invite))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    status: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<AssignRoles>()?;
    let ListQuery {
        status,
        offset,
        limit,
    } = query.into_inner();
    let status = status.unwrap_or_else(|| "pending".into());
    let (offset, limit) = (offset.unwrap_or(0), limit.unwrap_or(100));
    let page = state
        .with_conn(move |c| invites::list(c, &auth, &status, offset, limit).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn get(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<AssignRoles>()?;
    let id = path.into_inner();
    let invite = state
        .with_conn(move |c| invites::get(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(invite))
}

async fn change_role(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<AssignRoles>()?;
    let req: InviteRole = parse(&body)?;
    let id = path.into_inner();
    let invite = state
        .with_conn(move |c| {
            invites::change_role(c, &auth, &id, &req.role_id).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(invite))
}

async fn revoke(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    state
        .with_conn(move |c| invites::revoke(c, &caller.principal, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Called by the host application for the invitee, with an admin token (see the module doc of
/// `governance::roles::invites`); the body is optional.
async fn accept(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let acceptance: Acceptance = if body.iter().all(u8::is_ascii_whitespace) {
        Acceptance::default()
    } else {
        parse(&body)?
    };
    let id = path.into_inner();
    let org = auth.org_id.to_string();
    let accepted = state
        .with_conn(move |c| invites::accept(c, &auth, &id, &acceptance).map_err(ApiError::from))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Created().json(accepted))
}
