//! `/api/v1/idp-connections`: create connections with a dialect, change their authentication
//! and request limit, rotate and revoke their secrets. Admins read; only super admins change
//! (`rbac::ManageConnections`). Each connection is shown with its own `scim_base_url`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::http::{AdminCaller, AppState};
use crate::idp::connections::{
    self, ConnectionError, ConnectionUpdate, ConnectionView, NewConnectionSpec, SecretView,
};
use crate::idp::jwks_url;
use crate::rbac::{ManageConnections, ReadConnections};

pub fn configure(r: &mut ApiRoutes) {
    r.get("/idp-connections", list)
        .post("/idp-connections", create)
        .get("/idp-connections/{id}", get)
        .patch("/idp-connections/{id}", update)
        .get("/idp-connections/{id}/secrets", list_secrets)
        .post("/idp-connections/{id}/secrets", rotate_secret)
        .delete("/idp-connections/{id}/secrets/{secret_id}", revoke_secret);
}

/// A secret as issued: its plaintext token is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedSecret {
    pub id: String,
    /// The bearer token (`gsc_…`); only its hash is stored.
    pub token: String,
}

/// A new connection with its first secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedConnection {
    pub connection: ConnectionView,
    pub secret: IssuedSecret,
    /// The connection's own SCIM base URL: its secret works there and on the shared base; JWTs
    /// only there.
    pub scim_base_url: String,
}

/// The organization's IdP connections.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionList {
    pub connections: Vec<ConnectionView>,
}

/// A connection's secrets (metadata only).
#[derive(Debug, Serialize, ToSchema)]
pub struct SecretList {
    pub secrets: Vec<SecretView>,
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

#[utoipa::path(
    post,
    path = "/api/v1/idp-connections",
    tag = "idp-connections",
    operation_id = "createConnection",
    summary = "Create an IdP connection and its first secret",
    description = "Requires the manage_idp_connections permission (super admins).",
    request_body = NewConnectionSpec,
    responses(
        (status = 201, description = "The connection, its first secret and its SCIM base URL", body = CreatedConnection),
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
    let auth = caller.authorize::<ManageConnections>()?;
    let spec: NewConnectionSpec = parse(&body)?;
    let scim_base = state.scim_base();
    let (connection, secret) = state
        .api(move |c| connections::create(c, &auth, &spec))
        .await?;
    let connection = connection.located(&scim_base);
    // The connection's own URL: its secret works there and on the shared base; JWTs only there.
    let scim_base_url = connection.scim_base_url.clone();
    Ok(HttpResponse::Created().json(CreatedConnection {
        connection,
        secret: IssuedSecret {
            id: secret.id.to_string(),
            token: secret.plaintext,
        },
        scim_base_url,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/idp-connections",
    tag = "idp-connections",
    operation_id = "listConnections",
    summary = "List the organization's IdP connections",
    description = "Requires the view_members permission (admins).",
    responses(
        (status = 200, description = "The connections", body = ConnectionList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let all = state.api(move |c| connections::list(c, &auth)).await?;
    let scim_base = state.scim_base();
    let all: Vec<_> = all.into_iter().map(|v| v.located(&scim_base)).collect();
    Ok(HttpResponse::Ok().json(ConnectionList { connections: all }))
}

#[utoipa::path(
    get,
    path = "/api/v1/idp-connections/{id}",
    tag = "idp-connections",
    operation_id = "getConnection",
    summary = "One connection",
    description = "Requires the view_members permission (admins).",
    params(("id" = String, Path, description = "The connection's id")),
    responses(
        (status = 200, description = "The connection", body = ConnectionView),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn get(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let one = state.api(move |c| connections::get(c, &auth, &id)).await?;
    Ok(HttpResponse::Ok().json(one.located(&state.scim_base())))
}

#[utoipa::path(
    patch,
    path = "/api/v1/idp-connections/{id}",
    tag = "idp-connections",
    operation_id = "updateConnection",
    summary = "Change a connection (dialect, name, JWT settings, request limit, disabled); null clears an optional field",
    description = "Requires the manage_idp_connections permission (super admins). A connection with auth_mode jwt needs jwt_issuer, jwt_audience and jwks_url or jwt_static_key (PEM public key); it then accepts only JWTs, and only at its own scim_base_url. jwks_url must be https and reach a public address (checked on save and on every fetch) unless the operator sets [idp] jwks_allow_private_networks. Lengths: name 255, jwt_issuer and jwt_audience 1024, jwks_url 2048 characters, jwt_static_key 16 KiB; longer values are a 400.",
    params(("id" = String, Path, description = "The connection's id")),
    request_body = ConnectionUpdate,
    responses(
        (status = 200, description = "The connection as changed", body = ConnectionView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn update(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let changes: ConnectionUpdate = parse(&body)?;
    let network = state.jwt.network();
    if let Some(Some(url)) = &changes.jwks_url {
        // What the name resolves to now; the service checks the URL itself again, and every
        // fetch checks the addresses it connects to.
        jwks_url::check_resolved(url, network)
            .await
            .map_err(ApiError::bad_request)?;
    }
    let one = state
        .api(move |c| connections::update(c, &auth, &id, &changes, network))
        .await?;
    // Disabling, a new dialect or rate limit, a switch to JWT: no remembered secret may outlive it.
    state.scim_credentials.clear();
    Ok(HttpResponse::Ok().json(one.located(&state.scim_base())))
}

#[utoipa::path(
    get,
    path = "/api/v1/idp-connections/{id}/secrets",
    tag = "idp-connections",
    operation_id = "listConnectionSecrets",
    summary = "A connection's secrets (metadata only)",
    description = "Requires the view_members permission (admins).",
    params(("id" = String, Path, description = "The connection's id")),
    responses(
        (status = 200, description = "The secrets", body = SecretList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn list_secrets(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ReadConnections>()?;
    let all = state
        .api(move |c| connections::list_secrets(c, &auth, &id))
        .await?;
    Ok(HttpResponse::Ok().json(SecretList { secrets: all }))
}

#[utoipa::path(
    post,
    path = "/api/v1/idp-connections/{id}/secrets",
    tag = "idp-connections",
    operation_id = "rotateConnectionSecret",
    summary = "Issue another secret (rotation: existing secrets stay valid until revoked)",
    description = "Requires the manage_idp_connections permission (super admins).",
    params(("id" = String, Path, description = "The connection's id")),
    responses(
        (status = 201, description = "The new secret, shown once", body = IssuedSecret),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn rotate_secret(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let secret = state
        .api(move |c| connections::rotate_secret(c, &auth, &id))
        .await?;
    Ok(HttpResponse::Created().json(IssuedSecret {
        id: secret.id.to_string(),
        token: secret.plaintext,
    }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/idp-connections/{id}/secrets/{secret_id}",
    tag = "idp-connections",
    operation_id = "revokeConnectionSecret",
    summary = "Revoke a secret; it stops working at once",
    description = "Requires the manage_idp_connections permission (super admins).",
    params(
        ("id" = String, Path, description = "The connection's id"),
        ("secret_id" = String, Path, description = "The secret's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn revoke_secret(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageConnections>()?;
    let (id, secret_id) = path.into_inner();
    state
        .api(move |c| connections::revoke_secret(c, &auth, &id, &secret_id))
        .await?;
    state.scim_credentials.clear();
    Ok(HttpResponse::NoContent().finish())
}
