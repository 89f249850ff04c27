//! SCIM Bulk (RFC 7644 §3.7): many operations in one request, on any resource type the
//! directory stores (`resource_types::STORED_TYPES`: Users, Groups, Agents,
//! AgenticApplications), each run by its type's own service function with no case per type
//! here. Bulk is not atomic: each operation is its own transaction with its own audit event
//! (the services do both), and one failing operation fails alone unless `failOnErrors` says to
//! stop (§3.7.3). `bulkId:` references to resources created in the same request are resolved
//! whatever the order of the operations (§3.7.2); circular references fail with 409 (§3.7.1).

mod plan;
mod request;

use std::collections::HashMap;

use serde_json::Value;

use super::{etag, Caller, DirectoryError, Resource};
use crate::db::DbConnection;
use crate::scim::patch::parse_patch_request;
use crate::scim::ScimError;
use request::{Action, Method};

pub use request::{parse_request, BulkRequest, Operation, BULK_REQUEST, BULK_RESPONSE};

/// Why an operation failed.
#[derive(Debug)]
pub enum OpError {
    Directory(DirectoryError),
    /// 409: the operation is on a circular reference (RFC 7644 §3.7.1) or references a POST of
    /// this request that failed.
    Conflict(String),
}

impl From<ScimError> for OpError {
    fn from(err: ScimError) -> Self {
        OpError::Directory(err.into())
    }
}

/// The result of one processed operation (RFC 7644 §3.7.3).
#[derive(Debug)]
pub struct OpResult {
    /// The operation's position in the request.
    pub index: usize,
    pub method: Option<String>,
    pub bulk_id: Option<String>,
    /// Every result has a location except a failed POST's (§3.7.3).
    pub location: Option<String>,
    /// The resource's ETag after the operation.
    pub version: Option<String>,
    /// The HTTP status the operation would have had as a single request.
    pub outcome: Result<u16, OpError>,
    /// The id a successful POST created.
    created: Option<String>,
}

/// A Bulk request with its references found and its operations ordered: everything about it
/// that needs no database, done before a connection is taken.
#[derive(Debug)]
pub struct PlannedBulk {
    request: BulkRequest,
    /// The bulkIds each operation references.
    refs: Vec<Vec<String>>,
    /// The POST that declares each bulkId.
    declared: HashMap<String, usize>,
    plan: plan::Plan,
}

impl PlannedBulk {
    /// How many operations the request holds.
    pub fn operations(&self) -> usize {
        self.request.operations.len()
    }
}

/// Finds the references of every operation and plans their order. Linear in the size of the
/// request: references are looked up in maps, never by scanning the operations.
pub fn plan_request(request: BulkRequest) -> PlannedBulk {
    let ops = &request.operations;
    let refs: Vec<Vec<String>> = ops
        .iter()
        .map(|op| match &op.action {
            Ok(a) => plan::references(a.id.as_deref(), a.data.as_ref()),
            Err(_) => Vec::new(),
        })
        .collect();
    // The POST that declares each bulkId; a bulkId is unique within a request (§3.7). A POST
    // that is malformed still declares its bulkId, so that what references it fails with 409.
    let mut declared: HashMap<String, usize> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        if let (Some(id), Some("POST")) = (&op.bulk_id, op.method.as_deref()) {
            declared.entry(id.clone()).or_insert(i);
        }
    }
    let deps: Vec<Vec<usize>> = refs
        .iter()
        .map(|r| {
            r.iter()
                .filter_map(|id| declared.get(id.as_str()).copied())
                .collect()
        })
        .collect();
    let plan = plan::plan(&deps);
    PlannedBulk {
        request,
        refs,
        declared,
        plan,
    }
}

/// Runs the operations, each in its own transaction, in an order where every operation comes
/// after the POSTs it references; stops once `failOnErrors` operations have failed. Returns the
/// results of the processed operations in request order (§3.7.3).
pub fn run(conn: &mut DbConnection, caller: &Caller, planned: &PlannedBulk) -> Vec<OpResult> {
    let PlannedBulk {
        request,
        refs,
        declared,
        plan,
    } = planned;
    let ops = &request.operations;
    let mut created: HashMap<String, String> = HashMap::new();
    let mut results: Vec<Option<OpResult>> = ops.iter().map(|_| None).collect();
    let mut errors = 0;
    for &i in &plan.order {
        let op = &ops[i];
        let result = match check(i, op, &refs[i], declared, &created, plan.circular[i]) {
            Ok(action) => execute(conn, caller, i, op, action),
            Err(e) => {
                let location = op
                    .action
                    .as_ref()
                    .ok()
                    .and_then(|a| location_of(caller, a, &created));
                failed(i, op, location, e)
            }
        };
        if result.outcome.is_err() {
            errors += 1;
        } else if let (Some(bulk_id), Some(id)) = (&op.bulk_id, &result.created) {
            if declared.get(bulk_id.as_str()) == Some(&i) {
                created.insert(bulk_id.clone(), id.clone());
            }
        }
        results[i] = Some(result);
        if request.fail_on_errors.is_some_and(|limit| errors >= limit) {
            break;
        }
    }
    results.into_iter().flatten().collect()
}

/// Where the target of a PUT, PATCH or DELETE lives, once its reference (if any) resolved.
fn location_of(
    caller: &Caller,
    action: &Action,
    created: &HashMap<String, String>,
) -> Option<String> {
    let id = action.id.as_deref()?;
    let id = if id.starts_with(plan::PREFIX) {
        plan::resolve_str(id, created)?
    } else {
        id.to_owned()
    };
    Some(format!(
        "{}{}/{id}",
        caller.scim_base, action.kind.rt.endpoint
    ))
}

/// Everything that can fail an operation before it touches the database; on success, its
/// action with every reference replaced.
fn check(
    i: usize,
    op: &Operation,
    refs: &[String],
    declared: &HashMap<String, usize>,
    created: &HashMap<String, String>,
    circular: bool,
) -> Result<Action, OpError> {
    if let (Some("POST"), Some(bulk_id)) = (op.method.as_deref(), &op.bulk_id) {
        if let Some(first) = declared.get(bulk_id.as_str()).filter(|&&f| f != i) {
            return Err(ScimError::InvalidValue(format!(
                "bulkId {bulk_id:?} is already declared by Operations[{first}]; a bulkId is unique \
                 within a request"
            ))
            .into());
        }
    }
    let mut action = op.action.clone()?;
    if circular {
        return Err(OpError::Conflict(
            "the operation is on a circular bulkId reference (RFC 7644 §3.7.1)".into(),
        ));
    }
    for bulk_id in refs {
        if created.contains_key(bulk_id) {
            continue;
        }
        return Err(match declared.get(bulk_id.as_str()) {
            Some(j) => OpError::Conflict(format!(
                "{}{bulk_id} cannot be resolved: Operations[{j}], which creates it, failed",
                plan::PREFIX
            )),
            None => ScimError::InvalidValue(format!(
                "{}{bulk_id} cannot be resolved: no POST in this request has that bulkId",
                plan::PREFIX
            ))
            .into(),
        });
    }
    if let Some(id) = action.id.as_mut() {
        if let Some(resolved) = plan::resolve_str(id, created) {
            *id = resolved;
        }
    }
    if let Some(data) = action.data.as_mut() {
        plan::substitute(data, created);
    }
    Ok(action)
}

fn failed(i: usize, op: &Operation, location: Option<String>, err: OpError) -> OpResult {
    OpResult {
        index: i,
        method: op.method.clone(),
        bulk_id: op.bulk_id.clone(),
        location,
        version: None,
        outcome: Err(err),
        created: None,
    }
}

/// Runs one operation through the directory services, as its single request would.
fn execute(
    conn: &mut DbConnection,
    caller: &Caller,
    i: usize,
    op: &Operation,
    action: Action,
) -> OpResult {
    let location = location_of(caller, &action, &HashMap::new());
    let method = action.method;
    match perform(conn, caller, action) {
        Ok((status, resource)) => {
            let text =
                |r: &Value, at: &str| r.pointer(at).and_then(Value::as_str).map(str::to_owned);
            let (created, location, version) = match resource {
                Some(Resource {
                    resource: r,
                    version: v,
                }) => (
                    text(&r, "/id").filter(|_| method == Method::Post),
                    text(&r, "/meta/location").or(location),
                    Some(etag(v)),
                ),
                None => (None, location, None),
            };
            OpResult {
                index: i,
                method: op.method.clone(),
                bulk_id: op.bulk_id.clone(),
                location,
                version,
                outcome: Ok(status),
                created,
            }
        }
        Err(e) => failed(i, op, location, OpError::Directory(e)),
    }
}

type Performed = (u16, Option<Resource>);

/// Runs one action through its resource type's service function.
fn perform(
    conn: &mut DbConnection,
    caller: &Caller,
    action: Action,
) -> Result<Performed, DirectoryError> {
    let Action {
        method,
        kind,
        id,
        data,
        version,
    } = action;
    let id = id.unwrap_or_default();
    let data = data.unwrap_or(Value::Null);
    let if_match = version.as_deref();
    Ok(match method {
        Method::Post => (201, Some((kind.create)(conn, caller, data)?)),
        Method::Put => (
            200,
            Some((kind.replace)(conn, caller, &id, data, if_match)?),
        ),
        Method::Patch => {
            let ops = parse_patch_request(&data)?;
            (200, Some((kind.patch)(conn, caller, &id, ops, if_match)?))
        }
        Method::Delete => {
            (kind.delete)(conn, caller, &id, if_match)?;
            (204, None)
        }
    })
}
