//! The request context middleware: a request id (the client's `X-Request-Id` when it is sane,
//! else a fresh one) made available to blocking work and the audit trail, echoed in the
//! response, one log line per request with its outcome and latency, and the request metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;
use tracing::Instrument;

use crate::telemetry::TASK_REQUEST_ID;

const REQUEST_ID_HEADER: &str = "x-request-id";

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
    );
    let method = req.method().clone();
    let started = Instant::now();
    let outcome = TASK_REQUEST_ID
        .scope(request_id.clone(), next.call(req))
        .instrument(span.clone())
        .await;
    let _entered = span.enter();
    let elapsed = started.elapsed();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    match outcome {
        Ok(mut res) => {
            let status = res.status().as_u16();
            // The matched pattern (`/scim/v2/Users/{id}`), known once routing ran: never the raw
            // path, whose ids would make a series per resource.
            let route = res.request().match_pattern();
            crate::metrics::record_request(method.as_str(), route.as_deref(), status, elapsed);
            if status >= 500 {
                tracing::warn!(status, elapsed_ms, "request failed");
            } else {
                tracing::info!(status, elapsed_ms, "request completed");
            }
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                res.headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            Ok(res)
        }
        Err(err) => {
            let status = err.as_response_error().status_code().as_u16();
            crate::metrics::record_request(method.as_str(), None, status, elapsed);
            tracing::warn!(error = %err, elapsed_ms, "request errored");
            Err(err)
        }
    }
}

fn is_sane_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}
