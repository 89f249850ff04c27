//! The directory operations of the agent resource types (`Agent`, `AgenticApplication`), written
//! once over [`ProvisionedKind`]. Each is one transaction with its audit event; a write checks
//! the row's version in its `UPDATE` (`If-Match` or, without one, a retry of the whole
//! operation); a connection changes only what it provisioned, or what it takes over under the
//! users' rule (`stewardship::authorize_steward`).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::stewardship::{authorize_steward, Stewardship};
use super::{check_if_match, check_length, listing, not_found, Caller, DirectoryError, Resource};
use crate::audit::{self, Actor, AuditEvent};
use crate::db::filter_sql::TableMap;
use crate::db::page::PageRequest;
use crate::db::{transaction, DbConnection, DbError};
use crate::scim::patch::{apply_patch, PatchOp};
use crate::scim::resource::prepare_write;
use crate::scim::schema::agent_definitions::names;
use crate::scim::schema::ResourceTypeDef;
use crate::scim::ScimError;

/// A stored agent resource type: its row and how a SCIM document maps onto it.
pub trait ProvisionedKind {
    type Row: Clone;
    const RT: &'static ResourceTypeDef;
    const MAP: &'static TableMap;
    /// The audit action prefix and the noun of error details, e.g. `agent`.
    const NOUN: &'static str;
    /// The audit event's `target_kind`.
    const TARGET_KIND: &'static str;

    fn find(conn: &mut DbConnection, org: &str, id: &str)
        -> diesel::QueryResult<Option<Self::Row>>;
    fn find_many(
        conn: &mut DbConnection,
        org: &str,
        ids: &[&str],
    ) -> diesel::QueryResult<Vec<Self::Row>>;
    /// The ids of a page of the organization's rows, and the number of matches.
    fn page_ids(
        conn: &mut DbConnection,
        org: &str,
        req: &PageRequest<'_>,
    ) -> diesel::QueryResult<(Vec<String>, i64)>;
    fn insert(conn: &mut DbConnection, row: &Self::Row) -> diesel::QueryResult<()>;
    /// Writes `row` if the stored one is still at `expected_version`.
    fn update(
        conn: &mut DbConnection,
        row: &Self::Row,
        expected_version: i64,
    ) -> diesel::QueryResult<bool>;
    fn delete(conn: &mut DbConnection, row: &Self::Row) -> diesel::QueryResult<bool>;

    /// A new row, before its document is written.
    fn blank(caller: &Caller, id: String, now: chrono::NaiveDateTime) -> Self::Row;
    /// Sets the row's SCIM attributes from a validated document (`prepare_write`'s output).
    fn write_document(row: &mut Self::Row, doc: Map<String, Value>) -> Result<(), ScimError>;
    /// The row's client-writable attributes as a document: what PATCH starts from.
    fn editable(row: &Self::Row) -> Map<String, Value>;
    fn render(row: &Self::Row, scim_base: &str) -> Value;

    fn id(row: &Self::Row) -> &str;
    fn name(row: &Self::Row) -> &str;
    fn version(row: &Self::Row) -> i64;
    /// Sets the version and last-modified time of a changed row.
    fn touch(row: &mut Self::Row, version: i64, now: chrono::NaiveDateTime);
    /// The connection that provisioned (or took over) the row.
    fn connection(row: &Self::Row) -> Option<&str>;
    fn set_connection(row: &mut Self::Row, connection_id: Option<String>);
    /// Whether a change from `old` to `new` can change a decision (an agent's `active`).
    fn changes_decisions(old: &Self::Row, new: &Self::Row) -> bool;
    /// Links what the written document references to rows of the organization (an agent's
    /// `owners` to its accountable owner), in the write's transaction.
    fn link(
        _conn: &mut DbConnection,
        _org: &str,
        _row: &mut Self::Row,
    ) -> Result<(), DirectoryError> {
        Ok(())
    }
    /// What a delete ends with the row in its transaction (an agent's tokens), for the audit.
    fn on_delete(
        conn: &mut DbConnection,
        caller: &Caller,
        row: &Self::Row,
    ) -> Result<Value, DirectoryError>;
}

/// POST.
pub fn create<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    body: Value,
) -> Result<Resource, DirectoryError> {
    let mut doc = prepare::<K>(caller, body)?;
    // A new resource is active unless the IdP says otherwise, as a new user.
    doc.entry(names::ACTIVE).or_insert(Value::Bool(true));
    transaction(conn, |conn| {
        let mut row = K::blank(
            caller,
            uuid::Uuid::new_v4().to_string(),
            crate::clock::now(),
        );
        K::write_document(&mut row, doc.clone())?;
        K::link(conn, caller.org_id.as_str(), &mut row)?;
        K::insert(conn, &row).map_err(|e| unique_name::<K>(e, K::name(&row)))?;
        record::<K>(
            conn,
            caller,
            &row,
            "created",
            json!({ "name": K::name(&row) }),
        )?;
        Ok(resource::<K>(&row, caller))
    })
}

/// GET by id.
pub fn get<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<Resource, DirectoryError> {
    Ok(resource::<K>(&find::<K>(conn, caller, id)?, caller))
}

/// PUT: replaces every client-writable attribute (RFC 7644 §3.5.1).
pub fn replace<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Value,
    if_match: Option<&str>,
) -> Result<Resource, DirectoryError> {
    let doc = prepare::<K>(caller, body)?;
    transaction(conn, |conn| {
        let row = find::<K>(conn, caller, id)?;
        check_if_match(if_match, K::version(&row))?;
        let stewardship = authorize_steward(conn, caller, K::connection(&row), K::NOUN)?;
        let mut new = row.clone();
        K::write_document(&mut new, doc.clone())?;
        let written = (new, stewardship, if_match.is_some());
        write::<K>(conn, caller, &row, written, "replaced")
    })
}

/// PATCH (RFC 7644 §3.5.2): all operations apply, or none.
pub fn patch<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    ops: Vec<PatchOp>,
    if_match: Option<&str>,
) -> Result<Resource, DirectoryError> {
    let ops = caller.dialect.patch_ops(K::RT, ops);
    transaction(conn, |conn| {
        let row = find::<K>(conn, caller, id)?;
        check_if_match(if_match, K::version(&row))?;
        // Before anything else, so a patch that would change nothing is refused all the same.
        let stewardship = authorize_steward(conn, caller, K::connection(&row), K::NOUN)?;
        let old = Value::Object(K::editable(&row));
        let mut doc = old.clone();
        if !apply_patch(&mut doc, &ops, K::RT)? {
            return Ok(resource::<K>(&row, caller));
        }
        let doc = prepare_write(doc, K::RT)?;
        let mut new = row.clone();
        K::write_document(&mut new, into_map(doc))?;
        if Value::Object(K::editable(&new)) == old {
            return Ok(resource::<K>(&row, caller));
        }
        let written = (new, stewardship, if_match.is_some());
        write::<K>(conn, caller, &row, written, "patched")
    })
}

/// DELETE: the row goes, with what `on_delete` ends, in one transaction.
pub fn delete<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    if_match: Option<&str>,
) -> Result<(), DirectoryError> {
    transaction(conn, |conn| {
        let row = find::<K>(conn, caller, id)?;
        check_if_match(if_match, K::version(&row))?;
        authorize_steward(conn, caller, K::connection(&row), K::NOUN)?;
        // Claim the version first, so a change that committed since our read is not lost
        // silently: the claim fails and the client (If-Match) or a retry sees it.
        let mut claimed = row.clone();
        K::touch(&mut claimed, K::version(&row) + 1, crate::clock::now());
        if !K::update(conn, &claimed, K::version(&row))? || !K::delete(conn, &claimed)? {
            return Err(lost_race(if_match.is_some()));
        }
        let mut details = K::on_delete(conn, caller, &row)?;
        details["name"] = Value::String(K::name(&row).to_owned());
        // Compiled decision views may remember the identity: it must be forgotten.
        crate::db::roles::bump_governance_version(conn, caller.org_id.as_str())?;
        record::<K>(conn, caller, &row, "deleted", details)?;
        Ok(())
    })
}

/// GET on the endpoint and `POST …/.search`: the filter and order compiled to SQL over the
/// table's columns and document, one page of ids, then those rows in one query.
pub fn list<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    query: &listing::ListQuery,
) -> Result<listing::ListResult, DirectoryError> {
    let prepared = listing::prepare(conn, caller, K::RT, K::MAP, query)?;
    let (ids, total) = K::page_ids(conn, caller.org_id.as_str(), &prepared.request(query))?;
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut by_id: HashMap<String, Value> =
        load_by_ids::<K>(conn, caller, &ids)?.into_iter().collect();
    Ok(listing::ListResult {
        total_results: total,
        start_index: query.start_index.max(1),
        // A row deleted between the two reads is left out of the page.
        resources: ids.iter().filter_map(|id| by_id.remove(*id)).collect(),
    })
}

/// The resources with these ids (those that exist), each with its id, in any order.
pub fn load_by_ids<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    ids: &[&str],
) -> Result<Vec<(String, Value)>, DirectoryError> {
    Ok(K::find_many(conn, caller.org_id.as_str(), ids)?
        .iter()
        .map(|row| (K::id(row).to_owned(), K::render(row, &caller.scim_base)))
        .collect())
}

/// Writes a changed row at the next version (`new`, with the caller's stewardship and whether
/// the client sent `If-Match`), taking it over when the stewardship rule says so.
fn write<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    old: &K::Row,
    (mut new, stewardship, client_checked_version): (K::Row, Stewardship, bool),
    verb: &str,
) -> Result<Resource, DirectoryError> {
    if stewardship == Stewardship::TakeOver {
        K::set_connection(&mut new, caller.connection_id.clone());
    }
    K::link(conn, caller.org_id.as_str(), &mut new)?;
    K::touch(&mut new, K::version(old) + 1, crate::clock::now());
    let written =
        K::update(conn, &new, K::version(old)).map_err(|e| unique_name::<K>(e, K::name(&new)))?;
    if !written {
        return Err(lost_race(client_checked_version));
    }
    if stewardship == Stewardship::TakeOver {
        record::<K>(conn, caller, &new, "taken_over", json!({}))?;
    }
    if K::changes_decisions(old, &new) {
        crate::db::roles::bump_governance_version(conn, caller.org_id.as_str())?;
    }
    let changed = super::users::changed_attributes(
        &Value::Object(K::editable(old)),
        &Value::Object(K::editable(&new)),
    );
    record::<K>(conn, caller, &new, verb, json!({ "changed": changed }))?;
    Ok(resource::<K>(&new, caller))
}

/// Someone else wrote between our read and our write. With If-Match the client asked for
/// exactly that version: it loses (412). Without, the whole transaction runs again.
fn lost_race(client_checked_version: bool) -> DirectoryError {
    if client_checked_version {
        ScimError::PreconditionFailed("the resource was changed by another request".into()).into()
    } else {
        DirectoryError::Conflict
    }
}

fn prepare<K: ProvisionedKind>(
    caller: &Caller,
    body: Value,
) -> Result<Map<String, Value>, ScimError> {
    Ok(into_map(prepare_write(
        caller.dialect.resource(K::RT, body),
        K::RT,
    )?))
}

fn into_map(doc: Value) -> Map<String, Value> {
    match doc {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn find<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<K::Row, DirectoryError> {
    K::find(conn, caller.org_id.as_str(), id)?.ok_or_else(|| not_found(K::RT.name, id).into())
}

fn resource<K: ProvisionedKind>(row: &K::Row, caller: &Caller) -> Resource {
    Resource {
        resource: K::render(row, &caller.scim_base),
        version: K::version(row),
    }
}

/// The audit event of a change, naming the connection it came through.
fn record<K: ProvisionedKind>(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &K::Row,
    verb: &str,
    mut details: Value,
) -> Result<(), DirectoryError> {
    details["connection_id"] = json!(caller.connection_id);
    audit::record(
        conn,
        AuditEvent {
            org_id: &caller.org_id,
            actor: &caller.actor,
            action: &format!("{}.{verb}", K::NOUN),
            target_kind: K::TARGET_KIND,
            target_id: K::id(row),
            details,
        },
    )?;
    Ok(())
}

/// `name` is unique in the organization (draft-abbey-scim-agent-extension-00: unique across
/// the service provider; here, its tenant): a second one is refused with 409.
fn unique_name<K: ProvisionedKind>(err: diesel::result::Error, name: &str) -> DirectoryError {
    match DbError::from(err) {
        DbError::UniqueViolation(_) => ScimError::Uniqueness(format!(
            "an {} named {name:?} already exists in this organization",
            K::RT.name
        ))
        .into(),
        other => other.into(),
    }
}

/// The text attribute `name` of a validated document, taken out of it.
pub(super) fn take_text(
    doc: &mut Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<Option<String>, ScimError> {
    match doc.remove(name) {
        Some(Value::String(text)) => {
            check_length(name, &text, max)?;
            Ok(Some(text))
        }
        _ => Ok(None),
    }
}

/// The required, unique `name` of a validated document.
pub(super) fn take_name(doc: &mut Map<String, Value>) -> Result<String, ScimError> {
    take_text(doc, names::NAME, 255)?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ScimError::InvalidValue("name is required".into()))
}

/// What is left of a document once its columns are taken out, as stored: `schemas` is
/// rebuilt on every read, and the column holds at most 65,535 bytes (MySQL `TEXT`).
pub(super) fn stored_document(mut doc: Map<String, Value>) -> Result<String, ScimError> {
    doc.remove("schemas");
    let text = Value::Object(doc).to_string();
    if text.len() > 65_535 {
        return Err(ScimError::InvalidValue(format!(
            "the resource's other attributes take {} bytes; at most 65535 are stored",
            text.len()
        )));
    }
    Ok(text)
}

/// Who created a row, for `created_by`.
pub(super) fn actor_id(actor: &Actor) -> Option<String> {
    match actor {
        Actor::User(id) | Actor::IdpConnection(id) | Actor::ServiceAccount(id) => Some(id.clone()),
        Actor::AppActor { id, .. } => Some(id.clone()),
        Actor::System => None,
    }
}
