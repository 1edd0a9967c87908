//! Short-lived copies of what every keystroke's request reads: the session behind a cookie
//! and a report's context for live validation. A live check must not cost a database round
//! trip (it answers as fast as a static file; see docs/benchmarks.md).
//!
//! Entries live a few seconds. This process forgets an entry at once when it changes the
//! thing itself (signing out, disabling a user, a comment); another process sharing a
//! Postgres database is seen within the lifetime. Saving never reads from here.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry is trusted.
pub const LIFETIME: Duration = Duration::from_secs(5);
/// Beyond this many entries the oldest half is dropped: a bound, not an eviction policy.
const CAPACITY: usize = 10_000;

pub struct Ttl<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    lifetime: Duration,
}

impl<K, V> Default for Ttl<K, V> {
    fn default() -> Self {
        Ttl::lasting(LIFETIME)
    }
}

impl<K, V> Ttl<K, V> {
    /// A cache whose entries are trusted for `lifetime`.
    pub fn lasting(lifetime: Duration) -> Self {
        Ttl {
            entries: Mutex::new(HashMap::new()),
            lifetime,
        }
    }
}

impl<K: Eq + Hash, V: Clone> Ttl<K, V> {
    pub fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.lifetime)
            .map(|(v, _)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < self.lifetime);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (value, Instant::now()));
    }

    pub fn forget<Q: Eq + Hash + ?Sized>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
    {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_kept_until_forgotten() {
        let cache: Ttl<&str, i32> = Ttl::default();
        assert_eq!(cache.get(&"a"), None);
        cache.put("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.forget(&"a");
        assert_eq!(cache.get(&"a"), None);
        cache.put("b", 2);
        cache.clear();
        assert_eq!(cache.get(&"b"), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache: Ttl<usize, usize> = Ttl::default();
        for i in 0..CAPACITY + 10 {
            cache.put(i, i);
        }
        assert!(cache.entries.lock().unwrap().len() <= CAPACITY);
        assert_eq!(cache.get(&(CAPACITY + 9)), Some(CAPACITY + 9));
    }
}
