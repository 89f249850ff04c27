//! SCIM AgenticApplications (draft-abbey-scim-agent-extension-00): the applications agents
//! belong to, kept as provisioned. `name` and `externalId` are columns; every other attribute
//! (`displayName`, `active`, `oAuthConfiguration`, ...) is the row's JSON `document`, which
//! filters read in SQL all the same.

use chrono::NaiveDateTime;
use serde_json::{json, Map, Value};

use super::provisioned::{stored_document, take_name, take_text, ProvisionedKind};
use super::{Caller, DirectoryError};
use crate::db::agentic_applications::{
    self as store, AgenticApplicationRow, AGENTIC_APPLICATIONS_PAGE,
};
use crate::db::filter_sql::{self, TableMap};
use crate::db::page::{page, rows_with_ids, PageRequest};
use crate::db::DbConnection;
use crate::scim::schema::agent_definitions::names;
use crate::scim::schema::{ResourceTypeDef, AGENTIC_APPLICATION};
use crate::scim::ScimError;

/// The AgenticApplication resource type over `agentic_applications`.
pub struct AgenticApplications;

impl ProvisionedKind for AgenticApplications {
    type Row = AgenticApplicationRow;
    const RT: &'static ResourceTypeDef = &AGENTIC_APPLICATION;
    const MAP: &'static TableMap = &filter_sql::AGENTIC_APPLICATIONS;
    const NOUN: &'static str = "agentic_application";
    const TARGET_KIND: &'static str = "agentic_application";

    fn find(
        conn: &mut DbConnection,
        org: &str,
        id: &str,
    ) -> diesel::QueryResult<Option<AgenticApplicationRow>> {
        store::find(conn, org, id)
    }

    fn find_many(
        conn: &mut DbConnection,
        org: &str,
        ids: &[&str],
    ) -> diesel::QueryResult<Vec<AgenticApplicationRow>> {
        rows_with_ids(conn, AGENTIC_APPLICATIONS_PAGE, org, ids)
    }

    fn page_ids(
        conn: &mut DbConnection,
        org: &str,
        req: &PageRequest<'_>,
    ) -> diesel::QueryResult<(Vec<String>, i64)> {
        let (rows, total) =
            page::<AgenticApplicationRow>(conn, AGENTIC_APPLICATIONS_PAGE, org, req)?;
        Ok((rows.into_iter().map(|r| r.id).collect(), total))
    }

    fn insert(conn: &mut DbConnection, row: &AgenticApplicationRow) -> diesel::QueryResult<()> {
        store::insert(conn, row)
    }

    fn update(
        conn: &mut DbConnection,
        row: &AgenticApplicationRow,
        expected_version: i64,
    ) -> diesel::QueryResult<bool> {
        store::update(conn, row, expected_version)
    }

    fn delete(conn: &mut DbConnection, row: &AgenticApplicationRow) -> diesel::QueryResult<bool> {
        store::delete(conn, &row.org_id, &row.id, row.version)
    }

    fn blank(caller: &Caller, id: String, now: NaiveDateTime) -> AgenticApplicationRow {
        AgenticApplicationRow {
            org_id: caller.org_id.to_string(),
            id,
            name: String::new(),
            external_id: None,
            connection_id: caller.connection_id.clone(),
            document: "{}".to_owned(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn write_document(
        row: &mut AgenticApplicationRow,
        mut doc: Map<String, Value>,
    ) -> Result<(), ScimError> {
        row.name = take_name(&mut doc)?;
        row.external_id = take_text(&mut doc, "externalId", 255)?;
        row.document = stored_document(doc)?;
        Ok(())
    }

    fn editable(row: &AgenticApplicationRow) -> Map<String, Value> {
        let mut doc = Map::new();
        doc.insert("schemas".into(), json!([AGENTIC_APPLICATION.schema.id]));
        if let Some(id) = &row.external_id {
            doc.insert("externalId".into(), json!(id));
        }
        doc.insert(names::NAME.into(), json!(row.name));
        for (k, v) in super::render::document(&row.document) {
            doc.entry(k).or_insert(v);
        }
        doc
    }

    fn render(row: &AgenticApplicationRow, scim_base: &str) -> Value {
        super::render::assemble(
            &row.id,
            Self::editable(row),
            None,
            super::render::meta(
                AGENTIC_APPLICATION.name,
                format!("{scim_base}{}/{}", AGENTIC_APPLICATION.endpoint, row.id),
                row.created_at,
                row.updated_at,
                row.version,
            ),
        )
    }

    fn id(row: &AgenticApplicationRow) -> &str {
        &row.id
    }

    fn name(row: &AgenticApplicationRow) -> &str {
        &row.name
    }

    fn version(row: &AgenticApplicationRow) -> i64 {
        row.version
    }

    fn touch(row: &mut AgenticApplicationRow, version: i64, now: NaiveDateTime) {
        row.version = version;
        row.updated_at = now;
    }

    fn connection(row: &AgenticApplicationRow) -> Option<&str> {
        row.connection_id.as_deref()
    }

    fn set_connection(row: &mut AgenticApplicationRow, connection_id: Option<String>) {
        row.connection_id = connection_id;
    }

    fn changes_decisions(_: &AgenticApplicationRow, _: &AgenticApplicationRow) -> bool {
        false
    }

    fn on_delete(
        _: &mut DbConnection,
        _: &Caller,
        _: &AgenticApplicationRow,
    ) -> Result<Value, DirectoryError> {
        Ok(json!({}))
    }
}
