//! `/api/v1/service-accounts`: organization-owned identities and their tokens, super admins
//! only (`rbac::ManageServiceAccounts`). Rules in `governance::tokens::service_accounts`.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use super::tokens::TokenList;
use crate::governance::tokens::personal::CreatedToken;
use crate::governance::tokens::service_accounts::{
    self as accounts, AccountView, NewAccountToken, NewServiceAccount,
};
use crate::http::{AdminCaller, AppState};
use crate::rbac::ManageServiceAccounts;

pub fn configure(r: &mut ApiRoutes) {
    r.post("/service-accounts", create)
        .get("/service-accounts", list)
        .delete("/service-accounts/{id}", delete)
        .post("/service-accounts/{id}/tokens", create_token)
        .get("/service-accounts/{id}/tokens", list_tokens)
        .delete("/service-accounts/{id}/tokens/{token_id}", revoke_token);
}

/// The organization's service accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub service_accounts: Vec<AccountView>,
}

#[utoipa::path(
    post,
    path = "/api/v1/service-accounts",
    tag = "service-accounts",
    operation_id = "createServiceAccount",
    summary = "Create a service account acting with a role",
    description = "Super admins only: requires the manage_org_settings permission (a 403 \
        names it when missing).",
    request_body = NewServiceAccount,
    responses(
        (status = 201, description = "The account", body = AccountView),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn create(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let new: NewServiceAccount = parse(&body)?;
    let account = state.api(move |c| accounts::create(c, &auth, &new)).await?;
    Ok(HttpResponse::Created().json(account))
}

#[utoipa::path(
    get,
    path = "/api/v1/service-accounts",
    tag = "service-accounts",
    operation_id = "listServiceAccounts",
    summary = "The organization's service accounts",
    description = "Super admins only: requires the manage_org_settings permission (a 403 \
        names it when missing).",
    responses(
        (status = 200, description = "The accounts", body = AccountList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn list(caller: AdminCaller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let all = state.api(move |c| accounts::list(c, &auth)).await?;
    Ok(HttpResponse::Ok().json(AccountList {
        service_accounts: all,
    }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/service-accounts/{id}",
    tag = "service-accounts",
    operation_id = "deleteServiceAccount",
    summary = "Delete a service account; its tokens are revoked",
    description = "Super admins only: requires the manage_org_settings permission (a 403 \
        names it when missing).",
    params(("id" = String, Path, description = "The service account's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn delete(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    state.api(move |c| accounts::delete(c, &auth, &id)).await?;
    state.admin_credentials.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post,
    path = "/api/v1/service-accounts/{id}/tokens",
    tag = "service-accounts",
    operation_id = "createServiceAccountToken",
    summary = "Issue a token for a service account (expiry from the policy)",
    description = "Super admins only: requires the manage_org_settings permission (a 403 \
        names it when missing).",
    params(("id" = String, Path, description = "The service account's id")),
    request_body = NewAccountToken,
    responses(
        (status = 201, description = "The token, with its secret shown once", body = CreatedToken),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn create_token(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let new: NewAccountToken = parse(&body)?;
    let created = state
        .api(move |c| accounts::create_token(c, &auth, &id, &new))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get,
    path = "/api/v1/service-accounts/{id}/tokens",
    tag = "service-accounts",
    operation_id = "listServiceAccountTokens",
    summary = "A service account's active tokens",
    description = "Super admins only: requires the manage_org_settings permission (a 403 \
        names it when missing).",
    params(("id" = String, Path, description = "The service account's id")),
    responses(
        (status = 200, description = "The tokens", body = TokenList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn list_tokens(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let all = state
        .api(move |c| accounts::list_tokens(c, &auth, &id))
        .await?;
    Ok(HttpResponse::Ok().json(TokenList { tokens: all }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/service-accounts/{id}/tokens/{token_id}",
    tag = "service-accounts",
    operation_id = "revokeServiceAccountToken",
    summary = "Revoke a service account's token",
    description = "Super admins only: requires the manage_org_settings permission (a 403 \
        names it when missing).",
    params(
        ("id" = String, Path, description = "The service account's id"),
        ("token_id" = String, Path, description = "The token's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn revoke_token(
    caller: AdminCaller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageServiceAccounts>()?;
    let (id, token_id) = path.into_inner();
    state
        .api(move |c| accounts::revoke_token(c, &auth, &id, &token_id))
        .await?;
    state.admin_credentials.clear();
    Ok(HttpResponse::NoContent().finish())
}
