//! `/api/v1/tokens` and `/api/v1/credentials`: personal access tokens (create one's own, list,
//! revoke, introspect), expiration policies, the at-risk report, leaked-token reports (no
//! authentication) and the credential inventory. Rules in `governance::tokens`. Every handler
//! that revokes clears the admin credential cache after the commit, so this instance cannot
//! serve a revoked token from memory.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::tokens::inventory;
use crate::governance::tokens::leaked::{self, MAX_REPORTED};
use crate::governance::tokens::personal::{self, ListQuery, NewPersonalToken};
use crate::governance::tokens::policy::{self, PolicyChange};
use crate::http::auth_limit::{client_address, AdminAuthThrottled};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageTokenPolicy, ManageTokens, UsePersonalTokens};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tokens", web::post().to(create))
        .route("/tokens", web::get().to(list))
        .route("/tokens/policy", web::get().to(get_policy))
        .route("/tokens/policy", web::put().to(put_policy))
        .route("/tokens/at-risk", web::get().to(at_risk))
        .route("/tokens/introspect", web::post().to(introspect))
        .route("/tokens/revoke-leaked", web::post().to(revoke_leaked))
        .route("/tokens/{id}", web::delete().to(revoke))
        .route("/credentials", web::get().to(credentials));
}

async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<UsePersonalTokens>()?;
    let new: NewPersonalToken = parse(&body)?;
    let created = state
        .with_conn(move |c| personal::create(c, &auth, &new).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let query = query.into_inner();
    let all = state
        .with_conn(move |c| personal::list(c, &auth, &query).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "tokens": all })))
}

async fn revoke(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal.clone();
    state
        .with_conn(move |c| personal::revoke(c, &principal, &id).map_err(ApiError::from))
        .await?;
    state.admin_credentials.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntrospectBody {
    token: String,
}

async fn introspect(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let body: IntrospectBody = parse(&body)?;
    let cache = state.decisions.clone();
    let answer = state
        .with_conn(move |c| {
            personal::introspect(c, &cache, &auth, &body.token).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

async fn get_policy(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let p = state
        .with_conn(move |c| policy::get(c, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(p))
}

async fn put_policy(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokenPolicy>()?;
    let change: PolicyChange = parse(&body)?;
    let p = state
        .with_conn(move |c| policy::put(c, &auth, &change).map_err(ApiError::from))
        .await?;
    // Re-dated tokens may now be expired: nothing remembered may outlive that.
    state.admin_credentials.clear();
    Ok(HttpResponse::Ok().json(p))
}

async fn at_risk(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let cache = state.decisions.clone();
    let all = state
        .with_conn(move |c| inventory::at_risk(c, &cache, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "tokens": all })))
}

async fn credentials(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let all = state
        .with_conn(move |c| inventory::credentials(c, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "credentials": all })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeakReport {
    tokens: Vec<String>,
}

/// No authentication. Every call spends one unit of the client address's failed-authentication
/// budget (`auth_limit`), so the endpoint cannot be used to try tokens at speed; the answer is
/// the same whatever was sent.
async fn revoke_leaked(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    if let Some(ip) = client_address(&req, &state.settings.auth.trusted_proxies) {
        state
            .auth_failures
            .check(ip)
            .map_err(|retry_after_secs| AdminAuthThrottled { retry_after_secs })?;
        state.auth_failures.record_failure(ip);
    }
    let report: LeakReport = parse(&body)?;
    if report.tokens.len() > MAX_REPORTED {
        return Err(
            ApiError::bad_request(format!("at most {MAX_REPORTED} tokens per report")).into(),
        );
    }
    let outcome = state
        .with_conn(move |c| leaked::revoke_leaked(c, &report.tokens).map_err(ApiError::from))
        .await?;
    if outcome.revoked > 0 {
        tracing::warn!(
            revoked = outcome.revoked,
            "leaked tokens reported and revoked"
        );
        state.admin_credentials.clear();
        if outcome.scim_secrets_revoked {
            state.scim_credentials.clear();
        }
    }
    Ok(HttpResponse::Accepted().json(json!({
        "status": "accepted",
        "detail": "every valid token among those reported is revoked and its owner notified",
    })))
}
