//! Which grants personal access tokens use (issue 14, "Moving off personal tokens"): what a
//! move to an app actor proposes as the actor's grants.
//!
//! Recorded where a personal token's admin call passes `AdminCaller::authorize::<P>()` for a
//! permission `P` that an app actor could hold (`AdminPermission::GRANT`): that check is the
//! one place that knows both the token and the grant (the few checks made inside a service,
//! such as revoking someone else's token, call `AdminCaller::record_grant_use` once they pass).
//! A call that passes the check counts, whatever its answer. One row per (token, kind, access,
//! day) at most, and normally no database work at all: each instance remembers the keys it
//! wrote today in a small bounded set, and only a key it has not seen today starts a write. The
//! write runs on the blocking pool, off the request (the answer never waits for it), and is
//! an insert that treats the row already being there as success, so instances that record
//! the same use at once all succeed. A failed write forgets its key, so a later call retries.
//! Losing the memory costs one more (idempotent) write per key.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{NaiveDate, NaiveTime};
use tokio::task::JoinHandle;

use super::grants::{Access, ResourceKind};
use crate::db::{self, app_actor_grants, Pool};

/// Beyond this many keys in a day the memory starts over rather than grow (each key then costs
/// one more idempotent write).
const MAX_REMEMBERED: usize = 10_000;

type Key = (String, ResourceKind, Access);

/// This instance's record of grants used by personal tokens today.
pub struct GrantUseLog {
    pool: Pool,
    seen: Mutex<Seen>,
    /// Writes started and perhaps not finished; see `settle`.
    pending: Mutex<Vec<JoinHandle<()>>>,
}

struct Seen {
    day: NaiveDate,
    keys: HashSet<Key>,
}

impl std::fmt::Debug for GrantUseLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrantUseLog").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl GrantUseLog {
    pub fn new(pool: Pool) -> Arc<GrantUseLog> {
        Arc::new(GrantUseLog {
            pool,
            seen: Mutex::new(Seen {
                day: NaiveDate::MIN,
                keys: HashSet::new(),
            }),
            pending: Mutex::new(Vec::new()),
        })
    }

    /// Records that personal token `token_id` of `org_id` used `grant` today: a lookup in
    /// memory, and a write off the request the first time this instance sees the key today.
    pub fn record(self: &Arc<Self>, org_id: &str, token_id: &str, grant: (ResourceKind, Access)) {
        let day = crate::clock::now().date();
        let key: Key = (token_id.to_owned(), grant.0, grant.1);
        {
            let mut seen = lock(&self.seen);
            if seen.day != day {
                seen.day = day;
                seen.keys.clear();
            }
            if seen.keys.contains(&key) {
                return;
            }
            if seen.keys.len() >= MAX_REMEMBERED {
                seen.keys.clear();
            }
            seen.keys.insert(key.clone());
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return self.forget(day, &key);
        };
        let log = Arc::clone(self);
        let org_id = org_id.to_owned();
        let span = tracing::Span::current();
        let write = runtime.spawn_blocking(move || {
            let _entered = span.enter();
            let (token_id, kind, access) = &key;
            let written =
                db::checkout(&log.pool)
                    .map_err(|e| e.to_string())
                    .and_then(|mut conn| {
                        app_actor_grants::record_personal_use(
                            &mut conn,
                            &org_id,
                            token_id,
                            kind.as_str(),
                            access.as_str(),
                            day.and_time(NaiveTime::MIN),
                        )
                        .map_err(|e| e.to_string())
                    });
            if let Err(cause) = written {
                tracing::warn!(%cause, "could not record a personal token's grant use");
                log.forget(day, &key);
            }
        });
        let mut pending = lock(&self.pending);
        pending.retain(|w| !w.is_finished());
        pending.push(write);
    }

    fn forget(&self, day: NaiveDate, key: &Key) {
        let mut seen = lock(&self.seen);
        if seen.day == day {
            seen.keys.remove(key);
        }
    }

    /// Waits for the writes this instance started: a proposal read after it sees every use
    /// recorded here before it (read-your-writes on one instance; other instances' writes
    /// land within moments of their calls).
    pub async fn settle(&self) {
        let pending: Vec<_> = lock(&self.pending).drain(..).collect();
        for write in pending {
            // A write that panicked has logged nothing useful to add here.
            let _ = write.await;
        }
    }
}
