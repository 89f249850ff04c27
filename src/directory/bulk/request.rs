//! Parsing a BulkRequest (RFC 7644 §3.7). The request as a whole must be well formed (400) and
//! within maxOperations (413, §3.7.4); what is wrong with one operation (its method, path,
//! bulkId, version or data) is kept with it and reported when it runs, so that it fails alone.

use serde_json::{Map, Value};

use crate::directory::resource_types::{self, StoredType, STORED_TYPES};
use crate::scim::ScimError;

pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// A parsed `BulkRequest`. The request as a whole is checked here; each operation is checked
/// when it runs, so that a bad one fails alone.
#[derive(Debug, Clone)]
pub struct BulkRequest {
    /// Stop after this many failed operations (at least 1); `None`: run them all.
    pub fail_on_errors: Option<usize>,
    pub operations: Vec<Operation>,
}

/// One operation, as far as it could be understood.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The method as sent (upper-cased when it is one we know), echoed in the response.
    pub method: Option<String>,
    pub bulk_id: Option<String>,
    pub(super) action: Result<Action, ScimError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

#[derive(Debug, Clone)]
pub(super) struct Action {
    pub(super) method: Method,
    /// The resource type the path names.
    pub(super) kind: &'static StoredType,
    /// The target of PUT, PATCH and DELETE; may be a `bulkId:` reference.
    pub(super) id: Option<String>,
    pub(super) data: Option<Value>,
    /// `version`: the operation's `If-Match` (RFC 7644 §3.7, §3.14).
    pub(super) version: Option<String>,
}

/// Case-insensitive member lookup, as for every SCIM message.
fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// Parses a BulkRequest (RFC 7644 §3.7); more than `max_operations` operations is 413 (§3.7.4).
pub fn parse_request(body: &Value, max_operations: usize) -> Result<BulkRequest, ScimError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("a BulkRequest is a JSON object".into()))?;
    let declared = member(obj, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .any(|u| u.eq_ignore_ascii_case(BULK_REQUEST))
        });
    if !declared {
        return Err(ScimError::InvalidSyntax(format!(
            "a BulkRequest must declare \"schemas\": [\"{BULK_REQUEST}\"]"
        )));
    }
    let fail_on_errors = match member(obj, "failOnErrors") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| *n >= 1)
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
                .ok_or_else(|| {
                    ScimError::InvalidValue("failOnErrors must be an integer of at least 1".into())
                })?,
        ),
    };
    let ops = member(obj, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ScimError::InvalidSyntax("a BulkRequest needs an \"Operations\" array".into())
        })?;
    if ops.len() > max_operations {
        return Err(ScimError::PayloadTooLarge(format!(
            "the request has {} operations, more than maxOperations ({max_operations})",
            ops.len()
        )));
    }
    Ok(BulkRequest {
        fail_on_errors,
        operations: ops.iter().map(parse_operation).collect(),
    })
}

fn parse_operation(op: &Value) -> Operation {
    let Some(obj) = op.as_object() else {
        return Operation {
            method: None,
            bulk_id: None,
            action: Err(ScimError::InvalidSyntax(
                "each operation is a JSON object".into(),
            )),
        };
    };
    let text = |name: &str| member(obj, name).and_then(Value::as_str).map(str::to_owned);
    let raw_method = text("method");
    let method = match raw_method
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("POST") => Some(Method::Post),
        Some("PUT") => Some(Method::Put),
        Some("PATCH") => Some(Method::Patch),
        Some("DELETE") => Some(Method::Delete),
        _ => None,
    };
    let bulk_id = text("bulkId");
    let action = action(obj, method, raw_method.as_deref(), bulk_id.as_deref());
    Operation {
        method: match method {
            Some(_) => raw_method.map(|m| m.to_ascii_uppercase()),
            None => raw_method,
        },
        bulk_id,
        action,
    }
}

fn action(
    obj: &Map<String, Value>,
    method: Option<Method>,
    raw_method: Option<&str>,
    bulk_id: Option<&str>,
) -> Result<Action, ScimError> {
    let method = method.ok_or_else(|| {
        ScimError::InvalidSyntax(format!(
            "method must be POST, PUT, PATCH or DELETE, not {raw_method:?}"
        ))
    })?;
    if member(obj, "bulkId").is_some_and(|b| !b.as_str().is_some_and(|s| !s.is_empty())) {
        return Err(ScimError::InvalidValue(
            "bulkId must be a non-empty string".into(),
        ));
    }
    // §3.7: bulkId is "REQUIRED when 'method' is 'POST'".
    if method == Method::Post && bulk_id.is_none() {
        return Err(ScimError::InvalidValue(
            "a POST operation needs a bulkId".into(),
        ));
    }
    let version = match member(obj, "version") {
        None => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => return Err(ScimError::InvalidValue("version must be a string".into())),
    };
    let path = member(obj, "path")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::InvalidPath("each operation needs a \"path\"".into()))?;
    let (kind, id) = parse_path(path, method)?;
    let data = member(obj, "data").cloned();
    if method != Method::Delete && data.is_none() {
        return Err(ScimError::InvalidSyntax(
            "POST, PUT and PATCH operations need \"data\"".into(),
        ));
    }
    Ok(Action {
        method,
        kind,
        id,
        data: data.filter(|_| method != Method::Delete),
        version,
    })
}

/// A type's endpoint (`/Users`, `/Agents`, ...) for POST; `{endpoint}/{id}` otherwise (§3.7).
/// Every type in the directory's table of resource types is taken alike.
fn parse_path(
    path: &str,
    method: Method,
) -> Result<(&'static StoredType, Option<String>), ScimError> {
    let trimmed = path.trim().trim_start_matches('/').trim_end_matches('/');
    let (endpoint, id) = match trimmed.split_once('/') {
        Some((e, id)) => (e, Some(id)),
        None => (trimmed, None),
    };
    let kind = resource_types::by_endpoint(endpoint).ok_or_else(|| {
        let endpoints: Vec<&str> = STORED_TYPES.iter().map(|t| t.rt.endpoint).collect();
        ScimError::InvalidPath(format!(
            "path {path:?} names no endpoint: use one of {}",
            endpoints.join(", ")
        ))
    })?;
    let endpoint = kind.rt.endpoint;
    match (method, id) {
        (Method::Post, None) => Ok((kind, None)),
        (Method::Post, Some(_)) => Err(ScimError::InvalidPath(format!(
            "a POST goes to {endpoint}, not {path:?}"
        ))),
        (_, Some(id)) if !id.is_empty() && !id.contains('/') => Ok((kind, Some(id.to_owned()))),
        _ => Err(ScimError::InvalidPath(format!(
            "PUT, PATCH and DELETE go to {endpoint}/{{id}}, not {path:?}"
        ))),
    }
}
