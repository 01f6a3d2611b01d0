//! The columns the grouping reads: customer keys and the second key of
//! distinct counting.

use std::hash::{Hash, Hasher};

use crate::keys::{hash_bytes, hash_u64, SortedKeys, StrBuffer, StrColumn};

/// A column of keys the partitioned path can group by.
pub(crate) trait KeyAccess: Sync {
    type K: Copy + Default + Eq + Hash + Ord + Send + Sync;
    fn key(&self, i: usize) -> Self::K;
    fn hash(k: Self::K) -> u64;
    fn sorted(keys: Vec<Self::K>) -> SortedKeys;
}

impl KeyAccess for &[i64] {
    type K = i64;
    fn key(&self, i: usize) -> i64 {
        self[i]
    }
    fn hash(k: i64) -> u64 {
        hash_u64(k as u64)
    }
    fn sorted(keys: Vec<i64>) -> SortedKeys {
        SortedKeys::I64(keys)
    }
}

impl KeyAccess for &[u64] {
    type K = u64;
    fn key(&self, i: usize) -> u64 {
        self[i]
    }
    fn hash(k: u64) -> u64 {
        hash_u64(k)
    }
    fn sorted(keys: Vec<u64>) -> SortedKeys {
        SortedKeys::U64(keys)
    }
}

impl<'a> KeyAccess for StrColumn<'a> {
    type K = StrKey<'a>;
    fn key(&self, i: usize) -> StrKey<'a> {
        StrKey::new(self.get(i))
    }
    fn hash(k: StrKey<'a>) -> u64 {
        k.hash
    }
    fn sorted(keys: Vec<StrKey<'a>>) -> SortedKeys {
        let mut buf = StrBuffer::with_capacity(keys.len());
        for k in &keys {
            // Short keys are all in the prefix: no trip to the input bytes.
            match k.bytes.len() {
                n if n <= 16 => buf.push(&k.prefix.to_be_bytes()[..n]),
                _ => buf.push(k.bytes),
            }
        }
        SortedKeys::Str(buf)
    }
}

/// A string key with its hash and first 16 bytes kept inline, so hashing,
/// equality and ordering rarely have to follow the pointer to the bytes
/// (a cache miss): only on equal prefixes of strings longer than 16 bytes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StrKey<'a> {
    hash: u64,
    /// The first 16 bytes, big-endian, zero-padded: integer order is byte order.
    prefix: u128,
    bytes: &'a [u8],
}

impl<'a> StrKey<'a> {
    #[inline]
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self::with_hash(hash_bytes(bytes), bytes)
    }

    #[inline]
    fn with_hash(hash: u64, bytes: &'a [u8]) -> Self {
        StrKey {
            hash,
            prefix: prefix(bytes),
            bytes,
        }
    }
}

/// The first 16 bytes of `bytes`, zero-padded, as a big-endian integer:
/// integer order is byte order, up to a tie on the prefix.
#[inline]
pub(crate) fn prefix(bytes: &[u8]) -> u128 {
    let mut head = [0u8; 16];
    let k = bytes.len().min(16);
    head[..k].copy_from_slice(&bytes[..k]);
    u128::from_be_bytes(head)
}

impl PartialEq for StrKey<'_> {
    #[inline]
    fn eq(&self, o: &Self) -> bool {
        self.hash == o.hash
            && self.prefix == o.prefix
            && self.bytes.len() == o.bytes.len()
            && (self.bytes.len() <= 16 || self.bytes == o.bytes)
    }
}

impl Eq for StrKey<'_> {}

impl Hash for StrKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl Ord for StrKey<'_> {
    #[inline]
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.prefix
            .cmp(&o.prefix)
            .then_with(|| self.bytes.cmp(o.bytes))
    }
}

impl PartialOrd for StrKey<'_> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

/// The second key of distinct counting: an order id or a day.
pub(crate) trait DistinctAccess: Sync {
    type K: Ord + Copy + Send;
    fn key(&self, i: usize) -> Self::K;
}

/// Distinct values of a closure of the row (days, integer order ids).
pub(crate) struct DistinctBy<F>(pub(crate) F);

impl<F: Fn(usize) -> u64 + Sync> DistinctAccess for DistinctBy<F> {
    type K = u64;
    fn key(&self, i: usize) -> u64 {
        (self.0)(i)
    }
}

/// Distinct string order ids, compared by hash first and bytes on a tie.
pub(crate) struct DistinctStr<'a>(pub(crate) StrColumn<'a>);

impl<'a> DistinctAccess for DistinctStr<'a> {
    type K = (u64, &'a [u8]);
    fn key(&self, i: usize) -> (u64, &'a [u8]) {
        let s = self.0.get(i);
        (hash_bytes(s), s)
    }
}
