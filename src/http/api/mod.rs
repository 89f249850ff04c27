//! The admin and governance API (`/api/v1`): JSON in and out, errors as problem+json, every
//! call authenticated with a personal access token and checked for the caller's privilege.

mod authorize;
mod connections;
mod invites;
mod org;
pub mod problem;
mod role_mapping;
mod roles;
mod service_accounts;
mod tokens;
mod users;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{AdminCaller, AppState};
use crate::audit;
use crate::db::DbError;
use crate::rbac::ReadAudit;
use problem::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/me", web::get().to(me))
        .route("/audit-events", web::get().to(audit_events))
        .route("/openapi.json", web::get().to(openapi))
        .configure(connections::configure)
        .configure(role_mapping::configure)
        .configure(roles::configure)
        .configure(users::configure)
        .configure(invites::configure)
        .configure(org::configure)
        .configure(authorize::configure)
        .configure(tokens::configure)
        .configure(service_accounts::configure);
}

async fn me(caller: AdminCaller) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "user_id": caller.user_id,
        "org_id": caller.org_id,
        "role": caller.role,
    }))
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    limit: Option<i64>,
}

async fn audit_events(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadAudit>()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 1000"));
    }
    let org_id = auth.org_id;
    let events = state
        .with_conn(move |conn| audit::recent(conn, &org_id, limit).map_err(DbError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "events": events })))
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(include_str!("../../../docs/openapi.json"))
}
