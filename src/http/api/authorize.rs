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
//! With `project_id`, `permission` is a project action (`view`, `comment`, `edit_content`,
//! `edit_structure`, `manage_members`): decided from the user's effective level on the project
//! (their own membership and their teams', held in memory like the view:
//! `governance::projects::cache`) together with their role and licence, the reasons naming the
//! membership that gave the level.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::problem::{ApiError, ProblemResponse};
use super::roles::parse;
use super::routes::ApiRoutes;
use crate::governance::apps::{self, decide::AppDenial};
use crate::governance::projects::{self, decide::ProjectDecision, AccessLevel, ProjectAction};
use crate::governance::roles::model::UserModel;
use crate::governance::roles::reference::{Link, Reason};
use crate::governance::roles::view::OrgView;
use crate::governance::roles::{decisions, GovernanceError, Permission};
use crate::http::{AdminCaller, AppState};
use crate::metrics::{self, CheckKind};
use crate::rbac::ViewMembers;

mod app_actor;

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
    /// A permission of the catalogue, by wire name; with `project_id`, a project action:
    /// `view`, `comment`, `edit_content`, `edit_structure` or `manage_members`.
    permission: String,
    /// A project of this organization: the check is a project action on it.
    project_id: Option<String>,
    /// With `use_apps` only: may this user use this app (its id in this organization)?
    app_id: Option<String>,
}

/// The org-level question answered beside the catalogue's permissions.
const EXTERNAL_AUTOMATION: &str = "external_automation";

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
    /// The permission asked: one of the catalogue, or `external_automation`.
    permission: String,
    /// The app asked about, when the check named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<String>,
    /// The project asked about, when the check named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    project_id: Option<String>,
    /// With `project_id`: the user's effective level on the project (null: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AccessLevel>)]
    access_level: Option<Option<AccessLevel>>,
    allowed: bool,
    denied_by: Option<Link>,
    reasons: Vec<AnswerReason>,
}

/// One link of an answer's reason chain: a roles decision's reason, or the app's state (whose
/// `name` is null when another organization of the person blocks it: it is never named).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuthorizeReason)]
struct AnswerReason {
    link: Link,
    name: Option<String>,
    allows: bool,
    /// Why the app is refused (`link: "app"` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<AppDenial>,
    detail: String,
}

impl From<Reason> for AnswerReason {
    fn from(r: Reason) -> Self {
        AnswerReason {
            link: r.link,
            name: Some(r.name),
            allows: r.allows,
            code: None,
            detail: r.detail,
        }
    }
}

/// The answers to a batch, in the order of its checks.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuthorizeBatchAnswer)]
struct BatchAnswer {
    results: Vec<Answer>,
}

/// One answer for one check, `{"results": [...]}` for a batch, or the answer about an app actor.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
enum AuthorizeResponse {
    Batch(BatchAnswer),
    One(Answer),
    /// Documentation only: `app_actor::answer` writes this answer itself.
    #[allow(dead_code)]
    AppActor(crate::governance::actors::access::ActorDecision),
}

/// What `/authorize` takes, as the OpenAPI document describes it: checks about users, or one
/// question about an app actor (told apart by its `app_actor_id`; see `app_actor`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documentation only: the handler reads the two shapes itself
enum AuthorizeBody {
    Users(Request),
    AppActor(crate::governance::actors::access::ActorQuestion),
}

/// What a check asks.
#[derive(Debug, Clone, Copy)]
enum Asked {
    Catalogue(Permission),
    /// The org's switch: completed from storage.
    ExternalAutomation,
    /// A project action: completed from storage.
    Project(ProjectAction),
}

/// What the check asks, or why it is refused.
fn validate(check: &Check, at: Option<usize>) -> Result<Asked, GovernanceError> {
    let place = at.map(|i| format!("checks[{i}]: ")).unwrap_or_default();
    if check.project_id.is_some() {
        if check.app_id.is_some() {
            return Err(GovernanceError::Invalid(format!(
                "{place}a check names a project_id or an app_id, not both"
            )));
        }
        return ProjectAction::parse(&check.permission)
            .map(Asked::Project)
            .ok_or_else(|| {
                GovernanceError::Invalid(format!(
                    "{place}{:?} is not a project action: with project_id, permission is one of \
                     view, comment, edit_content, edit_structure, manage_members",
                    check.permission
                ))
            });
    }
    if check.permission == EXTERNAL_AUTOMATION {
        if check.app_id.is_some() {
            return Err(GovernanceError::Invalid(format!(
                "{place}app_id goes with use_apps, not {EXTERNAL_AUTOMATION}"
            )));
        }
        return Ok(Asked::ExternalAutomation);
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
    Ok(Asked::Catalogue(permission))
}

/// The answers, in the order asked.
fn answer(
    view: &OrgView,
    checks: &[Check],
    permissions: &[Asked],
    users: &[UserModel],
) -> Vec<Answer> {
    checks
        .iter()
        .zip(permissions)
        .zip(users)
        .map(|((check, asked), user)| match asked {
            Asked::Catalogue(permission) => {
                let d = decisions::decide(view, user, *permission);
                Answer {
                    user_id: check.user_id.clone(),
                    permission: permission.as_str().to_string(),
                    app_id: check.app_id.clone(),
                    project_id: None,
                    access_level: None,
                    allowed: d.allowed,
                    denied_by: d.denied_by,
                    reasons: d.reasons.into_iter().map(AnswerReason::from).collect(),
                }
            }
            // Filled in by `complete_project_answers` from the stored memberships.
            Asked::Project(action) => Answer {
                user_id: check.user_id.clone(),
                permission: action.as_str().to_string(),
                app_id: None,
                project_id: check.project_id.clone(),
                access_level: Some(None),
                allowed: false,
                denied_by: None,
                reasons: Vec::new(),
            },
            // Filled in by `complete_app_answers` from the stored settings.
            Asked::ExternalAutomation => Answer {
                user_id: check.user_id.clone(),
                permission: EXTERNAL_AUTOMATION.to_string(),
                app_id: None,
                project_id: None,
                access_level: None,
                allowed: user.active,
                denied_by: (!user.active).then_some(Link::User),
                reasons: Vec::new(),
            },
        })
        .collect()
}

#[utoipa::path(
    post,
    path = "/api/v1/authorize",
    tag = "decisions",
    operation_id = "authorize",
    summary = "May this user (or app actor) do this? One check, or a batch of up to 100",
    description = "Requires the view_members permission (a 403 names it when missing). A body with `app_actor_id` asks about an app actor (docs/app-actors.md).",
    request_body = AuthorizeBody,
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
    if app_actor::asks_about_app_actor(&body) {
        return app_actor::answer(auth, state, body).await;
    }
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
        .any(|(c, p)| c.app_id.is_some() || matches!(p, Asked::ExternalAutomation));
    // (index of the check, action, project, user) of each project check.
    let project_checks: Vec<(usize, ProjectAction, String, String)> = checks
        .iter()
        .zip(&permissions)
        .enumerate()
        .filter_map(|(i, (c, p))| match (p, &c.project_id) {
            (Asked::Project(action), Some(project)) => {
                Some((i, *action, project.clone(), c.user_id.clone()))
            }
            _ => None,
        })
        .collect();
    let in_memory = decisions::from_memory(&state.decisions, &org, &ids);
    let role_checks = checks.len() - project_checks.len();
    metrics::record_checks(CheckKind::Role, in_memory.is_some(), role_checks);
    let (view, users) = match in_memory {
        // The hot path: the view is fresh and knows every user asked about.
        Some(found) => found,
        None => {
            let (checks, cache) = (checks.clone(), state.decisions.clone());
            state
                .api(move |c| -> Result<_, GovernanceError> {
                    let view = decisions::view(c, &cache, &org)?;
                    let ids: Vec<&str> = checks.iter().map(|c| c.user_id.as_str()).collect();
                    let users = decisions::user_entries(c, &view, &org, &ids)?;
                    Ok((view, users))
                })
                .await?
        }
    };
    let mut answers = answer(&view, &checks, &permissions, &users);
    if !project_checks.is_empty() {
        let levels = project_levels(&state, auth.org_id.as_str(), &project_checks).await?;
        for ((i, action, project_id, _), effective) in project_checks.iter().zip(levels) {
            let (Some(answer), Some(user)) = (answers.get_mut(*i), users.get(*i)) else {
                continue;
            };
            let d: ProjectDecision = projects::decide::decide(
                &view.model,
                user,
                *action,
                project_id,
                effective.as_ref(),
            );
            answer.allowed = d.allowed;
            answer.denied_by = d.denied_by;
            answer.access_level = Some(d.access_level);
            answer.reasons = d.reasons.into_iter().map(AnswerReason::from).collect();
        }
    }
    if needs_storage {
        // App and org-level answers read the app's state and the org's app settings.
        let org_id = auth.org_id.clone();
        answers = state
            .api(move |c| complete_app_answers(c, &org_id, &checks, answers))
            .await?;
    }
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

/// Completes the answers that need stored state: `external_automation` (the org's switch) and
/// `use_apps` with an `app_id` (the app's state for this user, when the role allows apps at
/// all). An app of another organization is a 404, as for any object across tenants.
fn complete_app_answers(
    conn: &mut crate::db::DbConnection,
    org_id: &crate::ids::OrgId,
    checks: &[Check],
    mut answers: Vec<Answer>,
) -> Result<Vec<Answer>, GovernanceError> {
    let settings = apps::settings::load(conn, org_id.as_str())?;
    for (check, answer) in checks.iter().zip(answers.iter_mut()) {
        if check.permission == EXTERNAL_AUTOMATION {
            let on = settings.external_automation;
            let detail = if on {
                "rules may be triggered by web requests from external services"
            } else {
                "this organization disallows rules triggered by web requests from external services"
            };
            answer.reasons = vec![AnswerReason {
                link: Link::OrgSetting,
                name: Some(EXTERNAL_AUTOMATION.to_string()),
                allows: on,
                code: None,
                detail: detail.to_string(),
            }];
            if !on && answer.allowed {
                answer.allowed = false;
                answer.denied_by = Some(Link::OrgSetting);
            }
            continue;
        }
        let Some(app_id) = &check.app_id else {
            continue;
        };
        let app = apps::registry::find(conn, org_id.as_str(), app_id)?;
        if !answer.allowed {
            continue;
        }
        let denial = apps::decide::app_denial(conn, org_id, &check.user_id, &app)?;
        answer.reasons.push(match denial {
            None => AnswerReason {
                link: Link::App,
                name: Some(app.id.clone()),
                allows: true,
                code: None,
                detail: "the organization allows this app".to_string(),
            },
            Some(d) => AnswerReason {
                link: Link::App,
                // Another organization's block never names anything of that organization.
                name: (d != AppDenial::BlockedElsewhere).then(|| app.id.clone()),
                allows: false,
                code: Some(d),
                detail: d.detail().to_string(),
            },
        });
        if denial.is_some() {
            answer.allowed = false;
            answer.denied_by = Some(Link::App);
        }
    }
    Ok(answers)
}

/// Each project check's effective level, in order: from this instance's memory when it holds
/// them fresh, else read together (one set-based read of whatever is missing, however many
/// checks). A project of another organization is a 404, as for any object across tenants.
async fn project_levels(
    state: &AppState,
    org_id: &str,
    project_checks: &[(usize, ProjectAction, String, String)],
) -> Result<Vec<Option<projects::EffectiveLevel>>, ApiError> {
    let pairs: Vec<(&str, &str)> = project_checks
        .iter()
        .map(|(_, _, project, user)| (project.as_str(), user.as_str()))
        .collect();
    let in_memory = state.levels.from_memory(org_id, &pairs);
    metrics::record_checks(CheckKind::Project, in_memory.is_some(), pairs.len());
    if let Some(levels) = in_memory {
        return Ok(levels);
    }
    let owned: Vec<(String, String)> = project_checks
        .iter()
        .map(|(_, _, project, user)| (project.clone(), user.clone()))
        .collect();
    let (org, cache) = (org_id.to_owned(), state.levels.clone());
    state
        .api(move |c| {
            let pairs: Vec<(&str, &str)> = owned
                .iter()
                .map(|(p, u)| (p.as_str(), u.as_str()))
                .collect();
            cache.levels(c, &org, &pairs)
        })
        .await
}
