//! Rendered catalog responses, kept per snapshot under the parsed, canonical request
//! (so `limit=0100` and `limit=100`, or `q=He gu` and `q=hegu`, share one body), with
//! the least recently used bodies making room for new ones.

use std::collections::HashMap;
use std::hash::Hash;

use actix_web::web::Bytes;

use crate::catalog::data::{BodyRegion, ConditionCategory, Pregnancy};
use crate::error::ApiError;
use crate::http::Lang;
use crate::pagination::{self, SortKey};

/// A page of a list: its size and the sort key it continues after.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Page {
    pub limit: usize,
    pub after: Option<SortKey>,
}

impl Page {
    /// Parses `limit` and `cursor` of a list asked with `filters` (a cursor issued for
    /// other filters is a 400).
    pub fn parse(
        limit: Option<&str>,
        cursor: Option<&str>,
        filters: &impl Hash,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            limit: pagination::parse_limit(limit)?,
            after: pagination::decode_cursor(cursor, pagination::filter_hash(filters))?,
        })
    }

    /// This page of `items` (sorted by key) and the cursor of the next one, which only
    /// continues a list asked with the same `filters`.
    pub fn of<T>(&self, items: Vec<(SortKey, T)>, filters: &impl Hash) -> (Vec<T>, Option<String>) {
        pagination::paginate(
            items,
            self.after,
            self.limit,
            pagination::filter_hash(filters),
        )
    }
}

/// The point-list filters after parsing: canonical codes, catalog indexes, search key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PointFilters {
    pub meridian: Option<String>,
    pub region: Option<BodyRegion>,
    /// Condition indexes in the order asked (it orders each item's `matches`).
    pub conditions: Vec<usize>,
    pub pregnancy: Option<Pregnancy>,
    /// `Some(true)` for standard points, `Some(false)` for extra points.
    pub standard: Option<bool>,
    /// The search key of `q` (`He gu` → `hegu`).
    pub q: Option<String>,
}

/// What a catalog read asks for. Equal values render equal bodies within a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReadKey {
    Meridians,
    Meridian(String),
    Points(PointFilters, Page),
    Point(usize),
    Conditions(Option<ConditionCategory>, Page),
    Condition(usize),
    Routines(Option<String>, Page),
    Routine(usize),
    Safety,
    Version,
}

/// Bounds on the response cache of one snapshot.
pub const MAX_ENTRIES: usize = 4096;
const MAX_BYTES: usize = 32 * 1024 * 1024;
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A rendered body is a function of the language and the request.
pub type CacheKey = (Lang, ReadKey);

/// A rendered body and its `Content-Language` (the language asked for, with `en` added
/// where texts fell back to English).
pub type Rendered = (Bytes, &'static str);

/// The rendered bodies of one snapshot.
pub type ResponseCache = Lru<CacheKey, Rendered>;

impl Default for ResponseCache {
    fn default() -> Self {
        Lru::new(MAX_ENTRIES, MAX_BYTES, MAX_BODY_BYTES)
    }
}

const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Node<K, V> {
    key: K,
    value: V,
    bytes: usize,
    newer: usize,
    older: usize,
}

/// A least-recently-used map bounded in entries and in total bytes, with O(1) reads
/// and writes: entries sit in a slab, linked from the newest to the oldest use.
#[derive(Debug)]
pub struct Lru<K, V> {
    map: HashMap<K, usize>,
    nodes: Vec<Node<K, V>>,
    free: Vec<usize>,
    newest: usize,
    oldest: usize,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
    max_value_bytes: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> Lru<K, V> {
    pub fn new(max_entries: usize, max_bytes: usize, max_value_bytes: usize) -> Self {
        Self {
            map: HashMap::new(),
            nodes: Vec::new(),
            free: Vec::new(),
            newest: NIL,
            oldest: NIL,
            bytes: 0,
            max_entries,
            max_bytes,
            max_value_bytes: max_value_bytes.min(max_bytes),
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The value under `key`, which becomes the most recently used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        let i = *self.map.get(key)?;
        self.unlink(i);
        self.push_newest(i);
        Some(self.nodes[i].value.clone())
    }

    /// Keeps `value` (of `bytes` bytes) as the most recently used, evicting the least
    /// recently used entries until it fits. A value over the per-value bound is not kept.
    pub fn insert(&mut self, key: K, value: V, bytes: usize) {
        if bytes > self.max_value_bytes {
            return;
        }
        if let Some(i) = self.map.remove(&key) {
            self.remove_node(i);
        }
        while self.map.len() >= self.max_entries || self.bytes + bytes > self.max_bytes {
            let oldest = self.oldest;
            if oldest == NIL {
                break;
            }
            self.map.remove(&self.nodes[oldest].key);
            self.remove_node(oldest);
        }
        let node = Node {
            key: key.clone(),
            value,
            bytes,
            newer: NIL,
            older: NIL,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.nodes[i] = node;
                i
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        };
        self.bytes += bytes;
        self.map.insert(key, i);
        self.push_newest(i);
    }

    fn remove_node(&mut self, i: usize) {
        self.unlink(i);
        self.bytes -= self.nodes[i].bytes;
        self.free.push(i);
    }

    fn unlink(&mut self, i: usize) {
        let (newer, older) = (self.nodes[i].newer, self.nodes[i].older);
        match newer {
            NIL => self.newest = older,
            n => self.nodes[n].older = older,
        }
        match older {
            NIL => self.oldest = newer,
            o => self.nodes[o].newer = newer,
        }
    }

    fn push_newest(&mut self, i: usize) {
        self.nodes[i].newer = NIL;
        self.nodes[i].older = self.newest;
        match self.newest {
            NIL => self.oldest = i,
            n => self.nodes[n].newer = i,
        }
        self.newest = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_evicts_the_least_recently_used() {
        let mut lru = Lru::new(3, 1000, 1000);
        for k in ["a", "b", "c"] {
            lru.insert(k, k.to_uppercase(), 1);
        }
        assert_eq!(lru.get(&"a").as_deref(), Some("A"), "a is now the newest");
        lru.insert("d", "D".into(), 1);
        assert_eq!(lru.len(), 3);
        assert_eq!(lru.get(&"b"), None, "b was the least recently used");
        for k in ["a", "c", "d"] {
            assert!(lru.get(&k).is_some(), "{k} stays");
        }
    }

    #[test]
    fn the_byte_budget_evicts_as_many_as_needed() {
        let mut lru = Lru::new(10, 10, 8);
        lru.insert(1, (), 4);
        lru.insert(2, (), 4);
        lru.insert(3, (), 8);
        assert_eq!(
            (lru.get(&1), lru.get(&2), lru.get(&3)),
            (None, None, Some(()))
        );
        lru.insert(4, (), 9);
        assert_eq!(lru.get(&4), None, "over the per-value bound: not kept");
        assert_eq!(lru.get(&3), Some(()), "and nothing evicted for it");
    }

    #[test]
    fn replacing_a_key_keeps_one_entry_and_counts_bytes_once() {
        let mut lru = Lru::new(2, 10, 10);
        lru.insert("a", 1, 6);
        lru.insert("a", 2, 6);
        assert_eq!(lru.len(), 1);
        assert_eq!(lru.get(&"a"), Some(2));
        lru.insert("b", 3, 4);
        assert_eq!((lru.get(&"a"), lru.get(&"b")), (Some(2), Some(3)));
    }

    #[test]
    fn slots_are_reused_in_long_runs() {
        let mut lru = Lru::new(4, 100, 100);
        for k in 0..1000 {
            lru.insert(k, k, 1);
        }
        assert_eq!(lru.len(), 4);
        assert_eq!(lru.nodes.len(), 4, "evicted slots are reused");
        for k in 996..1000 {
            assert_eq!(lru.get(&k), Some(k));
        }
    }
}
