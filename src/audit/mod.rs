//! The audit trail. Every mutation records its event with `record` inside the same transaction
//! as the change, so the trail can't miss a change or claim one that was rolled back. The actor
//! is who really acted: a person, an IdP connection, a service account or an app actor (with the
//! person it acted for, where that applies).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use crate::db::schema::audit_events;
use crate::db::DbConnection;
use crate::ids::OrgId;

/// Who performed an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(String),
    IdpConnection(String),
    ServiceAccount(String),
    AppActor {
        id: String,
        on_behalf_of: Option<String>,
        /// The token presented (its id), recorded in every event's details as `credential`.
        credential: Option<String>,
    },
    /// gatehouse itself (bootstrap, scheduled sweeps).
    System,
}

/// Every actor kind the trail records (`actor_kind`).
pub const ACTOR_KINDS: [&str; 5] = [
    "user",
    "idp_connection",
    "service_account",
    "app_actor",
    "system",
];

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::IdpConnection(_) => "idp_connection",
            Actor::ServiceAccount(_) => "service_account",
            Actor::AppActor { .. } => "app_actor",
            Actor::System => "system",
        }
    }

    fn id(&self) -> &str {
        match self {
            Actor::User(id) | Actor::IdpConnection(id) | Actor::ServiceAccount(id) => id,
            Actor::AppActor { id, .. } => id,
            Actor::System => "system",
        }
    }

    /// The event's details, with the credential the actor presented (app actors).
    fn details(&self, details: &Value) -> String {
        match self {
            Actor::AppActor {
                credential: Some(token),
                ..
            } => {
                let mut details = match details {
                    Value::Object(map) => map.clone(),
                    Value::Null => serde_json::Map::new(),
                    other => {
                        let mut map = serde_json::Map::new();
                        map.insert("details".into(), other.clone());
                        map
                    }
                };
                details.insert("credential".into(), Value::String(token.clone()));
                Value::Object(details).to_string()
            }
            _ => details.to_string(),
        }
    }

    fn on_behalf_of(&self) -> Option<&str> {
        match self {
            Actor::AppActor { on_behalf_of, .. } => on_behalf_of.as_deref(),
            _ => None,
        }
    }
}

/// One audit event, before it is written.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub org_id: &'a OrgId,
    pub actor: &'a Actor,
    /// A dotted verb, e.g. `user.created`, `group.members_changed`.
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: &'a str,
    pub details: Value,
}

/// Records an event in the caller's transaction.
pub fn record(conn: &mut DbConnection, event: AuditEvent<'_>) -> QueryResult<()> {
    let id = uuid::Uuid::new_v4().to_string();
    crate::db::expect_committed_audit_event(&id);
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(&id),
            audit_events::org_id.eq(event.org_id.as_str()),
            audit_events::occurred_at.eq(crate::clock::now()),
            audit_events::actor_kind.eq(event.actor.kind()),
            audit_events::actor_id.eq(event.actor.id()),
            audit_events::on_behalf_of.eq(event.actor.on_behalf_of()),
            audit_events::action.eq(event.action),
            audit_events::target_kind.eq(event.target_kind),
            audit_events::target_id.eq(event.target_id),
            audit_events::details.eq(event.actor.details(&event.details)),
            audit_events::request_id.eq(crate::telemetry::current_request_id()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records many events in the caller's transaction, in multi-row statements (a rule change
/// that moves 100,000 users writes 100,000 events without 100,000 round trips).
pub fn record_all(conn: &mut DbConnection, events: &[AuditEvent<'_>]) -> QueryResult<()> {
    use diesel::sql_types::{Nullable, Text, Timestamp};
    const CHUNK: usize = 100;
    let now = crate::clock::now();
    let request_id = crate::telemetry::current_request_id();
    for chunk in events.chunks(CHUNK) {
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO audit_events (id, org_id, occurred_at, actor_kind, actor_id, \
             on_behalf_of, action, target_kind, target_id, details, request_id) VALUES {rows}"
        );
        let mut query = diesel::sql_query(sql).into_boxed();
        for event in chunk {
            let id = uuid::Uuid::new_v4().to_string();
            crate::db::expect_committed_audit_event(&id);
            query = query
                .bind::<Text, _>(id)
                .bind::<Text, _>(event.org_id.as_str().to_owned())
                .bind::<Timestamp, _>(now)
                .bind::<Text, _>(event.actor.kind())
                .bind::<Text, _>(event.actor.id().to_owned())
                .bind::<Nullable<Text>, _>(event.actor.on_behalf_of().map(str::to_owned))
                .bind::<Text, _>(event.action.to_owned())
                .bind::<Text, _>(event.target_kind.to_owned())
                .bind::<Text, _>(event.target_id.to_owned())
                .bind::<Text, _>(event.actor.details(&event.details))
                .bind::<Nullable<Text>, _>(request_id.clone());
        }
        query.execute(conn)?;
    }
    Ok(())
}

/// A stored audit event, as the admin API lists it.
#[derive(Debug, Clone, Queryable, serde::Serialize, utoipa::ToSchema)]
pub struct StoredAuditEvent {
    pub id: String,
    pub org_id: String,
    /// UTC without an offset, microsecond precision (e.g. `2026-01-31T12:00:00.123456`).
    #[schema(value_type = String)]
    pub occurred_at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: String,
    pub on_behalf_of: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub details: String,
    pub request_id: Option<String>,
}

/// The newest events of an organization, newest first.
pub fn recent(
    conn: &mut DbConnection,
    org_id: &OrgId,
    limit: i64,
) -> QueryResult<Vec<StoredAuditEvent>> {
    audit_events::table
        .filter(audit_events::org_id.eq(org_id.as_str()))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .load(conn)
}

/// The newest events of an organization, newest first, by one kind of actor if given (on the
/// `(org_id, actor_kind, occurred_at)` index).
pub fn recent_by(
    conn: &mut DbConnection,
    org_id: &OrgId,
    actor_kind: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<StoredAuditEvent>> {
    let Some(kind) = actor_kind else {
        return recent(conn, org_id, limit);
    };
    audit_events::table
        .filter(audit_events::org_id.eq(org_id.as_str()))
        .filter(audit_events::actor_kind.eq(kind))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .load(conn)
}
