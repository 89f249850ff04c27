//! A short-lived, per-instance memory of credentials that were just verified, so the hot path
//! of an IdP's traffic (thousands of requests a minute on one secret) skips the token and
//! connection lookups. Entries are keyed by the SHA-256 of the presented credential, never the
//! credential itself, and live a few seconds: revocation, rotation or disabling through this
//! instance clears the cache at once; on the other instances of a cluster it takes effect when
//! their entries expire. Losing the cache costs one lookup, nothing else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
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
    entries: Arc<Mutex<HashMap<[u8; 32], Entry<V>>>>,
}

impl<V: Clone> CredentialCache<V> {
    /// A cache whose entries live `ttl`; a zero `ttl` disables it.
    pub fn new(ttl: Duration) -> Self {
        CredentialCache {
            ttl,
            entries: Arc::default(),
        }
    }

    /// What `credential` authenticated as, if it was verified less than `ttl` ago.
    pub fn get(&self, credential: &str) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let key = digest(credential);
        let mut entries = self.lock();
        match entries.get(&key) {
            Some(entry) if entry.expires > Instant::now() => Some(entry.value.clone()),
            Some(_) => {
                entries.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Remembers a verified credential until `ttl` from now or `valid_until`, if sooner.
    pub fn insert(&self, credential: &str, value: V, valid_until: Option<Instant>) {
        if self.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let expires = valid_until.map_or(now + self.ttl, |until| until.min(now + self.ttl));
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, entry| entry.expires > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(digest(credential), Entry { value, expires });
    }

    /// Forgets every credential: called after any change to what credentials authenticate as.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry<V>>> {
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
        cache.insert("gsc_secret", 7, None);
        assert_eq!(cache.get("gsc_secret"), Some(7));
        assert_eq!(cache.get("gsc_other"), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("gsc_secret"), None);
    }

    #[test]
    fn an_earlier_expiry_of_the_credential_wins() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        cache.insert("gsc_secret", 7, Some(Instant::now()));
        assert_eq!(cache.get("gsc_secret"), None);
    }

    #[test]
    fn clear_forgets_everything_and_zero_ttl_disables() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        cache.insert("a", 1, None);
        cache.clear();
        assert_eq!(cache.get("a"), None);

        let off = CredentialCache::new(Duration::ZERO);
        off.insert("a", 1, None);
        assert_eq!(off.get("a"), None);
    }

    #[test]
    fn stays_bounded() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        for i in 0..(MAX_ENTRIES + 10) {
            cache.insert(&format!("credential-{i}"), i, None);
        }
        assert!(cache.lock().len() <= MAX_ENTRIES);
        assert_eq!(
            cache.get(&format!("credential-{}", MAX_ENTRIES + 9)),
            Some(MAX_ENTRIES + 9)
        );
    }
}
