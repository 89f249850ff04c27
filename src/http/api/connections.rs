//! `/api/v1/idp-connections`: create connections with a dialect, change their authentication
//! and request limit, rotate and revoke their secrets. Admins read; only super admins change
//! (`rbac::ManageConnections`). Each connection is shown with its own `scim_base_url`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::problem::ApiError;
use crate::http::{AdminCaller, AppState};
use crate::idp::connections::{self, ConnectionError, ConnectionUpdate, NewConnectionSpec};
use crate::idp::jwks_url;
use crate::rbac::{ManageConnections, ReadConnections};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/idp-connections", web::get().to(list))
        .route("/idp-connections", web::post().to(create))
        .route("/idp-connections/{id}", web::get().to(get))
        .route("/idp-connections/{id}", web::patch().to(update))
        .route("/idp-connections/{id}/secrets", web::get().to(list_secrets))
        .route(
            "/idp-connections/{id}/secrets",
            web::post().to(rotate_secret),
        )
        .route(
            "/idp-connections/{id}/secrets/{secret_id}",
            web::delete().to(revoke_secret),
        );
}

impl From<ConnectionError> for ApiError {
    fn from(err: ConnectionError) -> Self {
        match err {
            ConnectionError::Invalid(detail) => ApiError::bad_request(detail),
            ConnectionError::NotFound => ApiError {
                status: StatusCode::NOT_FOUND,
                title: "Not Found",
                detail: "no such connection or secret in this organization".into(),
            },
            ConnectionError::Db(e) => e.into(),
        }
    }
}

async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    spec: web::Json<NewConnectionSpec>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let scim_base = state.scim_base();
    let (connection, secret) = state
        .with_conn(move |c| connections::create(c, &auth, &spec).map_err(ApiError::from))
        .await?;
    let connection = connection.located(&scim_base);
    // The connection's own URL: its secret works there and on the shared base; JWTs only there.
    let scim_base_url = connection.scim_base_url.clone();
    Ok(HttpResponse::Created().json(json!({
        "connection": connection,
        "secret": { "id": secret.id, "token": secret.plaintext },
        "scim_base_url": scim_base_url,
    })))
}

async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let all = state
        .with_conn(move |c| connections::list(c, &auth).map_err(ApiError::from))
        .await?;
    let scim_base = state.scim_base();
    let all: Vec<_> = all.into_iter().map(|v| v.located(&scim_base)).collect();
    Ok(HttpResponse::Ok().json(json!({ "connections": all })))
}

async fn get(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let one = state
        .with_conn(move |c| connections::get(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(one.located(&state.scim_base())))
}

async fn update(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    changes: web::Json<ConnectionUpdate>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let network = state.jwt.network();
    if let Some(Some(url)) = &changes.jwks_url {
        // What the name resolves to now; the service checks the URL itself again, and every
        // fetch checks the addresses it connects to.
        jwks_url::check_resolved(url, network)
            .await
            .map_err(ApiError::bad_request)?;
    }
    let one = state
        .with_conn(move |c| {
            connections::update(c, &auth, &id, &changes, network).map_err(ApiError::from)
        })
        .await?;
    // Disabling, a new dialect or rate limit, a switch to JWT: no remembered secret may outlive it.
    state.scim_credentials.clear();
    Ok(HttpResponse::Ok().json(one.located(&state.scim_base())))
}

async fn list_secrets(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let all = state
        .with_conn(move |c| connections::list_secrets(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "secrets": all })))
}

async fn rotate_secret(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let secret = state
        .with_conn(move |c| connections::rotate_secret(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Created().json(json!({ "id": secret.id, "token": secret.plaintext })))
}

async fn revoke_secret(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let (id, secret_id) = path.into_inner();
    state
        .with_conn(move |c| {
            connections::revoke_secret(c, &auth, &id, &secret_id).map_err(ApiError::from)
        })
        .await?;
    state.scim_credentials.clear();
    Ok(HttpResponse::NoContent().finish())
}
