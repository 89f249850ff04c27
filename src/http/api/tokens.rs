//! `/api/v1/tokens` and `/api/v1/credentials`: personal access tokens (create one's own, list,
//! revoke, introspect), expiration policies, the at-risk report, leaked-token reports (no
//! authentication) and the credential inventory. Rules in `governance::tokens`. Every handler
//! that revokes clears the admin credential cache after the commit, so this instance cannot
//! serve a revoked token from memory.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::tokens::inventory::{self, AtRisk, Credential};
use crate::governance::tokens::leaked::{self, MAX_REPORTED};
use crate::governance::tokens::personal::{
    self, CreatedToken, Introspection, ListQuery, NewPersonalToken,
};
use crate::governance::tokens::policy::{self, PolicyChange, TokenPolicy};
use crate::governance::tokens::TokenView;
use crate::http::auth_limit::{client_address, AdminAuthThrottled};
use crate::http::{AdminCaller, AppState};
use crate::rbac::{ManageTokenPolicy, ManageTokens, UsePersonalTokens};

pub fn configure(r: &mut ApiRoutes) {
    r.post("/tokens", create)
        .get("/tokens", list)
        .get("/tokens/policy", get_policy)
        .put("/tokens/policy", put_policy)
        .get("/tokens/at-risk", at_risk)
        .post("/tokens/introspect", introspect)
        .post("/tokens/revoke-leaked", revoke_leaked)
        .delete("/tokens/{id}", revoke)
        .get("/credentials", credentials);
}

/// Personal access tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
}

/// Tokens at risk, each with its reasons.
#[derive(Debug, Serialize, ToSchema)]
pub struct AtRiskList {
    pub tokens: Vec<AtRisk>,
}

/// The credential inventory.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialList {
    pub credentials: Vec<Credential>,
}

/// The answer to a leak report: the same whatever was reported.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeakReportAccepted {
    /// Always `accepted`.
    pub status: &'static str,
    pub detail: &'static str,
}

#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    operation_id = "createPersonalToken",
    summary = "Create a personal access token for the caller",
    description = "Requires the use_personal_access_tokens permission, and personal access \
        tokens on for the organization (a 403 says which is missing). The token is shown \
        in this answer only; its expiry is the organization's policy or sooner.",
    request_body = NewPersonalToken,
    responses(
        (status = 201, description = "The token, with its secret shown once", body = CreatedToken),
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
    let auth = caller.authorize::<UsePersonalTokens>()?;
    let new: NewPersonalToken = parse(&body)?;
    let created = state.api(move |c| personal::create(c, &auth, &new)).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    operation_id = "listPersonalTokens",
    summary = "The organization's active personal access tokens, with owner and last use",
    description = "Requires the view_members permission, which admins hold (a 403 names it when missing).",
    params(ListQuery),
    responses(
        (status = 200, description = "The tokens", body = TokenList),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let query = query.into_inner();
    let all = state.api(move |c| personal::list(c, &auth, &query)).await?;
    Ok(HttpResponse::Ok().json(TokenList { tokens: all }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    operation_id = "revokePersonalToken",
    summary = "Revoke a personal access token",
    description = "The token's owner, or anyone with the view_members permission (the owner \
        is then notified).",
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
    )
)]
async fn revoke(
    caller: AdminCaller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal.clone();
    let as_admin = state
        .api(move |c| personal::revoke(c, &principal, &id))
        .await?;
    state.admin_credentials.clear();
    if as_admin {
        // Checked inside the revocation, not by `authorize`: recorded here (issue 14).
        caller.record_grant_use::<ManageTokens>();
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The body of `POST /tokens/introspect`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectBody {
    /// The token presented to the host application.
    pub token: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/tokens/introspect",
    tag = "tokens",
    operation_id = "introspectToken",
    summary = "Whether a token is live in the caller's organization, and what it may do",
    description = "Requires the view_members permission, which admins hold (a 403 names it when missing). An \
        unknown, malformed, revoked or foreign token answers only `active: false`.",
    request_body = IntrospectBody,
    responses(
        (status = 200, description = "The token's state", body = Introspection),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn introspect(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let body: IntrospectBody = parse(&body)?;
    let cache = state.decisions.clone();
    let answer = state
        .api(move |c| personal::introspect(c, &cache, &auth, &body.token))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

#[utoipa::path(
    get,
    path = "/api/v1/tokens/policy",
    tag = "tokens",
    operation_id = "getTokenPolicy",
    summary = "The expiration policy of personal and service account tokens",
    description = "Requires the view_members permission, which admins hold (a 403 names it when missing).",
    responses(
        (status = 200, description = "The policy", body = TokenPolicy),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn get_policy(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let p = state.api(move |c| policy::get(c, &auth)).await?;
    Ok(HttpResponse::Ok().json(p))
}

#[utoipa::path(
    put,
    path = "/api/v1/tokens/policy",
    tag = "tokens",
    operation_id = "putTokenPolicy",
    summary = "Change the expiration policy (existing tokens are re-dated)",
    description = "Requires the manage_org_settings permission, which super admins hold (a 403 names it when missing). \
        Absent kinds keep their policy.",
    request_body = PolicyChange,
    responses(
        (status = 200, description = "The policy now", body = TokenPolicy),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn put_policy(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokenPolicy>()?;
    let change: PolicyChange = parse(&body)?;
    let p = state.api(move |c| policy::put(c, &auth, &change)).await?;
    // Re-dated tokens may now be expired: nothing remembered may outlive that.
    state.admin_credentials.clear();
    Ok(HttpResponse::Ok().json(p))
}

#[utoipa::path(
    get,
    path = "/api/v1/tokens/at-risk",
    tag = "tokens",
    operation_id = "listTokensAtRisk",
    summary = "Active tokens at risk (owner deactivated or gone, expiring, guest-restricted)",
    description = "Requires the view_members permission, which admins hold (a 403 names it when missing).",
    responses(
        (status = 200, description = "The tokens at risk", body = AtRiskList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn at_risk(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let cache = state.decisions.clone();
    let all = state
        .api(move |c| inventory::at_risk(c, &cache, &auth))
        .await?;
    Ok(HttpResponse::Ok().json(AtRiskList { tokens: all }))
}

#[utoipa::path(
    get,
    path = "/api/v1/credentials",
    tag = "tokens",
    operation_id = "listCredentials",
    summary = "Every unrevoked credential of the organization, never a secret",
    description = "Requires the view_members permission, which admins hold (a 403 names it when missing).",
    responses(
        (status = 200, description = "The inventory", body = CredentialList),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
    )
)]
async fn credentials(
    caller: AdminCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageTokens>()?;
    let all = state.api(move |c| inventory::credentials(c, &auth)).await?;
    Ok(HttpResponse::Ok().json(CredentialList { credentials: all }))
}

/// The body of `POST /tokens/revoke-leaked`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeakReport {
    /// The tokens found exposed (at most 1000).
    pub tokens: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/tokens/revoke-leaked",
    tag = "tokens",
    operation_id = "revokeLeakedTokens",
    summary = "Report leaked tokens: every valid one is revoked and its owner notified",
    description = "No token needed. Every call spends one of the client address's failed \
        authentications, and the answer is the same whatever was reported.",
    security(()),
    request_body = LeakReport,
    responses(
        (status = 202, description = "Accepted", body = LeakReportAccepted),
        (status = 400, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
        (status = 429, response = ProblemResponse),
        (status = 503, response = ProblemResponse),
    )
)]
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
        .api(move |c| leaked::revoke_leaked(c, &report.tokens))
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
    Ok(HttpResponse::Accepted().json(LeakReportAccepted {
        status: "accepted",
        detail: "every valid token among those reported is revoked and its owner notified",
    }))
}
