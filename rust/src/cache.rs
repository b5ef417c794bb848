//! Compiled views, cached by the exact stored definition text. Parsing, declaring and resolving
//! a definition then happens once per definition version, not once per query. Keyed by content,
//! the cache cannot serve a stale or invisible version: a query looks up the text its own
//! transaction reads from the store, so another connection's uncommitted write, a ROLLBACK, a
//! re-ATTACHed file or a definition edited with plain SQL simply look up a different text.
//! One cache per database instance (the C++ glue keeps it in DuckDB's object cache), bounded
//! by the size of the definitions it holds, least recently used out first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::store::Stored;
use crate::view::View;

/// A stored definition, declared and (when every member resolves) fully resolved.
#[derive(Debug)]
pub struct Compiled {
    pub stored: Stored,
    pub view: View,
    /// Every member resolved: requests naming only members plan on `view` without a copy.
    pub resolved: bool,
}

impl Compiled {
    pub fn new(definition: &str) -> Result<Compiled> {
        let stored = Stored::parse(definition)?;
        let declared = stored.clone().declare()?;
        let mut full = declared.clone();
        // A definition stored by an older version may hold a member that no longer resolves;
        // requests that do not touch it still work on the declared view.
        let (view, resolved) = match full.resolve_all() {
            Ok(()) => (full, true),
            Err(_) => (declared, false),
        };
        Ok(Compiled { stored, view, resolved })
    }
}

struct Entry {
    compiled: Arc<Compiled>,
    last_used: u64,
}

#[derive(Default)]
struct Entries {
    by_text: HashMap<String, Entry>,
    bytes: usize,
    clock: u64,
}

pub struct ViewCache {
    max_bytes: usize,
    entries: Mutex<Entries>,
}

impl ViewCache {
    /// A cache holding definitions of at most `max_bytes` in total (one larger definition is
    /// compiled for each use instead).
    pub fn new(max_bytes: usize) -> ViewCache {
        ViewCache { max_bytes, entries: Mutex::new(Entries::default()) }
    }

    /// The compiled view of a stored definition text.
    pub fn get(&self, definition: &str) -> Result<Arc<Compiled>> {
        if let Some(found) = self.lookup(definition) {
            return Ok(found);
        }
        // Compiled outside the lock: other queries go on meanwhile.
        let compiled = Arc::new(Compiled::new(definition)?);
        if definition.len() <= self.max_bytes {
            let mut e = self.lock();
            e.clock += 1;
            let clock = e.clock;
            if e.by_text.insert(definition.to_string(), Entry { compiled: compiled.clone(), last_used: clock }).is_none() {
                e.bytes += definition.len();
            }
            while e.bytes > self.max_bytes {
                let Some(oldest) = e.by_text.iter().min_by_key(|(_, v)| v.last_used).map(|(k, _)| k.clone()) else { break };
                e.by_text.remove(&oldest);
                e.bytes -= oldest.len();
            }
        }
        Ok(compiled)
    }

    fn lookup(&self, definition: &str) -> Option<Arc<Compiled>> {
        let mut e = self.lock();
        e.clock += 1;
        let clock = e.clock;
        let entry = e.by_text.get_mut(definition)?;
        entry.last_used = clock;
        Some(entry.compiled.clone())
    }

    /// Definitions held.
    pub fn len(&self) -> usize {
        self.lock().by_text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the map inconsistent (each update is
        // one insert or remove), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Pinned;
    use std::collections::BTreeMap;

    fn definition(metric: &str) -> String {
        let def = crate::parse::definition_json(&format!(
            r#"{{"tables": [{{"alias": "t", "table": "t"}}], "metrics": [{{"table": "t", "name": "m", "expr": "{metric}"}}]}}"#
        ))
        .unwrap();
        let columns = BTreeMap::from([("t".to_string(), vec!["a".to_string()])]);
        Stored::new("main", columns, Pinned::default(), def).to_json()
    }

    #[test]
    fn each_text_compiles_once_and_another_text_is_another_entry() {
        let cache = ViewCache::new(1 << 20);
        let (v1, v2) = (definition("sum(a)"), definition("max(a)"));
        let a = cache.get(&v1).unwrap();
        let b = cache.get(&v1).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let c = cache.get(&v2).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(c.view.metrics[0].def.expr, "max(a)");
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn bounded_by_bytes_least_recently_used_first() {
        let (v1, v2, v3) = (definition("sum(a)"), definition("max(a)"), definition("min(a)"));
        let cache = ViewCache::new(v1.len() * 2 + 1);
        let a = cache.get(&v1).unwrap();
        cache.get(&v2).unwrap();
        cache.get(&v1).unwrap(); // v2 is now the least recently used
        cache.get(&v3).unwrap();
        assert_eq!(cache.len(), 2);
        assert!(Arc::ptr_eq(&a, &cache.get(&v1).unwrap()));
        // Too large for the cache: compiled, not kept.
        let tiny = ViewCache::new(10);
        tiny.get(&v1).unwrap();
        assert!(tiny.is_empty());
    }

    #[test]
    fn unreadable_definitions_are_errors_not_entries() {
        let cache = ViewCache::new(1 << 20);
        assert!(cache.get("{not json").is_err());
        assert!(cache.is_empty());
    }
}
