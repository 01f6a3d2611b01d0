//! The rows of every customer, in id order, each customer's rows sorted by
//! time: one scatter into partitions by a hash of the id, one sort per
//! partition, and one sort of the distinct ids.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rayon::prelude::*;

use crate::group::{partition_of, scatter, KeyAccess, KeyHasher, PARTS};
use crate::keys::SortedKeys;

/// One partition's customers: the rows of its customer `slot` are
/// `rows[offsets[slot]..offsets[slot + 1]]`, sorted by position, then row.
struct Part {
    offsets: Vec<u32>,
    rows: Vec<u32>,
}

/// The customers in id order and where their rows are.
pub(super) struct Customers {
    pub(super) keys: SortedKeys,
    /// Customer `c` (in id order) is slot `order[c].1` of partition `order[c].0`.
    order: Vec<(u32, u32)>,
    parts: Vec<Part>,
}

impl Customers {
    /// Number of customers.
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    /// The rows of customer `c`, sorted by position (empty if out of range).
    pub(super) fn rows(&self, c: usize) -> &[u32] {
        let Some(&(p, slot)) = self.order.get(c) else {
            return &[];
        };
        let Some(part) = self.parts.get(p as usize) else {
            return &[];
        };
        let s = slot as usize;
        match (part.offsets.get(s), part.offsets.get(s + 1)) {
            (Some(&a), Some(&b)) => part.rows.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
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
    let slots = order.iter().map(|&(_, p, l)| (p, l)).collect();
    let keys = A::sorted(order.into_iter().map(|(k, _, _)| k).collect());
    Customers {
        keys,
        order: slots,
        parts: folded.into_iter().map(|(_, part)| part).collect(),
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
