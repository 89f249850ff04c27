//! `/api/v1/app-actors/proposals`: moving an integration off a personal access token onto an
//! app actor (issue 14), super admins only (`rbac::ManageAppActors`). Rules in
//! `governance::actors::moves`.

use actix_web::{web, HttpResponse};

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::actors::moves::{
    self, CompletedMove, ConfirmMove, Proposal, ProposalRequest,
};
use crate::http::{AdminCaller, AppState};
use crate::rbac::ManageAppActors;

pub fn configure(r: &mut ApiRoutes) {
    r.post("/app-actors/proposals", propose)
        .post("/app-actors/proposals/confirm", confirm);
}

#[utoipa::path(
    post,
    path = "/api/v1/app-actors/proposals",
    tag = "app-actors",
    operation_id = "proposeAppActorMove",
    summary = "Propose moving a personal access token's integration to an app actor",
    description = "Super admins only: requires the manage_org_settings permission (a 403 \
        names it when missing); app actors' own tokens are refused. The proposed grants are \
        those the token used on the admin API in the last 90 days. Another organization's \
        token is a 404; a revoked or expired one a 409.",
    request_body = ProposalRequest,
    responses(
        (status = 200, description = "The proposal", body = Proposal),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
    )
)]
async fn propose(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageAppActors>()?;
    let asked: ProposalRequest = parse(&body)?;
    // Uses this instance recorded just before are counted.
    state.grant_uses.settle().await;
    let proposal = state
        .api(move |c| moves::propose(c, &auth.org_id, &asked.token_id))
        .await?;
    Ok(HttpResponse::Ok().json(proposal))
}

#[utoipa::path(
    post,
    path = "/api/v1/app-actors/proposals/confirm",
    tag = "app-actors",
    operation_id = "confirmAppActorMove",
    summary = "Create the app actor, issue its first token and revoke the personal token",
    description = "Super admins only: requires the manage_org_settings permission (a 403 \
        names it when missing); app actors' own tokens are refused. One transaction: the actor \
        (with the proposal's grants, or the subset given), its first `gaa_` token (the secret \
        shown once, in `token.token`) and the personal token's revocation (its owner notified \
        with `token.revoked`).",
    request_body = ConfirmMove,
    responses(
        (status = 201, description = "The move", body = CompletedMove),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 409, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn confirm(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ManageAppActors>()?;
    let asked: ConfirmMove = parse(&body)?;
    state.grant_uses.settle().await;
    let done = state
        .api(move |c| moves::confirm(c, &auth.org_id, &asked, &auth.actor()))
        .await?;
    // The personal token is revoked: nothing remembered may let it in again.
    state.admin_credentials.clear();
    Ok(HttpResponse::Created().json(done))
}
