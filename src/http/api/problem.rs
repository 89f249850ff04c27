//! Admin API errors as `application/problem+json` (RFC 9457). A 500 says nothing internal.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{ToResponse, ToSchema};

use crate::db::DbError;

/// The body of every admin API error (RFC 9457 §3).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status and title say what happened (RFC 9457 §4.2.1).
    #[serde(rename = "type")]
    pub problem_type: &'static str,
    pub title: &'static str,
    pub status: u16,
    /// What went wrong, for a person; never internals.
    pub detail: String,
}

/// The `Problem` response component every operation refers to for its errors.
pub struct ProblemResponse;

impl<'r> ToResponse<'r> for ProblemResponse {
    fn response() -> (&'r str, RefOr<Response>) {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let response = ResponseBuilder::new()
            .description("An error (RFC 9457)")
            .content("application/problem+json", content)
            .build();
        ("Problem", response.into())
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{title}: {detail}")]
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
}

impl ApiError {
    pub fn unauthorized(detail: &str) -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            title: "Unauthorized",
            detail: detail.into(),
        }
    }

    pub fn forbidden(detail: &str) -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            title: "Forbidden",
            detail: detail.into(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            title: "Bad Request",
            detail: detail.into(),
        }
    }

    pub fn internal(cause: &str) -> Self {
        tracing::error!(%cause, "admin API request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Internal Server Error",
            detail: "internal error".into(),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unavailable(cause) => {
                tracing::warn!(%cause, "admin API request failed: database unavailable");
                ApiError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    title: "Service Unavailable",
                    detail: "the database is unreachable; retry later".into(),
                }
            }
            DbError::UniqueViolation(_) => ApiError {
                status: StatusCode::CONFLICT,
                title: "Conflict",
                detail: "conflicts with an existing resource".into(),
            },
            DbError::Query(e) if crate::db::is_retryable(&e) => ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                title: "Service Unavailable",
                detail: "too many concurrent changes; retry".into(),
            },
            DbError::Query(e) => ApiError::internal(&e.to_string()),
            DbError::Panicked(cause) => ApiError::internal(&cause),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type("application/problem+json");
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header(("WWW-Authenticate", "Bearer realm=\"gatehouse\""));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header(("Retry-After", "5"));
        }
        let body = Problem {
            problem_type: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail.clone(),
        };
        res.body(serde_json::to_string(&body).unwrap_or_default())
    }
}
