//! A short-lived, per-instance memory of credentials that were just verified, so the hot path
//! of an IdP's traffic (thousands of requests a minute on one secret) skips the token and
//! connection lookups. Entries are keyed by the SHA-256 of the presented credential, never the
//! credential itself, and live a few seconds: revocation, rotation or disabling through this
//! instance clears the cache at once; on the other instances of a cluster it takes effect when
//! their entries expire. Losing the cache costs one lookup, nothing else.
//!
//! Revocation must win the race against a request in flight: a request that read the database
//! just before a revoke would otherwise put the revoked secret into the cache just after
//! `clear()`, where it would keep working for a TTL. So the cache has a generation that
//! `clear()` bumps; a caller takes the generation *before* its database read and `insert` with
//! an older generation does nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// Beyond this many live entries the cache starts over rather than grow: an instance serves a
/// handful of IdP connections, so reaching it means someone is presenting many valid secrets.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug)]
struct Entry<V> {
    value: V,
    expires: Instant,
}

/// Verified credentials and what they authenticate as, for `ttl` at most.
#[derive(Debug, Clone)]
pub struct CredentialCache<V> {
    ttl: Duration,
    entries: Arc<Mutex<Entries<V>>>,
}

#[derive(Debug)]
struct Entries<V> {
    /// Bumped by every `clear()`, under the same lock as the map, so an `insert` sees either
    /// the old map and the old generation or the cleared map and the new one.
    generation: u64,
    map: HashMap<[u8; 32], Entry<V>>,
}

/// The cache's generation when a caller started its database read; see `insert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl<V: Clone> CredentialCache<V> {
    /// A cache whose entries live `ttl`; a zero `ttl` disables it.
    pub fn new(ttl: Duration) -> Self {
        CredentialCache {
            ttl,
            entries: Arc::new(Mutex::new(Entries {
                generation: 0,
                map: HashMap::new(),
            })),
        }
    }

    /// Taken before reading the database for a credential, and handed to `insert`.
    pub fn generation(&self) -> Generation {
        Generation(self.lock().generation)
    }

    /// What `credential` authenticated as, if it was verified less than `ttl` ago.
    pub fn get(&self, credential: &str) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let key = digest(credential);
        let mut entries = self.lock();
        match entries.map.get(&key) {
            Some(entry) if entry.expires > Instant::now() => Some(entry.value.clone()),
            Some(_) => {
                entries.map.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Remembers a verified credential until `ttl` from now or `valid_until`, if sooner, unless
    /// the cache was cleared since `read_from` (taken before the database read that verified
    /// it): then what was read may already be revoked, and is not remembered.
    pub fn insert(
        &self,
        credential: &str,
        value: V,
        valid_until: Option<Instant>,
        read_from: Generation,
    ) {
        if self.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let expires = valid_until.map_or(now + self.ttl, |until| until.min(now + self.ttl));
        let mut entries = self.lock();
        if entries.generation != read_from.0 {
            return;
        }
        if entries.map.len() >= MAX_ENTRIES {
            entries.map.retain(|_, entry| entry.expires > now);
            if entries.map.len() >= MAX_ENTRIES {
                entries.map.clear();
            }
        }
        entries
            .map
            .insert(digest(credential), Entry { value, expires });
    }

    /// Forgets every credential and makes inserts based on earlier reads no-ops: called after
    /// any committed change to what credentials authenticate as.
    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.generation = entries.generation.wrapping_add(1);
        entries.map.clear();
    }

    fn lock(&self) -> MutexGuard<'_, Entries<V>> {
        // The map holds no invariant a panicking holder could break.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn digest(credential: &str) -> [u8; 32] {
    Sha256::digest(credential.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_a_credential_until_its_ttl() {
        let cache = CredentialCache::new(Duration::from_millis(50));
        cache.insert("gsc_secret", 7, None, cache.generation());
        assert_eq!(cache.get("gsc_secret"), Some(7));
        assert_eq!(cache.get("gsc_other"), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("gsc_secret"), None);
    }

    #[test]
    fn an_earlier_expiry_of_the_credential_wins() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        cache.insert("gsc_secret", 7, Some(Instant::now()), cache.generation());
        assert_eq!(cache.get("gsc_secret"), None);
    }

    #[test]
    fn clear_forgets_everything_and_zero_ttl_disables() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        cache.insert("a", 1, None, cache.generation());
        cache.clear();
        assert_eq!(cache.get("a"), None);

        let off = CredentialCache::new(Duration::ZERO);
        off.insert("a", 1, None, off.generation());
        assert_eq!(off.get("a"), None);
    }

    #[test]
    fn a_revocation_during_a_database_read_wins_over_the_read() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        // Request A takes the generation, then reads the secret as valid from the database.
        let before_read = cache.generation();
        // Meanwhile an admin revokes the secret (commit), then clears the cache.
        cache.clear();
        // A finishes its read and tries to remember the (now revoked) secret: nothing is kept.
        cache.insert("gsc_secret", 7, None, before_read);
        assert_eq!(cache.get("gsc_secret"), None);
        // A request that starts its read after the revocation is remembered as usual.
        let after = cache.generation();
        cache.insert("gsc_secret", 8, None, after);
        assert_eq!(cache.get("gsc_secret"), Some(8));
    }

    #[test]
    fn stays_bounded() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        for i in 0..(MAX_ENTRIES + 10) {
            cache.insert(&format!("credential-{i}"), i, None, cache.generation());
        }
        assert!(cache.lock().map.len() <= MAX_ENTRIES);
        assert_eq!(
            cache.get(&format!("credential-{}", MAX_ENTRIES + 9)),
            Some(MAX_ENTRIES + 9)
        );
    }
}
