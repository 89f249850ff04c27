//! SCIM Agents (draft-abbey-scim-agent-extension-00). An Agent is an app actor: the same
//! `app_actors` row whether an admin created it on the admin API or an IdP provisioned it here,
//! with the same grants, tokens and audit attribution. `name`, `displayName`, `description`,
//! `agentType`, `active` and `externalId` are columns; the other attributes (`subject`,
//! `protocols`, `owners`, ...) are the row's JSON `document`, kept as sent. `owners` also names
//! the actor's accountable owner: the IdP is the source of truth of what it provisions.
//! Agents are never users: they are not in `/Users`, hold no seat and are in no group (their
//! `groups` is read-only and empty).

use chrono::NaiveDateTime;
use serde_json::{json, Map, Value};

use super::provisioned::{actor_id, stored_document, take_name, take_text, ProvisionedKind};
use super::{Caller, DirectoryError};
use crate::db::app_actors::{self as store, AppActorId, AppActorRow, APP_ACTOR_IDS_PAGE};
use crate::db::filter_sql::{self, TableMap};
use crate::db::page::{page, PageRequest};
use crate::db::DbConnection;
use crate::governance::projects::memberships::resolve_member;
use crate::governance::projects::MemberKind;
use crate::governance::roles::decisions::into_db_error;
use crate::governance::roles::GovernanceError;
use crate::scim::schema::agent_definitions::names;
use crate::scim::schema::{ResourceTypeDef, AGENT};
use crate::scim::ScimError;

/// The Agent resource type over `app_actors`.
pub struct Agents;

/// How many `owners` values a write looks up to find the accountable owner.
const MAX_OWNERS_LOOKED_UP: usize = 10;

impl ProvisionedKind for Agents {
    type Row = AppActorRow;
    const RT: &'static ResourceTypeDef = &AGENT;
    const MAP: &'static TableMap = &filter_sql::AGENTS;
    const NOUN: &'static str = "agent";
    const TARGET_KIND: &'static str = "app_actor";

    fn find(
        conn: &mut DbConnection,
        org: &str,
        id: &str,
    ) -> diesel::QueryResult<Option<AppActorRow>> {
        store::find(conn, org, id)
    }

    fn find_many(
        conn: &mut DbConnection,
        org: &str,
        ids: &[&str],
    ) -> diesel::QueryResult<Vec<AppActorRow>> {
        store::find_many(conn, org, ids)
    }

    fn page_ids(
        conn: &mut DbConnection,
        org: &str,
        req: &PageRequest<'_>,
    ) -> diesel::QueryResult<(Vec<String>, i64)> {
        let (ids, total) = page::<AppActorId>(conn, APP_ACTOR_IDS_PAGE, org, req)?;
        Ok((ids.into_iter().map(|r| r.id).collect(), total))
    }

    fn insert(conn: &mut DbConnection, row: &AppActorRow) -> diesel::QueryResult<()> {
        store::insert(conn, row)
    }

    fn update(
        conn: &mut DbConnection,
        row: &AppActorRow,
        expected_version: i64,
    ) -> diesel::QueryResult<bool> {
        store::update(conn, row, expected_version)
    }

    fn delete(conn: &mut DbConnection, row: &AppActorRow) -> diesel::QueryResult<bool> {
        store::delete(conn, &row.org_id, &row.id)
    }

    fn blank(caller: &Caller, id: String, now: NaiveDateTime) -> AppActorRow {
        AppActorRow {
            org_id: caller.org_id.to_string(),
            id,
            name: String::new(),
            display_name: None,
            description: None,
            agent_type: None,
            active: true,
            owner_kind: None,
            owner_id: None,
            created_by: actor_id(&caller.actor),
            created_via: if caller.connection_id.is_some() {
                "scim"
            } else {
                "admin"
            }
            .to_owned(),
            connection_id: caller.connection_id.clone(),
            external_id: None,
            document: "{}".to_owned(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn write_document(row: &mut AppActorRow, mut doc: Map<String, Value>) -> Result<(), ScimError> {
        row.name = take_name(&mut doc)?;
        row.display_name = take_text(&mut doc, names::DISPLAY_NAME, 255)?;
        row.description = take_text(&mut doc, names::DESCRIPTION, 16_000)?;
        row.agent_type = take_text(&mut doc, names::AGENT_TYPE, 64)?;
        row.external_id = take_text(&mut doc, "externalId", 255)?;
        // As a user: active unless the IdP says otherwise, and `active` stays in the document
        // only to remember whether the IdP assigned it (a PATCH `remove` unassigns it, RFC 7644
        // §3.5.2.2). The column decides; `editable` shows it.
        row.active = doc
            .get(names::ACTIVE)
            .and_then(Value::as_bool)
            .unwrap_or(true);
        row.document = stored_document(doc)?;
        Ok(())
    }

    /// The accountable owner is the first of `owners` (of the first `MAX_OWNERS_LOOKED_UP`)
    /// that is a user, or else a group, of the organization; none when no value is. A value of
    /// another organization is never linked (nor told apart from one that exists nowhere).
    fn link(
        conn: &mut DbConnection,
        org: &str,
        row: &mut AppActorRow,
    ) -> Result<(), DirectoryError> {
        let doc: Value = serde_json::from_str(&row.document).unwrap_or_default();
        let values: Vec<String> = doc
            .get(names::OWNERS)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| o.get("value")?.as_str().map(str::to_owned))
            .take(MAX_OWNERS_LOOKED_UP)
            .collect();
        (row.owner_kind, row.owner_id) = (None, None);
        for id in values {
            // A user or team of the organization, by the same lookup project memberships use.
            let kind = match resolve_member(conn, org, &id) {
                Ok((MemberKind::User, _)) => "user",
                Ok((MemberKind::Team, _)) => "team",
                Err(GovernanceError::NotFound(_)) => continue,
                // A storage failure fails the write (and a conflict retries it).
                Err(e) => return Err(DirectoryError::Db(into_db_error(e))),
            };
            (row.owner_kind, row.owner_id) = (Some(kind.to_owned()), Some(id));
            break;
        }
        Ok(())
    }

    fn editable(row: &AppActorRow) -> Map<String, Value> {
        let mut doc = Map::new();
        doc.insert("schemas".into(), json!([AGENT.schema.id]));
        if let Some(id) = &row.external_id {
            doc.insert("externalId".into(), json!(id));
        }
        doc.insert(names::NAME.into(), json!(row.name));
        let optional = [
            (names::DISPLAY_NAME, &row.display_name),
            (names::DESCRIPTION, &row.description),
            (names::AGENT_TYPE, &row.agent_type),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                doc.insert(name.into(), json!(v));
            }
        }
        for (k, v) in super::render::document(&row.document) {
            doc.entry(k).or_insert(v);
        }
        // Shown when assigned, or when false (e.g. an admin suspended the actor), and then
        // always as the column says.
        if doc.contains_key(names::ACTIVE) || !row.active {
            doc.insert(names::ACTIVE.into(), json!(row.active));
        }
        doc
    }

    fn render(row: &AppActorRow, scim_base: &str) -> Value {
        super::render::assemble(
            &row.id,
            Self::editable(row),
            None,
            super::render::meta(
                AGENT.name,
                format!("{scim_base}{}/{}", AGENT.endpoint, row.id),
                row.created_at,
                row.updated_at,
                row.version,
            ),
        )
    }

    fn id(row: &AppActorRow) -> &str {
        &row.id
    }

    fn name(row: &AppActorRow) -> &str {
        &row.name
    }

    fn version(row: &AppActorRow) -> i64 {
        row.version
    }

    fn touch(row: &mut AppActorRow, version: i64, now: NaiveDateTime) {
        row.version = version;
        row.updated_at = now;
    }

    fn connection(row: &AppActorRow) -> Option<&str> {
        row.connection_id.as_deref()
    }

    fn set_connection(row: &mut AppActorRow, connection_id: Option<String>) {
        row.connection_id = connection_id;
    }

    fn changes_decisions(old: &AppActorRow, new: &AppActorRow) -> bool {
        old.active != new.active
    }

    fn on_delete(
        conn: &mut DbConnection,
        caller: &Caller,
        row: &AppActorRow,
    ) -> Result<Value, DirectoryError> {
        let revoked = crate::governance::actors::tokens::revoke_all_of(
            conn,
            caller.org_id.as_str(),
            &row.id,
        )?;
        Ok(json!({ "tokens_revoked": revoked }))
    }
}
