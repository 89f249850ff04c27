//! `POST /api/v1/authorize`: may this user do this? For host applications, one check
//! (`{"user_id", "permission"}` → `{"allowed", "reasons"}`) or a batch of up to 100
//! (`{"checks": […]}` → `{"results": […]}`). Answers come from the compiled per-organization
//! view: no database round trip per decision once the view knows the user.
//!
//! `project_id` and `app_id` are reserved for object-level and app decisions (later issues) and
//! refused with 422 until then, so no caller comes to rely on them being ignored.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::roles::model::UserModel;
use crate::governance::roles::view::OrgView;
use crate::governance::roles::{decisions, GovernanceError, Permission};
use crate::http::{AdminCaller, AppState};
use crate::rbac::ViewMembers;

const MAX_CHECKS: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/authorize", web::post().to(authorize));
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Check {
    user_id: String,
    permission: String,
    project_id: Option<Value>,
    app_id: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Request {
    Batch { checks: Vec<Check> },
    One(Check),
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
) -> Vec<Value> {
    checks
        .iter()
        .zip(permissions)
        .zip(users)
        .map(|((check, permission), user)| {
            let d = decisions::decide(view, user, *permission);
            json!({
                "user_id": check.user_id,
                "permission": permission,
                "allowed": d.allowed,
                "denied_by": d.denied_by,
                "reasons": d.reasons,
            })
        })
        .collect()
}

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
                .with_conn(move |c| -> Result<Vec<Value>, ApiError> {
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
    Ok(HttpResponse::Ok().json(if batch {
        json!({ "results": answers })
    } else {
        answers.into_iter().next().unwrap_or(Value::Null)
    }))
}
