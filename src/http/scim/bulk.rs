//! `POST /scim/v2/Bulk` (RFC 7644 §3.7). The body is read with its own limit,
//! `scim.bulk_max_payload_bytes` (maxPayloadSize), not the generic one; beyond it, or beyond
//! `scim.bulk_max_operations` operations, the answer is 413 naming the limit (§3.7.4). Each
//! operation costs one request of the connection's rate limit. The request is parsed and
//! planned before a database connection is taken; the operations run one after another on one pooled connection, each in its own transaction
//! (`directory::bulk`); the response is 200 with a result per processed operation (§3.7.3).

use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use serde_json::{json, Map, Value};

use super::error::{ScimFailure, SCIM_CONTENT_TYPE};
use super::params::read_json;
use crate::directory::bulk::{self, OpError, OpResult, BULK_RESPONSE};
use crate::http::throttle::ConnectionLimit;
use crate::http::{AppState, ScimCaller};
use crate::scim::ScimError;

pub async fn bulk(
    req: HttpRequest,
    ScimCaller(caller): ScimCaller,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, ScimFailure> {
    let limits = &state.settings.scim;
    let max_bytes = limits.bulk_max_payload_bytes;
    let body = read_json(body, max_bytes).await.map_err(|e| match e {
        // §3.7.4: "The returned response MUST specify the limit exceeded".
        ScimFailure::Protocol(ScimError::PayloadTooLarge(_)) => {
            ScimFailure::Protocol(ScimError::PayloadTooLarge(format!(
                "the size of the bulk request exceeds maxPayloadSize ({max_bytes} bytes)"
            )))
        }
        other => other,
    })?;
    let max_operations = usize::try_from(limits.bulk_max_operations).unwrap_or(usize::MAX);
    let request = bulk::parse_request(&body, max_operations)?;
    let planned = bulk::plan_request(request);
    charge_operations(&req, &state, planned.operations())?;
    let results = state
        .with_conn(move |c| Ok::<_, ScimFailure>(bulk::run(c, &caller, &planned)))
        .await?;
    let failed = results.iter().filter(|r| r.outcome.is_err()).count();
    tracing::info!(operations = results.len(), failed, "bulk request processed");
    let operations: Vec<Value> = results.into_iter().map(render).collect();
    Ok(HttpResponse::Ok().content_type(SCIM_CONTENT_TYPE).body(
        json!({
            "schemas": [BULK_RESPONSE],
            "Operations": operations,
        })
        .to_string(),
    ))
}

/// Charges the connection's rate limit one request per operation, so that a Bulk request of a
/// thousand operations costs what a thousand single requests would. Authentication took one
/// already. All or nothing, before anything runs: a request beyond what is left gets 429 with
/// `Retry-After`, one beyond a minute's allowance can never pass and gets 413.
fn charge_operations(
    req: &HttpRequest,
    state: &AppState,
    operations: usize,
) -> Result<(), ScimFailure> {
    let Some(limit) = req.extensions().get::<ConnectionLimit>().cloned() else {
        return Err(ScimFailure::Internal(
            "no rate limit for the connection".into(),
        ));
    };
    let extra = u32::try_from(operations.saturating_sub(1)).unwrap_or(u32::MAX);
    if extra >= limit.per_minute {
        return Err(ScimFailure::Protocol(ScimError::PayloadTooLarge(format!(
            "the bulk request has {operations} operations; this connection may make {} \
             requests per minute, and each operation counts as one",
            limit.per_minute
        ))));
    }
    state
        .limiter
        .acquire_many(&limit.connection_id, limit.per_minute, extra)
        .map_err(|retry_after_secs| ScimFailure::TooManyRequests { retry_after_secs })
}

/// One result: `status` as a string and, for a failure, the SCIM error as `response` (§3.7.3).
fn render(result: OpResult) -> Value {
    let mut out = Map::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            out.insert(name.to_owned(), Value::String(v));
        }
    };
    put("method", result.method);
    put("bulkId", result.bulk_id);
    put("version", result.version);
    put("location", result.location);
    match result.outcome {
        Ok(status) => {
            out.insert("status".into(), status.to_string().into());
        }
        Err(err) => {
            let body = error_body(err, result.index);
            out.insert("status".into(), body["status"].clone());
            out.insert("response".into(), body);
        }
    }
    Value::Object(out)
}

/// The SCIM error body (RFC 7644 §3.12) the operation would have had as a single request.
fn error_body(err: OpError, index: usize) -> Value {
    let body = |status: StatusCode, scim_type: Option<&str>, detail: &str| {
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.as_u16().to_string(),
            "detail": detail,
        });
        if let Some(kind) = scim_type {
            body["scimType"] = kind.into();
        }
        body
    };
    let failure = match err {
        // §3.7.1 gives 409 for a circular reference and no scimType: none in §3.12 fits.
        OpError::Conflict(detail) => return body(StatusCode::CONFLICT, None, &detail),
        OpError::Directory(e) => ScimFailure::from(e),
    };
    let status = failure.status_code();
    match &failure {
        ScimFailure::Protocol(e) => e.to_json(),
        ScimFailure::Unavailable(cause) => {
            tracing::warn!(%cause, index, "bulk operation failed: database unavailable");
            body(
                status,
                None,
                "the service is temporarily unavailable; retry later",
            )
        }
        ScimFailure::Internal(cause) => {
            tracing::error!(%cause, index, "bulk operation failed");
            body(status, None, "internal error")
        }
        other => body(status, None, &other.to_string()),
    }
}
