//! Grouping rows by customer and folding them into accumulators.
//!
//! Three strategies, chosen by the data and the frequency rule:
//! - dense (row counting, integer ids whose range is small next to the row
//!   count): the id minus the smallest id indexes an array directly; each
//!   thread owns a range of slots, with the slot of a row a few rows ahead
//!   prefetched. No hashing, no sort: slots are in id order.
//! - hashed (row counting, any other ids): see [`crate::hashed`].
//! - partitioned (distinct orders or days): rows are scattered into 256
//!   partitions by the top bits of a hash of the id, so each customer lives in
//!   one partition; each partition is folded on its own with a small hash map
//!   and sorts its (customer, order or day) pairs to count distinct ones; the
//!   keys are sorted once at the end.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};
use crate::keys::{hash_bytes, hash_u64, SortedKeys, StrBuffer, StrColumn};

/// Customers in key order with their accumulators.
pub struct Grouped {
    pub keys: SortedKeys,
    pub accs: Vec<Acc>,
}

/// Row numbers split by the thread that owns them: `lists[b][t]` holds, in
/// order, the rows of block `b` that thread `t` owns. Splitting first lets each
/// thread fold only its rows, with no per-row "is it mine?" branch (which the
/// CPU cannot predict) and rows read in increasing order.
pub fn split_by_owner(
    n: usize,
    owners: usize,
    owner_of: impl Fn(usize) -> usize + Sync,
) -> Vec<Vec<Vec<u32>>> {
    let blocks = owners.max(1);
    (0..blocks)
        .into_par_iter()
        .map(|b| {
            let (start, end) = (b * n / blocks, (b + 1) * n / blocks);
            let mut lists =
                vec![Vec::with_capacity((end - start) / owners.max(1) + 64); owners.max(1)];
            for i in start..end {
                lists[owner_of(i)].push(i as u32);
            }
            lists
        })
        .collect()
}

/// Folds rows into one accumulator per slot, `slot_of(i)` giving row `i`'s
/// slot. Each of `threads` tasks owns a contiguous range of slots and folds
/// the rows of its slots (see [`split_by_owner`]): no per-thread copies,
/// nothing to merge. Slots are prefetched a few rows ahead, because a slot is
/// a cache miss.
pub fn fold_dense(
    rows: &Rows,
    n_slots: usize,
    threads: usize,
    slot_of: impl Fn(usize) -> usize + Sync,
) -> Vec<Acc> {
    let n = rows.time.len();
    let per = n_slots.div_ceil(threads.max(1)).max(1);
    let owners = n_slots.div_ceil(per).max(1);
    let lists = split_by_owner(n, owners, |i| slot_of(i) / per);
    let mut accs: Vec<Acc> = (0..n_slots)
        .into_par_iter()
        .map(|_| Acc::default())
        .collect();
    accs.par_chunks_mut(per).enumerate().for_each(|(t, own)| {
        let lo = t * per;
        for block in &lists {
            let mine = &block[t];
            for (j, &r) in mine.iter().enumerate() {
                if let Some(&ahead) = mine.get(j + LOOKAHEAD) {
                    prefetch(&own[slot_of(ahead as usize) - lo]);
                }
                let i = r as usize;
                rows.visit(i, &mut own[slot_of(i) - lo], true);
            }
        }
    });
    accs
}

/// Rows between a prefetch and its use: enough to cover a memory access.
const LOOKAHEAD: usize = 16;

/// Hints the CPU to load `x` into the cache.
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults and changes no
    // state the program can observe, and `x` is a valid reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// A column of keys the partitioned path can group by.
pub trait KeyAccess: Sync {
    type K: Copy + Default + Eq + Hash + Ord + Send + Sync;
    fn key(&self, i: usize) -> Self::K;
    fn hash(k: Self::K) -> u64;
    fn sorted(keys: Vec<Self::K>) -> SortedKeys;
    /// Hints that row `i`'s key will be read soon.
    fn prefetch(&self, _i: usize) {}
    /// The hash of row `i`'s key.
    fn hash_row(&self, i: usize) -> u64 {
        Self::hash(self.key(i))
    }
    /// Row `i`'s key, whose hash `h` is known.
    fn key_hashed(&self, i: usize, _h: u64) -> Self::K {
        self.key(i)
    }
    /// Row `i`'s key hash and the key packed in 64 bits: the key itself for
    /// integers, the hash for strings (see [`KeyAccess::unpack`]).
    fn packed(&self, i: usize) -> (u64, u64) {
        let h = self.hash_row(i);
        (h, h)
    }
    /// The key of row `row` from its packed form.
    fn unpack(&self, packed: u64, row: usize) -> Self::K {
        self.key_hashed(row, packed)
    }
    /// Hints that [`KeyAccess::unpack`] will read row `row`: `stage` 0 for
    /// what can be fetched first (string offsets), 1 for what they point
    /// to. Nothing for keys packed whole.
    fn prefetch_unpack(&self, _row: usize, _stage: u8) {}
}

/// The partition of a key hash: its top bits.
#[inline]
pub fn partition_of(hash: u64) -> usize {
    (hash >> (64 - PART_BITS)) as usize
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
    fn prefetch(&self, i: usize) {
        prefetch(&self[i]);
    }
    fn packed(&self, i: usize) -> (u64, u64) {
        (hash_u64(self[i] as u64), self[i] as u64)
    }
    fn unpack(&self, packed: u64, _row: usize) -> i64 {
        packed as i64
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
    fn prefetch(&self, i: usize) {
        prefetch(&self[i]);
    }
    fn packed(&self, i: usize) -> (u64, u64) {
        (hash_u64(self[i]), self[i])
    }
    fn unpack(&self, packed: u64, _row: usize) -> u64 {
        packed
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
    fn prefetch(&self, i: usize) {
        self.prefetch(i);
    }
    fn hash_row(&self, i: usize) -> u64 {
        hash_bytes(self.get(i))
    }
    fn key_hashed(&self, i: usize, h: u64) -> StrKey<'a> {
        StrKey::with_hash(h, self.get(i))
    }
    fn prefetch_unpack(&self, row: usize, stage: u8) {
        match stage {
            0 => self.prefetch(row),
            _ => self.prefetch_bytes(row),
        }
    }
}

/// A string key with its hash and first 16 bytes kept inline, so hashing,
/// equality and ordering rarely have to follow the pointer to the bytes
/// (a cache miss): only on equal prefixes of strings longer than 16 bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct StrKey<'a> {
    hash: u64,
    /// The first 16 bytes, big-endian, zero-padded: integer order is byte order.
    prefix: u128,
    bytes: &'a [u8],
}

impl<'a> StrKey<'a> {
    #[inline]
    fn new(bytes: &'a [u8]) -> Self {
        Self::with_hash(hash_bytes(bytes), bytes)
    }

    #[inline]
    fn with_hash(hash: u64, bytes: &'a [u8]) -> Self {
        let mut head = [0u8; 16];
        let k = bytes.len().min(16);
        head[..k].copy_from_slice(&bytes[..k]);
        StrKey {
            hash,
            prefix: u128::from_be_bytes(head),
            bytes,
        }
    }
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
pub trait DistinctAccess: Sync {
    type K: Ord + Copy + Send;
    fn key(&self, i: usize) -> Self::K;
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
/// Partitions of the partitioned path.
pub const PARTS: usize = 1 << PART_BITS;
/// Rows per scatter task.
pub const CHUNK: usize = 1 << 16;

/// Groups by hashed keys (see the module docs). `n <= u32::MAX` is checked by
/// the caller.
pub fn fold_partitioned<A: KeyAccess, D: DistinctAccess>(
    ids: &A,
    rows: &Rows,
    distinct: &D,
) -> Grouped {
    // Scatter row numbers into partitions by the top bits of their key's hash.
    let scattered: Vec<Vec<Vec<u32>>> = match scatter(rows.time.len(), PARTS, |i| {
        Ok::<_, std::convert::Infallible>(Some((partition_of(A::hash(ids.key(i))), i as u32)))
    }) {
        Ok(s) => s,
        Err(never) => match never {},
    };
    let folded: Vec<(Vec<A::K>, Vec<Acc>)> = (0..PARTS)
        .into_par_iter()
        .map(|p| {
            fold_partition(
                ids,
                rows,
                distinct,
                scattered.iter().map(|c| c[p].as_slice()),
            )
        })
        .collect();
    drop(scattered);
    let (keys, accs) = sort_partitions::<A, _>(folded);
    Grouped { keys, accs }
}

/// Rows scattered into `parts` partitions, chunk by chunk: `record(i)`
/// gives row `i`'s partition and record, `None` to leave the row out, or an
/// error. `out[c][p]` holds, in row order, the records of chunk `c` in
/// partition `p`. Chunks keep their order, so the error returned is the
/// first bad row's. `n <= u32::MAX` is checked by the caller.
pub fn scatter<R: Send, E: Send>(
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

/// The keys of all partitions in order, with their accumulators. Keys are
/// distinct across partitions, since a key lives in one.
pub fn sort_partitions<A: KeyAccess, T: Copy + Send + Sync>(
    folded: Vec<(Vec<A::K>, Vec<T>)>,
) -> (SortedKeys, Vec<T>) {
    let mut order: Vec<(A::K, u32, u32)> = folded
        .iter()
        .enumerate()
        .flat_map(|(p, (keys, _))| {
            keys.iter()
                .enumerate()
                .map(move |(l, &k)| (k, p as u32, l as u32))
        })
        .collect();
    order.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let accs = order
        .par_iter()
        .map(|&(_, p, l)| folded[p as usize].1[l as usize])
        .collect();
    (
        A::sorted(order.into_iter().map(|(k, _, _)| k).collect()),
        accs,
    )
}

fn fold_partition<'r, A: KeyAccess, D: DistinctAccess>(
    ids: &A,
    rows: &Rows,
    distinct: &D,
    row_lists: impl Iterator<Item = &'r [u32]> + Clone,
) -> (Vec<A::K>, Vec<Acc>) {
    let n_rows: usize = row_lists.clone().map(<[u32]>::len).sum();
    let mut local: HashMap<A::K, u32, BuildHasherDefault<KeyHasher>> =
        HashMap::with_capacity_and_hasher(n_rows / 8, Default::default());
    let mut keys = Vec::new();
    let mut accs: Vec<Acc> = Vec::new();
    let mut pairs: Vec<(u32, D::K)> = Vec::new();
    for list in row_lists {
        for (j, &r) in list.iter().enumerate() {
            if let Some(&ahead) = list.get(j + LOOKAHEAD) {
                ids.prefetch(ahead as usize);
                rows.prefetch(ahead as usize);
            }
            let i = r as usize;
            let k = ids.key(i);
            let slot = *local.entry(k).or_insert_with(|| {
                keys.push(k);
                accs.push(Acc::default());
                (keys.len() - 1) as u32
            });
            if rows.visit(i, &mut accs[slot as usize], false) {
                pairs.push((slot, distinct.key(i)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    for (slot, _) in pairs {
        accs[slot as usize].count += 1;
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

    /// Distinct row numbers: counts rows, like `frequency="rows"`.
    const ROWS: DistinctBy<fn(usize) -> u64> = DistinctBy(row_number);

    fn row_number(i: usize) -> u64 {
        i as u64
    }

    fn rows<'a>(ts: &'a [i64], amt: &'a [i64]) -> Rows<'a> {
        Rows {
            time: Time::Naive {
                ts,
                ticks_per_day: 1,
            },
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
        let g = fold_partitioned(&ids, &rows(&ts, &amt), &ROWS);
        assert!(matches!(&g.keys, SortedKeys::I64(k) if k == &[-5, 7, 30]));
        let counts: Vec<u32> = g.accs.iter().map(|a| a.count).collect();
        assert_eq!(counts, [2, 1, 3]);
        assert_eq!(g.accs[2].money.to_f64(), 10.0);
    }

    #[test]
    fn string_keys_sort_by_bytes() {
        let words: Vec<&[u8]> = vec![
            b"b",
            b"a",
            b"ab\0",
            b"ab",
            b"",
            b"abcdefghijklmnopq2",
            b"abcdefghijklmnopq1",
            b"\xff",
            b"abcdefghijklmnop",
        ];
        let mut buf = StrBuffer::with_capacity(words.len());
        words.iter().for_each(|w| buf.push(w));
        let col = buf.column();
        let ts = vec![0i64; words.len()];
        let amt = vec![1i64; words.len()];
        let g = fold_partitioned(&col, &rows(&ts, &amt), &ROWS);
        let mut want = words.clone();
        want.sort();
        let SortedKeys::Str(got) = g.keys else {
            panic!("string keys")
        };
        let got: Vec<&[u8]> = (0..got.column().len())
            .map(|i| got.column().get(i))
            .collect();
        assert_eq!(got, want);
        assert_eq!(StrKey::new(b"ab"), StrKey::new(b"ab"));
        assert_ne!(StrKey::new(b"ab"), StrKey::new(b"ab\0"));
        assert_ne!(
            StrKey::new(b"abcdefghijklmnopq1"),
            StrKey::new(b"abcdefghijklmnopq2")
        );
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
        let single = fold_dense(&r, 1000, 1, |i| ids[i] as usize);
        for (a, b) in dense.iter().zip(&single) {
            assert_eq!(
                (a.first_ts, a.last_ts, a.count, a.money),
                (b.first_ts, b.last_ts, b.count, b.money)
            );
        }
        let part = fold_partitioned(&ids.as_slice(), &r, &ROWS);
        assert_eq!(part.keys.len(), 1000);
        for (a, b) in dense.iter().zip(&part.accs) {
            assert_eq!(
                (a.first_ts, a.last_ts, a.count),
                (b.first_ts, b.last_ts, b.count)
            );
            assert_eq!(a.money, b.money);
        }
    }
}
