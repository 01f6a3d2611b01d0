//! The rows of every customer, in id order, each customer's rows sorted by
//! time: one scatter into partitions by a hash of the id, one sort per
//! partition, and one sort of the distinct ids.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use std::ops::Range;

use rayon::prelude::*;

use crate::calendar::Time;
use crate::scan::Amounts;

use crate::group::{partition_of, scatter, KeyAccess, KeyHasher, PARTS};
use crate::keys::SortedKeys;

/// The customers in id order and where their rows are: customer `c`'s
/// rows are `rows[offsets[c]..offsets[c + 1]]`, sorted by position, then row.
pub(super) struct Customers {
    pub(super) keys: SortedKeys,
    offsets: Vec<u32>,
    rows: Vec<u32>,
}

impl Customers {
    /// Number of customers.
    pub(super) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Where customer `c`'s rows are in the sorted order (empty if out of range).
    pub(super) fn range(&self, c: usize) -> Range<usize> {
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The input rows of customer `c`, sorted by position.
    pub(super) fn rows(&self, c: usize) -> &[u32] {
        self.rows.get(self.range(c)).unwrap_or(&[])
    }

    /// The dates and amounts of the kept rows in the sorted order, so that a
    /// customer's walk reads memory in sequence.
    pub(super) fn columns(&self, time: &Time, amounts: &Amounts) -> Sorted {
        let pick = |f: &(dyn Fn(usize) -> i64 + Sync)| -> Vec<i64> {
            self.rows.par_iter().map(|&r| f(r as usize)).collect()
        };
        let (ts, days) = match time {
            Time::Naive { ts, .. } => (pick(&|r| ts[r]), None),
            Time::Zoned { ts, days } => (
                pick(&|r| ts[r]),
                Some(self.rows.par_iter().map(|&r| days[r as usize]).collect()),
            ),
        };
        let amounts = match amounts {
            Amounts::F64(v) => {
                SortedAmounts::F64(self.rows.par_iter().map(|&r| v[r as usize]).collect())
            }
            Amounts::I64(v) => SortedAmounts::I64(pick(&|r| v[r])),
        };
        Sorted { ts, days, amounts }
    }
}

/// Owned amounts in the sorted order.
pub(super) enum SortedAmounts {
    F64(Vec<f64>),
    I64(Vec<i64>),
}

/// The dates and amounts of the kept rows, sorted by customer, then time.
pub(super) struct Sorted {
    ts: Vec<i64>,
    days: Option<Vec<i32>>,
    amounts: SortedAmounts,
}

impl Sorted {
    /// The sorted dates, of the same kind as `like`.
    pub(super) fn time(&self, like: &Time) -> Time<'_> {
        match (like, &self.days) {
            (Time::Zoned { .. }, Some(days)) => Time::Zoned { ts: &self.ts, days },
            (Time::Naive { ticks_per_day, .. }, _) => Time::Naive {
                ts: &self.ts,
                ticks_per_day: *ticks_per_day,
            },
            (Time::Zoned { .. }, None) => Time::Zoned { ts: &[], days: &[] },
        }
    }

    pub(super) fn amounts(&self) -> Amounts<'_> {
        match &self.amounts {
            SortedAmounts::F64(v) => Amounts::F64(v),
            SortedAmounts::I64(v) => Amounts::I64(v),
        }
    }
}

/// Groups integer ids spanning `lo..lo + slots` by counting sort: the id
/// minus `lo` is the customer's slot. `key(slot)` is the id of a slot.
pub(super) fn dense(
    code: impl Fn(usize) -> usize + Sync,
    n: usize,
    slots: usize,
    keep: impl Fn(usize) -> bool + Sync,
    pos: impl Fn(usize) -> i64 + Sync,
    keys_of: impl Fn(Vec<usize>) -> SortedKeys,
) -> Customers {
    let mut counts = vec![0u32; slots + 1];
    for i in (0..n).filter(|&i| keep(i)) {
        if let Some(c) = counts.get_mut(code(i) + 1) {
            *c += 1;
        }
    }
    let used: Vec<usize> = (0..slots)
        .filter(|&s| counts.get(s + 1).is_some_and(|&c| c > 0))
        .collect();
    for s in 1..counts.len() {
        counts[s] += counts[s - 1];
    }
    let mut offsets: Vec<u32> = used
        .iter()
        .filter_map(|&s| counts.get(s).copied())
        .collect();
    offsets.push(counts.last().copied().unwrap_or(0));
    let mut rows = vec![0u32; offsets.last().copied().unwrap_or(0) as usize];
    for i in (0..n).filter(|&i| keep(i)) {
        if let Some(at) = counts.get_mut(code(i)) {
            if let Some(slot) = rows.get_mut(*at as usize) {
                *slot = i as u32;
            }
            *at += 1;
        }
    }
    drop(counts);
    sort_each(&mut rows, &offsets, &pos);
    Customers {
        keys: keys_of(used),
        offsets,
        rows,
    }
}

/// Sorts each customer's rows by position (rows are in input order, so
/// sorted data is left as it is).
fn sort_each(rows: &mut [u32], offsets: &[u32], pos: &(impl Fn(usize) -> i64 + Sync)) {
    let mut parts: Vec<&mut [u32]> = Vec::with_capacity(offsets.len());
    let mut rest = rows;
    for w in offsets.windows(2) {
        let len = (w[1] - w[0]) as usize;
        let (head, tail) = rest.split_at_mut(len.min(rest.len()));
        parts.push(head);
        rest = tail;
    }
    parts.par_iter_mut().with_min_len(1 << 10).for_each(|p| {
        let key = |r: &u32| (pos(*r as usize), *r);
        if !p.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
            p.sort_unstable_by_key(key);
        }
    });
}

/// Groups the rows that `keep` accepts by customer. `pos(i)` is row `i`'s
/// position on the time axis. `n <= u32::MAX` is checked by the caller.
pub(super) fn customers<A: KeyAccess>(
    ids: &A,
    n: usize,
    keep: impl Fn(usize) -> bool + Sync,
    pos: impl Fn(usize) -> i64 + Sync,
) -> Customers {
    let scattered: Vec<Vec<Vec<u32>>> = match scatter(n, PARTS, |i| {
        let rec = keep(i).then(|| (partition_of(A::hash(ids.key(i))), i as u32));
        Ok::<_, std::convert::Infallible>(rec)
    }) {
        Ok(s) => s,
        Err(never) => match never {},
    };
    let folded: Vec<(Vec<A::K>, Part)> = (0..PARTS)
        .into_par_iter()
        .map(|p| {
            let lists = scattered.iter().filter_map(|c| c.get(p));
            fold_part(ids, lists, &pos)
        })
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
    order.par_sort_unstable_by(|a, b| a.0.cmp(&b.0)); // a key lives in one partition
    let mut offsets = Vec::with_capacity(order.len() + 1);
    let mut rows = Vec::with_capacity(folded.iter().map(|(_, p)| p.rows.len()).sum());
    offsets.push(0u32);
    for &(_, p, l) in &order {
        if let Some((_, part)) = folded.get(p as usize) {
            rows.extend_from_slice(part.rows(l as usize));
        }
        offsets.push(rows.len() as u32);
    }
    let keys = A::sorted(order.into_iter().map(|(k, _, _)| k).collect());
    Customers {
        keys,
        offsets,
        rows,
    }
}

/// One partition's customers: the rows of its customer `slot` are
/// `rows[offsets[slot]..offsets[slot + 1]]`, sorted by position, then row.
struct Part {
    offsets: Vec<u32>,
    rows: Vec<u32>,
}

impl Part {
    fn rows(&self, slot: usize) -> &[u32] {
        match (self.offsets.get(slot), self.offsets.get(slot + 1)) {
            (Some(&a), Some(&b)) => self.rows.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

fn fold_part<'r, A: KeyAccess>(
    ids: &A,
    lists: impl Iterator<Item = &'r Vec<u32>>,
    pos: &(impl Fn(usize) -> i64 + Sync),
) -> (Vec<A::K>, Part) {
    let mut local: HashMap<A::K, u32, BuildHasherDefault<KeyHasher>> = HashMap::default();
    let mut keys = Vec::new();
    let mut tagged: Vec<(u32, i64, u32)> = Vec::new();
    for list in lists {
        for &r in list {
            let k = ids.key(r as usize);
            let slot = *local.entry(k).or_insert_with(|| {
                keys.push(k);
                (keys.len() - 1) as u32
            });
            tagged.push((slot, pos(r as usize), r));
        }
    }
    tagged.sort_unstable();
    let mut offsets = vec![0u32; keys.len() + 1];
    for &(slot, _, _) in &tagged {
        if let Some(o) = offsets.get_mut(slot as usize + 1) {
            *o += 1;
        }
    }
    for s in 1..offsets.len() {
        offsets[s] += offsets[s - 1];
    }
    let rows = tagged.into_iter().map(|(_, _, r)| r).collect();
    (keys, Part { offsets, rows })
}
