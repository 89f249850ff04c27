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
use crate::db::{orgs, users, DbError};
use crate::directory::Caller;
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
            let scim_base = state.scim_base();
            let found = state
                .with_conn(move |conn| -> Result<_, DbError> {
                    let row = match tokens::authenticate(conn, &token, TokenKind::ScimConnection)? {
                        Ok(row) => row,
                        Err(refusal) => return Ok(Err(refusal.to_string())),
                    };
                    match orgs::find_connection(conn, &row.org_id, &row.subject_id)? {
                        Some(c) if !c.disabled => Ok(Ok(c)),
                        Some(_) => Ok(Err("connection disabled".into())),
                        None => Ok(Err("connection gone".into())),
                    }
                })
                .await?;
            match found {
                Ok(connection) => {
                    let limit = connection
                        .requests_per_minute
                        .and_then(|n| u32::try_from(n).ok())
                        .unwrap_or(state.settings.scim.requests_per_minute);
                    state
                        .limiter
                        .acquire(&connection.id, limit)
                        .map_err(|retry_after_secs| ScimFailure::TooManyRequests {
                            retry_after_secs,
                        })?;
                    Ok(ScimCaller(Caller {
                        org_id: OrgId(connection.org_id),
                        actor: Actor::IdpConnection(connection.id.clone()),
                        dialect: Dialect::from_stored(&connection.dialect),
                        connection_id: Some(connection.id),
                        scim_base,
                    }))
                }
                Err(reason) => {
                    tracing::info!(%reason, "SCIM token refused");
                    Err(ScimFailure::Unauthorized("the bearer token is not valid"))
                }
            }
        })
    }
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
