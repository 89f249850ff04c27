//! `/api/v1/invites`: invite someone to the organization, list invites and change their role,
//! revoke one, and accept one for the invitee (see `governance::roles::invites` for the rules
//! and for who may call what).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::roles::invites::{
    self, Acceptance, Accepted, InvitePage, InviteRole, InviteView, Inviter, NewInvite,
};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{AssignRoles, ViewMembers};

pub fn configure(r: &mut ApiRoutes) {
    r.post("/invites", create)
        .get("/invites", list)
        .get("/invites/{id}", get)
        .delete("/invites/{id}", revoke)
        .put("/invites/{id}/role", change_role)
        .post("/invites/{id}/accept", accept);
}

#[utoipa::path(
    post,
    path = "/api/v1/invites",
    tag = "invites",
    operation_id = "createInvite",
    summary = "Invite someone to the organization",
    description = "Any user may invite. Inviting an external address needs invite_guests (and, \
        when guest invites are restricted to trusted domains, an address there); choosing a \
        role needs assign_roles. A 403 names what is missing.",
    request_body = NewInvite,
    responses(
        (status = 201, description = "The invite", body = InviteView),
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `pending` (default), `accepted` or `revoked`.
    status: Option<String>,
    /// How many invites to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// How many invites at most, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/invites",
    tag = "invites",
    operation_id = "listInvites",
    summary = "Invites by status (pending by default), oldest first",
    description = "Requires the assign_roles permission (a 403 names it when missing).",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of invites", body = InvitePage),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
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
        .api(move |c| invites::list(c, &auth, &status, offset, limit))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    get,
    path = "/api/v1/invites/{id}",
    tag = "invites",
    operation_id = "getInvite",
    summary = "One invite",
    description = "Requires the assign_roles permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The invite's id")),
    responses(
        (status = 200, description = "The invite", body = InviteView),
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
    let auth = caller.authorize::<AssignRoles>()?;
    let id = path.into_inner();
    let invite = state.api(move |c| invites::get(c, &auth, &id)).await?;
    Ok(HttpResponse::Ok().json(invite))
}

#[utoipa::path(
    put,
    path = "/api/v1/invites/{id}/role",
    tag = "invites",
    operation_id = "changeInviteRole",
    summary = "Change the role a pending invite gives",
    description = "Requires the assign_roles permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The invite's id")),
    request_body = InviteRole,
    responses(
        (status = 200, description = "The invite", body = InviteView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
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
        .api(move |c| invites::change_role(c, &auth, &id, &req.role_id))
        .await?;
    Ok(HttpResponse::Ok().json(invite))
}

#[utoipa::path(
    delete,
    path = "/api/v1/invites/{id}",
    tag = "invites",
    operation_id = "revokeInvite",
    summary = "Revoke a pending invite",
    description = "The inviter, or anyone with the assign_roles permission.",
    params(("id" = String, Path, description = "The invite's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
    )
)]
async fn revoke(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    state
        .api(move |c| invites::revoke(c, &caller.principal, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Called by the host application for the invitee, with an admin token (see the module doc of
/// `governance::roles::invites`); the body is optional.
#[utoipa::path(
    post,
    path = "/api/v1/invites/{id}/accept",
    tag = "invites",
    operation_id = "acceptInvite",
    summary = "Accept an invite for the invitee: the user joins with the resolved role",
    description = "Called by the host application with an admin token; requires the \
        view_members permission (a 403 names it when missing). The body is optional.",
    params(("id" = String, Path, description = "The invite's id")),
    request_body(content = Option<Acceptance>, description = "What the invitee said about themselves"),
    responses(
        (status = 201, description = "The new user and the invite that decided their role", body = Accepted),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
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
        .api(move |c| invites::accept(c, &auth, &id, &acceptance))
        .await?;
    state.decisions.forget(&org);
    Ok(HttpResponse::Created().json(accepted))
}
