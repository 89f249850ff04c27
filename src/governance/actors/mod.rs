//! App actors (issue 14): organization-owned, non-human identities for integrations, bots and
//! agents. No seat, never listed or counted with people, an owner (a user or a team) for
//! accountability only, and they outlive whoever created them. What one may do is its explicit
//! grants (`grants`); its tokens (`gaa_`) carry a subset and may name a user they act for
//! (`tokens`); `access` decides a call by one of them (grants, org settings, the user).
//!
//! The operations here take the organization and the `Actor` who acts, so the admin API (after
//! `rbac::ManageAppActors`) and the SCIM `Agent` endpoints share them: `create`, `find`,
//! `list`, `update`, `set_active`, `delete`.

pub mod access;
pub mod grants;
pub mod moves;
mod service;
pub mod tokens;
pub mod used_grants;

pub use service::{
    create, delete, find, list, set_active, update, ActorChange, ActorPage, ActorView, NewActor,
    Owner, OwnerKind,
};
