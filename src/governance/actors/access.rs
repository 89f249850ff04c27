//! Deciding a call by an app actor (issue 14): a decision is the intersection of its token's
//! grants (within the actor's current grants) with the organization's settings (apps turned
//! off, the actor's app blocked or not approved, external automation off), and, when the token
//! acts for a user, that user's own permissions.

use serde::Serialize;
use utoipa::ToSchema;

use super::grants::{Access, GrantSet, ResourceKind};
use super::service::load_grants;
use super::tokens::parse_scope;
use crate::db::app_actor_grants as grant_store;
use crate::db::app_actors as actor_store;
use crate::db::{apps as app_store, roles as role_store, DbConnection};
use crate::governance::apps::settings::{self as app_settings, AppMode};
use crate::governance::projects::level::ProjectAction;
use crate::governance::roles::GovernanceError;
use crate::tokens::{self, TokenKind};

/// Why the organization refuses its app actors, or this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgDenial {
    /// The organization turned apps off (the `apps` org setting).
    AppsOff,
    /// External automation is off (the `external_automation` app setting).
    ExternalAutomationOff,
    /// The registry app the actor belongs to is blocked.
    AppBlocked,
    /// The organization requires app approval and the actor's app is not approved (or it
    /// belongs to none).
    AppNotApproved,
}

impl OrgDenial {
    pub fn detail(self) -> &'static str {
        match self {
            OrgDenial::AppsOff => "this organization has turned apps off",
            OrgDenial::ExternalAutomationOff => {
                "this organization disallows automation by external services"
            }
            OrgDenial::AppBlocked => "the app this app actor belongs to is blocked",
            OrgDenial::AppNotApproved => {
                "this organization requires app approval and this app actor's app is not approved"
            }
        }
    }

    /// The setting or object named in a reason chain.
    pub fn name(self) -> &'static str {
        match self {
            OrgDenial::AppsOff => "apps",
            OrgDenial::ExternalAutomationOff => "external_automation",
            OrgDenial::AppBlocked | OrgDenial::AppNotApproved => "app",
        }
    }
}

/// Whether the organization lets this actor act at all.
pub fn org_denial(
    conn: &mut DbConnection,
    org: &str,
    actor_id: &str,
) -> Result<Option<OrgDenial>, GovernanceError> {
    if let Some(settings) = role_store::find_settings(conn, org)? {
        if !settings.apps {
            return Ok(Some(OrgDenial::AppsOff));
        }
    }
    let apps = app_settings::load(conn, org)?;
    if !apps.external_automation {
        return Ok(Some(OrgDenial::ExternalAutomationOff));
    }
    let app = match grant_store::app_of(conn, org, actor_id)? {
        Some(id) => app_store::find(conn, org, &id)?,
        None => None,
    };
    if app.as_ref().is_some_and(|a| a.blocked) {
        return Ok(Some(OrgDenial::AppBlocked));
    }
    if apps.app_mode == AppMode::RequireApproval && !app.as_ref().is_some_and(|a| a.approved) {
        return Ok(Some(OrgDenial::AppNotApproved));
    }
    Ok(None)
}

/// An authenticated app-actor token: who acts, for whom, with what.
#[derive(Debug, Clone)]
pub struct ActorCredential {
    pub org_id: String,
    pub actor_id: String,
    pub token_id: String,
    pub on_behalf_of: Option<String>,
    /// The token's grants as its actor's current grants still allow them.
    pub scope: GrantSet,
}

/// Why a presented app-actor token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// 401: not a live token of a live actor (the reason goes to the log only).
    Unauthenticated(String),
    /// 403: a genuine token the organization's settings refuse (the reason is told).
    Denied(OrgDenial),
}

/// Checks a presented `gaa_` token: the token, its actor (present and active), what it carries,
/// and the organization's settings. Runs outside any transaction (like `tokens::authenticate`).
pub fn authenticate(
    conn: &mut DbConnection,
    presented: &str,
) -> Result<Result<ActorCredential, Refused>, GovernanceError> {
    let row = match tokens::authenticate(conn, presented, TokenKind::AppActor)? {
        Ok(row) => row,
        Err(refusal) => return Ok(Err(Refused::Unauthenticated(refusal.to_string()))),
    };
    let org = row.org_id.as_str();
    match actor_store::find(conn, org, &row.subject_id)? {
        Some(a) if a.active => {}
        Some(_) => {
            return Ok(Err(Refused::Unauthenticated(
                "app actor deactivated".into(),
            )))
        }
        None => return Ok(Err(Refused::Unauthenticated("app actor gone".into()))),
    }
    let Some(scope) = grant_store::token_scope(conn, org, &row.id)? else {
        return Ok(Err(Refused::Unauthenticated(
            "token without a scope".into(),
        )));
    };
    if let Some(denial) = org_denial(conn, org, &row.subject_id)? {
        return Ok(Err(Refused::Denied(denial)));
    }
    let held = load_grants(conn, org, &row.subject_id)?;
    Ok(Ok(ActorCredential {
        org_id: row.org_id.clone(),
        actor_id: row.subject_id.clone(),
        token_id: row.id.clone(),
        on_behalf_of: scope.on_behalf_of.clone(),
        scope: parse_scope(&scope).intersect(&held),
    }))
}

/// `POST /authorize` about an app actor: may it do `access` on `resource` (in `project_id`),
/// acting for `on_behalf_of` if given?
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorQuestion {
    pub app_actor_id: String,
    pub on_behalf_of: Option<String>,
    pub resource: super::grants::ResourceKind,
    pub access: super::grants::Access,
    pub project_id: Option<String>,
}

/// A link of an app actor decision's reason chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorLink {
    /// The actor itself: active or deactivated.
    AppActor,
    /// Its grants: `code` says `grant_missing` or `project_not_in_grant`.
    Grant,
    /// An organization setting (`apps`, `external_automation`).
    OrgSetting,
    /// The registry app it belongs to (blocked, not approved).
    App,
    /// The user it acts for: active, and holding the permissions the action needs.
    User,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorReason {
    pub link: ActorLink,
    pub allows: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorDecision {
    pub app_actor_id: String,
    pub on_behalf_of: Option<String>,
    pub resource: super::grants::ResourceKind,
    pub access: super::grants::Access,
    pub project_id: Option<String>,
    pub allowed: bool,
    pub denied_by: Option<ActorLink>,
    pub reasons: Vec<ActorReason>,
}

fn reason(link: ActorLink, allows: bool, code: Option<&str>, detail: String) -> ActorReason {
    ActorReason {
        link,
        allows,
        code: code.map(str::to_owned),
        detail,
    }
}

/// What a grant on a project asks of a person's access level there, when the app acts for them:
/// reading is viewing; writing projects edits their content, creating edits their structure;
/// any change to memberships manages members.
fn project_action(resource: ResourceKind, access: Access) -> Option<ProjectAction> {
    match (resource, access) {
        (ResourceKind::Projects | ResourceKind::Memberships, Access::Read) => {
            Some(ProjectAction::View)
        }
        (ResourceKind::Projects, Access::Write) => Some(ProjectAction::EditContent),
        (ResourceKind::Projects, Access::Create) => Some(ProjectAction::EditStructure),
        (ResourceKind::Memberships, Access::Write | Access::Create) => {
            Some(ProjectAction::ManageMembers)
        }
        _ => None,
    }
}

/// The user an app acts for on a project must have a level there that allows the action: the
/// membership that gives it is named, as in the user's own project decisions.
fn user_project_level(
    conn: &mut DbConnection,
    org: &str,
    project_id: &str,
    user_id: &str,
    action: ProjectAction,
) -> Result<ActorReason, GovernanceError> {
    use crate::governance::projects::{decide::source, effective::effective_level};
    Ok(match effective_level(conn, org, project_id, user_id)? {
        Some(e) if e.level.allows(action) => reason(
            ActorLink::User,
            true,
            None,
            format!("{}, which allows {}", source(&e), action.as_str()),
        ),
        Some(e) => reason(
            ActorLink::User,
            false,
            Some("project_level"),
            format!("{}, which does not allow {}", source(&e), action.as_str()),
        ),
        None => reason(
            ActorLink::User,
            false,
            Some("project_level"),
            format!("the user the app acts for has no access to project {project_id:?}"),
        ),
    })
}

/// Decides a question about an app actor of `org`, with every link of the chain. An actor or
/// user of another organization is a 404.
pub fn decide(
    conn: &mut DbConnection,
    cache: &crate::governance::roles::DecisionCache,
    org: &str,
    q: &ActorQuestion,
) -> Result<ActorDecision, GovernanceError> {
    use crate::governance::roles::decisions;
    let actor = actor_store::find(conn, org, &q.app_actor_id)?.ok_or_else(|| {
        GovernanceError::NotFound(format!(
            "no app actor {:?} in this organization",
            q.app_actor_id
        ))
    })?;
    let mut reasons = vec![reason(
        ActorLink::AppActor,
        actor.active,
        None,
        if actor.active {
            "the app actor is active".into()
        } else {
            "the app actor is deactivated".into()
        },
    )];
    let grants = load_grants(conn, org, &actor.id)?;
    reasons.push(
        match grants.allows(q.resource, q.access, q.project_id.as_deref()) {
            Ok(()) => reason(
                ActorLink::Grant,
                true,
                None,
                format!(
                    "the app actor holds {} on {}",
                    q.access.as_str(),
                    q.resource.as_str()
                ),
            ),
            Err(miss) => reason(
                ActorLink::Grant,
                false,
                Some(match miss {
                    super::grants::GrantMiss::GrantMissing => "grant_missing",
                    super::grants::GrantMiss::ProjectNotInGrant => "project_not_in_grant",
                }),
                miss.detail().into(),
            ),
        },
    );
    reasons.push(match org_denial(conn, org, &actor.id)? {
        None => reason(
            ActorLink::OrgSetting,
            true,
            None,
            "the organization's settings allow this app actor".into(),
        ),
        Some(d) => reason(
            match d {
                OrgDenial::AppBlocked | OrgDenial::AppNotApproved => ActorLink::App,
                _ => ActorLink::OrgSetting,
            },
            false,
            Some(d.name()),
            d.detail().into(),
        ),
    });
    if let Some(user_id) = &q.on_behalf_of {
        let view = decisions::view(conn, cache, org)?;
        let model = decisions::user_entry(conn, &view, org, user_id)?.ok_or_else(|| {
            GovernanceError::NotFound(format!("no user {user_id:?} in this organization"))
        })?;
        // On a project, the person's access level there decides (below); elsewhere the
        // admin permissions the grant stands for.
        let on_project = q
            .project_id
            .as_deref()
            .zip(project_action(q.resource, q.access));
        let granted = view.permissions(&model);
        let needed: Vec<_> = crate::rbac::ACTION_GRANTS
            .iter()
            .filter(|(_, g)| on_project.is_none() && *g == Some((q.resource, q.access)))
            .map(|(p, _)| *p)
            .collect();
        let missing = needed.iter().find(|p| !granted.contains(**p));
        reasons.push(match (model.active, missing) {
            (false, _) => reason(
                ActorLink::User,
                false,
                Some("user_deactivated"),
                "the user the app acts for is deactivated".into(),
            ),
            (true, Some(p)) => reason(
                ActorLink::User,
                false,
                Some(p.as_str()),
                format!(
                    "the user the app acts for lacks the permission {}",
                    p.as_str()
                ),
            ),
            (true, None) => reason(
                ActorLink::User,
                true,
                None,
                if on_project.is_some() {
                    "the user the app acts for is active".into()
                } else {
                    "the user the app acts for may do this too".into()
                },
            ),
        });
        if let (true, Some((project, action))) = (model.active, on_project) {
            reasons.push(user_project_level(conn, org, project, user_id, action)?);
        }
    }
    let denied_by = reasons.iter().find(|r| !r.allows).map(|r| r.link);
    Ok(ActorDecision {
        app_actor_id: actor.id,
        on_behalf_of: q.on_behalf_of.clone(),
        resource: q.resource,
        access: q.access,
        project_id: q.project_id.clone(),
        allowed: denied_by.is_none(),
        denied_by,
        reasons,
    })
}
