//! A compact key table: normalized keys → dense ids.
//!
//! A million e-mail keys held as `Box<str>` in a map and again in a `Vec` cost well over 100
//! bytes each. Here every key lives once in one arena, as its id and its length (4 bytes each,
//! little-endian) followed by its bytes, and a key costs its length plus about 24 bytes.
//!
//! The index is an open-addressing table of 8-byte slots, each holding 16 bits of the key's
//! hash beside its arena offset, probed linearly and kept at most half full. It is written
//! here rather than taken from `hashbrown` for one reason, measured: once a table holds a
//! million keys, every lookup of a key not met recently is a chain of cache misses (slot,
//! then arena), and a row-at-a-time reader waits for each chain in turn. [`KeyTable::get_batch`]
//! walks a batch of keys through the chain one step at a time, touching every key's slot,
//! then every key's arena entry, so that the misses of a batch overlap; `hashbrown` keeps its
//! slot addresses to itself. A lookup's answer is always settled by comparing the key's
//! bytes: the hash bits only spare comparisons.

use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;

/// Bytes of an arena entry before the key: its id, then its length.
const HEAD: usize = 8;
/// Bits of a slot holding the arena offset plus one (0: an empty slot).
const OFFSET_BITS: u32 = 48;
const OFFSET_MASK: u64 = (1 << OFFSET_BITS) - 1;
/// Slots of an empty table.
const MIN_SLOTS: usize = 16;

/// Normalized keys and their ids, in first-seen order.
pub struct KeyTable {
    arena: Vec<u8>,
    /// Arena offset of each key's entry, by id.
    starts: Vec<u64>,
    /// `(hash >> 48) << 48 | (offset + 1)`, or 0; a power of two of them.
    slots: Vec<u64>,
    hasher: FxBuildHasher,
}

impl Default for KeyTable {
    fn default() -> Self {
        Self::with_capacity(0, 0)
    }
}

impl KeyTable {
    /// A table sized for about `keys` keys of `bytes` bytes in all.
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        Self {
            arena: Vec::with_capacity(bytes + keys * HEAD),
            starts: Vec::with_capacity(keys),
            slots: vec![0; (keys * 2).next_power_of_two().max(MIN_SLOTS)],
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

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Where `key` (of hash `hash`) is, or the empty slot where it would go.
    #[inline]
    fn probe(&self, key: &[u8], hash: u64) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let tag = hash >> OFFSET_BITS;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return Err(i);
            }
            if slot >> OFFSET_BITS == tag {
                let (id, k) = entry(&self.arena, (slot & OFFSET_MASK) - 1);
                if k == key {
                    return Ok(id);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of a key, if present.
    #[inline]
    pub fn get(&self, key: &str) -> Option<u32> {
        self.probe(key.as_bytes(), self.hash(key.as_bytes())).ok()
    }

    /// The ids of several keys (`found[i]` for `keys[i]`), their cache misses overlapped: every
    /// key's first slot is read before any is compared, and every candidate's arena entry
    /// before the comparisons that settle the answers.
    /// Keys past the `N`th are not looked up.
    pub fn get_batch<'k, const N: usize>(
        &self,
        keys: impl IntoIterator<Item = &'k str>,
        found: &mut [Option<u32>; N],
    ) {
        let mut batch = [""; N];
        let mut n = 0;
        for (slot, k) in batch.iter_mut().zip(keys) {
            *slot = k;
            n += 1;
        }
        let keys = &batch[..n];
        let mask = self.slots.len() - 1;
        let mut hashes = [0u64; N];
        for (h, k) in hashes.iter_mut().zip(&keys[..n]) {
            *h = self.hash(k.as_bytes());
            std::hint::black_box(self.slots[*h as usize & mask]);
        }
        for h in &hashes[..n] {
            let slot = self.slots[*h as usize & mask];
            if slot != 0 {
                let at = ((slot & OFFSET_MASK) - 1) as usize;
                std::hint::black_box(self.arena.get(at + HEAD).copied());
            }
        }
        for i in 0..n {
            found[i] = self.probe(keys[i].as_bytes(), hashes[i]).ok();
        }
    }

    /// The id of a key, inserting it if new; `true` when it was inserted.
    #[inline]
    pub fn get_or_insert(&mut self, key: &str) -> (u32, bool) {
        let key = key.as_bytes();
        let hash = self.hash(key);
        let i = match self.probe(key, hash) {
            Ok(id) => return (id, false),
            Err(i) => i,
        };
        let id = u32::try_from(self.starts.len()).expect("fewer than 4 billion distinct keys");
        let len = u32::try_from(key.len()).expect("keys are shorter than 4 GiB");
        let at = self.arena.len() as u64;
        assert!(at < OFFSET_MASK, "a key arena under 256 TiB");
        self.starts.push(at);
        self.arena.extend_from_slice(&id.to_le_bytes());
        self.arena.extend_from_slice(&len.to_le_bytes());
        self.arena.extend_from_slice(key);
        self.slots[i] = slot_of(hash, at);
        if self.starts.len() * 2 > self.slots.len() {
            self.grow();
        }
        (id, true)
    }

    /// Twice the slots, every key placed again.
    fn grow(&mut self) {
        let mut slots = vec![0u64; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for &at in &self.starts {
            let hash = self.hash(entry(&self.arena, at).1);
            let mut i = hash as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = slot_of(hash, at);
        }
        self.slots = slots;
    }
}

/// The slot of the key of hash `hash` whose entry is at arena offset `at`.
#[inline]
fn slot_of(hash: u64, at: u64) -> u64 {
    (hash >> OFFSET_BITS) << OFFSET_BITS | (at + 1)
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

    /// Against a `HashMap` on keys that collide in their low hash bits (a table of 16 slots
    /// growing to 2^18), found and absent, one at a time and in batches.
    #[test]
    fn answers_as_a_hash_map_does() {
        let mut t = KeyTable::default();
        let mut reference = std::collections::HashMap::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut keys = Vec::new();
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Few distinct values at first, so that keys repeat.
            let k = format!("{}@{}.test", x % 70_000, x % 7);
            keys.push(k.clone());
            let next = reference.len() as u32;
            let id = *reference.entry(k.clone()).or_insert(next);
            assert_eq!(t.get_or_insert(&k), (id, id == next), "{k}");
        }
        assert_eq!(t.len(), reference.len());
        for (k, &id) in &reference {
            assert_eq!(t.get(k), Some(id));
            assert_eq!(t.key(id), k);
        }
        let probes: Vec<String> = keys
            .iter()
            .take(5_000)
            .map(|k| format!("{k}x"))
            .chain(keys.iter().take(5_000).cloned())
            .collect();
        for chunk in probes.chunks(16) {
            let mut found = [None; 16];
            t.get_batch(chunk.iter().map(String::as_str), &mut found);
            for (i, k) in chunk.iter().enumerate() {
                assert_eq!(found[i], reference.get(k).copied(), "{k}");
            }
        }
    }
}
