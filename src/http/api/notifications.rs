//! `/api/v1/webhooks` and `/api/v1/outbox/dead-letters`: the organization's webhook endpoints
//! (super admins create, delete, rotate and re-enable; admins list; a secret is shown once) and
//! the notifications that exhausted their attempts (admins list; super admins retry). Thin:
//! each handler checks the capability and calls `outbox::webhooks` or `outbox::dead_letters`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::problem::ApiError;
use crate::http::{AdminCaller, AppState};
use crate::outbox::dead_letters;
use crate::outbox::webhooks::{self, OutboxError};
use crate::rbac::{ManageNotifications, ReadNotifications};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks", web::get().to(list))
        .route("/webhooks", web::post().to(create))
        .route("/webhooks/{id}", web::delete().to(delete))
        .route("/webhooks/{id}/rotate-secret", web::post().to(rotate))
        .route("/webhooks/{id}/enable", web::post().to(enable))
        .route("/outbox/dead-letters", web::get().to(dead))
        .route("/outbox/dead-letters/{id}/retry", web::post().to(retry));
}

impl From<OutboxError> for ApiError {
    fn from(err: OutboxError) -> Self {
        match err {
            OutboxError::Invalid(detail) => ApiError::bad_request(detail),
            OutboxError::NotFound => ApiError {
                status: StatusCode::NOT_FOUND,
                title: "Not Found",
                detail: "no such webhook endpoint or dead letter in this organization".into(),
            },
            OutboxError::Db(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewWebhook {
    url: String,
}

async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    let allow = state.settings.outbox.allow_private_networks;
    // What the name resolves to now; every delivery checks the addresses it connects to.
    webhooks::check_url_resolved(&body.url, allow).await?;
    let (webhook, secret) = state
        .with_conn(move |c| webhooks::create(c, &auth, &body.url, allow).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Created().json(json!({ "webhook": webhook, "secret": secret })))
}

async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadNotifications>()?;
    let all = state
        .with_conn(move |c| webhooks::list(c, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "webhooks": all })))
}

async fn delete(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    state
        .with_conn(move |c| webhooks::delete(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rotation {
    /// How long the previous secret keeps signing; default `[outbox] secret_rotation_seconds`.
    previous_valid_seconds: Option<u64>,
}

async fn rotate(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Option<web::Json<Rotation>>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    let keep = body
        .and_then(|b| b.previous_valid_seconds)
        .unwrap_or(state.settings.outbox.secret_rotation_seconds);
    let (secret, until) = state
        .with_conn(move |c| webhooks::rotate_secret(c, &auth, &id, keep).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Created().json(json!({
        "secret": secret,
        "previous_secret_valid_until": until,
    })))
}

async fn enable(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    let one = state
        .with_conn(move |c| webhooks::enable(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(one))
}

#[derive(Debug, Deserialize)]
struct DeadQuery {
    limit: Option<i64>,
}

async fn dead(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<DeadQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadNotifications>()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 1000"));
    }
    let all = state
        .with_conn(move |c| dead_letters::list(c, &auth, limit).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "dead_letters": all })))
}

async fn retry(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    state
        .with_conn(move |c| dead_letters::retry(c, &auth, &id).map_err(ApiError::from))
        .await?;
    crate::outbox::worker::wake();
    Ok(HttpResponse::Accepted().finish())
}
