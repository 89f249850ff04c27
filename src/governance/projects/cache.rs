//! Effective levels from memory, so a project decision costs no database round trip once this
//! instance knows the user and the project (issue 14: "at the speed the roles issue
//! measured"). Per organization it keeps the two sides a level is computed from
//! (`effective`): each user's own memberships and teams, and each project's team memberships,
//! loaded on first use (a batch loads whatever it misses in one set-based read).
//!
//! Freshness, as for the compiled role views (`roles::view`): what is held was read at an
//! `AccessStamp` (the organization's membership version and every team's version). A
//! membership write or a change to a team's members, on this instance, drops the
//! organization's entry when the work is done (`AppState::with_conn`), so the next decision
//! sees it; any instance re-reads the stamp at most once per `recheck` interval and starts
//! afresh when it moved, so changes made elsewhere are seen within that interval. A
//! generation counter keeps a stamp read before a local change from being stored after it.
//! Safe to lose: everything here is rebuilt on demand.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::effective::{self, EffectiveLevel, ProjectTeams, UserLevels};
use crate::db::project_levels::{self as store, AccessStamp};
use crate::db::DbConnection;
use crate::governance::roles::GovernanceError;

/// What one organization's decisions read, as of `stamp`.
struct OrgLevels {
    stamp: AccessStamp,
    checked_at: Mutex<Instant>,
    users: RwLock<HashMap<String, Arc<UserLevels>>>,
    projects: RwLock<HashMap<String, Arc<ProjectTeams>>>,
}

impl OrgLevels {
    fn new(stamp: AccessStamp) -> OrgLevels {
        OrgLevels {
            stamp,
            checked_at: Mutex::new(Instant::now()),
            users: RwLock::default(),
            projects: RwLock::default(),
        }
    }

    /// The levels of these `(project, user)` pairs if both sides of each are held.
    fn levels(&self, pairs: &[(&str, &str)]) -> Option<Vec<Option<EffectiveLevel>>> {
        let users = self.users.read().ok()?;
        let projects = self.projects.read().ok()?;
        pairs
            .iter()
            .map(|(project_id, user_id)| {
                let user = users.get(*user_id)?;
                let project = projects.get(*project_id)?;
                Some(effective::level((user_id, user), project_id, project))
            })
            .collect()
    }

    /// Reads the sides these pairs need and this entry lacks; an unknown project is a 404.
    fn load_missing(
        &self,
        conn: &mut DbConnection,
        org_id: &str,
        pairs: &[(&str, &str)],
    ) -> Result<(), GovernanceError> {
        let (mut user_ids, mut project_ids) = (Vec::new(), Vec::new());
        if let (Ok(users), Ok(projects)) = (self.users.read(), self.projects.read()) {
            for (project_id, user_id) in pairs {
                if !users.contains_key(*user_id) && !user_ids.contains(user_id) {
                    user_ids.push(*user_id);
                }
                if !projects.contains_key(*project_id) && !project_ids.contains(project_id) {
                    project_ids.push(*project_id);
                }
            }
        }
        if !project_ids.is_empty() {
            let found = effective::projects_from(store::project_sides(conn, org_id, &project_ids)?);
            if let Some(missing) = project_ids.iter().find(|id| !found.contains_key(**id)) {
                return Err(effective::no_project(missing));
            }
            if let Ok(mut projects) = self.projects.write() {
                projects.extend(found.into_iter().map(|(id, p)| (id, Arc::new(p))));
            }
        }
        if !user_ids.is_empty() {
            let rows = store::user_sides(conn, org_id, &user_ids)?;
            // Only teams give levels: other groups are not kept (a group that becomes a team
            // moves the stamp, and this entry goes).
            let found = effective::users_from(&user_ids, rows, |g| self.stamp.is_team(g));
            if let Ok(mut users) = self.users.write() {
                users.extend(found.into_iter().map(|(id, u)| (id, Arc::new(u))));
            }
        }
        Ok(())
    }

    fn is_fresh(&self, recheck: Duration) -> bool {
        self.checked_at
            .lock()
            .map(|at| at.elapsed() < recheck)
            .unwrap_or(false)
    }
}

/// This instance's effective levels, per organization.
pub struct LevelCache {
    orgs: RwLock<HashMap<String, Arc<OrgLevels>>>,
    recheck: Duration,
    /// Moves with every local change: an entry whose stamp was read before it is not stored.
    generation: AtomicU64,
}

impl Default for LevelCache {
    fn default() -> Self {
        LevelCache::new(Duration::from_secs(1))
    }
}

impl std::fmt::Debug for LevelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LevelCache")
            .field("recheck", &self.recheck)
            .finish()
    }
}

impl LevelCache {
    pub fn new(recheck: Duration) -> LevelCache {
        LevelCache {
            orgs: RwLock::default(),
            recheck,
            generation: AtomicU64::new(0),
        }
    }

    /// The levels of these `(project, user)` pairs when this instance holds them fresh: the
    /// hot path, with no database work. `None` sends the caller to `levels`.
    pub fn from_memory(
        &self,
        org_id: &str,
        pairs: &[(&str, &str)],
    ) -> Option<Vec<Option<EffectiveLevel>>> {
        let org = self.orgs.read().ok()?.get(org_id).cloned()?;
        if !org.is_fresh(self.recheck) {
            return None;
        }
        org.levels(pairs)
    }

    /// The levels of these `(project, user)` pairs, in order: checking the stamp when the
    /// interval has passed, and reading what is missing. A project that is not of the
    /// organization is a 404.
    pub fn levels(
        &self,
        conn: &mut DbConnection,
        org_id: &str,
        pairs: &[(&str, &str)],
    ) -> Result<Vec<Option<EffectiveLevel>>, GovernanceError> {
        let org = self.current(conn, org_id)?;
        if let Some(levels) = org.levels(pairs) {
            return Ok(levels);
        }
        org.load_missing(conn, org_id, pairs)?;
        org.levels(pairs).ok_or_else(|| {
            GovernanceError::Db(crate::db::DbError::Unavailable(
                "the level cache's lock was poisoned".into(),
            ))
        })
    }

    /// The organization's entry, checked against the stamp once the interval has passed.
    fn current(
        &self,
        conn: &mut DbConnection,
        org_id: &str,
    ) -> Result<Arc<OrgLevels>, GovernanceError> {
        let generation = self.generation.load(Ordering::SeqCst);
        let cached = self.orgs.read().ok().and_then(|o| o.get(org_id).cloned());
        if let Some(org) = cached.as_ref().filter(|o| o.is_fresh(self.recheck)) {
            return Ok(org.clone());
        }
        let stamp = store::access_stamp(conn, org_id)?
            .ok_or_else(|| GovernanceError::NotFound("no such organization".into()))?;
        if let Some(org) = cached.filter(|o| o.stamp == stamp) {
            if let Ok(mut at) = org.checked_at.lock() {
                *at = Instant::now();
            }
            return Ok(org);
        }
        let org = Arc::new(OrgLevels::new(stamp));
        if let Ok(mut orgs) = self.orgs.write() {
            // A local change since the stamp was read: answer from it once, keep nothing.
            if self.generation.load(Ordering::SeqCst) == generation {
                orgs.insert(org_id.to_owned(), org.clone());
            }
        }
        Ok(org)
    }

    /// Drops an organization's entry (its memberships changed through this instance).
    pub fn forget(&self, org_id: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut orgs) = self.orgs.write() {
            orgs.remove(org_id);
        }
    }

    /// A SCIM group's members or name changed through this instance: drops the organization's
    /// entry if the group is one of its teams.
    pub fn group_changed(&self, org_id: &str, group_id: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let is_team = self
            .orgs
            .read()
            .ok()
            .and_then(|o| o.get(org_id).map(|org| org.stamp.is_team(group_id)));
        if is_team == Some(true) {
            self.forget(org_id);
        }
    }

    /// Applies what this thread's work changed (see `db::project_levels::take_access_changes`).
    pub fn apply(&self, changes: store::AccessChanges) {
        for org in changes.orgs {
            self.forget(&org);
        }
        for (org, group) in changes.groups {
            self.group_changed(&org, &group);
        }
    }
}
