//! `/api/v1/apps`: the connected-apps registry and insights, block and unblock, and usage
//! reports from host applications; the app settings, approval requests and the 90-day export
//! are in `app_requests`. Thin: each handler checks the caller's capability and calls
//! `governance::apps`.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::app_requests;
use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::apps::registry::{self, AppDetail, AppInput, AppSummary, AppView};
use crate::governance::apps::usage::{self, UsageRecorded, UsageReport};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageApps, ReportAppUsage};

pub fn configure(r: &mut ApiRoutes) {
    // The fixed paths (`/apps/settings`, `/apps/approval-requests`, `/apps/exports`) first:
    // `/apps/{id}` would otherwise take them.
    r.get("/apps", list)
        .post("/apps", create)
        .add(app_requests::configure)
        .get("/apps/{id}", detail)
        .put("/apps/{id}", replace)
        .delete("/apps/{id}", delete)
        .post("/apps/{id}/usage", report_usage)
        .post("/apps/{id}/block", block)
        .post("/apps/{id}/unblock", unblock);
}

/// The connected apps of the organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppList {
    pub apps: Vec<AppSummary>,
}

#[utoipa::path(
    get,
    path = "/api/v1/apps",
    tag = "apps",
    operation_id = "listApps",
    summary = "The connected apps, with last activity and active members",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    responses(
        (status = 200, description = "Every registered app", body = AppList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let org = auth.org_id.to_string();
    let apps = state.api(move |c| registry::list(c, &org)).await?;
    Ok(HttpResponse::Ok().json(AppList { apps }))
}

#[utoipa::path(
    post,
    path = "/api/v1/apps",
    tag = "apps",
    operation_id = "createApp",
    summary = "Register an app",
    description = "Requires the manage_org_settings permission (a 403 names it when missing). \
        A client_id already registered in this organization is a 409.",
    request_body = AppInput,
    responses(
        (status = 201, description = "The app", body = AppView),
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
    let auth = caller.authorize::<ManageApps>()?;
    let input: AppInput = parse(&body)?;
    let app = state
        .api(move |c| registry::create(c, &auth, &input))
        .await?;
    Ok(HttpResponse::Created().json(app))
}

#[utoipa::path(
    get,
    path = "/api/v1/apps/{id}",
    tag = "apps",
    operation_id = "getApp",
    summary = "One app, with its permissions and its usage per day",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The app's id")),
    responses(
        (status = 200, description = "The app", body = AppDetail),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn detail(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let (org, id) = (auth.org_id.to_string(), path.into_inner());
    let app = state.api(move |c| registry::detail(c, &org, &id)).await?;
    Ok(HttpResponse::Ok().json(app))
}

#[utoipa::path(
    put,
    path = "/api/v1/apps/{id}",
    tag = "apps",
    operation_id = "replaceApp",
    summary = "Replace an app's description",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The app's id")),
    request_body = AppInput,
    responses(
        (status = 200, description = "The app", body = AppView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn replace(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let input: AppInput = parse(&body)?;
    let id = path.into_inner();
    let app = state
        .api(move |c| registry::replace(c, &auth, &id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(app))
}

#[utoipa::path(
    delete,
    path = "/api/v1/apps/{id}",
    tag = "apps",
    operation_id = "deleteApp",
    summary = "Remove an app from the registry",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The app's id")),
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
    let auth = caller.authorize::<ManageApps>()?;
    let id = path.into_inner();
    state.api(move |c| registry::delete(c, &auth, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post,
    path = "/api/v1/apps/{id}/block",
    tag = "apps",
    operation_id = "blockApp",
    summary = "Block an app for every user of the organization",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The app's id")),
    responses(
        (status = 200, description = "The app, blocked", body = AppView),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn block(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_blocked(caller, state, path.into_inner(), true).await
}

#[utoipa::path(
    post,
    path = "/api/v1/apps/{id}/unblock",
    tag = "apps",
    operation_id = "unblockApp",
    summary = "Unblock an app (in require-approval mode: approve it)",
    description = "Requires the manage_org_settings permission (a 403 names it when missing). \
        In require-approval mode unblocking approves the app and settles its pending approval \
        requests as approved.",
    params(("id" = String, Path, description = "The app's id")),
    responses(
        (status = 200, description = "The app, unblocked", body = AppView),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn unblock(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_blocked(caller, state, path.into_inner(), false).await
}

async fn set_blocked(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: String,
    blocked: bool,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let app = state
        .with_conn(move |c| {
            let done = if blocked {
                registry::block(c, &auth, &id)
            } else {
                registry::unblock(c, &auth, &id)
            };
            done.map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(app))
}

#[utoipa::path(
    post,
    path = "/api/v1/apps/{id}/usage",
    tag = "apps",
    operation_id = "reportAppUsage",
    summary = "Report uses of an app by users (host applications)",
    description = "Requires the view_members permission (a 403 names it when missing). One use \
        or a batch of 1 to 1000; a use without `at` is now, a use in the future is a 422.",
    params(("id" = String, Path, description = "The app's id")),
    request_body = UsageReport,
    responses(
        (status = 200, description = "What was recorded", body = UsageRecorded),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn report_usage(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReportAppUsage>()?;
    let report: UsageReport = parse(&body)?;
    let id = path.into_inner();
    let events = report.into_events();
    let answer = state
        .api(move |c| usage::record(c, &auth, &id, &events))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}
