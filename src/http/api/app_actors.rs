//! `/api/v1/app-actors`: organization-owned non-human identities, their grants and tokens
//! (issue 14), super admins only (`rbac::ManageAppActors`; an app actor never manages app
//! actors). Rules in `governance::actors`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::actors::tokens::{
    self as actor_tokens, ActorTokenView, CreatedActorToken, NewActorToken,
};
use crate::governance::actors::{self, ActorChange, ActorPage, ActorView, NewActor};
use crate::http::{AdminCaller, AppState};
use crate::rbac::ManageAppActors;

pub fn configure(r: &mut ApiRoutes) {
    r.post("/app-actors", create)
        .get("/app-actors", list)
        .get("/app-actors/{id}", get)
        .patch("/app-actors/{id}", update)
        .delete("/app-actors/{id}", delete)
        .post("/app-actors/{id}/tokens", create_token)
        .get("/app-actors/{id}/tokens", list_tokens)
        .delete("/app-actors/{id}/tokens/{token_id}", revoke_token);
}

const DESCRIPTION: &str = "Super admins only: requires the manage_org_settings permission (a 403 \
    names it when missing); app actors' own tokens are refused.";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    /// Continue after this app actor (the previous page's `next_after`).
    after: Option<String>,
    /// How many at most, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// An app actor's active tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorTokenList {
    pub tokens: Vec<ActorTokenView>,
}

#[utoipa::path(
    post,
    path = "/api/v1/app-actors",
    tag = "app-actors",
    operation_id = "createAppActor",
    summary = "Create an app actor with explicit grants",
    description = DESCRIPTION,
    request_body = NewActor,
    responses(
        (status = 201, description = "The app actor", body = ActorView),
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
    let auth = caller.authorize::<ManageAppActors>()?;
    let new: NewActor = parse(&body)?;
    let created = state
        .api(move |c| actors::create(c, &auth.org_id, &new, &auth.actor()))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get,
    path = "/api/v1/app-actors",
    tag = "app-actors",
    operation_id = "listAppActors",
    summary = "App actors, oldest first (never people)",
    description = DESCRIPTION,
    params(PageQuery),
    responses(
        (status = 200, description = "One page of app actors", body = ActorPage),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn list(
    caller: AdminCaller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageAppActors>()?;
    let PageQuery { after, limit } = query.into_inner();
    let page = state
        .api(move |c| actors::list(c, &auth.org_id, after.as_deref(), limit.unwrap_or(100)))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    get,
    path = "/api/v1/app-actors/{id}",
    tag = "app-actors",
    operation_id = "getAppActor",
    summary = "One app actor with its grants",
    description = DESCRIPTION,
    params(("id" = String, Path, description = "The app actor's id")),
    responses(
        (status = 200, description = "The app actor", body = ActorView),
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
    let auth = caller.authorize::<ManageAppActors>()?;
    let found = state
        .api(move |c| actors::find(c, &auth.org_id, &id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[utoipa::path(
    patch,
    path = "/api/v1/app-actors/{id}",
    tag = "app-actors",
    operation_id = "updateAppActor",
    summary = "Change an app actor: name, owner, grants, app, or deactivate it (`active: false`)",
    description = DESCRIPTION,
    params(("id" = String, Path, description = "The app actor's id")),
    request_body = ActorChange,
    responses(
        (status = 200, description = "The app actor", body = ActorView),
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
    let auth = caller.authorize::<ManageAppActors>()?;
    let change: ActorChange = parse(&body)?;
    let updated = state
        .api(move |c| actors::update(c, &auth.org_id, &id, &change, &auth.actor()))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(
    delete,
    path = "/api/v1/app-actors/{id}",
    tag = "app-actors",
    operation_id = "deleteAppActor",
    summary = "Delete an app actor; its tokens are revoked",
    description = DESCRIPTION,
    params(("id" = String, Path, description = "The app actor's id")),
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
    let auth = caller.authorize::<ManageAppActors>()?;
    state
        .api(move |c| actors::delete(c, &auth.org_id, &id, &auth.actor()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post,
    path = "/api/v1/app-actors/{id}/tokens",
    tag = "app-actors",
    operation_id = "createAppActorToken",
    summary = "Issue a `gaa_` token carrying a subset of the actor's grants, optionally for a user",
    description = DESCRIPTION,
    params(("id" = String, Path, description = "The app actor's id")),
    request_body = NewActorToken,
    responses(
        (status = 201, description = "The token, with its secret shown once", body = CreatedActorToken),
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
    let auth = caller.authorize::<ManageAppActors>()?;
    let new: NewActorToken = parse(&body)?;
    let created = state
        .api(move |c| actor_tokens::issue(c, &auth.org_id, &id, &new, &auth.actor()))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get,
    path = "/api/v1/app-actors/{id}/tokens",
    tag = "app-actors",
    operation_id = "listAppActorTokens",
    summary = "An app actor's active tokens with their grants and user",
    description = DESCRIPTION,
    params(("id" = String, Path, description = "The app actor's id")),
    responses(
        (status = 200, description = "The tokens", body = ActorTokenList),
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
    let auth = caller.authorize::<ManageAppActors>()?;
    let tokens = state
        .api(move |c| actor_tokens::list(c, &auth.org_id, &id))
        .await?;
    Ok(HttpResponse::Ok().json(ActorTokenList { tokens }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/app-actors/{id}/tokens/{token_id}",
    tag = "app-actors",
    operation_id = "revokeAppActorToken",
    summary = "Revoke an app actor's token",
    description = DESCRIPTION,
    params(
        ("id" = String, Path, description = "The app actor's id"),
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
    let auth = caller.authorize::<ManageAppActors>()?;
    let (id, token_id) = path.into_inner();
    state
        .api(move |c| actor_tokens::revoke(c, &auth.org_id, &id, &token_id, &auth.actor()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
