//! The SCIM error type (RFC 7644 §3.12). Each variant carries a `detail` a person can act on;
//! the HTTP layer turns it into the SCIM error JSON with `status` as a string.

/// A protocol error, with the HTTP status and `scimType` that RFC 7644 §3.12 assigns to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScimError {
    /// 400 `invalidFilter`: the filter syntax is wrong or names an unsupported attribute.
    #[error("{0}")]
    InvalidFilter(String),
    /// 400 `tooMany`: the query would return more results than the service allows.
    #[error("{0}")]
    TooMany(String),
    /// 409 `uniqueness`: one or more unique attribute values are already in use.
    #[error("{0}")]
    Uniqueness(String),
    /// 400 `mutability`: the request tries to change an immutable or read-only attribute.
    #[error("{0}")]
    Mutability(String),
    /// 400 `invalidSyntax`: the request body is not a valid SCIM message.
    #[error("{0}")]
    InvalidSyntax(String),
    /// 400 `invalidPath`: a PATCH path is malformed or names an attribute that does not exist.
    #[error("{0}")]
    InvalidPath(String),
    /// 400 `noTarget`: a PATCH path matched nothing where a target is required.
    #[error("{0}")]
    NoTarget(String),
    /// 400 `invalidValue`: a required value is missing or a value has the wrong type.
    #[error("{0}")]
    InvalidValue(String),
    /// 403: the request is understood but refused (e.g. a filter on a discovery endpoint).
    #[error("{0}")]
    Forbidden(String),
    /// 404: the resource does not exist (or belongs to another tenant).
    #[error("{0}")]
    NotFound(String),
    /// 409 without a `scimType`: the change would break a rule of the service (e.g. remove the
    /// last active super admin); none of §3.12's keywords fits.
    #[error("{0}")]
    Conflict(String),
    /// 412: an `If-Match` precondition failed.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: the request exceeds `maxOperations` or `maxPayloadSize`.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 501: an optional feature the service does not offer (RFC 7644 §3.12).
    #[error("{0}")]
    NotImplemented(String),
}

impl ScimError {
    /// The HTTP status code of this error.
    pub fn status(&self) -> u16 {
        match self {
            ScimError::InvalidFilter(_)
            | ScimError::TooMany(_)
            | ScimError::Mutability(_)
            | ScimError::InvalidSyntax(_)
            | ScimError::InvalidPath(_)
            | ScimError::NoTarget(_)
            | ScimError::InvalidValue(_) => 400,
            ScimError::Uniqueness(_) | ScimError::Conflict(_) => 409,
            ScimError::Forbidden(_) => 403,
            ScimError::NotFound(_) => 404,
            ScimError::PreconditionFailed(_) => 412,
            ScimError::PayloadTooLarge(_) => 413,
            ScimError::NotImplemented(_) => 501,
        }
    }

    /// The `scimType` keyword, where RFC 7644 §3.12 defines one for this error.
    pub fn scim_type(&self) -> Option<&'static str> {
        match self {
            ScimError::InvalidFilter(_) => Some("invalidFilter"),
            ScimError::TooMany(_) => Some("tooMany"),
            ScimError::Uniqueness(_) => Some("uniqueness"),
            ScimError::Mutability(_) => Some("mutability"),
            ScimError::InvalidSyntax(_) => Some("invalidSyntax"),
            ScimError::InvalidPath(_) => Some("invalidPath"),
            ScimError::NoTarget(_) => Some("noTarget"),
            ScimError::InvalidValue(_) => Some("invalidValue"),
            ScimError::Forbidden(_)
            | ScimError::NotFound(_)
            | ScimError::Conflict(_)
            | ScimError::PreconditionFailed(_)
            | ScimError::PayloadTooLarge(_)
            | ScimError::NotImplemented(_) => None,
        }
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        match self {
            ScimError::InvalidFilter(d)
            | ScimError::TooMany(d)
            | ScimError::Uniqueness(d)
            | ScimError::Mutability(d)
            | ScimError::InvalidSyntax(d)
            | ScimError::InvalidPath(d)
            | ScimError::NoTarget(d)
            | ScimError::InvalidValue(d)
            | ScimError::Forbidden(d)
            | ScimError::NotFound(d)
            | ScimError::Conflict(d)
            | ScimError::PreconditionFailed(d)
            | ScimError::PayloadTooLarge(d)
            | ScimError::NotImplemented(d) => d,
        }
    }

    /// The SCIM error response body (RFC 7644 §3.12), `status` as a string.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": self.status().to_string(),
            "detail": self.detail(),
        });
        if let Some(kind) = self.scim_type() {
            body["scimType"] = kind.into();
        }
        body
    }
}
