//! `/api/v1/apps`: the connected-apps registry and insights, block and unblock, the app
//! settings, usage reports from host applications, approval requests and the 90-day export.
//! Thin: each handler checks the caller's capability and calls `governance::apps`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::apps::registry::{self, AppInput};
use crate::governance::apps::settings::{self, AppSettings};
use crate::governance::apps::usage::{self, UsageReport};
use crate::governance::apps::{export, requests};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageApps, ReportAppUsage, ViewAppRequests};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The fixed paths first: `/apps/{id}` would otherwise take them.
    cfg.route("/apps", web::get().to(list))
        .route("/apps", web::post().to(create))
        .route("/apps/settings", web::get().to(get_settings))
        .route("/apps/settings", web::put().to(put_settings))
        .route("/apps/approval-requests", web::get().to(list_requests))
        .route(
            "/apps/approval-requests/{id}/approve",
            web::post().to(approve),
        )
        .route("/apps/approval-requests/{id}/deny", web::post().to(deny))
        .route("/apps/exports", web::post().to(create_export))
        .route("/apps/exports/{id}", web::get().to(download_export))
        .route("/apps/{id}", web::get().to(detail))
        .route("/apps/{id}", web::put().to(replace))
        .route("/apps/{id}", web::delete().to(delete))
        .route("/apps/{id}/usage", web::post().to(report_usage))
        .route("/apps/{id}/block", web::post().to(block))
        .route("/apps/{id}/unblock", web::post().to(unblock))
        .route("/apps/{id}/approval-requests", web::post().to(ask));
}

async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let org = auth.org_id.to_string();
    let apps = state
        .with_conn(move |c| registry::list(c, &org).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "apps": apps })))
}

async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let input: AppInput = parse(&body)?;
    let app = state
        .with_conn(move |c| registry::create(c, &auth, &input).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Created().json(app))
}

async fn detail(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let (org, id) = (auth.org_id.to_string(), path.into_inner());
    let app = state
        .with_conn(move |c| registry::detail(c, &org, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(app))
}

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
        .with_conn(move |c| registry::replace(c, &auth, &id, &input).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(app))
}

async fn delete(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let id = path.into_inner();
    state
        .with_conn(move |c| registry::delete(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn block(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_blocked(caller, state, path.into_inner(), true).await
}

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

async fn get_settings(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let org = auth.org_id.to_string();
    let s = state
        .with_conn(move |c| settings::load(c, &org).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

async fn put_settings(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let new: AppSettings = parse(&body)?;
    let s = state
        .with_conn(move |c| settings::save(c, &auth, &new).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

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
        .with_conn(move |c| usage::record(c, &auth, &id, &events).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Any user of the organization may ask for an app, with their own token.
async fn ask(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (org, user) = (caller.org_id.clone(), caller.user_id.to_string());
    let (request, opened) = state
        .with_conn(move |c| requests::ask(c, &org, &user, &id).map_err(ApiError::from))
        .await?;
    Ok(if opened {
        HttpResponse::Created().json(request)
    } else {
        HttpResponse::Ok().json(request)
    })
}

#[derive(Debug, Deserialize)]
struct RequestQuery {
    status: Option<String>,
}

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
    let list = state
        .with_conn(move |c| requests::list(c, &org, &status).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "requests": list })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    reason: Option<String>,
}

async fn approve(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    decide(caller, state, path.into_inner(), body, true).await
}

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
        .with_conn(move |c| {
            requests::decide(c, &auth, &id, approve, decision.reason).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "request": request, "app": app })))
}

async fn create_export(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let info = state
        .with_conn(move |c| export::create(c, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Created().json(info))
}

async fn download_export(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageApps>()?;
    let (org, id) = (auth.org_id.to_string(), path.into_inner());
    let text = state
        .with_conn(move |c| export::download(c, &org, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"app-usage-90-days.csv\"",
        ))
        .body(text))
}
