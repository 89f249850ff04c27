//! IdP dialects: what Okta and Microsoft Entra ID really send, normalised before the SCIM core
//! sees it, one file per IdP. A connection records the dialect it speaks; `generic` is strict
//! RFC 7643/7644 and changes nothing. The core itself already accepts everything the RFCs allow
//! (case-insensitive names and ops, path-less PATCH with attribute-path keys, typed value paths);
//! only departures from the RFCs live here.

pub mod connections;
mod entra;
pub mod jwks_url;
pub mod jwt;
mod okta;
pub mod required_claims;

use serde_json::Value;

use crate::scim::filter::Filter;
use crate::scim::patch::PatchOp;
use crate::scim::schema::ResourceTypeDef;

/// The dialect an IdP connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Generic,
    Okta,
    Entra,
}

impl Dialect {
    /// The dialect stored for a connection; unknown values fall back to strict RFC behaviour.
    pub fn from_stored(name: &str) -> Dialect {
        match name {
            "okta" => Dialect::Okta,
            "entra" => Dialect::Entra,
            _ => Dialect::Generic,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Generic => "generic",
            Dialect::Okta => "okta",
            Dialect::Entra => "entra",
        }
    }

    /// Normalises a resource body (POST or PUT).
    pub fn resource(self, rt: &ResourceTypeDef, body: Value) -> Value {
        match self {
            Dialect::Generic => body,
            Dialect::Okta => okta::resource(rt, body),
            Dialect::Entra => entra::resource(rt, body),
        }
    }

    /// Normalises parsed PATCH operations.
    pub fn patch_ops(self, rt: &ResourceTypeDef, ops: Vec<PatchOp>) -> Vec<PatchOp> {
        match self {
            Dialect::Generic | Dialect::Okta => ops,
            Dialect::Entra => entra::patch_ops(rt, ops),
        }
    }

    /// Normalises a parsed list filter.
    pub fn filter(self, rt: &ResourceTypeDef, filter: Filter) -> Filter {
        match self {
            Dialect::Generic | Dialect::Okta => filter,
            Dialect::Entra => entra::filter(rt, filter),
        }
    }
}
