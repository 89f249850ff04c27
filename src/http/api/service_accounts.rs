//! `/api/v1/service-accounts`: organization-owned identities and their tokens, super admins
//! only (`rbac::ManageServiceAccounts`). Rules in `governance::tokens::service_accounts`.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::tokens::service_accounts::{
    self as accounts, NewAccountToken, NewServiceAccount,
};
use crate::http::{AdminCaller, AppState};
use crate::rbac::ManageServiceAccounts;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/service-accounts", web::post().to(create))
        .route("/service-accounts", web::get().to(list))
        .route("/service-accounts/{id}", web::delete().to(delete))
        .route(
            "/service-accounts/{id}/tokens",
            web::post().to(create_token),
        )
        .route("/service-accounts/{id}/tokens", web::get().to(list_tokens))
        .route(
            "/service-accounts/{id}/tokens/{token_id}",
            web::delete().to(revoke_token),
        );
}

async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let new: NewServiceAccount = parse(&body)?;
    let account = state
        .with_conn(move |c| accounts::create(c, &auth, &new).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Created().json(account))
}

async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let all = state
        .with_conn(move |c| accounts::list(c, &auth).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "service_accounts": all })))
}

async fn delete(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    state
        .with_conn(move |c| accounts::delete(c, &auth, &id).map_err(ApiError::from))
        .await?;
    state.admin_credentials.clear();
    Ok(HttpResponse::NoContent().finish())
}

async fn create_token(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let new: NewAccountToken = parse(&body)?;
    let created = state
        .with_conn(move |c| accounts::create_token(c, &auth, &id, &new).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

async fn list_tokens(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let all = state
        .with_conn(move |c| accounts::list_tokens(c, &auth, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "tokens": all })))
}

async fn revoke_token(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let (id, token_id) = path.into_inner();
    state
        .with_conn(move |c| {
            accounts::revoke_token(c, &auth, &id, &token_id).map_err(ApiError::from)
        })
        .await?;
    state.admin_credentials.clear();
    Ok(HttpResponse::NoContent().finish())
}
