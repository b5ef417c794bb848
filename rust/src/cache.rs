//! Compiled views, cached by definition version. Parsing, declaring and resolving a definition
//! then happens once per definition version, not once per query. A version is the SHA-256 of the
//! stored text, kept in the store row beside it and enforced by the table's CHECK constraint, so
//! the cache cannot serve a stale or invisible version: a query looks up the version its own
//! transaction reads from the store, so another connection's uncommitted write, a ROLLBACK, a
//! re-ATTACHed file or a definition edited with plain SQL simply look up another version, and a
//! hit never reads the definition itself. Stores without a trusted version column (written by
//! an earlier release, or a table someone built without the constraint) are keyed by the full
//! text instead. One cache per database instance (the C++ glue keeps it in DuckDB's object
//! cache), bounded by the size of the definitions it holds, least recently used out first.
//!
//! It also keeps SQL derived from compiled views: expansions of requests (which depend only on
//! the compiled view, the request, the view's name and its database's current name) and
//! rewrites of plain-SQL statements (the statement's text and, per view it reads, the same),
//! each dropped with any view it came from; and each plain-SQL statement's candidate names.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::plain_sql::Candidate;
use crate::plan::Request;
use crate::store::Stored;
use crate::view::View;

/// A stored definition, declared and (when every member resolves) fully resolved.
#[derive(Debug)]
pub struct Compiled {
    pub view: View,
    /// Every member resolved: requests naming only members plan on `view` without a copy.
    pub resolved: bool,
}

impl Compiled {
    pub fn new(definition: &str) -> Result<Compiled> {
        let declared = Stored::parse(definition)?.declare()?;
        let mut full = declared.clone();
        // A definition stored by an older version may hold a member that no longer resolves;
        // requests that do not touch it still work on the declared view.
        let (view, resolved) = match full.resolve_all() {
            Ok(()) => (full, true),
            Err(_) => (declared, false),
        };
        Ok(Compiled { view, resolved })
    }
}

/// A stored definition as a query reads it: its version, when the store keeps a trusted one,
/// and its text, which may be left unread (empty) when there is a version.
#[derive(Debug, Clone, Copy)]
pub struct DefinitionRef<'a> {
    pub version: &'a str,
    pub text: &'a str,
}

impl<'a> DefinitionRef<'a> {
    /// A definition known only by its text (a store without versions, or tests).
    pub fn text(text: &'a str) -> Self {
        DefinitionRef { version: "", text }
    }

    /// What the cache keys it by: its version, else its whole text (a version is hexadecimal,
    /// a text is a JSON object, so the two never meet).
    fn key(&self) -> &'a str {
        if self.version.is_empty() {
            self.text
        } else {
            self.version
        }
    }
}

struct Entry {
    compiled: Arc<Compiled>,
    last_used: u64,
    /// What the entry counts against the cache's bound: its key and definition text.
    bytes: usize,
}

/// SQL derived from compiled views (expansions, plain-SQL rewrites) kept per cache: at most
/// this many texts, of at most this many bytes in total.
const MAX_DERIVED: usize = 1024;
const MAX_DERIVED_BYTES: usize = 16 << 20;
/// Plain-SQL statements whose candidate view names are kept (no views involved).
const MAX_CANDIDATE_TEXTS: usize = 1024;
const MAX_CANDIDATE_BYTES: usize = 4 << 20;

/// What an expansion depends on besides the compiled view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExpansionKey {
    pub name: String,
    pub home_catalog: String,
    pub request: Request,
}

/// A view a plain-SQL statement reads, as it enters its rewrite.
#[derive(Debug, Clone)]
pub struct ViewUse<'a> {
    pub name: &'a str,
    pub definition: DefinitionRef<'a>,
    pub home_catalog: &'a str,
    pub verify_keys: bool,
}

/// What derived SQL depends on; compiled views by the address of their cached entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DerivedKey {
    Expansion(usize, ExpansionKey),
    /// A statement's text, and per view read: name as written, compiled entry, the current
    /// name of its database, key verification.
    Rewrite(String, Vec<(String, usize, String, bool)>),
}

impl DerivedKey {
    fn bytes(&self) -> usize {
        match self {
            DerivedKey::Expansion(..) => 0,
            DerivedKey::Rewrite(sql, _) => sql.len(),
        }
    }
}

struct Derived {
    /// Keeps the views alive, so that their addresses (in the key) are not reused meanwhile.
    views: Vec<Arc<Compiled>>,
    sql: String,
    last_used: u64,
}

#[derive(Default)]
struct Entries {
    /// By `sample_key` of the entry's key; keys sharing one are told apart by full comparison.
    by_key: HashMap<u64, Vec<(String, Entry)>>,
    count: usize,
    bytes: usize,
    clock: u64,
    /// Dropped with any view they were derived from.
    derived: HashMap<DerivedKey, Derived>,
    derived_bytes: usize,
    /// Plain-SQL statement text -> the names it may read as semantic views.
    candidates: HashMap<String, (Vec<Candidate>, u64)>,
    candidate_bytes: usize,
}

impl Entries {
    fn drop_derived_from(&mut self, view: &Arc<Compiled>) {
        let before = self.derived.len();
        self.derived.retain(|_, d| !d.views.iter().any(|v| Arc::ptr_eq(v, view)));
        if self.derived.len() != before {
            self.derived_bytes = self.derived.iter().map(|(k, d)| k.bytes() + d.sql.len()).sum();
        }
    }

    fn evict_derived(&mut self) {
        while self.derived.len() > MAX_DERIVED || self.derived_bytes > MAX_DERIVED_BYTES {
            let Some(oldest) = self.derived.iter().min_by_key(|(_, d)| d.last_used).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some(d) = self.derived.remove(&oldest) {
                self.derived_bytes -= oldest.bytes() + d.sql.len();
            }
        }
    }

    fn evict_candidates(&mut self) {
        while self.candidates.len() > MAX_CANDIDATE_TEXTS || self.candidate_bytes > MAX_CANDIDATE_BYTES {
            let Some(oldest) = self.candidates.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone()) else {
                break;
            };
            self.candidates.remove(&oldest);
            self.candidate_bytes -= oldest.len();
        }
    }
}

/// A cheap key over the text's length and a sample of its bytes (every 61st, and the first
/// and last 256): hashing every byte of a 100 KB definition on each query would cost more
/// than the lookup saves. Equal texts always get equal keys; the entry's full text decides.
fn sample_key(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let bytes = text.as_bytes();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.len().hash(&mut h);
    bytes[..bytes.len().min(256)].hash(&mut h);
    bytes[bytes.len().saturating_sub(256)..].hash(&mut h);
    for b in bytes.iter().step_by(61) {
        b.hash(&mut h);
    }
    h.finish()
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
        self.compiled(DefinitionRef::text(definition))?
            .ok_or_else(|| crate::error::Error::internal("a definition text without its compiled view"))
    }

    /// The compiled view of a stored definition; `None` when only its version was given and
    /// the cache does not hold it (the caller reads the text and asks again).
    pub fn compiled(&self, definition: DefinitionRef) -> Result<Option<Arc<Compiled>>> {
        if let Some(found) = self.lookup(definition.key()) {
            return Ok(Some(found));
        }
        if definition.text.is_empty() {
            return Ok(None);
        }
        // Compiled outside the lock: other queries go on meanwhile.
        let compiled = Arc::new(Compiled::new(definition.text)?);
        let key = definition.key();
        let bytes = if definition.version.is_empty() { key.len() } else { key.len() + definition.text.len() };
        if bytes <= self.max_bytes {
            let mut e = self.lock();
            e.clock += 1;
            let clock = e.clock;
            let bucket = e.by_key.entry(sample_key(key)).or_default();
            if !bucket.iter().any(|(k, _)| k == key) {
                bucket.push((key.to_string(), Entry { compiled: compiled.clone(), last_used: clock, bytes }));
                e.count += 1;
                e.bytes += bytes;
            }
            while e.bytes > self.max_bytes {
                let oldest =
                    e.by_key.iter().flat_map(|(k, bucket)| bucket.iter().enumerate().map(move |(i, (_, v))| (v.last_used, *k, i))).min();
                let Some((_, k, i)) = oldest else { break };
                let Some(bucket) = e.by_key.get_mut(&k) else { break };
                let (_, entry) = bucket.remove(i);
                if bucket.is_empty() {
                    e.by_key.remove(&k);
                }
                e.count -= 1;
                e.bytes -= entry.bytes;
                e.drop_derived_from(&entry.compiled);
            }
        }
        Ok(Some(compiled))
    }

    /// The expansion of a request on a stored definition: `expand` runs on a miss. Only
    /// expansions of views the cache keeps are kept; errors never are. `None` as `compiled`.
    pub fn expansion(
        &self,
        definition: DefinitionRef,
        key: ExpansionKey,
        expand: impl FnOnce(&Compiled, &ExpansionKey) -> Result<String>,
    ) -> Result<Option<String>> {
        let Some(compiled) = self.compiled(definition)? else { return Ok(None) };
        let key = DerivedKey::Expansion(Arc::as_ptr(&compiled) as usize, key);
        if let Some(sql) = self.find_derived(&key) {
            return Ok(Some(sql));
        }
        let DerivedKey::Expansion(_, request) = &key else {
            return Err(crate::error::Error::internal("an expansion key of another kind"));
        };
        let sql = expand(&compiled, request)?;
        self.keep_derived(key, vec![(definition.key(), compiled)], &sql);
        Ok(Some(sql))
    }

    /// The rewrite of a plain-SQL statement over views: `rewrite` runs on a miss, given the
    /// views compiled in the order of `views`. Kept only when the cache keeps every view it
    /// read; errors never are. `None` as `compiled`, when any view is not held.
    pub fn rewrite(
        &self,
        sql: &str,
        views: &[ViewUse],
        rewrite: impl FnOnce(&[Arc<Compiled>]) -> Result<String>,
    ) -> Result<Option<String>> {
        let mut compiled = Vec::with_capacity(views.len());
        let mut parts = Vec::with_capacity(views.len());
        for v in views {
            let Some(c) = self.compiled(v.definition)? else { return Ok(None) };
            parts.push((v.name.to_string(), Arc::as_ptr(&c) as usize, v.home_catalog.to_string(), v.verify_keys));
            compiled.push(c);
        }
        let key = DerivedKey::Rewrite(sql.to_string(), parts);
        if let Some(sql) = self.find_derived(&key) {
            return Ok(Some(sql));
        }
        let out = rewrite(&compiled)?;
        let held = views.iter().map(|v| v.definition.key()).zip(compiled).collect();
        self.keep_derived(key, held, &out);
        Ok(Some(out))
    }

    /// The candidate view names of a plain-SQL statement: `read` runs on a miss.
    pub fn candidates(&self, sql: &str, read: impl FnOnce() -> Vec<Candidate>) -> Vec<Candidate> {
        {
            let mut e = self.lock();
            e.clock += 1;
            let clock = e.clock;
            if let Some((names, used)) = e.candidates.get_mut(sql) {
                *used = clock;
                return names.clone();
            }
        }
        let names = read();
        let mut e = self.lock();
        let clock = e.clock;
        if e.candidates.insert(sql.to_string(), (names.clone(), clock)).is_none() {
            e.candidate_bytes += sql.len();
        }
        e.evict_candidates();
        names
    }

    fn find_derived(&self, key: &DerivedKey) -> Option<String> {
        let mut e = self.lock();
        e.clock += 1;
        let clock = e.clock;
        let d = e.derived.get_mut(key)?;
        d.last_used = clock;
        Some(d.sql.clone())
    }

    /// Keeps derived SQL while the cache holds each view it came from (by cache key).
    fn keep_derived(&self, key: DerivedKey, views: Vec<(&str, Arc<Compiled>)>, sql: &str) {
        let mut e = self.lock();
        if !views.iter().all(|(view_key, compiled)| self.holds(&e, view_key, compiled)) {
            return;
        }
        let clock = e.clock;
        e.derived_bytes += key.bytes() + sql.len();
        let views = views.into_iter().map(|(_, c)| c).collect();
        let bytes = key.bytes();
        if let Some(old) = e.derived.insert(key, Derived { views, sql: sql.to_string(), last_used: clock }) {
            e.derived_bytes -= bytes + old.sql.len();
        }
        e.evict_derived();
    }

    /// Whether `compiled` is the entry the cache holds under `key`.
    fn holds(&self, e: &Entries, key: &str, compiled: &Arc<Compiled>) -> bool {
        e.by_key
            .get(&sample_key(key))
            .and_then(|bucket| bucket.iter().find(|(k, _)| k == key))
            .is_some_and(|(_, entry)| Arc::ptr_eq(&entry.compiled, compiled))
    }

    /// Derived SQL texts held (expansions and rewrites).
    pub fn derived(&self) -> usize {
        self.lock().derived.len()
    }

    fn lookup(&self, key: &str) -> Option<Arc<Compiled>> {
        let hash = sample_key(key);
        let mut e = self.lock();
        e.clock += 1;
        let clock = e.clock;
        let (_, entry) = e.by_key.get_mut(&hash)?.iter_mut().find(|(k, _)| k == key)?;
        entry.last_used = clock;
        Some(entry.compiled.clone())
    }

    /// Definitions held.
    pub fn len(&self) -> usize {
        self.lock().count
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
    fn texts_with_one_sample_key_are_told_apart() {
        // Same length, differing only at one byte in the middle that the sample skips.
        let long = |mark: char, pad: usize| {
            let comment = format!("{}{mark}{}", "a".repeat(1000 + pad), "a".repeat(1000));
            definition("sum(a)").replacen("\"definition\":{", &format!("\"definition\":{{\"comment\":\"{comment}\","), 1)
        };
        let pad = (0..61).find(|&p| {
            let (a, b) = (long('x', p), long('y', p));
            a.bytes().zip(b.bytes()).position(|(x, y)| x != y).is_some_and(|i| i % 61 != 0)
        });
        let (a, b) = (long('x', pad.unwrap()), long('y', pad.unwrap()));
        assert_eq!((a.len(), sample_key(&a)), (b.len(), sample_key(&b)));
        let cache = ViewCache::new(1 << 20);
        let (x, y) = (cache.get(&a).unwrap(), cache.get(&b).unwrap());
        assert!(!Arc::ptr_eq(&x, &y));
        assert!(y.view.definition.comment.as_deref().is_some_and(|c| c.contains('y')));
        assert!(Arc::ptr_eq(&x, &cache.get(&a).unwrap()));
    }

    #[test]
    fn a_version_finds_its_entry_without_the_text() {
        let cache = ViewCache::new(1 << 20);
        let (v1, v2) = (definition("sum(a)"), definition("max(a)"));
        let known = |version, text| DefinitionRef { version, text };
        // Not held yet: the caller must read the text.
        assert!(cache.compiled(known("aa01", "")).unwrap().is_none());
        let a = cache.compiled(known("aa01", &v1)).unwrap().unwrap();
        assert!(Arc::ptr_eq(&a, &cache.compiled(known("aa01", "")).unwrap().unwrap()));
        // Another version is another entry even with the same text; the text alone is a third.
        let b = cache.compiled(known("bb02", &v1)).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &cache.get(&v1).unwrap()));
        assert_eq!(cache.compiled(known("cc03", &v2)).unwrap().unwrap().view.metrics[0].def.expr, "max(a)");
        assert_eq!(cache.len(), 4);
        let expand = |_: &Compiled, _: &ExpansionKey| Ok("sql".to_string());
        assert_eq!(cache.expansion(known("dd04", ""), request("m"), expand).unwrap(), None);
        assert_eq!(cache.expansion(known("aa01", ""), request("m"), expand).unwrap().as_deref(), Some("sql"));
        let uses = [ViewUse { name: "v", definition: known("ee05", ""), home_catalog: "memory", verify_keys: false }];
        assert_eq!(cache.rewrite("SELECT 1", &uses, |_| Ok("x".into())).unwrap(), None);
    }

    #[test]
    fn unreadable_definitions_are_errors_not_entries() {
        let cache = ViewCache::new(1 << 20);
        assert!(cache.get("{not json").is_err());
        assert!(cache.is_empty());
    }

    fn request(metric: &str) -> ExpansionKey {
        let request = Request { metrics: vec![metric.to_string()], ..Request::default() };
        ExpansionKey { name: "v".into(), home_catalog: "memory".into(), request }
    }

    #[test]
    fn each_request_expands_once_per_view_version() {
        let cache = ViewCache::new(1 << 20);
        let (v1, v2) = (definition("sum(a)"), definition("max(a)"));
        let calls = std::cell::Cell::new(0);
        let expand = |c: &Compiled, k: &ExpansionKey| {
            calls.set(calls.get() + 1);
            Ok(format!("{} {}", c.view.metrics[0].def.expr, k.request.metrics[0]))
        };
        assert_eq!(cache.expansion(DefinitionRef::text(&v1), request("m"), expand).unwrap().unwrap(), "sum(a) m");
        assert_eq!(cache.expansion(DefinitionRef::text(&v1), request("m"), expand).unwrap().unwrap(), "sum(a) m");
        assert_eq!(calls.get(), 1);
        assert_eq!(cache.expansion(DefinitionRef::text(&v2), request("m"), expand).unwrap().unwrap(), "max(a) m");
        let mut other = request("m");
        other.home_catalog = "renamed".into();
        cache.expansion(DefinitionRef::text(&v1), other, expand).unwrap();
        assert_eq!((calls.get(), cache.derived()), (3, 3));
        // Errors are not kept.
        assert!(cache.expansion(DefinitionRef::text(&v1), request("x"), |_, _| Err(crate::error::Error::binder("no"))).is_err());
        assert_eq!(cache.derived(), 3);
    }

    #[test]
    fn expansions_go_with_their_view_and_are_bounded() {
        let (v1, v2) = (definition("sum(a)"), definition("max(a)"));
        let cache = ViewCache::new(v1.len() + 1);
        cache.expansion(DefinitionRef::text(&v1), request("m"), |_, _| Ok("one".into())).unwrap();
        assert_eq!(cache.derived(), 1);
        cache.expansion(DefinitionRef::text(&v2), request("m"), |_, _| Ok("two".into())).unwrap(); // evicts v1
        assert_eq!(cache.derived(), 1);
        assert_eq!(cache.expansion(DefinitionRef::text(&v1), request("m"), |_, _| Ok("again".into())).unwrap().unwrap(), "again");
        // A view too large to keep: its expansions are not kept either.
        let tiny = ViewCache::new(10);
        tiny.expansion(DefinitionRef::text(&v1), request("m"), |_, _| Ok("x".into())).unwrap();
        assert_eq!(tiny.derived(), 0);
        let many = ViewCache::new(1 << 20);
        for i in 0..MAX_DERIVED + 10 {
            many.expansion(DefinitionRef::text(&v1), request(&format!("m{i}")), |_, _| Ok("sql".into())).unwrap();
        }
        assert_eq!(many.derived(), MAX_DERIVED);
    }

    #[test]
    fn rewrites_are_kept_per_text_and_view_version() {
        let cache = ViewCache::new(1 << 20);
        let (v1, v2) = (definition("sum(a)"), definition("max(a)"));
        fn uses(definition: &str) -> Vec<ViewUse<'_>> {
            vec![ViewUse { name: "v", definition: DefinitionRef::text(definition), home_catalog: "memory", verify_keys: false }]
        }
        let (v1, v2) = (v1.as_str(), v2.as_str());
        let calls = std::cell::Cell::new(0);
        let rewrite = |out: &str| {
            calls.set(calls.get() + 1);
            Ok(out.to_string())
        };
        assert_eq!(cache.rewrite("SELECT AGG(m) FROM v", &uses(v1), |_| rewrite("one")).unwrap(), Some("one".into()));
        assert_eq!(cache.rewrite("SELECT AGG(m) FROM v", &uses(v1), |_| rewrite("again")).unwrap(), Some("one".into()));
        // Another definition of the view, another text, another verification: each its own.
        assert_eq!(cache.rewrite("SELECT AGG(m) FROM v", &uses(v2), |_| rewrite("two")).unwrap(), Some("two".into()));
        assert_eq!(cache.rewrite("SELECT AGG(m) FROM  v", &uses(v1), |_| rewrite("three")).unwrap(), Some("three".into()));
        let mut verified = uses(v1);
        verified[0].verify_keys = true;
        assert_eq!(cache.rewrite("SELECT AGG(m) FROM v", &verified, |_| rewrite("four")).unwrap(), Some("four".into()));
        assert_eq!(calls.get(), 4);
        // Errors are not kept; a view the cache cannot compile is an error, not an entry.
        assert!(cache.rewrite("SELECT 1", &uses(v1), |_| Err(crate::error::Error::binder("no"))).is_err());
        assert!(cache.rewrite("SELECT 1", &uses("{"), |_| rewrite("x")).is_err());
        assert_eq!(cache.derived(), 4);
    }

    #[test]
    fn rewrites_go_with_any_view_they_read() {
        let (v1, v2) = (definition("sum(a)"), definition("max(a)"));
        let cache = ViewCache::new(v1.len() * 2 + 1);
        let both = [
            ViewUse { name: "a", definition: DefinitionRef::text(&v1), home_catalog: "memory", verify_keys: false },
            ViewUse { name: "b", definition: DefinitionRef::text(&v2), home_catalog: "memory", verify_keys: false },
        ];
        cache.rewrite("SELECT 1", &both, |_| Ok("kept".into())).unwrap();
        assert_eq!(cache.derived(), 1);
        cache.get(&definition("min(a)")).unwrap(); // evicts v1, the least recently used
        assert_eq!(cache.derived(), 0);
    }

    #[test]
    fn candidates_are_read_once_per_text_and_bounded() {
        let cache = ViewCache::new(1 << 20);
        let calls = std::cell::Cell::new(0);
        let sales = vec![Candidate { name: "sales".to_string(), as_relation: true }];
        let read = || {
            calls.set(calls.get() + 1);
            sales.clone()
        };
        assert_eq!(cache.candidates("SELECT AGG(m) FROM sales", read), sales);
        assert_eq!(cache.candidates("SELECT AGG(m) FROM sales", read), sales);
        assert_eq!(calls.get(), 1);
        for i in 0..MAX_CANDIDATE_TEXTS + 5 {
            cache.candidates(&format!("SELECT {i}"), Vec::new);
        }
        assert_eq!(cache.lock().candidates.len(), MAX_CANDIDATE_TEXTS);
    }
}
