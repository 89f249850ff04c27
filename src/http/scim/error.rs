//! Every failure on `/scim/v2` as a SCIM error response (RFC 7644 §3.12): `status` as a string,
//! `scimType` where one fits, `application/scim+json`. A 500 says nothing internal to the
//! client; the whole cause goes to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::db::DbError;
use crate::directory::DirectoryError;
use crate::scim::ScimError;

pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

#[derive(Debug, thiserror::Error)]
pub enum ScimFailure {
    #[error(transparent)]
    Protocol(#[from] ScimError),
    /// 401 with `WWW-Authenticate: Bearer`.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 405 with `Allow`: the path exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    /// 429 with `Retry-After` (seconds).
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// 429 with `Retry-After`: the client address is out of failed authentications.
    #[error("too many failed authentications")]
    AuthThrottled { retry_after_secs: u64 },
    /// 503: the database is unreachable; the client may retry.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or an unexpected database state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for ScimFailure {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unavailable(msg) => ScimFailure::Unavailable(msg),
            // Unique keys that map to client errors are translated where the key is known; the
            // driver's text (which quotes the values) stays in the log.
            DbError::UniqueViolation(msg) => {
                tracing::debug!(cause = %msg, "unique key refused a SCIM write");
                ScimFailure::Protocol(ScimError::Uniqueness(
                    "conflicts with an existing resource".into(),
                ))
            }
            // A write conflict that outlasted every retry: the client may try again.
            DbError::Query(e) if crate::db::is_retryable(&e) => {
                ScimFailure::Unavailable(format!("write conflict: {e}"))
            }
            DbError::Query(e) => ScimFailure::Internal(e.to_string()),
            DbError::Panicked(cause) => ScimFailure::Internal(cause),
        }
    }
}

impl From<DirectoryError> for ScimFailure {
    fn from(err: DirectoryError) -> Self {
        match err {
            DirectoryError::Scim(e) => ScimFailure::Protocol(e),
            DirectoryError::Db(e) => e.into(),
            DirectoryError::Conflict => {
                ScimFailure::Unavailable("too many concurrent updates; retry".into())
            }
        }
    }
}

impl ScimFailure {
    fn body(status: StatusCode, scim_type: Option<&str>, detail: &str) -> serde_json::Value {
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.as_u16().to_string(),
            "detail": detail,
        });
        if let Some(kind) = scim_type {
            body["scimType"] = kind.into();
        }
        body
    }
}

impl ResponseError for ScimFailure {
    fn status_code(&self) -> StatusCode {
        match self {
            ScimFailure::Protocol(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST)
            }
            ScimFailure::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ScimFailure::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ScimFailure::TooManyRequests { .. } | ScimFailure::AuthThrottled { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ScimFailure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ScimFailure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut res = HttpResponse::build(status);
        res.content_type(SCIM_CONTENT_TYPE);
        let body = match self {
            ScimFailure::Protocol(e) => Self::body(status, e.scim_type(), e.detail()),
            ScimFailure::Unauthorized(detail) => {
                res.insert_header(("WWW-Authenticate", "Bearer realm=\"gatehouse\""));
                Self::body(status, None, detail)
            }
            ScimFailure::MethodNotAllowed { allow } => {
                res.insert_header(("Allow", *allow));
                Self::body(status, None, &format!("this endpoint accepts {allow}"))
            }
            ScimFailure::TooManyRequests { retry_after_secs } => {
                res.insert_header(("Retry-After", retry_after_secs.to_string()));
                Self::body(
                    status,
                    None,
                    "request limit reached for this connection; retry later",
                )
            }
            ScimFailure::AuthThrottled { retry_after_secs } => {
                res.insert_header(("Retry-After", retry_after_secs.to_string()));
                Self::body(
                    status,
                    None,
                    "too many failed authentications from this address; retry later",
                )
            }
            ScimFailure::Unavailable(cause) => {
                tracing::warn!(%cause, "SCIM request failed: database unavailable");
                res.insert_header(("Retry-After", "5"));
                Self::body(
                    status,
                    None,
                    "the service is temporarily unavailable; retry later",
                )
            }
            ScimFailure::Internal(cause) => {
                tracing::error!(%cause, "SCIM request failed");
                Self::body(status, None, "internal error")
            }
        };
        res.json(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_violation_keeps_the_drivers_text_out_of_the_response() {
        let driver = "Duplicate entry 'jane@example.com' for key 'users_org_user_name'";
        let failure = ScimFailure::from(DbError::UniqueViolation(driver.into()));
        assert_eq!(failure.status_code(), StatusCode::CONFLICT);
        let ScimFailure::Protocol(error) = &failure else {
            panic!("a uniqueness error, not {failure:?}")
        };
        assert_eq!(error.scim_type(), Some("uniqueness"));
        assert!(!error.detail().contains("jane"), "{}", error.detail());
        assert!(!error.detail().contains("users_org"), "{}", error.detail());
    }
}
