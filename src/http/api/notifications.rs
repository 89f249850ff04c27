//! `/api/v1/webhooks` and `/api/v1/outbox/dead-letters`: the organization's webhook endpoints
//! (super admins create, delete, rotate and re-enable; admins list; a secret is shown once) and
//! the notifications that exhausted their attempts (admins list; super admins retry). Thin:
//! each handler checks the capability and calls `outbox::webhooks` or `outbox::dead_letters`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::http::{AdminCaller, AppState};
use crate::outbox::dead_letters::{self, DeadLetterView};
use crate::outbox::webhooks::{self, OutboxError, WebhookView};
use crate::rbac::{ManageNotifications, ReadNotifications};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/webhooks", list)
        .post("/webhooks", create)
        .delete("/webhooks/{id}", delete)
        .post("/webhooks/{id}/rotate-secret", rotate)
        .post("/webhooks/{id}/enable", enable)
        .get("/outbox/dead-letters", dead)
        .post("/outbox/dead-letters/{id}/retry", retry);
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

/// The body of `POST /webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An `https` URL on a public address (unless the operator allows private networks).
    url: String,
}

/// A new endpoint and its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    webhook: WebhookView,
    /// `whsec_…`: verify `webhook-signature` with it (Standard Webhooks).
    secret: String,
}

/// The organization's endpoints, never a secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    webhooks: Vec<WebhookView>,
}

/// A rotated secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    secret: String,
    /// Until when the previous secret still signs (UTC, no offset).
    #[schema(value_type = String)]
    previous_secret_valid_until: NaiveDateTime,
}

/// Notifications that exhausted their attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterList {
    dead_letters: Vec<DeadLetterView>,
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "notifications",
    operation_id = "createWebhook",
    summary = "Add a webhook endpoint; its signing secret is shown once",
    description = "Requires the manage_org_settings permission (super admins; a 403 names it \
        when missing).",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "The endpoint and its secret", body = CreatedWebhook),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    let body: NewWebhook = parse(&body)?;
    let allow = state.settings.outbox.allow_private_networks;
    // What the name resolves to now; every delivery checks the addresses it connects to.
    webhooks::check_url_resolved(&body.url, allow).await?;
    let (webhook, secret) = state
        .api(move |c| webhooks::create(c, &auth, &body.url, allow))
        .await?;
    Ok(HttpResponse::Created().json(CreatedWebhook { webhook, secret }))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "notifications",
    operation_id = "listWebhooks",
    summary = "The organization's webhook endpoints (never a secret)",
    description = "Requires the read_audit_trail permission (admins; a 403 names it when missing).",
    responses(
        (status = 200, description = "The endpoints", body = WebhookList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadNotifications>()?;
    let all = state.api(move |c| webhooks::list(c, &auth)).await?;
    Ok(HttpResponse::Ok().json(WebhookList { webhooks: all }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "notifications",
    operation_id = "deleteWebhook",
    summary = "Remove a webhook endpoint",
    description = "Requires the manage_org_settings permission (super admins; a 403 names it \
        when missing).",
    params(("id" = String, Path, description = "The endpoint's id")),
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
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    state.api(move |c| webhooks::delete(c, &auth, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The optional body of a rotation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// How long the previous secret keeps signing; default `[outbox] secret_rotation_seconds`.
    previous_valid_seconds: Option<u64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/rotate-secret",
    tag = "notifications",
    operation_id = "rotateWebhookSecret",
    summary = "A new signing secret; the previous one keeps signing for a while",
    description = "Requires the manage_org_settings permission (super admins; a 403 names it \
        when missing). The body is optional.",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body(content = Option<Rotation>, description = "How long the previous secret keeps signing"),
    responses(
        (status = 201, description = "The new secret", body = RotatedSecret),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn rotate(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    let rotation: Rotation = if body.iter().all(u8::is_ascii_whitespace) {
        Rotation::default()
    } else {
        parse(&body)?
    };
    let keep = rotation
        .previous_valid_seconds
        .unwrap_or(state.settings.outbox.secret_rotation_seconds);
    let (secret, until) = state
        .api(move |c| webhooks::rotate_secret(c, &auth, &id, keep))
        .await?;
    Ok(HttpResponse::Created().json(RotatedSecret {
        secret,
        previous_secret_valid_until: until,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/enable",
    tag = "notifications",
    operation_id = "enableWebhook",
    summary = "Re-enable an endpoint that a 410 answer disabled",
    description = "Requires the manage_org_settings permission (super admins; a 403 names it \
        when missing).",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookView),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn enable(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    let one = state.api(move |c| webhooks::enable(c, &auth, &id)).await?;
    Ok(HttpResponse::Ok().json(one))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeadQuery {
    /// How many at most, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/outbox/dead-letters",
    tag = "notifications",
    operation_id = "listDeadLetters",
    summary = "Notifications that exhausted their delivery attempts",
    description = "Requires the read_audit_trail permission (admins; a 403 names it when missing).",
    params(DeadQuery),
    responses(
        (status = 200, description = "The dead letters", body = DeadLetterList),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
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
        .api(move |c| dead_letters::list(c, &auth, limit))
        .await?;
    Ok(HttpResponse::Ok().json(DeadLetterList { dead_letters: all }))
}

#[utoipa::path(
    post,
    path = "/api/v1/outbox/dead-letters/{id}/retry",
    tag = "notifications",
    operation_id = "retryDeadLetter",
    summary = "Deliver a dead letter again, with the same id",
    description = "Requires the manage_org_settings permission (super admins; a 403 names it \
        when missing).",
    params(("id" = String, Path, description = "The notification's id")),
    responses(
        (status = 202, description = "Queued for delivery"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn retry(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageNotifications>()?;
    state
        .api(move |c| dead_letters::retry(c, &auth, &id))
        .await?;
    crate::outbox::worker::wake();
    Ok(HttpResponse::Accepted().finish())
}
