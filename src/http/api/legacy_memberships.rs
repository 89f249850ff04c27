//! The legacy project-member operations of reference 003 ("Deprecating project_memberships
//! endpoints"), kept working on the same memberships as `/api/v1/memberships`. Each answer
//! carries `Deprecation` (RFC 9745: the date they were deprecated) and a `Link` to the
//! successor (`rel="successor-version"`, RFC 5829, as RFC 8594 shows):
//!
//! | legacy | successor |
//! | --- | --- |
//! | `GET /projects/{id}/project_memberships` | `GET /memberships?parent={id}` |
//! | `GET /project_memberships/{id}` | `GET /memberships/{id}` |
//! | `POST /projects/{id}/addMembers` | `POST /memberships` |
//! | `POST /projects/{id}/removeMembers` | `DELETE /memberships/{id}` |
#![allow(deprecated)]

use actix_web::{web, HttpResponse, HttpResponseBuilder};
use serde::Deserialize;
use utoipa::ToSchema;

use super::memberships::level;
use super::problem::{ApiError, ProblemResponse};
use super::projects::PageQuery;
use super::roles::parse;
use super::routes::{ApiRoutes, API_BASE};
use crate::governance::projects::memberships;
use crate::governance::projects::registry;
use crate::governance::projects::{AccessLevel, MembershipPage, MembershipView, ProjectView};
use crate::governance::roles::GovernanceError;
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageProjects, ReadProjects};

/// RFC 9745 §2.1: when these operations were deprecated (2026-12-05T00:00:00Z), as a
/// structured-field date.
pub const DEPRECATED_SINCE: &str = "@1796428800";

/// Members named at once by `addMembers` / `removeMembers`, at most.
const MAX_MEMBERS: usize = 100;

pub fn configure(r: &mut ApiRoutes) {
    r.get("/projects/{id}/project_memberships", list)
        .post("/projects/{id}/addMembers", add_members)
        .post("/projects/{id}/removeMembers", remove_members)
        .get("/project_memberships/{id}", get);
}

/// An answer marked deprecated, pointing at the operation that replaces it.
fn deprecated(mut res: HttpResponseBuilder, successor: &str) -> HttpResponseBuilder {
    res.insert_header(("Deprecation", DEPRECATED_SINCE))
        .insert_header((
            "Link",
            format!("<{API_BASE}{successor}>; rel=\"successor-version\""),
        ));
    res
}

/// Ids of users or teams: a list, or the legacy comma-separated string.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum MemberIds {
    List(Vec<String>),
    Csv(String),
}

impl MemberIds {
    fn ids(&self) -> Result<Vec<String>, GovernanceError> {
        let ids: Vec<String> = match self {
            MemberIds::List(ids) => ids.iter().map(|s| s.trim().to_owned()).collect(),
            MemberIds::Csv(csv) => csv.split(',').map(|s| s.trim().to_owned()).collect(),
        };
        if ids.is_empty() || ids.len() > MAX_MEMBERS || ids.iter().any(String::is_empty) {
            return Err(GovernanceError::Invalid(format!(
                "members names 1 to {MAX_MEMBERS} ids of users or teams"
            )));
        }
        Ok(ids)
    }
}

/// Members to add to a project (legacy `addMembers`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMembers {
    pub members: MemberIds,
    /// The level of the members added (default `editor`); members already on the project
    /// keep theirs.
    #[schema(value_type = Option<AccessLevel>)]
    pub access_level: Option<String>,
    /// Legacy: `full_write` (admin) or `comment_only` (commenter).
    pub write_access: Option<String>,
}

/// Members to remove from a project (legacy `removeMembers`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveMembers {
    pub members: MemberIds,
}

#[deprecated = "GET /api/v1/memberships?parent={id}"]
#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/project_memberships",
    tag = "projects",
    operation_id = "listProjectMembershipsLegacy",
    summary = "Deprecated: a project's memberships (use GET /api/v1/memberships?parent={id})",
    description = "Requires the view_members permission (a 403 names it when missing). \
        Answers with `Deprecation` and a `Link` to its successor.",
    params(("id" = String, Path, description = "The project's id"), PageQuery),
    responses(
        (status = 200, description = "One page of memberships", body = MembershipPage,
            headers(("Deprecation" = String), ("Link" = String))),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadProjects>()?;
    let limit = query.limit()?;
    let (org, id, offset) = (
        auth.org_id.to_string(),
        path.into_inner(),
        query.into_inner().offset,
    );
    let successor = format!("/memberships?parent={id}");
    let page = state
        .api(move |c| memberships::list(c, &org, Some(&id), None, offset.as_deref(), limit))
        .await?;
    Ok(deprecated(HttpResponse::Ok(), &successor).json(page))
}

#[deprecated = "GET /api/v1/memberships/{id}"]
#[utoipa::path(
    get,
    path = "/api/v1/project_memberships/{id}",
    tag = "projects",
    operation_id = "getProjectMembershipLegacy",
    summary = "Deprecated: one project membership (use GET /api/v1/memberships/{id})",
    description = "Requires the view_members permission (a 403 names it when missing). \
        Answers with `Deprecation` and a `Link` to its successor.",
    params(("id" = String, Path, description = "The membership's id")),
    responses(
        (status = 200, description = "The membership", body = MembershipView,
            headers(("Deprecation" = String), ("Link" = String))),
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
    let successor = format!("/memberships/{id}");
    let membership = state.api(move |c| memberships::get(c, &org, &id)).await?;
    Ok(deprecated(HttpResponse::Ok(), &successor).json(membership))
}

#[deprecated = "POST /api/v1/memberships"]
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/addMembers",
    tag = "projects",
    operation_id = "addProjectMembersLegacy",
    summary = "Deprecated: add members to a project (use POST /api/v1/memberships)",
    description = "Requires the assign_roles permission (a 403 names it when missing). \
        Members already on the project keep their level; all or nothing. Answers with \
        `Deprecation` and a `Link` to its successor.",
    params(("id" = String, Path, description = "The project's id")),
    request_body = AddMembers,
    responses(
        (status = 200, description = "The project", body = ProjectView,
            headers(("Deprecation" = String), ("Link" = String))),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn add_members(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageProjects>()?;
    let input: AddMembers = parse(&body)?;
    let level = level(
        &input.access_level,
        &input.write_access,
        Some(AccessLevel::DEFAULT),
    )?;
    let members = input.members.ids()?;
    let id = path.into_inner();
    let project = state
        .api(move |c| {
            memberships::add_members(c, &auth, &id, &members, level)?;
            registry::get(c, auth.org_id.as_str(), &id)
        })
        .await?;
    Ok(deprecated(HttpResponse::Ok(), "/memberships").json(project))
}

#[deprecated = "DELETE /api/v1/memberships/{id}"]
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/removeMembers",
    tag = "projects",
    operation_id = "removeProjectMembersLegacy",
    summary = "Deprecated: remove members from a project (use DELETE /api/v1/memberships/{id})",
    description = "Requires the assign_roles permission (a 403 names it when missing). A \
        member without a membership is left as is; all or nothing. Answers with `Deprecation` \
        and a `Link` to its successor.",
    params(("id" = String, Path, description = "The project's id")),
    request_body = RemoveMembers,
    responses(
        (status = 200, description = "The project", body = ProjectView,
            headers(("Deprecation" = String), ("Link" = String))),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn remove_members(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageProjects>()?;
    let input: RemoveMembers = parse(&body)?;
    let members = input.members.ids()?;
    let id = path.into_inner();
    let project = state
        .api(move |c| {
            memberships::remove_members(c, &auth, &id, &members)?;
            registry::get(c, auth.org_id.as_str(), &id)
        })
        .await?;
    Ok(deprecated(HttpResponse::Ok(), "/memberships/{id}").json(project))
}
