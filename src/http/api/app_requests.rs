//! `/api/v1/apps/settings`, approval requests (`/api/v1/apps/{id}/approval-requests` and
//! `/api/v1/apps/approval-requests/...`) and the 90-day usage export (`/api/v1/apps/exports`).
//! Mounted by `apps::configure` before `/apps/{id}`, which would otherwise take these fixed
//! paths. Thin: each handler checks the caller's capability and calls `governance::apps`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::apps::export::{self, ExportInfo};
use crate::governance::apps::registry::AppView;
use crate::governance::apps::requests::{self, ApprovalRequest};
use crate::governance::apps::settings::{self, AppSettings};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageApps, ViewAppRequests};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/apps/settings", get_settings)
        .put("/apps/settings", put_settings)
        .get("/apps/approval-requests", list_requests)
        .post("/apps/approval-requests/{id}/approve", approve)
        .post("/apps/approval-requests/{id}/deny", deny)
        .post("/apps/exports", create_export)
        .get("/apps/exports/{id}", download_export)
        .post("/apps/{id}/approval-requests", ask);
}

#[utoipa::path(
    get,
    path = "/api/v1/apps/settings",
    tag = "apps",
    operation_id = "getAppSettings",
    summary = "The organization's app settings",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    responses(
        (status = 200, description = "The settings", body = AppSettings),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn get_settings(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let org = auth.org_id.to_string();
    let s = state.api(move |c| settings::load(c, &org)).await?;
    Ok(HttpResponse::Ok().json(s))
}

#[utoipa::path(
    put,
    path = "/api/v1/apps/settings",
    tag = "apps",
    operation_id = "putAppSettings",
    summary = "Replace the organization's app settings (mode, external automation, recipients)",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    request_body = AppSettings,
    responses(
        (status = 200, description = "The settings", body = AppSettings),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn put_settings(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let new: AppSettings = parse(&body)?;
    let s = state.api(move |c| settings::save(c, &auth, &new)).await?;
    Ok(HttpResponse::Ok().json(s))
}

#[utoipa::path(
    post,
    path = "/api/v1/apps/{id}/approval-requests",
    tag = "apps",
    operation_id = "askForApp",
    summary = "Ask the organization to approve an app (any user, for themselves)",
    description = "Any user of the organization may ask, with their own token. Asking again \
        while a request is pending answers that request (200).",
    params(("id" = String, Path, description = "The app's id")),
    responses(
        (status = 201, description = "The request, opened", body = ApprovalRequest),
        (status = 200, description = "The pending request already open", body = ApprovalRequest),
        (status = 401, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
    )
)]
async fn ask(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (org, user) = (caller.org_id.clone(), caller.user_id.to_string());
    let (request, opened) = state
        .api(move |c| requests::ask(c, &org, &user, &id))
        .await?;
    Ok(if opened {
        HttpResponse::Created().json(request)
    } else {
        HttpResponse::Ok().json(request)
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RequestQuery {
    /// `pending` (default), `approved` or `denied`.
    status: Option<String>,
}

/// Approval requests with one status.
#[derive(Debug, Serialize, ToSchema)]
struct RequestList {
    requests: Vec<ApprovalRequest>,
}

#[utoipa::path(
    get,
    path = "/api/v1/apps/approval-requests",
    tag = "apps",
    operation_id = "listAppApprovalRequests",
    summary = "Approval requests by status (pending by default)",
    description = "Requires the view_members permission (a 403 names it when missing).",
    params(RequestQuery),
    responses(
        (status = 200, description = "The requests", body = RequestList),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn list_requests(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<RequestQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewAppRequests>()?;
    let org = auth.org_id.to_string();
    let status = query
        .into_inner()
        .status
        .unwrap_or_else(|| "pending".into());
    let requests = state.api(move |c| requests::list(c, &org, &status)).await?;
    Ok(HttpResponse::Ok().json(RequestList { requests }))
}

/// An admin's decision on a request; the body may be left out.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AppRequestDecision)]
struct Decision {
    /// Told to the requester, up to 2000 characters.
    reason: Option<String>,
}

/// The decided request and the app as it now stands.
#[derive(Debug, Serialize, ToSchema)]
struct Decided {
    request: ApprovalRequest,
    app: AppView,
}

#[utoipa::path(
    post,
    path = "/api/v1/apps/approval-requests/{id}/approve",
    tag = "apps",
    operation_id = "approveAppRequest",
    summary = "Approve a pending request (and so the app)",
    description = "Requires the manage_org_settings permission (a 403 names it when missing). \
        A request already decided is a 409.",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = Option<Decision>, description = "Optional: a reason"),
    responses(
        (status = 200, description = "The request and the app", body = Decided),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn approve(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    decide(caller, state, path.into_inner(), body, true).await
}

#[utoipa::path(
    post,
    path = "/api/v1/apps/approval-requests/{id}/deny",
    tag = "apps",
    operation_id = "denyAppRequest",
    summary = "Deny a pending request",
    description = "Requires the manage_org_settings permission (a 403 names it when missing). \
        A request already decided is a 409.",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = Option<Decision>, description = "Optional: a reason"),
    responses(
        (status = 200, description = "The request and the app", body = Decided),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn deny(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    decide(caller, state, path.into_inner(), body, false).await
}

async fn decide(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: String,
    body: web::Bytes,
    approve: bool,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let decision: Decision = if body.iter().all(u8::is_ascii_whitespace) {
        Decision::default()
    } else {
        parse(&body)?
    };
    let (request, app) = state
        .api(move |c| requests::decide(c, &auth, &id, approve, decision.reason))
        .await?;
    Ok(HttpResponse::Ok().json(Decided { request, app }))
}

#[utoipa::path(
    post,
    path = "/api/v1/apps/exports",
    tag = "apps",
    operation_id = "createAppUsageExport",
    summary = "Export the last 90 days of app usage as CSV",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    responses(
        (status = 201, description = "The export, ready to download", body = ExportInfo),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn create_export(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let info = state.api(move |c| export::create(c, &auth)).await?;
    Ok(HttpResponse::Created().json(info))
}

#[utoipa::path(
    get,
    path = "/api/v1/apps/exports/{id}",
    tag = "apps",
    operation_id = "downloadAppUsageExport",
    summary = "Download an export (CSV)",
    description = "Requires the manage_org_settings permission (a 403 names it when missing).",
    params(("id" = String, Path, description = "The export's id")),
    responses(
        (status = 200, description = "The CSV, one row per app, user and day",
            body = String, content_type = "text/csv"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn download_export(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let (org, id) = (auth.org_id.to_string(), path.into_inner());
    let text = state.api(move |c| export::download(c, &org, &id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"app-usage-90-days.csv\"",
        ))
        .body(text))
}
