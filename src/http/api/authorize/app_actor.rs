//! `POST /api/v1/authorize` about an app actor (issue 14): `{"app_actor_id", "resource",
//! "access", "project_id"?, "on_behalf_of"?}` → `{"allowed", "denied_by", "reasons"}`, the
//! reason chain naming the actor's state, its grant (missing, or the project not in it), the
//! org setting or app, and the user it acts for. Rules in `governance::actors::access`.

use actix_web::{web, HttpResponse};

use super::super::problem::ApiError;
use super::super::roles::parse;
use crate::governance::actors::access::{self, ActorQuestion};
use crate::http::AppState;
use crate::rbac::{Authorized, ViewMembers};

/// Whether the body asks about an app actor rather than a user.
pub(super) fn asks_about_app_actor(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("app_actor_id").is_some())
}

pub(super) async fn answer(
    auth: Authorized<ViewMembers>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let question: ActorQuestion = parse(&body)?;
    let cache = state.decisions.clone();
    let decision = state
        .api(move |c| access::decide(c, &cache, auth.org_id.as_str(), &question))
        .await?;
    Ok(HttpResponse::Ok().json(decision))
}
