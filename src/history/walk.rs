//! One customer's rows (sorted by time) walked against the sorted snapshot
//! days with two pointers: everything up to the snapshot's cut-off is
//! folded once into running sums, and a window is the difference of two
//! running sums (the fixed-point money sums are exact integers, so they
//! subtract exactly; the rare amounts they cannot hold are summed again
//! exactly over the window's rows).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};
use std::ops::Range;

use crate::calendar::Time;
use crate::error::Result;
use crate::group::{DistinctAccess, KeyHasher};
use crate::money::{Exact, Money};
use crate::rfm::Frequency;
use crate::rounding::rounded;
use crate::scan::Amounts;

use super::assemble::Out;

/// What every snapshot needs, computed once.
pub(super) struct Plan<'a> {
    pub(super) time: Time<'a>,
    pub(super) amounts: Amounts<'a>,
    pub(super) days: &'a [i64],
    /// The last position of each snapshot day.
    pub(super) cutoffs: Vec<i64>,
    /// The first position inside each snapshot's window (history), or the
    /// last position of each snapshot's horizon (labels).
    pub(super) bounds: Option<Vec<i64>>,
    pub(super) frequency: Frequency,
    /// The amount column's name, for messages.
    pub(super) amount_name: &'a str,
}

/// A running sum over a prefix of a customer's rows.
#[derive(Debug, Clone, Copy, Default)]
struct Cum {
    purchases: u32,
    days: u32,
    last_day: Option<i64>,
    money: Money,
    spills: u32,
}

impl Cum {
    /// Adds row `i`; says whether it is a purchase (not a return).
    #[inline]
    fn add(&mut self, time: &Time, amounts: &Amounts, i: usize) -> bool {
        match amounts {
            Amounts::F64(v) => {
                if !v.get(i).is_some_and(|&x| self.money.add_float(x)) {
                    self.spills += 1;
                }
            }
            Amounts::I64(v) => self.money.add_int(v.get(i).copied().unwrap_or(0)),
        }
        if amounts.is_negative(i) {
            return false;
        }
        self.purchases += 1;
        let day = time.day_of(time.pos(i));
        if self.last_day != Some(day) {
            self.days += 1;
            self.last_day = Some(day);
        }
        true
    }

    /// The sum of the rows between `lo` (a shorter prefix) and `self`.
    fn money_since(&self, lo: &Cum) -> Money {
        let (a, b) = (self.money.parts(), lo.money.parts());
        Money::from_parts(a.0.wrapping_sub(b.0), a.1.wrapping_sub(b.1))
    }
}

/// Customers seen at a snapshot without a purchase (returns only): how
/// many (snapshot, customer) pairs, and the first (snapshot, customer).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Dropped {
    pub(super) count: u64,
    pub(super) first: Option<(usize, u32)>,
}

impl Dropped {
    fn note(&mut self, s: usize, c: u32) {
        self.count += 1;
        if self.first.is_none_or(|f| (s, c) < f) {
            self.first = Some((s, c));
        }
    }

    pub(super) fn merge(mut self, o: Dropped) -> Dropped {
        self.count += o.count;
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self
    }
}

/// The distinct orders of a window: a counted multiset, reused across customers.
pub(super) type OrderSet<K> = HashMap<K, u32, BuildHasherDefault<KeyHasher>>;

impl Plan<'_> {
    /// The first snapshot at which the customer of `rows` had bought
    /// (the number of snapshots if none).
    pub(super) fn first_snapshot(&self, rows: Range<usize>) -> usize {
        match rows.into_iter().find(|&j| !self.amounts.is_negative(j)) {
            Some(j) => {
                let pos = self.time.pos(j);
                self.cutoffs.partition_point(|&cut| cut < pos)
            }
            None => self.cutoffs.len(),
        }
    }

    /// The exact sum of the amounts of rows `rows`.
    fn exact(&self, rows: Range<usize>, show: &dyn Fn() -> String) -> Result<f64> {
        let mut sum = Exact::default();
        match self.amounts {
            Amounts::F64(v) => v.get(rows).unwrap_or(&[]).iter().for_each(|&x| sum.add(x)),
            Amounts::I64(_) => {} // integer amounts never spill
        }
        rounded(&sum, self.amount_name, show)
    }

    fn money(
        &self,
        hi: &Cum,
        lo: &Cum,
        rows: Range<usize>,
        show: &dyn Fn() -> String,
    ) -> Result<f64> {
        if hi.spills > lo.spills {
            self.exact(rows, show)
        } else {
            Ok(hi.money_since(lo).to_f64())
        }
    }

    /// Customer `c`'s rows at every snapshot, into `out[s]`. Its rows are
    /// `rows` of the plan's columns (sorted by customer, then time); `input`
    /// holds their rows in the input, where order ids are read.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn history<D>(
        &self,
        rows: Range<usize>,
        input: &[u32],
        c: u32,
        orders: Option<&D>,
        set: &mut OrderSet<D::K>,
        out: &mut [Out],
        dropped: &mut Dropped,
        show: &dyn Fn() -> String,
    ) -> Result<()>
    where
        D: DistinctAccess,
        D::K: Hash + Eq,
    {
        let (time, amounts) = (&self.time, &self.amounts);
        set.clear();
        let (start, end) = (rows.start, rows.end);
        let (mut hi, mut lo) = (start, start);
        let order_of = |j: usize| input.get(j - start).map(|&r| r as usize);
        let (mut up, mut before) = (Cum::default(), Cum::default());
        let (mut first_ts, mut last_ts, mut last_pos) = (i64::MAX, i64::MIN, i64::MIN);
        for (s, (&cut, cols)) in self.cutoffs.iter().zip(out.iter_mut()).enumerate() {
            while hi < end && time.pos(hi) <= cut {
                if up.add(time, amounts, hi) {
                    first_ts = first_ts.min(time.ts(hi));
                    last_ts = last_ts.max(time.ts(hi));
                    last_pos = last_pos.max(time.pos(hi));
                    if let (Some(d), Some(i)) = (orders, order_of(hi)) {
                        *set.entry(d.key(i)).or_insert(0) += 1;
                    }
                }
                hi += 1;
            }
            if let Some(&first) = self.bounds.as_ref().and_then(|b| b.get(s)) {
                while lo < hi && time.pos(lo) < first {
                    if before.add(time, amounts, lo) {
                        if let (Some(d), Some(i)) = (orders, order_of(lo)) {
                            remove(set, d.key(i));
                        }
                    }
                    lo += 1;
                }
            }
            if hi == start {
                continue; // not a customer yet
            }
            if last_pos == i64::MIN {
                dropped.note(s, c);
                continue;
            }
            let day = self.days.get(s).copied().unwrap_or(0);
            let frequency = match self.frequency {
                Frequency::Rows => up.purchases - before.purchases,
                Frequency::Days => up.days - before.days,
                Frequency::Orders => set.len() as u32,
            };
            let m = self.money(&up, &before, lo..hi, show)?;
            let recency = day - time.day_of(last_pos);
            cols.push(c, recency, i64::from(frequency), m, first_ts, last_ts);
        }
        Ok(())
    }

    /// Customer `c`'s future purchases after every snapshot at which it had
    /// bought, up to the snapshot's horizon, into `out[s]` (code, frequency
    /// and monetary).
    pub(super) fn labels(
        &self,
        rows: Range<usize>,
        c: u32,
        out: &mut [Out],
        show: &dyn Fn() -> String,
    ) -> Result<()> {
        let (time, amounts) = (&self.time, &self.amounts);
        let end_row = rows.end;
        let (mut hi, mut far) = (rows.start, rows.start);
        let (mut up, mut ahead) = (Cum::default(), Cum::default());
        let ends = self.bounds.as_deref().unwrap_or(&[]);
        for ((&cut, &end), cols) in self.cutoffs.iter().zip(ends).zip(out.iter_mut()) {
            while hi < end_row && time.pos(hi) <= cut {
                up.add(time, amounts, hi);
                hi += 1;
            }
            // Both are prefix sums; the horizon ends at or after the cut-off.
            while far < end_row && time.pos(far) <= end {
                ahead.add(time, amounts, far);
                far += 1;
            }
            if up.purchases == 0 {
                continue; // no purchase yet: not a customer of this snapshot
            }
            let n = ahead.purchases.saturating_sub(up.purchases);
            let m = self.money(&ahead, &up, hi..far, show)?;
            cols.push(c, 0, i64::from(n), m, 0, 0);
        }
        Ok(())
    }
}

fn remove<K: Hash + Eq>(set: &mut OrderSet<K>, k: K) {
    if let Some(n) = set.get_mut(&k) {
        *n -= 1;
        if *n == 0 {
            set.remove(&k);
        }
    }
}
