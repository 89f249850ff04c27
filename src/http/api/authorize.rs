//! `POST /api/v1/authorize`: may this user do this? For host applications, one check
//! (`{"user_id", "permission"}` → `{"allowed", "reasons"}`) or a batch of up to 100
//! (`{"checks": […]}` → `{"results": […]}`). Answers come from the compiled per-organization
//! view: no database round trip per decision once the view knows the user.
//!
//! `project_id` and `app_id` are reserved for object-level and app decisions (later issues) and
//! refused with 422 until then, so no caller comes to rely on them being ignored.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::roles::model::UserModel;
use crate::governance::roles::reference::{Link, Reason};
use crate::governance::roles::view::OrgView;
use crate::governance::roles::{decisions, GovernanceError, Permission};
use crate::http::{AdminCaller, AppState};
use crate::rbac::ViewMembers;

const MAX_CHECKS: usize = 100;

pub fn configure(r: &mut ApiRoutes) {
    r.post("/authorize", authorize);
}

/// One question: may this user do this?
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AuthorizeCheck)]
struct Check {
    user_id: String,
    /// A permission of the catalogue, by wire name.
    permission: String,
    /// Reserved: refused with 422 until object-level decisions exist.
    project_id: Option<Value>,
    /// Reserved: refused with 422 until app decisions exist.
    app_id: Option<Value>,
}

/// One check, or a batch of 1 to 100.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = AuthorizeRequest)]
enum Request {
    Batch { checks: Vec<Check> },
    One(Check),
}

/// The answer to one check, with the reason chain; on a deny `denied_by` names the link.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuthorizeAnswer)]
struct Answer {
    user_id: String,
    permission: Permission,
    allowed: bool,
    denied_by: Option<Link>,
    reasons: Vec<Reason>,
}

/// The answers to a batch, in the order of its checks.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuthorizeBatchAnswer)]
struct BatchAnswer {
    results: Vec<Answer>,
}

/// One answer for one check, `{"results": [...]}` for a batch.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
enum AuthorizeResponse {
    Batch(BatchAnswer),
    One(Answer),
}

fn validate(check: &Check, at: Option<usize>) -> Result<Permission, GovernanceError> {
    let place = at.map(|i| format!("checks[{i}]: ")).unwrap_or_default();
    if check.project_id.is_some() || check.app_id.is_some() {
        return Err(GovernanceError::Invalid(format!(
            "{place}project_id and app_id are not supported yet"
        )));
    }
    Permission::parse(&check.permission).ok_or_else(|| {
        GovernanceError::Invalid(format!(
            "{place}{:?} is not a permission of the catalogue",
            check.permission
        ))
    })
}

/// The answers, in the order asked.
fn answer(
    view: &OrgView,
    checks: &[Check],
    permissions: &[Permission],
    users: &[UserModel],
) -> Vec<Answer> {
    checks
        .iter()
        .zip(permissions)
        .zip(users)
        .map(|((check, permission), user)| {
            let d = decisions::decide(view, user, *permission);
            Answer {
                user_id: check.user_id.clone(),
                permission: *permission,
                allowed: d.allowed,
                denied_by: d.denied_by,
                reasons: d.reasons,
            }
        })
        .collect()
}

#[utoipa::path(
    post,
    path = "/api/v1/authorize",
    tag = "decisions",
    operation_id = "authorize",
    summary = "May this user do this? One check, or a batch of up to 100",
    description = "Requires the view_members permission (a 403 names it when missing).",
    request_body = Request,
    responses(
        (status = 200, description = "The answer, or the answers of a batch", body = AuthorizeResponse),
        (status = 400, response = ProblemResponse),
        (status = 401, response = ProblemResponse),
        (status = 403, response = ProblemResponse),
        (status = 404, response = ProblemResponse),
        (status = 422, response = ProblemResponse),
    )
)]
async fn authorize(
    caller: AdminCaller,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let auth = caller.authorize::<ViewMembers>()?;
    let request: Request = parse(&body)?;
    let (checks, batch) = match request {
        Request::One(check) => (vec![check], false),
        Request::Batch { checks } => (checks, true),
    };
    if batch && (checks.is_empty() || checks.len() > MAX_CHECKS) {
        return Err(GovernanceError::Invalid(format!(
            "a batch holds 1 to {MAX_CHECKS} checks, not {}",
            checks.len()
        ))
        .into());
    }
    let permissions = checks
        .iter()
        .enumerate()
        .map(|(i, c)| validate(c, batch.then_some(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let org = auth.org_id.to_string();
    let ids: Vec<&str> = checks.iter().map(|c| c.user_id.as_str()).collect();
    let answers = match decisions::from_memory(&state.decisions, &org, &ids) {
        // The hot path: the view is fresh and knows every user asked about.
        Some((view, users)) => answer(&view, &checks, &permissions, &users),
        None => {
            let cache = state.decisions.clone();
            state
                .with_conn(move |c| -> Result<Vec<Answer>, ApiError> {
                    let view = decisions::view(c, &cache, &org)?;
                    let users = checks
                        .iter()
                        .map(|check| {
                            decisions::user_entry(c, &view, &org, &check.user_id)?.ok_or_else(
                                || {
                                    GovernanceError::NotFound(format!(
                                        "no user {:?} in this organization",
                                        check.user_id
                                    ))
                                },
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(answer(&view, &checks, &permissions, &users))
                })
                .await?
        }
    };
    let response = if batch {
        AuthorizeResponse::Batch(BatchAnswer { results: answers })
    } else {
        // A single check always has its one answer.
        let one = answers.into_iter().next();
        AuthorizeResponse::One(
            one.ok_or_else(|| ApiError::internal("a single check gave no answer"))?,
        )
    };
    Ok(HttpResponse::Ok().json(response))
}
