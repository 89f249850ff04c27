//! The SCIM 2.0 protocol core (RFC 7643, RFC 7644): schemas, the filter grammar and its
//! evaluator, the PATCH engine, list parameters and errors. It knows nothing of HTTP or storage,
//! so every rule here can be unit tested (and fuzzed) on plain JSON values.

pub mod error;
pub mod filter;
pub mod patch;
pub mod projection;
pub mod resource;
pub mod schema;

pub use error::ScimError;
