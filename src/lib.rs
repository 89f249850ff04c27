//! gatehouse: a SCIM 2.0 provisioning and access-governance service.

pub mod app;
pub mod audit;
pub mod bootstrap;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod directory;
pub mod governance;
pub mod http;
pub mod idp;
pub mod ids;
pub mod metrics;
pub mod outbox;
pub mod rbac;
pub mod scim;
pub mod telemetry;
pub mod tokens;
