//! Grouping by hashed keys (strings, sparse integers) in one ordered pass.
//!
//! Every row's hash is computed first, in parallel. Then each of T threads
//! owns the keys whose hash falls in its share and scans all rows in order:
//! the rows it owns are read nearly sequentially, and their customers are
//! found in the thread's own open-addressing table. A lookup is two
//! dependent cache misses (the slot, then the key and accumulator), so the
//! scan is software-pipelined: the slot of the row `2 * AHEAD` rows ahead and
//! the entry of the row `AHEAD` rows ahead are prefetched, and by the time a
//! row is reached both are in the cache. Keys are sorted once at the end.

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};
use crate::group::{prefetch, Grouped, KeyAccess};

const AHEAD: usize = 16;

/// One thread's table: open addressing with linear probing. A slot holds the
/// key's hash tag (top 32 bits) and its entry index + 1; 0 is empty.
struct Table<K> {
    slots: Vec<u64>,
    mask: usize,
    keys: Vec<K>,
    accs: Vec<Acc>,
}

impl<K: Copy + Eq> Table<K> {
    fn new() -> Self {
        let cap = 1 << 12;
        Table {
            slots: vec![0; cap],
            mask: cap - 1,
            keys: Vec::new(),
            accs: Vec::new(),
        }
    }

    #[inline]
    fn prefetch_slot(&self, h: u64) {
        prefetch(&self.slots[h as usize & self.mask]);
    }

    /// Prefetches the entry the home slot of `h` points to, if any.
    #[inline]
    fn prefetch_entry(&self, h: u64) {
        let s = self.slots[h as usize & self.mask];
        if s != 0 && s >> 32 == h >> 32 {
            let idx = (s as u32 - 1) as usize;
            if let (Some(k), Some(a)) = (self.keys.get(idx), self.accs.get(idx)) {
                prefetch(k);
                prefetch(a);
            }
        }
    }

    /// The entry index of `key` (hash `h`), inserting it if new.
    #[inline]
    fn find_or_insert(&mut self, h: u64, key: K, hash_of: impl Fn(K) -> u64) -> usize {
        let tag = h >> 32;
        let mut pos = h as usize & self.mask;
        loop {
            let s = self.slots[pos];
            if s == 0 {
                let idx = self.keys.len();
                self.keys.push(key);
                self.accs.push(Acc::default());
                self.slots[pos] = (tag << 32) | (idx as u64 + 1);
                if self.keys.len() * 2 > self.slots.len() {
                    self.grow(hash_of);
                }
                return idx;
            }
            if s >> 32 == tag {
                let idx = (s as u32 - 1) as usize;
                if self.keys[idx] == key {
                    return idx;
                }
            }
            pos = (pos + 1) & self.mask;
        }
    }

    fn grow(&mut self, hash_of: impl Fn(K) -> u64) {
        let cap = self.slots.len() * 2;
        self.slots = vec![0; cap];
        self.mask = cap - 1;
        for (idx, &k) in self.keys.iter().enumerate() {
            let h = hash_of(k);
            let mut pos = h as usize & self.mask;
            while self.slots[pos] != 0 {
                pos = (pos + 1) & self.mask;
            }
            self.slots[pos] = ((h >> 32) << 32) | (idx as u64 + 1);
        }
    }
}

/// Groups rows by hashed keys, counting rows (see the module docs).
pub fn fold_hashed<A: KeyAccess>(ids: &A, rows: &Rows) -> Grouped {
    let n = rows.time.len();
    let hashes: Vec<u64> = (0..n)
        .into_par_iter()
        .with_min_len(1 << 12)
        .map(|i| ids.hash_row(i))
        .collect();
    let threads = if n < (1 << 16) {
        1
    } else {
        rayon::current_num_threads().clamp(1, 64)
    };
    let owner = |h: u64| (((h >> 32) * threads as u64) >> 32) as usize;
    let tables: Vec<Table<A::K>> = (0..threads)
        .into_par_iter()
        .map(|t| {
            let mut table = Table::new();
            for i in 0..n {
                if let Some(&h) = hashes.get(i + 2 * AHEAD) {
                    if owner(h) == t {
                        table.prefetch_slot(h);
                    }
                }
                if let Some(&h) = hashes.get(i + AHEAD) {
                    if owner(h) == t {
                        table.prefetch_entry(h);
                    }
                }
                let h = hashes[i];
                if owner(h) == t {
                    let idx = table.find_or_insert(h, ids.key_hashed(i, h), A::hash);
                    rows.visit(i, &mut table.accs[idx], true);
                }
            }
            table
        })
        .collect();
    drop(hashes);

    let mut order: Vec<(A::K, u32, u32)> = tables
        .iter()
        .enumerate()
        .flat_map(|(t, tb)| {
            tb.keys
                .iter()
                .enumerate()
                .map(move |(i, &k)| (k, t as u32, i as u32))
        })
        .collect();
    order.par_sort_unstable_by(|a, b| a.0.cmp(&b.0)); // keys are distinct
    let accs = order
        .iter()
        .map(|&(_, t, i)| tables[t as usize].accs[i as usize])
        .collect();
    let keys = A::sorted(order.into_iter().map(|(k, _, _)| k).collect());
    Grouped { keys, accs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Time;
    use crate::group::{fold_partitioned, NoDistinct};
    use crate::keys::{SortedKeys, StrBuffer};
    use crate::scan::Amounts;

    fn rows<'a>(ts: &'a [i64], amt: &'a [f64]) -> Rows<'a> {
        Rows {
            time: Time::Naive {
                ts,
                ticks_per_day: 10,
            },
            amounts: Amounts::F64(amt),
            cutoff: 900,
            window_start: 300,
            exclude_returns: false,
        }
    }

    fn same(a: &Grouped, b: &Grouped) {
        assert_eq!(a.accs.len(), b.accs.len());
        for (x, y) in a.accs.iter().zip(&b.accs) {
            assert_eq!(
                (x.first_ts, x.last_ts, x.last_pos, x.count, x.seen),
                (y.first_ts, y.last_ts, y.last_pos, y.count, y.seen)
            );
            assert_eq!(x.money, y.money);
        }
    }

    #[test]
    fn matches_the_partitioned_path_with_growth_and_many_threads() {
        // 200k rows over ~50k keys: the tables grow several times, and more
        // than 2^16 rows use several owner threads.
        let n = 200_000usize;
        let ids: Vec<i64> = (0..n)
            .map(|i| ((i as i64 * 2_654_435_761) % 50_021) * 1_000_003)
            .collect();
        let ts: Vec<i64> = (0..n).map(|i| (i % 1000) as i64).collect();
        let amt: Vec<f64> = (0..n).map(|i| (i % 17) as f64 * 0.37 - 1.0).collect();
        let r = rows(&ts, &amt);
        let a = fold_hashed(&ids.as_slice(), &r);
        let b = fold_partitioned(&ids.as_slice(), &r, &NoDistinct);
        match (&a.keys, &b.keys) {
            (SortedKeys::I64(x), SortedKeys::I64(y)) => assert_eq!(x, y),
            _ => panic!("integer keys expected"),
        }
        same(&a, &b);

        let mut buf = StrBuffer::with_capacity(n);
        ids.iter()
            .for_each(|i| buf.push(format!("customer-number-{i}").as_bytes()));
        let col = buf.column();
        let a = fold_hashed(&col, &r);
        let b = fold_partitioned(&col, &r, &NoDistinct);
        match (&a.keys, &b.keys) {
            (SortedKeys::Str(x), SortedKeys::Str(y)) => {
                assert_eq!(x.offsets, y.offsets);
                assert_eq!(x.data, y.data);
            }
            _ => panic!("string keys expected"),
        }
        same(&a, &b);
    }
}
