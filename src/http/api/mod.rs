//! The admin and governance API (`/api/v1`): JSON in and out, errors as problem+json, every
//! call authenticated with a personal access token and checked for the caller's privilege.
//! The OpenAPI document served at `/api/v1/openapi.json` is generated from the handlers'
//! `#[utoipa::path]` annotations (see `openapi`); the routes come from one table (`routes`).

mod app_actor_moves;
mod app_actors;
mod app_requests;
mod apps;
mod authorize;
mod connections;
mod invites;
mod legacy_memberships;
mod memberships;
mod notifications;
pub mod openapi;
mod org;
pub mod problem;
mod projects;
mod role_mapping;
mod roles;
pub mod routes;
mod service_accounts;
mod tokens;
mod users;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AdminCaller, AppState};
use crate::audit::{self, StoredAuditEvent};
use crate::db::DbError;
use crate::rbac::ReadAudit;
use problem::{ApiError, ProblemResponse};
use routes::ApiRoutes;

pub use routes::API_BASE;

/// Mounts every `/api/v1` route (under a scope at [`API_BASE`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    // A query string that does not parse is a problem+json 400 like every other client error,
    // not actix's plain-text answer.
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _| {
        ApiError::bad_request(format!("the query string does not fit: {err}")).into()
    }));
    routes_of_api(&mut ApiRoutes::mounting(cfg));
}

/// The route table: `configure` mounts it, `routes::registered` lists it.
fn routes_of_api(r: &mut ApiRoutes) {
    r.get("/me", me)
        .get("/audit-events", audit_events)
        .get("/openapi.json", openapi::serve)
        .add(connections::configure)
        .add(role_mapping::configure)
        .add(roles::configure)
        .add(users::configure)
        .add(invites::configure)
        .add(notifications::configure)
        .add(org::configure)
        .add(apps::configure)
        .add(authorize::configure)
        .add(tokens::configure)
        .add(service_accounts::configure)
        .add(app_actors::configure)
        .add(projects::configure)
        .add(legacy_memberships::configure)
        .add(memberships::configure)
        .add(app_actor_moves::configure);
}

/// The caller: who they are, in which organization, with which role.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user_id: String,
    pub org_id: String,
    /// The caller's role id (a standard role's name or a custom role's UUID).
    pub role: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "caller",
    operation_id = "getMe",
    summary = "The caller: user, organization and role",
    responses(
        (status = 200, description = "The authenticated user", body = Me),
        (status = 401, response = ProblemResponse),
    )
)]
async fn me(caller: AdminCaller) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        user_id: caller.user_id.to_string(),
        org_id: caller.org_id.to_string(),
        role: caller.role,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// How many events, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Only events by this kind of actor: `user`, `idp_connection`, `service_account`,
    /// `app_actor` or `system`.
    actor_kind: Option<String>,
}

/// The organization's newest audit events, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventList {
    pub events: Vec<StoredAuditEvent>,
}

#[utoipa::path(
    get,
    path = "/api/v1/audit-events",
    tag = "audit",
    operation_id = "listAuditEvents",
    summary = "The organization's newest audit events, newest first",
    description = "Requires the read_audit_trail permission (admins and super admins).",
    params(AuditQuery),
    responses(
        (status = 200, description = "Audit events", body = AuditEventList),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
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
    let kind = query.actor_kind.clone();
    if kind
        .as_deref()
        .is_some_and(|k| !audit::ACTOR_KINDS.contains(&k))
    {
        return Err(ApiError::bad_request(format!(
            "actor_kind must be one of {}",
            audit::ACTOR_KINDS.join(", ")
        )));
    }
    let events = state
        .with_conn(move |conn| {
            audit::recent_by(conn, &org_id, kind.as_deref(), limit).map_err(DbError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AuditEventList { events }))
}
