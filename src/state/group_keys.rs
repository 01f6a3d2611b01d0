//! The keys of a grouped state (`by=`): every customer is a (group code,
//! id) pair, hashed in the shards (the dense range serves ungrouped integer
//! ids only), and the table is sorted by group, then by id.

use std::sync::atomic::AtomicU32;

use rayon::prelude::*;

use super::keys::{buffer, Ids, KeyMap, EMPTY};
use super::shards::{Grouped, Hashed, Ints, Source};
use crate::error::{Error, Result};
use crate::keys::{KeyColumn, SortedKeys, StrBuffer};

impl KeyMap {
    /// The map of a grouped state's saved ids and their group codes.
    pub(crate) fn from_grouped(ids: Option<Ids>, group_of: Vec<u32>) -> Option<KeyMap> {
        let mut map = KeyMap::default();
        let codes = group_of.as_slice();
        let added = match &ids {
            None => group_of.is_empty(),
            Some(Ids::I64(v)) => {
                v.len() == codes.len()
                    && add_all(
                        &mut map.hashed,
                        &Grouped {
                            codes,
                            ids: Ints(v.as_slice()),
                        },
                    )
            }
            Some(Ids::U64(v)) => {
                v.len() == codes.len()
                    && add_all(
                        &mut map.hashed,
                        &Grouped {
                            codes,
                            ids: Ints(v.as_slice()),
                        },
                    )
            }
            Some(Ids::Str(v)) => {
                let buf = buffer(v);
                v.len() == codes.len()
                    && add_all(
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
    /// added (the caller has checked the kind).
    pub(crate) fn grouped_slots(&mut self, ids: &KeyColumn, codes: &[u32]) -> Vec<u32> {
        let before = self.len();
        let out: Vec<AtomicU32> = (0..ids.len())
            .into_par_iter()
            .with_min_len(1 << 16)
            .map(|_| AtomicU32::new(EMPTY))
            .collect();
        let KeyMap {
            ids: seen, hashed, ..
        } = self;
        match ids {
            KeyColumn::I64(v) => {
                if let Ids::I64(seen) = seen.get_or_insert(Ids::I64(Vec::new())) {
                    hashed.slots(
                        &Grouped {
                            codes,
                            ids: Ints(v),
                        },
                        seen,
                        |_| true,
                        &out,
                    );
                }
            }
            KeyColumn::U64(v) => {
                if let Ids::U64(seen) = seen.get_or_insert(Ids::U64(Vec::new())) {
                    hashed.slots(
                        &Grouped {
                            codes,
                            ids: Ints(v),
                        },
                        seen,
                        |_| true,
                        &out,
                    );
                }
            }
            KeyColumn::Str(col) => {
                if let Ids::Str(seen) = seen.get_or_insert(Ids::Str(Vec::new())) {
                    hashed.slots(&Grouped { codes, ids: *col }, seen, |_| true, &out);
                }
            }
        }
        let slots: Vec<u32> = out.into_iter().map(AtomicU32::into_inner).collect();
        self.group_of.resize(self.len(), 0);
        for (&slot, &code) in slots.iter().zip(codes) {
            if slot as usize >= before {
                if let Some(g) = self.group_of.get_mut(slot as usize) {
                    *g = code;
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
    pub(crate) fn absorb_grouped(&mut self, other: &KeyMap, remap: &[u32]) -> Result<Vec<u32>> {
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
                Ok(self.grouped_slots(&col, &codes))
            }
            Some(Ids::U64(v)) => {
                let col = KeyColumn::U64(v);
                self.check_kind(&col, "").map_err(|_| kinds())?;
                Ok(self.grouped_slots(&col, &codes))
            }
            Some(Ids::Str(v)) => {
                let buf = buffer(v);
                let col = KeyColumn::Str(buf.column());
                self.check_kind(&col, "").map_err(|_| kinds())?;
                Ok(self.grouped_slots(&col, &codes))
            }
        }
    }

    /// A grouped map's slots sorted by the rank of their group, then by
    /// id; the sorted ids, and the group rank of each.
    pub(crate) fn sorted_grouped(&self, ranks: &[u32]) -> (Vec<u32>, SortedKeys, Vec<u32>) {
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
                order.par_sort_unstable_by(|&a, &b| {
                    (rank(a), &v[a as usize]).cmp(&(rank(b), &v[b as usize]))
                });
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
