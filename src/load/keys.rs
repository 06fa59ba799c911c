//! A compact key table: normalized keys → dense ids.
//!
//! A million e-mail keys held as `Box<str>` in a map and again in a `Vec` cost well over 100
//! bytes each. Here every key lives once in one arena, as its id and its length (4 bytes each,
//! little-endian) followed by its bytes; the hash table holds only arena offsets, and a key
//! costs its length plus about 24 bytes.
//!
//! A lookup is a cache miss on the table's control bytes, one on the offset and one on the
//! arena, where id, length and bytes lie side by side: the table is far larger than any cache
//! once it holds a million keys, so every miss saved is time saved on every row.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Bytes of an arena entry before the key: its id, then its length.
const HEAD: usize = 8;

/// Normalized keys and their ids, in first-seen order.
#[derive(Default)]
pub struct KeyTable {
    arena: Vec<u8>,
    /// Arena offset of each key's entry, by id.
    starts: Vec<u64>,
    /// Arena offsets, hashed by key.
    table: HashTable<u64>,
    hasher: FxBuildHasher,
}

impl KeyTable {
    /// A table sized for about `keys` keys of `bytes` bytes in all.
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        Self {
            arena: Vec::with_capacity(bytes + keys * HEAD),
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
        let (_, key) = entry(&self.arena, self.starts[id as usize]);
        // Keys are copied in whole from `&str`s: an entry's bytes are always valid UTF-8.
        std::str::from_utf8(key).unwrap_or_default()
    }

    /// The id of a key, if present.
    #[inline]
    pub fn get(&self, key: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(key.as_bytes());
        self.table
            .find(hash, |&at| entry(&self.arena, at).1 == key.as_bytes())
            .map(|&at| entry(&self.arena, at).0)
    }

    /// The id of a key, inserting it if new; `true` when it was inserted. One probe either way.
    #[inline]
    pub fn get_or_insert(&mut self, key: &str) -> (u32, bool) {
        let key = key.as_bytes();
        let hash = self.hasher.hash_one(key);
        let Self {
            arena,
            starts,
            table,
            hasher,
        } = self;
        let slot = table.entry(
            hash,
            |&at| entry(arena, at).1 == key,
            |&at| hasher.hash_one(entry(arena, at).1),
        );
        match slot {
            hashbrown::hash_table::Entry::Occupied(e) => (entry(arena, *e.get()).0, false),
            hashbrown::hash_table::Entry::Vacant(v) => {
                let id = u32::try_from(starts.len()).expect("fewer than 4 billion distinct keys");
                let len = u32::try_from(key.len()).expect("keys are shorter than 4 GiB");
                let at = arena.len() as u64;
                starts.push(at);
                arena.extend_from_slice(&id.to_le_bytes());
                arena.extend_from_slice(&len.to_le_bytes());
                arena.extend_from_slice(key);
                v.insert(at);
                (id, true)
            }
        }
    }
}

/// The id and the bytes of the arena entry at `at`.
#[inline]
fn entry(arena: &[u8], at: u64) -> (u32, &[u8]) {
    let at = at as usize;
    let head = &arena[at..at + HEAD];
    let id = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
    (id, &arena[at + HEAD..at + HEAD + len])
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

    #[test]
    fn empty_and_non_ascii_keys_keep_their_bytes() {
        let mut t = KeyTable::default();
        assert_eq!(t.get_or_insert(""), (0, true));
        assert_eq!(t.get_or_insert("jürgen@müller.de"), (1, true));
        assert_eq!(t.get(""), Some(0));
        assert_eq!(t.key(1), "jürgen@müller.de");
        assert_eq!(t.get("jürgen@müller.d"), None);
    }
}
