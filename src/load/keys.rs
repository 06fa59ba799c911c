//! A compact key table: normalized keys → dense ids.
//!
//! A million e-mail keys held as `Box<str>` in a map and again in a `Vec` cost well over 100
//! bytes each. Here every key's bytes live once in one arena string, the table holds only ids,
//! and a key costs its length plus about 13 bytes.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Normalized keys and their ids, in first-seen order.
#[derive(Default)]
pub struct KeyTable {
    arena: String,
    /// Start offset of each key in `arena`; key `i` ends where key `i + 1` starts.
    starts: Vec<u64>,
    table: HashTable<u32>,
    hasher: FxBuildHasher,
}

impl KeyTable {
    /// A table sized for about `keys` keys of `bytes` bytes in all.
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        Self {
            arena: String::with_capacity(bytes),
            starts: Vec::with_capacity(keys),
            table: HashTable::with_capacity(keys),
            hasher: FxBuildHasher,
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The key of an id.
    #[inline]
    pub fn key(&self, id: u32) -> &str {
        span(&self.arena, &self.starts, id)
    }

    /// The id of a key, if present.
    #[inline]
    pub fn get(&self, key: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(key);
        self.table.find(hash, |&id| self.key(id) == key).copied()
    }

    /// The id of a key, inserting it if new; `true` when it was inserted. One probe either way.
    #[inline]
    pub fn get_or_insert(&mut self, key: &str) -> (u32, bool) {
        let hash = self.hasher.hash_one(key);
        let Self {
            arena,
            starts,
            table,
            hasher,
        } = self;
        let entry = table.entry(
            hash,
            |&id| span(arena, starts, id) == key,
            |&id| hasher.hash_one(span(arena, starts, id)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => (*e.get(), false),
            hashbrown::hash_table::Entry::Vacant(v) => {
                let id = u32::try_from(starts.len()).expect("fewer than 4 billion distinct keys");
                starts.push(arena.len() as u64);
                arena.push_str(key);
                v.insert(id);
                (id, true)
            }
        }
    }
}

/// Key `id` of an arena: it ends where the next key starts.
#[inline]
fn span<'a>(arena: &'a str, starts: &[u64], id: u32) -> &'a str {
    let i = id as usize;
    let start = starts[i] as usize;
    let end = starts.get(i + 1).map_or(arena.len(), |&e| e as usize);
    &arena[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_stable() {
        let mut t = KeyTable::with_capacity(4, 32);
        assert_eq!(t.get_or_insert("a@x.io"), (0, true));
        assert_eq!(t.get_or_insert("b@x.io"), (1, true));
        assert_eq!(t.get_or_insert("a@x.io"), (0, false));
        assert_eq!(t.get("b@x.io"), Some(1));
        assert_eq!(t.get("c@x.io"), None);
        assert_eq!(t.key(1), "b@x.io");
        for i in 0..10_000 {
            t.get_or_insert(&format!("k{i}"));
        }
        assert_eq!(t.len(), 10_002);
        assert_eq!(t.key(t.get("k9999").unwrap()), "k9999");
        assert_eq!(t.key(0), "a@x.io");
    }
}
