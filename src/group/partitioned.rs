//! Rows scattered into partitions by a hash of their key.

use std::hash::Hasher;

use rayon::prelude::*;

use crate::keys::{hash_bytes, hash_u64};

/// The partition of a key hash: its top bits.
#[inline]
pub(crate) fn partition_of(hash: u64) -> usize {
    (hash >> (64 - PART_BITS)) as usize
}

const PART_BITS: u32 = 8;
/// Partitions of the partitioned path.
pub(crate) const PARTS: usize = 1 << PART_BITS;
/// Rows per scatter task.
pub(crate) const CHUNK: usize = 1 << 16;

/// Rows scattered into `parts` partitions, chunk by chunk: `record(i)`
/// gives row `i`'s partition and record, `None` to leave the row out, or an
/// error. `out[c][p]` holds, in row order, the records of chunk `c` in
/// partition `p`. Chunks keep their order, so the error returned is the
/// first bad row's. `n <= u32::MAX` is checked by the caller.
pub(crate) fn scatter<R: Send, E: Send>(
    n: usize,
    parts: usize,
    record: impl Fn(usize) -> std::result::Result<Option<(usize, R)>, E> + Sync,
) -> std::result::Result<Vec<Vec<Vec<R>>>, E> {
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let (start, end) = (c * CHUNK, n.min((c + 1) * CHUNK));
            let guess = (end - start) / parts * 5 / 4 + 8;
            let mut out: Vec<Vec<R>> = (0..parts).map(|_| Vec::with_capacity(guess)).collect();
            for i in start..end {
                if let Some((p, rec)) = record(i)? {
                    out[p].push(rec);
                }
            }
            Ok(out)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// [`scatter`] for rows whose partition is cheap to find: `part(i)` gives
/// row `i`'s partition (`None`: no partition), and `record(i)` its record
/// (`None` leaves it out). A first pass over each chunk counts its rows per
/// partition, so that every list is allocated once, at most at its size.
pub(crate) fn scatter_counted<R: Send>(
    n: usize,
    parts: usize,
    part: impl Fn(usize) -> Option<usize> + Sync,
    record: impl Fn(usize) -> Option<R> + Sync,
) -> Vec<Vec<Vec<R>>> {
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let rows = c * CHUNK..n.min((c + 1) * CHUNK);
            let mut sizes = vec![0usize; parts];
            for i in rows.clone() {
                if let Some(size) = part(i).and_then(|p| sizes.get_mut(p)) {
                    *size += 1;
                }
            }
            let mut out: Vec<Vec<R>> = sizes.iter().map(|&k| Vec::with_capacity(k)).collect();
            for i in rows {
                if let Some(list) = part(i).and_then(|p| out.get_mut(p)) {
                    list.extend(record(i));
                }
            }
            out
        })
        .collect()
}

/// Hashes keys for the per-partition maps. It re-mixes the key hash so the
/// bits that chose the partition (equal for every key of a map) do not feed
/// the map's bucket index or control bytes.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        (self.0 << PART_BITS) | ((self.0 >> PART_BITS) & ((1 << PART_BITS) - 1))
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes);
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = hash_u64(x);
    }
    fn write_i64(&mut self, x: i64) {
        self.0 = hash_u64(x as u64);
    }
    // The length prefix of a byte-slice key is already part of hash_bytes.
    fn write_usize(&mut self, _: usize) {}
}
