//! `/api/v1/projects`: projects registered by host applications (create, list, read, rename,
//! delete). Thin: each handler checks the caller's capability and calls
//! `governance::projects::registry`. Their memberships are in `memberships`, the legacy
//! project-member operations in `legacy_memberships`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::projects::registry::{self, ProjectInput, ProjectRename};
use crate::governance::projects::{ProjectPage, ProjectView, DEFAULT_PAGE, MAX_PAGE};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageProjects, ReadProjects};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/projects", list)
        .post("/projects", create)
        .get("/projects/{id}", get)
        .put("/projects/{id}", rename)
        .delete("/projects/{id}", delete);
}

/// Where a page starts and how long it is.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PageQuery {
    /// The `next_page.offset` of the previous page (omit for the first page).
    pub offset: Option<String>,
    /// How many at most, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

impl PageQuery {
    /// The page size asked, or a 400.
    pub fn limit(&self) -> Result<i64, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_PAGE}"
            )));
        }
        Ok(limit)
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/projects",
    tag = "projects",
    operation_id = "listProjects",
    summary = "The organization's projects, a page at a time",
    description = "Requires the view_members permission (a 403 names it when missing).",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of projects", body = ProjectPage),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadProjects>()?;
    let limit = query.limit()?;
    let (org, offset) = (auth.org_id.to_string(), query.into_inner().offset);
    let page = state
        .api(move |c| registry::list(c, &org, offset.as_deref(), limit))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    post,
    path = "/api/v1/projects",
    tag = "projects",
    operation_id = "createProject",
    summary = "Register a project (its owner becomes a direct admin member)",
    description = "Requires the assign_roles permission (a 403 names it when missing). An \
        owner that is not a user of this organization is a 404.",
    request_body = ProjectInput,
    responses(
        (status = 201, description = "The project", body = ProjectView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageProjects>()?;
    let input: ProjectInput = parse(&body)?;
    let project = state
        .api(move |c| registry::create(c, &auth, &input))
        .await?;
    Ok(HttpResponse::Created().json(project))
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}",
    tag = "projects",
    operation_id = "getProject",
    summary = "One project",
    description = "Requires the view_members permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project", body = ProjectView),
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
    let project = state.api(move |c| registry::get(c, &org, &id)).await?;
    Ok(HttpResponse::Ok().json(project))
}

#[utoipa::path(
    put,
    path = "/api/v1/projects/{id}",
    tag = "projects",
    operation_id = "renameProject",
    summary = "Rename a project",
    description = "Requires the assign_roles permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The project's id")),
    request_body = ProjectRename,
    responses(
        (status = 200, description = "The project", body = ProjectView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn rename(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageProjects>()?;
    let input: ProjectRename = parse(&body)?;
    let id = path.into_inner();
    let project = state
        .api(move |c| registry::rename(c, &auth, &id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(project))
}

#[utoipa::path(
    delete,
    path = "/api/v1/projects/{id}",
    tag = "projects",
    operation_id = "deleteProject",
    summary = "Delete a project and its memberships",
    description = "Requires the assign_roles permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The project's id")),
    responses(
        (status = 204, description = "Deleted, with its memberships"),
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
    state.api(move |c| registry::delete(c, &auth, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
