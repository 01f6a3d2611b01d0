//! Grouping rows by customer and folding them into accumulators.
//!
//! Two strategies, chosen by the data:
//! - dense: integer ids whose range is small next to the row count index an
//!   array directly; each thread folds a contiguous block of rows into its own
//!   array and the arrays are merged. No hashing, no sort: slots are in id order.
//! - partitioned: every other case. Rows are scattered into 256 partitions by
//!   the top bits of a hash of the id, so each customer lives in exactly one
//!   partition; partitions are folded independently in parallel (with hash
//!   maps small enough for the cache), and the distinct keys are sorted once.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};
use crate::keys::{hash_bytes, hash_u64, SortedKeys, StrColumn};

/// Customers in key order with their accumulators.
pub struct Grouped {
    pub keys: SortedKeys,
    pub accs: Vec<Acc>,
}

/// Folds rows into one accumulator per slot, `slot_of(i)` giving row `i`'s
/// slot, with `blocks` blocks of rows folded in parallel.
pub fn fold_dense(
    rows: &Rows,
    n_slots: usize,
    blocks: usize,
    slot_of: impl Fn(usize) -> usize + Sync,
) -> Vec<Acc> {
    let n = rows.time.len();
    let blocks = blocks.max(1);
    let per = n.div_ceil(blocks).max(1);
    let partials: Vec<Vec<Acc>> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut accs = vec![Acc::default(); n_slots];
            for i in (b * per).min(n)..((b + 1) * per).min(n) {
                rows.visit(i, &mut accs[slot_of(i)], true);
            }
            accs
        })
        .collect();
    let mut partials = partials.into_iter();
    let mut total = partials.next().unwrap_or_else(|| vec![Acc::default(); n_slots]);
    for part in partials {
        total
            .par_iter_mut()
            .with_min_len(1 << 14)
            .zip(part.par_iter())
            .for_each(|(t, p)| t.merge(p));
    }
    total
}

/// A column of keys the partitioned path can group by.
pub trait KeyAccess: Sync {
    type K: Copy + Eq + Hash + Ord + Send + Sync;
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
    type K = &'a [u8];
    fn key(&self, i: usize) -> &'a [u8] {
        self.get(i)
    }
    fn hash(k: &[u8]) -> u64 {
        hash_bytes(k)
    }
    fn sorted(keys: Vec<&'a [u8]>) -> SortedKeys {
        SortedKeys::Str(keys.into_iter().map(<[u8]>::to_vec).collect())
    }
}

/// The second key of distinct counting (an order id or a day), if any.
pub trait DistinctAccess: Sync {
    type K: Ord + Copy + Send;
    /// False for plain row counting, which needs no pairs.
    const DISTINCT: bool = true;
    fn key(&self, i: usize) -> Self::K;
}

/// Row counting: no second key.
pub struct NoDistinct;

impl DistinctAccess for NoDistinct {
    type K = ();
    const DISTINCT: bool = false;
    fn key(&self, _: usize) {}
}

/// Distinct values of a closure of the row (days, integer order ids).
pub struct DistinctBy<F>(pub F);

impl<F: Fn(usize) -> u64 + Sync> DistinctAccess for DistinctBy<F> {
    type K = u64;
    fn key(&self, i: usize) -> u64 {
        (self.0)(i)
    }
}

/// Distinct string order ids, compared by hash first and bytes on a tie.
pub struct DistinctStr<'a>(pub StrColumn<'a>);

impl<'a> DistinctAccess for DistinctStr<'a> {
    type K = (u64, &'a [u8]);
    fn key(&self, i: usize) -> (u64, &'a [u8]) {
        let s = self.0.get(i);
        (hash_bytes(s), s)
    }
}

const PART_BITS: u32 = 8;
const PARTS: usize = 1 << PART_BITS;
const CHUNK: usize = 1 << 16;

/// Groups by hashed keys (see the module docs). `n <= u32::MAX` is checked by
/// the caller.
pub fn fold_partitioned<A: KeyAccess, D: DistinctAccess>(
    ids: &A,
    rows: &Rows,
    distinct: &D,
) -> Grouped {
    let n = rows.time.len();
    // Scatter row numbers into partitions, chunk by chunk, keeping row order.
    let scattered: Vec<Vec<Vec<u32>>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut parts = vec![Vec::new(); PARTS];
            for i in c * CHUNK..n.min((c + 1) * CHUNK) {
                let p = (A::hash(ids.key(i)) >> (64 - PART_BITS)) as usize;
                parts[p].push(i as u32);
            }
            parts
        })
        .collect();
    let folded: Vec<(Vec<A::K>, Vec<Acc>)> = (0..PARTS)
        .into_par_iter()
        .map(|p| fold_partition(ids, rows, distinct, scattered.iter().map(|c| c[p].as_slice())))
        .collect();
    drop(scattered);

    let mut order: Vec<(A::K, u32, u32)> = folded
        .iter()
        .enumerate()
        .flat_map(|(p, (keys, _))| {
            keys.iter()
                .enumerate()
                .map(move |(l, &k)| (k, p as u32, l as u32))
        })
        .collect();
    order.par_sort_unstable_by(|a, b| a.0.cmp(&b.0)); // keys are distinct
    let accs = order
        .iter()
        .map(|&(_, p, l)| folded[p as usize].1[l as usize])
        .collect();
    let keys = A::sorted(order.into_iter().map(|(k, _, _)| k).collect());
    Grouped { keys, accs }
}

fn fold_partition<'r, A: KeyAccess, D: DistinctAccess>(
    ids: &A,
    rows: &Rows,
    distinct: &D,
    row_lists: impl Iterator<Item = &'r [u32]>,
) -> (Vec<A::K>, Vec<Acc>) {
    let mut local: HashMap<A::K, u32, BuildHasherDefault<KeyHasher>> = HashMap::default();
    let mut keys = Vec::new();
    let mut accs: Vec<Acc> = Vec::new();
    let mut pairs: Vec<(u32, D::K)> = Vec::new();
    for list in row_lists {
        for &r in list {
            let i = r as usize;
            let k = ids.key(i);
            let slot = *local.entry(k).or_insert_with(|| {
                keys.push(k);
                accs.push(Acc::default());
                (keys.len() - 1) as u32
            });
            let counted = rows.visit(i, &mut accs[slot as usize], !D::DISTINCT);
            if D::DISTINCT && counted {
                pairs.push((slot, distinct.key(i)));
            }
        }
    }
    if D::DISTINCT {
        pairs.sort_unstable();
        pairs.dedup();
        for (slot, _) in pairs {
            accs[slot as usize].count += 1;
        }
    }
    (keys, accs)
}

/// Hashes keys for the per-partition maps. It re-mixes the key hash so the
/// bits that chose the partition (equal for every key of a map) do not feed
/// the map's bucket index or control bytes.
#[derive(Default)]
pub struct KeyHasher(u64);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Time;
    use crate::scan::Amounts;

    fn rows<'a>(ts: &'a [i64], amt: &'a [i64]) -> Rows<'a> {
        Rows {
            time: Time::Naive { ts, ticks_per_day: 1 },
            amounts: Amounts::I64(amt),
            cutoff: i64::MAX,
            window_start: i64::MIN,
            exclude_returns: false,
        }
    }

    #[test]
    fn partitioned_sorts_keys_and_counts() {
        let ids: &[i64] = &[30, -5, 30, 7, -5, 30];
        let ts = [1, 2, 3, 4, 5, 6];
        let amt = [1, 2, 3, 4, 5, 6];
        let g = fold_partitioned(&ids, &rows(&ts, &amt), &NoDistinct);
        assert_eq!(g.keys, SortedKeys::I64(vec![-5, 7, 30]));
        let counts: Vec<u32> = g.accs.iter().map(|a| a.count).collect();
        assert_eq!(counts, [2, 1, 3]);
        assert_eq!(g.accs[2].money.to_f64(), 10.0);
    }

    #[test]
    fn distinct_counts_days() {
        let ids: &[u64] = &[1, 1, 1, 2];
        let ts = [10, 10, 11, 10];
        let amt = [1, 1, 1, 1];
        let g = fold_partitioned(&ids, &rows(&ts, &amt), &DistinctBy(|i| ts[i] as u64));
        let counts: Vec<u32> = g.accs.iter().map(|a| a.count).collect();
        assert_eq!(counts, [2, 1]);
    }

    #[test]
    fn dense_matches_partitioned() {
        let n = 200_000;
        let ids: Vec<i64> = (0..n).map(|i| (i * 7919 % 1000) as i64).collect();
        let ts: Vec<i64> = (0..n).map(|i| (i % 97) as i64).collect();
        let amt: Vec<i64> = (0..n).map(|i| (i % 13) as i64 - 2).collect();
        let r = rows(&ts, &amt);
        let dense = fold_dense(&r, 1000, 3, |i| ids[i] as usize);
        let part = fold_partitioned(&ids.as_slice(), &r, &NoDistinct);
        assert_eq!(part.keys.len(), 1000);
        for (a, b) in dense.iter().zip(&part.accs) {
            assert_eq!((a.first_ts, a.last_ts, a.count), (b.first_ts, b.last_ts, b.count));
            assert_eq!(a.money, b.money);
        }
    }
}
