//! Merging states: the union of their customers, exactly.

use super::RfmState;
use crate::accumulate::Acc;
use crate::error::{Error, Result};
use crate::rfm::Frequency;

impl RfmState {
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
        let slots = self.keys.absorb(&other.keys)?;
        self.accs.resize(self.keys.len(), Acc::default());
        self.merge_slots(other, &slots);
        Ok(())
    }

    /// `slots[j]`: the slot here of the other state's slot `j`.
    fn merge_slots(&mut self, other: &RfmState, slots: &[u32]) {
        let distinct = self.opts.frequency != Frequency::Rows;
        for (j, (&slot, b)) in slots.iter().zip(&other.accs).enumerate() {
            let Some(a) = self.accs.get_mut(slot as usize) else {
                continue;
            };
            if a.spilled || b.spilled {
                let mine = self
                    .exact
                    .remove(&slot)
                    .unwrap_or_else(|| a.money.to_exact());
                let theirs = other
                    .exact
                    .get(&(j as u32))
                    .cloned()
                    .unwrap_or_else(|| b.money.to_exact());
                let mut sum = mine;
                sum.merge(&theirs);
                self.exact.insert(slot, sum);
            }
            let count = a.count;
            a.merge(b);
            if distinct {
                a.count = count; // recounted from the pairs below
            }
        }
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
