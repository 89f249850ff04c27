//! `POST /api/v1/authorize`: may this user do this? For host applications, one check
//! (`{"user_id", "permission"}` → `{"allowed", "reasons"}`) or a batch of up to 100
//! (`{"checks": […]}` → `{"results": […]}`). Answers come from the compiled per-organization
//! view: no database round trip per decision once the view knows the user.
//!
//! With `app_id` (and `permission: "use_apps"`) the answer is whether this user may use this
//! app: the `use_apps` decision (org switch, role, guest restriction) and the app's state
//! (`governance::apps::decide`: blocked, not approved, blocked for this guest, blocked by
//! another organization the person belongs to). `permission: "external_automation"` answers
//! the organization's switch for rules triggered by web requests from external services.
//! `project_id` is reserved for object-level decisions (a later issue) and refused with 422.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::problem::ApiError;
use super::roles::parse;
use crate::governance::apps::{self, decide::AppDenial};
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
    app_id: Option<String>,
}

/// The org-level question answered beside the catalogue's permissions.
const EXTERNAL_AUTOMATION: &str = "external_automation";

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Request {
    Batch { checks: Vec<Check> },
    One(Check),
}

/// The permission asked (`None`: `external_automation`).
fn validate(check: &Check, at: Option<usize>) -> Result<Option<Permission>, GovernanceError> {
    let place = at.map(|i| format!("checks[{i}]: ")).unwrap_or_default();
    if check.project_id.is_some() {
        return Err(GovernanceError::Invalid(format!(
            "{place}project_id is not supported yet"
        )));
    }
    if check.permission == EXTERNAL_AUTOMATION {
        if check.app_id.is_some() {
            return Err(GovernanceError::Invalid(format!(
                "{place}app_id goes with use_apps, not {EXTERNAL_AUTOMATION}"
            )));
        }
        return Ok(None);
    }
    let permission = Permission::parse(&check.permission).ok_or_else(|| {
        GovernanceError::Invalid(format!(
            "{place}{:?} is not a permission of the catalogue",
            check.permission
        ))
    })?;
    if check.app_id.is_some() && permission != Permission::UseApps {
        return Err(GovernanceError::Invalid(format!(
            "{place}app_id goes with use_apps, not {}",
            permission.as_str()
        )));
    }
    Ok(Some(permission))
}

/// The answers, in the order asked.
fn answer(
    view: &OrgView,
    checks: &[Check],
    permissions: &[Option<Permission>],
    users: &[UserModel],
) -> Vec<Value> {
    checks
        .iter()
        .zip(permissions)
        .zip(users)
        .map(|((check, permission), user)| match permission {
            Some(permission) => {
                let d = decisions::decide(view, user, *permission);
                let mut v = json!({
                    "user_id": check.user_id,
                    "permission": permission,
                    "allowed": d.allowed,
                    "denied_by": d.denied_by,
                    "reasons": d.reasons,
                });
                if let Some(app) = &check.app_id {
                    v["app_id"] = json!(app);
                }
                v
            }
            // Filled in by `apps::answer_org_and_apps` from the stored settings.
            None => json!({
                "user_id": check.user_id,
                "permission": EXTERNAL_AUTOMATION,
                "allowed": user.active,
                "denied_by": if user.active { Value::Null } else { json!("user") },
                "reasons": [],
            }),
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
    let needs_storage = checks
        .iter()
        .zip(&permissions)
        .any(|(c, p)| c.app_id.is_some() || p.is_none());
    let mut answers = match decisions::from_memory(&state.decisions, &org, &ids) {
        // The hot path: the view is fresh and knows every user asked about.
        Some((view, users)) => answer(&view, &checks, &permissions, &users),
        None => {
            let checks = checks.clone();
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
    if needs_storage {
        // App and org-level answers read the app's state and the org's app settings.
        let org_id = auth.org_id.clone();
        answers = state
            .with_conn(move |c| {
                complete_app_answers(c, &org_id, &checks, answers).map_err(ApiError::from)
            })
            .await?;
    }
    Ok(HttpResponse::Ok().json(if batch {
        json!({ "results": answers })
    } else {
        answers.into_iter().next().unwrap_or(Value::Null)
    }))
}

/// Completes the answers that need stored state: `external_automation` (the org's switch) and
/// `use_apps` with an `app_id` (the app's state for this user, when the role allows apps at
/// all). An app of another organization is a 404, as for any object across tenants.
fn complete_app_answers(
    conn: &mut crate::db::DbConnection,
    org_id: &crate::ids::OrgId,
    checks: &[Check],
    mut answers: Vec<Value>,
) -> Result<Vec<Value>, GovernanceError> {
    let settings = apps::settings::load(conn, org_id.as_str())?;
    for (check, answer) in checks.iter().zip(answers.iter_mut()) {
        if check.permission == EXTERNAL_AUTOMATION {
            let on = settings.external_automation;
            answer["reasons"] = json!([{
                "link": "org_setting",
                "name": EXTERNAL_AUTOMATION,
                "allows": on,
                "detail": if on {
                    "rules may be triggered by web requests from external services"
                } else {
                    "this organization disallows rules triggered by web requests from external services"
                },
            }]);
            if !on && answer["allowed"] == json!(true) {
                answer["allowed"] = json!(false);
                answer["denied_by"] = json!("org_setting");
            }
            continue;
        }
        let Some(app_id) = &check.app_id else {
            continue;
        };
        let app = apps::registry::find(conn, org_id.as_str(), app_id)?;
        if answer["allowed"] != json!(true) {
            continue;
        }
        let denial = apps::decide::app_denial(conn, org_id, &check.user_id, &app)?;
        let reasons = answer["reasons"].as_array_mut();
        let reason = match denial {
            None => json!({ "link": "app", "name": app.id, "allows": true,
                            "detail": "the organization allows this app" }),
            Some(d) => json!({ "link": "app", "name": if d == AppDenial::BlockedElsewhere {
                                   Value::Null } else { json!(app.id) },
                               "allows": false, "code": d, "detail": d.detail() }),
        };
        if let Some(reasons) = reasons {
            reasons.push(reason);
        }
        if denial.is_some() {
            answer["allowed"] = json!(false);
            answer["denied_by"] = json!("app");
        }
    }
    Ok(answers)
}
