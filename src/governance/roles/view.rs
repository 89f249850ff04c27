//! The compiled per-organization view: each role as two bit sets (full and view-only licence)
//! with the org-wide overrides, the AI hierarchy and inherent permissions already applied, so a
//! decision is a map lookup and a bit test. It is derived data: safe to lose, rebuilt on demand.
//!
//! Freshness: every change to roles, settings, domains or user roles bumps the organization's
//! governance version in its transaction. The instance that made the change drops its view at
//! once (`DecisionCache::forget`); any instance re-reads the version at most once per
//! `recheck` interval (one second by default) per organization and rebuilds when it moved, so
//! other instances see a change within that interval. Decisions in between cost no database
//! round trip.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::catalogue::{BaseRole, Licence, OrgSwitch, Permission, PermissionSet, CATALOGUE};
use super::model::{OrgModel, RoleModel, UserModel};
use super::RoleId;

/// Masks over the catalogue, computed once per compile (24 entries: cheap).
struct Masks {
    inherent: u32,
    admin_only: u32,
    never_for_guests: u32,
    view_only_blocked: u32,
    ai_children: u32,
}

fn masks() -> Masks {
    let mut m = Masks {
        inherent: 0,
        admin_only: 0,
        never_for_guests: 0,
        view_only_blocked: 0,
        ai_children: 0,
    };
    for s in CATALOGUE {
        let bit = s.permission.bit();
        if s.inherent {
            m.inherent |= bit;
        }
        if s.admin_only {
            m.admin_only |= bit;
        }
        if s.never_for_guests {
            m.never_for_guests |= bit;
        }
        if s.blocked_by_view_only {
            m.view_only_blocked |= bit;
        }
        if s.parent == Some(Permission::Ai) {
            m.ai_children |= bit;
        }
    }
    m
}

/// A role compiled to what its holders may do, per licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompiledRole {
    pub base: BaseRole,
    pub full: PermissionSet,
    pub view_only: PermissionSet,
}

impl CompiledRole {
    pub fn effective(&self, licence: Licence) -> PermissionSet {
        match licence {
            Licence::Full => self.full,
            Licence::ViewOnly => self.view_only,
        }
    }
}

/// Compiles one role against the org settings.
pub fn compile_role(org: &OrgModel, role: &RoleModel) -> CompiledRole {
    let m = masks();
    let restrict = Permission::RestrictGuestInvitesToTrustedDomains.bit();
    let mut bits = match role.base {
        BaseRole::SuperAdmin => !restrict,
        _ => role.permissions.0,
    };
    // What the base may hold at all.
    match role.base {
        BaseRole::SuperAdmin | BaseRole::Admin => {}
        BaseRole::Member => bits &= !m.admin_only,
        BaseRole::Guest => bits &= !(m.admin_only | m.never_for_guests),
    }
    // Inherent permissions come from the base alone.
    let inherent = PermissionSet::defaults_for(role.base).0 & m.inherent;
    bits = (bits & !m.inherent) | inherent;
    if bits & Permission::DeleteTasks.bit() != 0 {
        bits |= Permission::DeleteOwnTasks.bit();
    }
    if bits & Permission::Ai.bit() == 0 {
        bits &= !m.ai_children;
    }
    // Org-wide switches that are off override every role.
    for s in CATALOGUE {
        if let Some(switch) = s.org_switch {
            if switch != OrgSwitch::RestrictGuestInvitesToTrustedDomains
                && !org.settings.switch(switch)
            {
                bits &= !s.permission.bit();
            }
        }
    }
    // Issue 13 "Guest API restrictions": separate switches withhold apps and personal access
    // tokens from guest-based roles.
    if role.base == BaseRole::Guest {
        for p in [Permission::UseApps, Permission::UsePersonalAccessTokens] {
            if org.settings.guest_restriction(p).is_some() {
                bits &= !p.bit();
            }
        }
    }
    if org.settings.restrict_guest_invites_to_trusted_domains {
        bits |= restrict;
    }
    if bits & Permission::InviteGuests.bit() == 0 {
        bits &= !restrict;
    }
    let all = (1u32 << Permission::COUNT) - 1;
    bits &= all;
    // The restriction only exists where inviting does; a view-only licence may not invite.
    let mut view_only = bits & !m.view_only_blocked;
    if view_only & Permission::InviteGuests.bit() == 0 {
        view_only &= !restrict;
    }
    CompiledRole {
        base: role.base,
        full: PermissionSet(bits),
        view_only: PermissionSet(view_only),
    }
}

/// One user as the view remembers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserEntry {
    pub role: u32,
    pub licence: Licence,
    pub active: bool,
}

/// An organization's compiled view at one governance version.
#[derive(Debug)]
pub struct OrgView {
    pub version: i64,
    pub model: OrgModel,
    role_index: HashMap<RoleId, u32>,
    role_ids: Vec<RoleId>,
    compiled: Vec<CompiledRole>,
    users: RwLock<HashMap<String, UserEntry>>,
}

impl OrgView {
    pub fn compile(version: i64, model: OrgModel) -> OrgView {
        let mut role_index = HashMap::with_capacity(model.roles.len());
        let mut compiled = Vec::with_capacity(model.roles.len());
        let mut role_ids = Vec::with_capacity(model.roles.len());
        for (id, role) in &model.roles {
            role_index.insert(id.clone(), compiled.len() as u32);
            role_ids.push(id.clone());
            compiled.push(compile_role(&model, role));
        }
        OrgView {
            version,
            model,
            role_index,
            role_ids,
            compiled,
            users: RwLock::new(HashMap::new()),
        }
    }

    /// The compiled role a role id names.
    pub fn role(&self, id: &RoleId) -> Option<&CompiledRole> {
        self.role_index
            .get(id)
            .and_then(|i| self.compiled.get(*i as usize))
    }

    /// What a user with this role and licence may do; nothing for an unknown role.
    pub fn permissions(&self, user: &UserModel) -> PermissionSet {
        if !user.active {
            return PermissionSet::default();
        }
        self.role(&user.role)
            .map(|r| r.effective(user.licence))
            .unwrap_or_default()
    }

    /// Remembers a user (loaded on first use; the whole view goes when the version moves).
    pub fn remember(&self, user_id: &str, user: &UserModel) -> Option<UserEntry> {
        let role = *self.role_index.get(&user.role)?;
        let entry = UserEntry {
            role,
            licence: user.licence,
            active: user.active,
        };
        if let Ok(mut users) = self.users.write() {
            users.insert(user_id.to_owned(), entry);
        }
        Some(entry)
    }

    /// The plain user a remembered entry stands for (to explain a decision).
    pub fn user_model(&self, entry: UserEntry) -> Option<UserModel> {
        Some(UserModel {
            role: self.role_ids.get(entry.role as usize)?.clone(),
            licence: entry.licence,
            active: entry.active,
        })
    }

    pub fn user(&self, user_id: &str) -> Option<UserEntry> {
        self.users.read().ok()?.get(user_id).copied()
    }

    /// The fast decision: one map lookup and a bit test.
    pub fn decide(&self, user: UserEntry, permission: Permission) -> bool {
        user.active
            && self
                .compiled
                .get(user.role as usize)
                .is_some_and(|r| r.effective(user.licence).contains(permission))
    }
}

struct Cached {
    view: Arc<OrgView>,
    checked_at: Mutex<Instant>,
}

/// The compiled views of this instance, per organization.
pub struct DecisionCache {
    orgs: RwLock<HashMap<String, Arc<Cached>>>,
    recheck: Duration,
}

impl Default for DecisionCache {
    fn default() -> Self {
        DecisionCache::new(Duration::from_secs(1))
    }
}

impl std::fmt::Debug for DecisionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionCache")
            .field("recheck", &self.recheck)
            .finish()
    }
}

impl DecisionCache {
    pub fn new(recheck: Duration) -> Self {
        DecisionCache {
            orgs: RwLock::new(HashMap::new()),
            recheck,
        }
    }

    /// Drops an organization's view (after a change made through this instance).
    pub fn forget(&self, org_id: &str) {
        if let Ok(mut orgs) = self.orgs.write() {
            orgs.remove(org_id);
        }
    }

    /// The organization's view if this instance checked its version within the recheck
    /// interval: what the hot paths use before they take a database connection at all.
    pub fn fresh(&self, org_id: &str) -> Option<Arc<OrgView>> {
        let cached = self.orgs.read().ok()?.get(org_id).cloned()?;
        let fresh = cached
            .checked_at
            .lock()
            .map(|at| at.elapsed() < self.recheck)
            .unwrap_or(false);
        fresh.then(|| cached.view.clone())
    }

    /// The organization's view: the remembered one while it is fresh, else after checking the
    /// version (`version`) and rebuilding (`load`) when it moved.
    pub fn view<E>(
        &self,
        org_id: &str,
        version: impl FnOnce() -> Result<Option<i64>, E>,
        load: impl FnOnce() -> Result<Option<(i64, OrgModel)>, E>,
    ) -> Result<Option<Arc<OrgView>>, E> {
        let cached = self.orgs.read().ok().and_then(|o| o.get(org_id).cloned());
        if let Some(cached) = &cached {
            let fresh = cached
                .checked_at
                .lock()
                .map(|at| at.elapsed() < self.recheck)
                .unwrap_or(false);
            if fresh {
                return Ok(Some(cached.view.clone()));
            }
            if version()? == Some(cached.view.version) {
                if let Ok(mut at) = cached.checked_at.lock() {
                    *at = Instant::now();
                }
                return Ok(Some(cached.view.clone()));
            }
        }
        let Some((version, model)) = load()? else {
            return Ok(None);
        };
        let view = Arc::new(OrgView::compile(version, model));
        if let Ok(mut orgs) = self.orgs.write() {
            orgs.insert(
                org_id.to_owned(),
                Arc::new(Cached {
                    view: view.clone(),
                    checked_at: Mutex::new(Instant::now()),
                }),
            );
        }
        Ok(Some(view))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn load(version: i64) -> Result<Option<(i64, OrgModel)>, ()> {
        Ok(Some((version, OrgModel::default())))
    }

    #[test]
    fn a_view_is_reused_without_a_query_until_the_recheck_interval_passes() {
        let cache = DecisionCache::new(Duration::from_secs(3600));
        let asked = Cell::new(0);
        let version = || {
            asked.set(asked.get() + 1);
            Ok(Some(1))
        };
        let first = cache.view("org", version, || load(1)).unwrap().unwrap();
        let again = cache.view("org", version, || load(2)).unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(asked.get(), 0, "no version query inside the interval");
    }

    #[test]
    fn another_instances_change_is_seen_once_the_interval_passes() {
        let cache = DecisionCache::new(Duration::ZERO);
        let v1 = cache
            .view("org", || Ok(Some(1)), || load(1))
            .unwrap()
            .unwrap();
        let same = cache
            .view("org", || Ok(Some(1)), || load(9))
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&v1, &same), "unchanged version: kept");
        let moved = cache
            .view("org", || Ok(Some(2)), || load(2))
            .unwrap()
            .unwrap();
        assert_eq!(moved.version, 2, "moved version: rebuilt");
        cache.forget("org");
        let rebuilt = cache
            .view("org", || Ok(Some(2)), || load(3))
            .unwrap()
            .unwrap();
        assert_eq!(
            rebuilt.version, 3,
            "forgotten on this instance: rebuilt at once"
        );
    }
}
