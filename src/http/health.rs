//! `/healthz` (the process is up) and `/readyz` (the database answers a real query on a real
//! table: a Galera node without quorum still answers `SELECT 1` but refuses table queries).

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde_json::json;

use super::AppState;
use crate::db::schema::organizations;
use crate::db::DbError;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

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
        Ok(_) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(err) => {
            tracing::warn!(error = %err, "not ready");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .json(json!({ "status": "unavailable", "detail": "the database is unreachable" }))
        }
    }
}
