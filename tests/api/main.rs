//! The integration suite as one test binary: each module is a capability, all share the harness
//! in `common`. One binary links the crate once instead of once per file, which is most of the
//! suite's build time on a two-core machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod app_actor_moves;
mod app_actors;
mod apps_decisions;
mod apps_guests_export;
mod apps_registry;
mod apps_requests;
mod apps_support;
mod auth_limits;
mod connection_admin;
mod connection_routing;
mod entra_quotes;
mod foundation;
mod governance;
mod idp_connections;
mod idp_jwt;
mod idp_replays;
mod logging;
mod metrics;
mod openapi;
mod outbox_claims;
mod outbox_email;
mod outbox_support;
mod outbox_webhooks;
mod projects;
mod projects_decisions;
mod role_mapping;
mod roles_catalogue;
mod roles_decisions;
mod roles_invites;
mod scim_agents;
mod scim_big_groups;
mod scim_bulk;
mod scim_bulk_agents;
mod scim_concurrency;
mod scim_discovery;
mod scim_errors;
mod scim_filters;
mod scim_groups;
mod scim_integrity;
mod scim_member_races;
mod scim_paging;
mod scim_patch;
mod scim_root_search;
mod scim_stewardship;
mod scim_users;
mod scim_versioning;
mod statements;
mod tokens_guard;
mod tokens_personal;
mod tokens_policy;
