//! The keys of a grouped state (`by=`): every customer is a (group code,
//! id) pair, in its group's dense range (integer ids, few groups) or hashed
//! in the shards, and the table is sorted by group, then by id.

use std::sync::atomic::AtomicU32;

use rayon::prelude::*;

use super::dense::{dense_slots, Dense};
use super::keys::{buffer, text_order, unset_slots, Ids, KeyMap, EMPTY};
use super::shards::{Grouped, Hashed, Ints, Source};
use crate::error::{Error, Result};
use crate::keys::{KeyColumn, SortedKeys, StrBuffer};

/// Up to this many groups, integer ids get a dense range per group.
const DENSE_GROUPS: usize = 16;

impl KeyMap {
    /// The map of a grouped state's saved ids and their group codes.
    pub(crate) fn from_grouped(ids: Option<Ids>, group_of: Vec<u32>) -> Option<KeyMap> {
        let mut map = KeyMap::default();
        let codes = group_of.as_slice();
        let added = match &ids {
            None => group_of.is_empty(),
            Some(v) if v.len() != codes.len() => false,
            Some(Ids::I64(v)) => add_all(
                &mut map.hashed,
                &Grouped {
                    codes,
                    ids: Ints(v),
                },
            ),
            Some(Ids::U64(v)) => add_all(
                &mut map.hashed,
                &Grouped {
                    codes,
                    ids: Ints(v),
                },
            ),
            Some(Ids::Str(v)) => {
                let buf = buffer(v);
                add_all(
                    &mut map.hashed,
                    &Grouped {
                        codes,
                        ids: buf.column(),
                    },
                )
            }
        };
        if !added {
            return None;
        }
        map.ids = ids;
        map.group_of = group_of;
        Some(map)
    }

    /// The slots of a grouped batch's (group code, id) pairs, new ones
    /// added (the caller has checked the kind). Integer ids of few groups
    /// are looked up in a dense range per group, the others hashed.
    pub(crate) fn grouped_slots(
        &mut self,
        ids: &KeyColumn,
        codes: &[u32],
        groups: usize,
    ) -> Vec<u32> {
        let before = self.len();
        let atomics = || unset_slots(ids.len());
        let unwrap = |out: Vec<AtomicU32>| out.into_iter().map(AtomicU32::into_inner).collect();
        let KeyMap {
            ids: seen,
            hashed,
            dense_groups,
            group_of,
            ..
        } = self;
        let slots: Vec<u32> = match ids {
            KeyColumn::I64(v) => match seen.get_or_insert(Ids::I64(Vec::new())) {
                Ids::I64(seen) => {
                    // The first groups get a range each; the others' ids
                    // are all hashed (a row without a range is "outside").
                    let wanted = groups.min(DENSE_GROUPS).max(dense_groups.len());
                    dense_groups.resize_with(wanted, Dense::default);
                    let which = |i: usize| codes.get(i).map_or(usize::MAX, |&c| c as usize);
                    let src = Grouped {
                        codes,
                        ids: Ints(v),
                    };
                    // The new ids of the ranges get their group (the range) as
                    // they are numbered; the hashed ones below.
                    dense_slots(dense_groups, hashed, v, &which, &src, seen, Some(group_of))
                }
                _ => Vec::new(),
            },
            KeyColumn::U64(v) => match seen.get_or_insert(Ids::U64(Vec::new())) {
                Ids::U64(seen) => {
                    let out = atomics();
                    hashed.slots(
                        &Grouped {
                            codes,
                            ids: Ints(v),
                        },
                        seen,
                        |_| true,
                        &out,
                    );
                    unwrap(out)
                }
                _ => Vec::new(),
            },
            KeyColumn::Str(col) => match seen.get_or_insert(Ids::Str(Vec::new())) {
                Ids::Str(seen) => {
                    let out = atomics();
                    hashed.slots(&Grouped { codes, ids: *col }, seen, |_| true, &out);
                    unwrap(out)
                }
                _ => Vec::new(),
            },
        };
        let known = self.group_of.len().max(before);
        if self.len() > known {
            self.group_of.resize(self.len(), 0);
            for (&slot, &code) in slots.iter().zip(codes) {
                if slot as usize >= known {
                    if let Some(g) = self.group_of.get_mut(slot as usize) {
                        *g = code;
                    }
                }
            }
        }
        slots
    }

    /// Whether another map's ids are of this one's kind (or either has none).
    pub(crate) fn same_kind(&self, other: &KeyMap) -> bool {
        match (&self.ids, &other.ids) {
            (Some(a), Some(b)) => std::mem::discriminant(a) == std::mem::discriminant(b),
            _ => true,
        }
    }

    /// The slots here of another grouped map's slots, its group codes
    /// turned into this state's by `remap`.
    pub(crate) fn absorb_grouped(
        &mut self,
        other: &KeyMap,
        remap: &[u32],
        groups: usize,
    ) -> Result<Vec<u32>> {
        let codes: Vec<u32> = other
            .group_of
            .iter()
            .map(|&g| remap.get(g as usize).copied().unwrap_or_default())
            .collect();
        let kinds = || Error::option("merge", "the states' ids are of different kinds");
        match &other.ids {
            None => Ok(Vec::new()),
            Some(Ids::I64(v)) => {
                let col = KeyColumn::I64(v);
                self.check_kind(&col, "").map_err(|_| kinds())?;
                Ok(self.grouped_slots(&col, &codes, groups))
            }
            Some(Ids::U64(v)) => {
                let col = KeyColumn::U64(v);
                self.check_kind(&col, "").map_err(|_| kinds())?;
                Ok(self.grouped_slots(&col, &codes, groups))
            }
            Some(Ids::Str(v)) => {
                let buf = buffer(v);
                let col = KeyColumn::Str(buf.column());
                self.check_kind(&col, "").map_err(|_| kinds())?;
                Ok(self.grouped_slots(&col, &codes, groups))
            }
        }
    }

    /// A grouped map's slots sorted by the rank of their group, then by
    /// id; the sorted ids, and the group rank of each.
    pub(crate) fn sorted_grouped(&self, ranks: &[u32]) -> (Vec<u32>, SortedKeys, Vec<u32>) {
        if let (Some(Ids::I64(v)), 0) = (&self.ids, self.hashed.len()) {
            // Every customer is in its group's dense range: walk the
            // ranges in group order, each in id order.
            let mut by_rank: Vec<usize> = (0..ranks.len()).collect();
            by_rank.sort_unstable_by_key(|&g| ranks[g]);
            let mut order = Vec::with_capacity(self.len());
            let mut groups = Vec::with_capacity(self.len());
            for g in by_rank {
                if let Some(range) = self.dense_groups.get(g) {
                    for &s in range.slots.iter().filter(|&&s| s != EMPTY) {
                        order.push(s);
                        groups.push(ranks[g]);
                    }
                }
            }
            if order.len() == self.len() {
                let keys = order.iter().map(|&s| v[s as usize]).collect();
                return (order, SortedKeys::I64(keys), groups);
            }
        }
        let rank = |s: u32| {
            self.group_of
                .get(s as usize)
                .and_then(|&g| ranks.get(g as usize))
                .copied()
                .unwrap_or_default()
        };
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        let keys = match &self.ids {
            Some(Ids::I64(v)) => {
                order.par_sort_unstable_by_key(|&s| (rank(s), v[s as usize]));
                SortedKeys::I64(order.iter().map(|&s| v[s as usize]).collect())
            }
            Some(Ids::U64(v)) => {
                order.par_sort_unstable_by_key(|&s| (rank(s), v[s as usize]));
                SortedKeys::U64(order.iter().map(|&s| v[s as usize]).collect())
            }
            Some(Ids::Str(v)) => {
                order = text_order(v, rank);
                let mut buf = StrBuffer::with_capacity(order.len());
                order.iter().for_each(|&s| buf.push(&v[s as usize]));
                SortedKeys::Str(buf)
            }
            None => SortedKeys::I64(Vec::new()),
        };
        let groups = order.iter().map(|&s| rank(s)).collect();
        (order, keys, groups)
    }
}

/// Adds every row of `src`, slot `i` for row `i`; false when one repeats.
fn add_all<S: Source>(hashed: &mut Hashed, src: &S) -> bool {
    (0..src.len()).all(|i| hashed.add(src, i, i as u32))
}
