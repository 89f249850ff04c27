//! The governance core: what a person may do in an organization and why. `roles` owns the
//! permission catalogue, standard and custom roles, the org-wide settings that override them,
//! licences, and decisions that explain themselves (a compiled per-organization view checked
//! against a plain reference evaluator). Role mapping, apps, access and actors come beside it.

pub mod actors;
pub mod apps;
pub mod mapping;
pub mod projects;
pub mod roles;
pub mod tokens;
