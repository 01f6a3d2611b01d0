//! Grouping by hashed keys (strings, sparse integers) in one ordered pass.
//!
//! Every row's hash is computed first, in parallel, and the row numbers are
//! split by the thread that owns their key (the keys whose hash falls in its
//! share). Each thread then folds its rows, in order, into its own
//! open-addressing table, whose entries hold the key and the
//! accumulator side by side. A lookup is then one cache miss (two adjacent
//! lines), and the entry of the row `AHEAD` rows ahead is prefetched, so by
//! the time a row is reached its entry is usually in the cache. Keys are
//! sorted once at the end.

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};
use crate::group::{prefetch, split_by_owner, Grouped, KeyAccess};

const AHEAD: usize = 16;

/// A table entry: the accumulator (one cache line) and the key after it.
#[derive(Clone, Copy)]
struct Entry<K> {
    acc: Acc,
    key: K,
    used: bool,
}

/// One thread's table: open addressing with linear probing, at most 3/4 full.
struct Table<K> {
    entries: Vec<Entry<K>>,
    mask: usize,
    len: usize,
}

impl<K: Copy + Eq + Default> Table<K> {
    fn with_capacity(cap: usize) -> Self {
        let cap = cap.next_power_of_two().max(1 << 10);
        let empty = Entry {
            acc: Acc::default(),
            key: K::default(),
            used: false,
        };
        Table {
            entries: vec![empty; cap],
            mask: cap - 1,
            len: 0,
        }
    }

    #[inline]
    fn prefetch(&self, h: u64) {
        let e = &self.entries[h as usize & self.mask];
        prefetch(&e.acc);
        prefetch(&e.key);
    }

    /// The accumulator of `key` (hash `h`), inserting the key if new.
    #[inline]
    fn acc(&mut self, h: u64, key: K, hash_of: impl Fn(K) -> u64) -> &mut Acc {
        if (self.len + 1) * 4 > self.entries.len() * 3 {
            self.grow(hash_of);
        }
        let mut pos = h as usize & self.mask;
        loop {
            let e = &self.entries[pos];
            if !e.used || e.key == key {
                break;
            }
            pos = (pos + 1) & self.mask;
        }
        let e = &mut self.entries[pos];
        if !e.used {
            e.used = true;
            e.key = key;
            self.len += 1;
        }
        &mut e.acc
    }

    fn grow(&mut self, hash_of: impl Fn(K) -> u64) {
        let mut bigger = Table::with_capacity(self.entries.len() * 2);
        for e in self.entries.iter().filter(|e| e.used) {
            let mut pos = hash_of(e.key) as usize & bigger.mask;
            while bigger.entries[pos].used {
                pos = (pos + 1) & bigger.mask;
            }
            bigger.entries[pos] = *e;
        }
        bigger.len = self.len;
        *self = bigger;
    }
}

/// Groups rows by hashed keys, counting rows (see the module docs).
pub(crate) fn fold_hashed<A: KeyAccess>(ids: &A, rows: &Rows) -> Grouped {
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
    let lists = split_by_owner(n, threads, |i| owner(hashes[i]));
    let tables: Vec<Table<A::K>> = (0..threads)
        .into_par_iter()
        .map(|t| {
            // A guess at this thread's share of the customers (one in eight
            // rows), capped so that data with few customers does not pay for
            // a huge table up front; the table grows if there are more.
            let guess = (n / 8 / threads * 4 / 3).min(1 << 20);
            let mut table = Table::with_capacity(guess);
            for block in &lists {
                let mine = &block[t];
                for (j, &r) in mine.iter().enumerate() {
                    if let Some(&ahead) = mine.get(j + AHEAD) {
                        table.prefetch(hashes[ahead as usize]);
                    }
                    let i = r as usize;
                    let h = hashes[i];
                    let acc = table.acc(h, ids.key_hashed(i, h), A::hash);
                    rows.visit(i, acc, true);
                }
            }
            table
        })
        .collect();
    drop(lists);
    drop(hashes);

    let mut order: Vec<(A::K, u32, u32)> = tables
        .iter()
        .enumerate()
        .flat_map(|(t, tb)| {
            tb.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.used)
                .map(move |(i, e)| (e.key, t as u32, i as u32))
        })
        .collect();
    order.par_sort_unstable_by(|a, b| a.0.cmp(&b.0)); // keys are distinct
    let accs = order
        .par_iter()
        .map(|&(_, t, i)| tables[t as usize].entries[i as usize].acc)
        .collect();
    let keys = A::sorted(order.into_iter().map(|(k, _, _)| k).collect());
    Grouped { keys, accs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Time;
    use crate::group::{fold_partitioned, DistinctBy};
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
        let b = fold_partitioned(&ids.as_slice(), &r, &DistinctBy(|i| i as u64));
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
        let b = fold_partitioned(&col, &r, &DistinctBy(|i| i as u64));
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
