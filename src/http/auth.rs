//! Who is calling. `ScimCaller`: the bearer secret of an IdP connection, which names the
//! organization. `AdminCaller`: a personal access token of an active user. A missing or bad
//! token is 401 with `WWW-Authenticate: Bearer`; which check failed goes to the log only.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::api::problem::ApiError;
use super::scim::error::ScimFailure;
use super::AppState;
use crate::audit::Actor;
use crate::db::orgs::ConnectionRow;
use crate::db::{orgs, users, DbError};
use crate::directory::Caller;
use crate::idp::jwt::JwtVerifier;
use crate::idp::Dialect;
use crate::ids::{OrgId, UserId};
use crate::rbac::{authorize, AdminPermission, Authorized};
use crate::tokens::{self, TokenKind};

/// An authenticated IdP connection.
#[derive(Debug, Clone)]
pub struct ScimCaller(pub Caller);

/// An authenticated person on the admin API.
#[derive(Debug, Clone)]
pub struct AdminCaller {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: String,
}

impl AdminCaller {
    pub fn actor(&self) -> Actor {
        Actor::User(self.user_id.to_string())
    }

    /// Checks the caller's role for `P`; the proof is what the service function requires.
    pub fn authorize<P: AdminPermission>(&self) -> Result<Authorized<P>, ApiError> {
        authorize::<P>(&self.org_id, &self.user_id, &self.role)
            .map_err(|denied| ApiError::forbidden(denied.0))
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn state(req: &HttpRequest) -> Option<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>().cloned()
}

impl FromRequest for ScimCaller {
    type Error = ScimFailure;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = bearer(req);
        let state = state(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ScimFailure::Internal("no app state".into()))?;
            let token = token.ok_or(ScimFailure::Unauthorized("a bearer token is required"))?;
            let found = if tokens::secret::parse(&token).is_some() {
                match state.scim_credentials.get(&token) {
                    Some(connection) => Ok(connection),
                    None => connection_by_secret(&state, token).await?,
                }
            } else {
                connection_by_jwt(&state, &token).await?
            };
            let connection = found.map_err(|reason| {
                tracing::info!(%reason, "SCIM credentials refused");
                ScimFailure::Unauthorized("the bearer token is not valid")
            })?;
            crate::metrics::record_idp_request(&connection.id);
            let limit = connection
                .requests_per_minute
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(state.settings.scim.requests_per_minute);
            state
                .limiter
                .acquire(&connection.id, limit)
                .map_err(|retry_after_secs| ScimFailure::TooManyRequests { retry_after_secs })?;
            Ok(ScimCaller(Caller {
                org_id: OrgId(connection.org_id),
                actor: Actor::IdpConnection(connection.id.clone()),
                dialect: Dialect::from_stored(&connection.dialect),
                connection_id: Some(connection.id),
                scim_base: state.scim_base(),
            }))
        })
    }
}

/// A connection's bearer secret, checked against the database and then remembered for a few
/// seconds. A connection switched to JWT no longer accepts its secrets.
async fn connection_by_secret(
    state: &AppState,
    token: String,
) -> Result<Result<ConnectionRow, String>, ScimFailure> {
    let presented = token.clone();
    let found = state
        .with_conn(move |conn| -> Result<_, DbError> {
            let row = match tokens::authenticate(conn, &token, TokenKind::ScimConnection)? {
                Ok(row) => row,
                Err(refusal) => return Ok(Err(refusal.to_string())),
            };
            match orgs::find_connection(conn, &row.org_id, &row.subject_id)? {
                Some(c) if c.disabled => Ok(Err("connection disabled".into())),
                Some(c) if c.auth_mode != "bearer" => {
                    Ok(Err("connection accepts only JWTs".into()))
                }
                Some(c) => Ok(Ok((c, row.expires_at))),
                None => Ok(Err("connection gone".into())),
            }
        })
        .await?;
    Ok(found.map(|(connection, expires_at)| {
        let valid_until = expires_at.map(|at| {
            let left = (at - crate::clock::now()).to_std().unwrap_or_default();
            std::time::Instant::now() + left
        });
        state
            .scim_credentials
            .insert(&presented, connection.clone(), valid_until);
        connection
    }))
}

/// A bearer JWT: the connections configured for its (unverified) issuer are candidates, and the
/// first whose keys, issuer and audience verify it is the caller.
async fn connection_by_jwt(
    state: &AppState,
    token: &str,
) -> Result<Result<ConnectionRow, String>, ScimFailure> {
    let Some(issuer) = JwtVerifier::unverified_issuer(token) else {
        return Ok(Err("neither a gatehouse secret nor a JWT".into()));
    };
    let candidates = state
        .with_conn(move |conn| {
            orgs::jwt_connections_for_issuer(conn, &issuer).map_err(DbError::from)
        })
        .await?;
    let mut last = String::from("no JWT connection for this issuer");
    for connection in candidates {
        match state.jwt.verify(token, &connection).await {
            Ok(()) => return Ok(Ok(connection)),
            Err(refusal) => last = refusal.to_string(),
        }
    }
    Ok(Err(last))
}

impl FromRequest for AdminCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = bearer(req);
        let state = state(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("no app state"))?;
            let token =
                token.ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
            let found = state
                .with_conn(move |conn| -> Result<_, DbError> {
                    let row = match tokens::authenticate(conn, &token, TokenKind::Personal)? {
                        Ok(row) => row,
                        Err(refusal) => return Ok(Err(refusal.to_string())),
                    };
                    match users::find_user(conn, &row.org_id, &row.subject_id)? {
                        Some(user) if user.active => Ok(Ok(user)),
                        Some(_) => Ok(Err("user deactivated".into())),
                        None => Ok(Err("user gone".into())),
                    }
                })
                .await?;
            match found {
                Ok(user) => Ok(AdminCaller {
                    org_id: OrgId(user.org_id),
                    user_id: UserId(user.id),
                    role: user.role,
                }),
                Err(reason) => {
                    tracing::info!(%reason, "admin token refused");
                    Err(ApiError::unauthorized("the bearer token is not valid"))
                }
            }
        })
    }
}
