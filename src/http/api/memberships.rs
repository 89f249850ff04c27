//! `/api/v1/memberships`: project memberships in the reference's shape (reference 003 "New
//! /memberships interface"): list by project and/or member, read, add a user or a team, change
//! the level, remove. Levels are read as `access_level` or the legacy `write_access`; a value
//! that is neither is a 400 and changes nothing. Thin: each handler checks the caller's
//! capability and calls `governance::projects::memberships`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ProblemResponse};
use super::projects::PageQuery;
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::projects::level::requested_level;
use crate::governance::projects::memberships::{self, NewMembership};
use crate::governance::projects::{AccessLevel, MembershipPage, MembershipView};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageProjects, ReadProjects};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/memberships", list)
        .post("/memberships", create)
        .get("/memberships/{id}", get)
        .put("/memberships/{id}", change_level)
        .delete("/memberships/{id}", delete);
}

/// A member to add to a project.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipInput {
    /// The id of a user or a team (SCIM group) of this organization.
    pub member: String,
    /// The project's id.
    pub parent: String,
    /// `admin`, `editor`, `commenter` or `viewer`; `editor` when neither this nor
    /// `write_access` is given.
    #[schema(value_type = Option<AccessLevel>)]
    pub access_level: Option<String>,
    /// Legacy: `full_write` (admin) or `comment_only` (commenter).
    pub write_access: Option<String>,
}

/// A membership's new level: `access_level`, or the legacy `write_access`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelInput {
    #[schema(value_type = Option<AccessLevel>)]
    pub access_level: Option<String>,
    /// Legacy: `full_write` (admin) or `comment_only` (commenter).
    pub write_access: Option<String>,
}

/// The level asked, the default when `default` is given and none is; else a 400.
pub(super) fn level(
    access_level: &Option<String>,
    write_access: &Option<String>,
    default: Option<AccessLevel>,
) -> Result<AccessLevel, ApiError> {
    requested_level(access_level.as_deref(), write_access.as_deref(), default)
        .map_err(|e| ApiError::bad_request(e.0))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MembershipQuery {
    /// Only the memberships of this project.
    parent: Option<String>,
    /// Only the memberships of this user or team (its own, not those of its teams).
    member: Option<String>,
    /// The `next_page.offset` of the previous page (omit for the first page).
    offset: Option<String>,
    /// How many at most, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/memberships",
    tag = "projects",
    operation_id = "listMemberships",
    summary = "Project memberships, by project and/or member, a page at a time",
    description = "Requires the view_members permission (a 403 names it when missing). A \
        parent or member that is not of this organization is a 404.",
    params(MembershipQuery),
    responses(
        (status = 200, description = "One page of memberships", body = MembershipPage),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<MembershipQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadProjects>()?;
    let q = query.into_inner();
    let page = PageQuery {
        offset: q.offset,
        limit: q.limit,
    };
    let limit = page.limit()?;
    let org = auth.org_id.to_string();
    let (parent, member) = (q.parent, q.member);
    let page = state
        .with_conn(move |c| {
            memberships::list(
                c,
                &org,
                parent.as_deref(),
                member.as_deref(),
                page.offset.as_deref(),
                limit,
            )
            .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    get,
    path = "/api/v1/memberships/{id}",
    tag = "projects",
    operation_id = "getMembership",
    summary = "One project membership",
    description = "Requires the view_members permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The membership's id")),
    responses(
        (status = 200, description = "The membership", body = MembershipView),
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
    let auth = caller.authorize::<ReadProjects>()?;
    let (org, id) = (auth.org_id.to_string(), path.into_inner());
    let membership = state.api(move |c| memberships::get(c, &org, &id)).await?;
    Ok(HttpResponse::Ok().json(membership))
}

#[utoipa::path(
    post,
    path = "/api/v1/memberships",
    tag = "projects",
    operation_id = "createMembership",
    summary = "Add a user or a team to a project (default level editor)",
    description = "Requires the assign_roles permission (a 403 names it when missing). An \
        unknown level is a 400; a member or project not of this organization a 404; a member \
        already on the project a 409.",
    request_body = MembershipInput,
    responses(
        (status = 201, description = "The membership", body = MembershipView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageProjects>()?;
    let input: MembershipInput = parse(&body)?;
    let new = NewMembership {
        level: level(
            &input.access_level,
            &input.write_access,
            Some(AccessLevel::DEFAULT),
        )?,
        member: input.member,
        parent: input.parent,
    };
    let membership = state
        .api(move |c| memberships::create(c, &auth, &new))
        .await?;
    Ok(HttpResponse::Created().json(membership))
}

#[utoipa::path(
    put,
    path = "/api/v1/memberships/{id}",
    tag = "projects",
    operation_id = "changeMembershipLevel",
    summary = "Change a membership's access level",
    description = "Requires the assign_roles permission (a 403 names it when missing). An \
        unknown or missing level is a 400.",
    params(("id" = String, Path, description = "The membership's id")),
    request_body = LevelInput,
    responses(
        (status = 200, description = "The membership", body = MembershipView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn change_level(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageProjects>()?;
    let input: LevelInput = parse(&body)?;
    let level = level(&input.access_level, &input.write_access, None)?;
    let id = path.into_inner();
    let membership = state
        .api(move |c| memberships::change_level(c, &auth, &id, level))
        .await?;
    Ok(HttpResponse::Ok().json(membership))
}

#[utoipa::path(
    delete,
    path = "/api/v1/memberships/{id}",
    tag = "projects",
    operation_id = "deleteMembership",
    summary = "Remove a membership",
    description = "Requires the assign_roles permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The membership's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn delete(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageProjects>()?;
    let id = path.into_inner();
    state
        .api(move |c| memberships::delete(c, &auth, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
