//! Creating, reading, listing, changing, deactivating and deleting app actors, each change in
//! one transaction with its audit event. Deleting an actor revokes its tokens in the same
//! transaction.

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::grants::{Grant, GrantSet};
use crate::audit::{self, Actor, AuditEvent};
use crate::db::app_actor_grants::{self as grant_store, GrantRow};
use crate::db::app_actors::{self as store, AppActorRow};
use crate::db::{apps as app_store, groups, transaction, users, DbConnection, DbError};
use crate::governance::roles::GovernanceError;
use crate::ids::OrgId;

/// Who answers for an actor: accountability only, never a source of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    User,
    /// A team: a SCIM group of the organization.
    Team,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    pub kind: OwnerKind,
    pub id: String,
}

/// `POST /app-actors`, and what SCIM creates.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActor {
    /// Unique in the organization.
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Free text, e.g. `bot`, `assistant`, `integration`.
    pub agent_type: Option<String>,
    /// Default true.
    pub active: Option<bool>,
    pub owner: Option<Owner>,
    /// Its explicit grants (default: none).
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// The registry app it belongs to (`/apps/{id}`): that app's block and approval apply.
    pub app_id: Option<String>,
    /// SCIM only: the IdP's id for it.
    #[serde(skip)]
    #[schema(ignore)]
    pub external_id: Option<String>,
    /// SCIM only: attributes kept but not interpreted (a JSON object).
    #[serde(skip)]
    #[schema(ignore)]
    pub document: Option<serde_json::Value>,
}

/// `PATCH /app-actors/{id}`: absent fields stay; `owner` and `app_id` may be `null`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorChange {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub agent_type: Option<Option<String>>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Owner>)]
    pub owner: Option<Option<Owner>>,
    /// Replaces every grant; its tokens keep only what the new grants still allow.
    pub grants: Option<Vec<Grant>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub app_id: Option<Option<String>>,
}

/// A present field, even `null` (`Some(None)`), apart from an absent one (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// An app actor as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorView {
    pub id: String,
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub agent_type: Option<String>,
    pub active: bool,
    pub owner: Option<Owner>,
    pub grants: Vec<Grant>,
    pub app_id: Option<String>,
    /// Who created it (a user, service account, app actor or IdP connection id).
    pub created_by: Option<String>,
    /// `admin` or `scim`.
    pub created_via: String,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

/// One page of actors, oldest first; `next_after` continues it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorPage {
    pub app_actors: Vec<ActorView>,
    pub next_after: Option<String>,
}

fn not_found() -> GovernanceError {
    GovernanceError::NotFound("no such app actor in this organization".into())
}

fn text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>, GovernanceError> {
    match v.map(str::trim) {
        None => Ok(None),
        Some(s) if s.is_empty() || s.chars().count() > max => Err(GovernanceError::Invalid(
            format!("{field} must have 1 to {max} characters"),
        )),
        Some(s) => Ok(Some(s.to_owned())),
    }
}

fn valid_name(name: &str) -> Result<String, GovernanceError> {
    text("name", Some(name), 255)?
        .ok_or_else(|| GovernanceError::Invalid("name is required".into()))
}

fn check_owner(conn: &mut DbConnection, org: &str, owner: &Owner) -> Result<(), GovernanceError> {
    let exists = match owner.kind {
        OwnerKind::User => users::find_user(conn, org, &owner.id)?.is_some(),
        OwnerKind::Team => groups::find_group(conn, org, &owner.id)?.is_some(),
    };
    if exists {
        Ok(())
    } else {
        Err(GovernanceError::Invalid(format!(
            "owner: no {} {:?} in this organization",
            match owner.kind {
                OwnerKind::User => "user",
                OwnerKind::Team => "team",
            },
            owner.id
        )))
    }
}

fn check_app(conn: &mut DbConnection, org: &str, app_id: &str) -> Result<(), GovernanceError> {
    if app_store::find(conn, org, app_id)?.is_some() {
        Ok(())
    } else {
        Err(GovernanceError::Invalid(format!(
            "app_id: no app {app_id:?} in this organization"
        )))
    }
}

fn name_taken(err: diesel::result::Error, name: &str) -> GovernanceError {
    match DbError::from(err) {
        DbError::UniqueViolation(_) => {
            GovernanceError::Conflict(format!("an app actor named {name:?} already exists"))
        }
        other => other.into(),
    }
}

/// An actor's grants as stored.
pub(super) fn load_grants(
    conn: &mut DbConnection,
    org: &str,
    actor_id: &str,
) -> Result<GrantSet, GovernanceError> {
    let rows = grant_store::grants_of(conn, org, actor_id)?;
    let mut grants = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(resource), Some(access)) = (
            super::grants::ResourceKind::parse(&r.resource_kind),
            super::grants::Access::parse(&r.access),
        ) else {
            continue; // a kind retired later grants nothing
        };
        let projects = r
            .projects
            .as_deref()
            .map(|json| serde_json::from_str::<Vec<String>>(json).unwrap_or_default());
        grants.push(Grant {
            resource,
            access,
            projects,
        });
    }
    GrantSet::parse(grants)
}

fn store_grants(
    conn: &mut DbConnection,
    org: &str,
    actor_id: &str,
    grants: &GrantSet,
    now: NaiveDateTime,
) -> Result<(), GovernanceError> {
    let rows: Vec<GrantRow> = grants
        .grants()
        .iter()
        .map(|g| GrantRow {
            org_id: org.to_owned(),
            actor_id: actor_id.to_owned(),
            resource_kind: g.resource.as_str().to_owned(),
            access: g.access.as_str().to_owned(),
            projects: g
                .projects
                .as_ref()
                .map(|p| serde_json::Value::from(p.clone()).to_string()),
            created_at: now,
        })
        .collect();
    grant_store::replace_grants(conn, org, actor_id, &rows)?;
    Ok(())
}

fn view(
    conn: &mut DbConnection,
    row: AppActorRow,
    grants: GrantSet,
) -> Result<ActorView, GovernanceError> {
    let app_id = grant_store::app_of(conn, &row.org_id, &row.id)?;
    let owner = match (row.owner_kind.as_deref(), row.owner_id) {
        (Some("user"), Some(id)) => Some(Owner {
            kind: OwnerKind::User,
            id,
        }),
        (Some("team"), Some(id)) => Some(Owner {
            kind: OwnerKind::Team,
            id,
        }),
        _ => None,
    };
    Ok(ActorView {
        id: row.id,
        name: row.name,
        display_name: row.display_name,
        description: row.description,
        agent_type: row.agent_type,
        active: row.active,
        owner,
        grants: grants.into_grants(),
        app_id,
        created_by: row.created_by,
        created_via: row.created_via,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn owner_columns(owner: Option<&Owner>) -> (Option<String>, Option<String>) {
    match owner {
        None => (None, None),
        Some(o) => (
            Some(
                match o.kind {
                    OwnerKind::User => "user",
                    OwnerKind::Team => "team",
                }
                .to_owned(),
            ),
            Some(o.id.clone()),
        ),
    }
}

/// Creates an actor with its grants. A taken name is a 409.
pub fn create(
    conn: &mut DbConnection,
    org: &OrgId,
    new: &NewActor,
    actor: &Actor,
) -> Result<ActorView, GovernanceError> {
    let name = valid_name(&new.name)?;
    let display_name = text("display_name", new.display_name.as_deref(), 255)?;
    let description = text("description", new.description.as_deref(), 2000)?;
    let agent_type = text("agent_type", new.agent_type.as_deref(), 64)?;
    let grants = GrantSet::parse(new.grants.clone())?;
    let document = match &new.document {
        None => "{}".to_owned(),
        Some(v) if v.is_object() => v.to_string(),
        Some(_) => {
            return Err(GovernanceError::Invalid(
                "document must be an object".into(),
            ))
        }
    };
    let (created_via, connection_id) = match actor {
        Actor::IdpConnection(id) => ("scim", Some(id.clone())),
        _ => ("admin", None),
    };
    let o = org.as_str();
    transaction(conn, |conn| {
        if let Some(owner) = &new.owner {
            check_owner(conn, o, owner)?;
        }
        if let Some(app) = &new.app_id {
            check_app(conn, o, app)?;
        }
        let now = crate::clock::now();
        let (owner_kind, owner_id) = owner_columns(new.owner.as_ref());
        let row = AppActorRow {
            org_id: o.to_owned(),
            id: uuid::Uuid::new_v4().to_string(),
            name: name.clone(),
            display_name: display_name.clone(),
            description: description.clone(),
            agent_type: agent_type.clone(),
            active: new.active.unwrap_or(true),
            owner_kind,
            owner_id,
            created_by: actor_id(actor),
            created_via: created_via.to_owned(),
            connection_id: connection_id.clone(),
            external_id: new.external_id.clone(),
            document: document.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        store::insert(conn, &row).map_err(|e| name_taken(e, &name))?;
        store_grants(conn, o, &row.id, &grants, now)?;
        if let Some(app) = &new.app_id {
            grant_store::set_app(conn, o, &row.id, Some(app))?;
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: org,
                actor,
                action: "app_actor.created",
                target_kind: "app_actor",
                target_id: &row.id,
                details: json!({
                    "name": row.name,
                    "grants": grants.grants(),
                    "owner": new.owner,
                    "app_id": new.app_id,
                    "active": row.active,
                }),
            },
        )?;
        view(conn, row, grants.clone())
    })
}

fn actor_id(actor: &Actor) -> Option<String> {
    match actor {
        Actor::User(id) | Actor::ServiceAccount(id) | Actor::IdpConnection(id) => Some(id.clone()),
        Actor::AppActor { id, .. } => Some(id.clone()),
        Actor::System => None,
    }
}

/// One actor of the organization with its grants.
pub fn find(conn: &mut DbConnection, org: &OrgId, id: &str) -> Result<ActorView, GovernanceError> {
    let row = store::find(conn, org.as_str(), id)?.ok_or_else(not_found)?;
    let grants = load_grants(conn, org.as_str(), id)?;
    view(conn, row, grants)
}

/// A page of the organization's actors, oldest first, after the actor `after` (an id).
pub fn list(
    conn: &mut DbConnection,
    org: &OrgId,
    after: Option<&str>,
    limit: i64,
) -> Result<ActorPage, GovernanceError> {
    if !(1..=500).contains(&limit) {
        return Err(GovernanceError::Invalid(
            "limit must be between 1 and 500".into(),
        ));
    }
    let o = org.as_str();
    let after = match after {
        None => None,
        Some(id) => {
            let row = store::find(conn, o, id)?.ok_or_else(|| {
                GovernanceError::Invalid(format!("after: no app actor {id:?} in this organization"))
            })?;
            Some((row.created_at, row.id))
        }
    };
    let rows = store::list(conn, o, after, limit)?;
    let next_after = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        // A handful of grants per actor, on the actor's primary key prefix.
        let grants = load_grants(conn, o, &row.id)?;
        out.push(view(conn, row, grants)?);
    }
    Ok(ActorPage {
        app_actors: out,
        next_after,
    })
}

/// Changes an actor (only the fields given), with its version checked.
pub fn update(
    conn: &mut DbConnection,
    org: &OrgId,
    id: &str,
    change: &ActorChange,
    actor: &Actor,
) -> Result<ActorView, GovernanceError> {
    let name = change.name.as_deref().map(valid_name).transpose()?;
    let new_grants = change.grants.clone().map(GrantSet::parse).transpose()?;
    let o = org.as_str();
    transaction(conn, |conn| {
        let before = store::find(conn, o, id)?.ok_or_else(not_found)?;
        let mut row = before.clone();
        if let Some(n) = &name {
            row.name = n.clone();
        }
        if let Some(v) = &change.display_name {
            row.display_name = text("display_name", v.as_deref(), 255)?;
        }
        if let Some(v) = &change.description {
            row.description = text("description", v.as_deref(), 2000)?;
        }
        if let Some(v) = &change.agent_type {
            row.agent_type = text("agent_type", v.as_deref(), 64)?;
        }
        if let Some(active) = change.active {
            row.active = active;
        }
        if let Some(owner) = &change.owner {
            if let Some(owner) = owner {
                check_owner(conn, o, owner)?;
            }
            (row.owner_kind, row.owner_id) = owner_columns(owner.as_ref());
        }
        if let Some(Some(app)) = &change.app_id {
            check_app(conn, o, app)?;
        }
        let now = crate::clock::now();
        row.version = before.version + 1;
        row.updated_at = now;
        let name_now = row.name.clone();
        if !store::update(conn, &row, before.version).map_err(|e| name_taken(e, &name_now))? {
            return Err(GovernanceError::Retry);
        }
        if let Some(grants) = &new_grants {
            store_grants(conn, o, id, grants, now)?;
        }
        if let Some(app) = &change.app_id {
            grant_store::set_app(conn, o, id, app.as_deref())?;
        }
        let grants = load_grants(conn, o, id)?;
        audit::record(
            conn,
            AuditEvent {
                org_id: org,
                actor,
                action: "app_actor.updated",
                target_kind: "app_actor",
                target_id: id,
                details: json!({
                    "name": row.name,
                    "active": row.active,
                    "grants_changed": new_grants.is_some(),
                    "grants": grants.grants(),
                }),
            },
        )?;
        view(conn, row, grants)
    })
}

/// Activates or deactivates an actor: a deactivated actor's tokens are refused (401) until it
/// is active again.
pub fn set_active(
    conn: &mut DbConnection,
    org: &OrgId,
    id: &str,
    active: bool,
    actor: &Actor,
) -> Result<ActorView, GovernanceError> {
    update(
        conn,
        org,
        id,
        &ActorChange {
            active: Some(active),
            ..ActorChange::default()
        },
        actor,
    )
}

/// Deletes an actor, its grants, and revokes its tokens, in one transaction.
pub fn delete(
    conn: &mut DbConnection,
    org: &OrgId,
    id: &str,
    actor: &Actor,
) -> Result<(), GovernanceError> {
    let o = org.as_str();
    transaction(conn, |conn| {
        let row = store::find(conn, o, id)?.ok_or_else(not_found)?;
        // Its grants go with the row (ON DELETE CASCADE).
        let revoked = super::tokens::revoke_all_of(conn, o, id)?;
        if !store::delete(conn, o, id)? {
            return Err(not_found());
        }
        audit::record(
            conn,
            AuditEvent {
                org_id: org,
                actor,
                action: "app_actor.deleted",
                target_kind: "app_actor",
                target_id: id,
                details: json!({ "name": row.name, "tokens_revoked": revoked }),
            },
        )?;
        Ok(())
    })
}
