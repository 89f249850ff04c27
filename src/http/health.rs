//! `/healthz` (the process is up) and `/readyz` (the database answers a real query on a real
//! table: a Galera node without quorum still answers `SELECT 1` but refuses table queries).

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::db::schema::organizations;
use crate::db::DbError;

/// What a health probe answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok`, `ready` or `unavailable`.
    pub status: &'static str,
    /// Why the service is not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'static str>,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    operation_id = "healthz",
    summary = "The process is up",
    security(()),
    responses((status = 200, description = "Up", body = Status))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status {
        status: "ok",
        detail: None,
    })
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    operation_id = "readyz",
    summary = "The database answers a query on a real table",
    security(()),
    responses(
        (status = 200, description = "Ready", body = Status),
        (status = 503, description = "The database is unreachable", body = Status),
    )
)]

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let probe = state
        .with_conn(|conn| {
            organizations::table
                .select(organizations::id)
                .limit(1)
                .load::<String>(conn)
                .map_err(DbError::from)
        })
        .await;
    match probe {
        Ok(_) => HttpResponse::Ok().json(Status {
            status: "ready",
            detail: None,
        }),
        Err(err) => {
            tracing::warn!(error = %err, "not ready");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .json(Status {
                    status: "unavailable",
                    detail: Some("the database is unreachable"),
                })
        }
    }
}
