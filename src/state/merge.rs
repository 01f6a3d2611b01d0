//! Merging states: the union of their customers, exactly.

use rayon::prelude::*;

use super::keys::FastMap;
use super::RfmState;
use crate::accumulate::Acc;
use crate::error::{Error, Result};
use crate::money::Exact;
use crate::rfm::Frequency;

impl RfmState {
    /// An independent copy, its accumulators copied in parallel (a state
    /// of a million customers holds 64 MB of them).
    pub fn copy(&self) -> RfmState {
        let mut accs = Vec::new();
        self.accs
            .par_iter()
            .with_min_len(1 << 14)
            .copied()
            .collect_into_vec(&mut accs);
        RfmState {
            opts: self.opts,
            time: self.time,
            keys: self.keys.clone(),
            groups: self.groups.clone(),
            accs,
            exact: self.exact.clone(),
            pairs: self.pairs.clone(),
            orders: self.orders.clone(),
            min_pos: self.min_pos,
            max_pos: self.max_pos,
            rows: self.rows,
        }
    }

    /// Folds another state in (`other` is unchanged).
    pub fn merge(&mut self, other: &RfmState) -> Result<()> {
        if self.opts != other.opts {
            return Err(Error::option(
                "merge",
                "the states were made with different options",
            ));
        }
        if let (Some(a), Some(b)) = (self.time, other.time) {
            if a != b {
                return Err(Error::option(
                    "merge",
                    "the states' dates have different units or time zones",
                ));
            }
        }
        if other.orders.kind.is_some()
            && self
                .orders
                .kind
                .is_some_and(|k| Some(k) != other.orders.kind)
        {
            return Err(Error::option(
                "merge",
                "the states' order ids are of different kinds",
            ));
        }
        let slots = match (&mut self.groups, &other.groups) {
            (None, None) => self.keys.absorb(&other.keys)?,
            (Some(mine), Some(theirs)) => {
                // Checked before anything changes: a failed merge leaves
                // the state as it was.
                if !self.keys.same_kind(&other.keys) {
                    return Err(Error::option(
                        "merge",
                        "the states' ids are of different kinds",
                    ));
                }
                let remap = mine.absorb(theirs)?;
                self.keys.absorb_grouped(&other.keys, &remap, mine.len())?
            }
            _ => {
                return Err(Error::option(
                    "merge",
                    "one state is grouped (by=) and the other is not",
                ))
            }
        };
        super::grow(&mut self.accs, self.keys.len());
        self.merge_slots(other, &slots);
        Ok(())
    }

    /// `slots[j]`: the slot here of the other state's slot `j`.
    fn merge_slots(&mut self, other: &RfmState, slots: &[u32]) {
        let distinct = self.opts.frequency != Frequency::Rows;
        // The exact sums of the (rare) spilled customers first, from both
        // sides' money as it was.
        let spilled: Vec<usize> = (0..slots.len())
            .into_par_iter()
            .with_min_len(1 << 14)
            .filter(|&j| {
                let a = slots.get(j).and_then(|&s| self.accs.get(s as usize));
                let b = other.accs.get(j);
                a.is_some_and(|a| a.spilled) || b.is_some_and(|b| b.spilled)
            })
            .collect();
        for j in spilled {
            let (Some(&slot), Some(b)) = (slots.get(j), other.accs.get(j)) else {
                continue;
            };
            let Some(a) = self.accs.get(slot as usize) else {
                continue;
            };
            exact_union(&mut self.exact, slot, a, other.exact.get(&(j as u32)), b);
        }
        // Then every accumulator, in parallel: each slot here has at most
        // one of the other's.
        let mut from = vec![u32::MAX; self.accs.len()];
        for (j, &slot) in slots.iter().enumerate() {
            if let Some(f) = from.get_mut(slot as usize) {
                *f = j as u32;
            }
        }
        self.accs
            .par_iter_mut()
            .zip(from.par_iter())
            .with_min_len(1 << 12)
            .for_each(|(a, &j)| {
                if let Some(b) = other.accs.get(j as usize) {
                    let count = a.count;
                    a.merge(b);
                    if distinct {
                        a.count = count; // recounted from the pairs below
                    }
                }
            });
        for (j, k) in other.pairs.iter() {
            let key = match other.orders.kind {
                Some("str") => {
                    let Some(s) = other.orders.dict.get(k as usize) else {
                        continue;
                    };
                    self.orders.intern(s)
                }
                _ => k,
            };
            let Some(&slot) = slots.get(j as usize) else {
                continue;
            };
            if self.pairs.insert(slot, key) {
                if let Some(a) = self.accs.get_mut(slot as usize) {
                    a.count += 1;
                }
            }
        }
        if self.orders.kind.is_none() {
            self.orders.kind = other.orders.kind;
        }
        self.time = self.time.or(other.time);
        self.min_pos = self.min_pos.min(other.min_pos);
        self.max_pos = self.max_pos.max(other.max_pos);
        self.rows += other.rows;
    }
}

/// The exact sum of customer `slot` from two partial accumulators of it,
/// `a` (whose exact sum, if any, is in `exact`) and `b` (with `theirs`):
/// each side's exact sum, or its fixed-point money when it has none.
pub(super) fn exact_union(
    exact: &mut FastMap<u32, Exact>,
    slot: u32,
    a: &Acc,
    theirs: Option<&Exact>,
    b: &Acc,
) {
    let mut sum = exact.remove(&slot).unwrap_or_else(|| a.money.to_exact());
    sum.merge(&theirs.cloned().unwrap_or_else(|| b.money.to_exact()));
    exact.insert(slot, sum);
}
