//! The CLV summary's rows as the engine's fold applies them: each row's
//! period, the distinct periods, and the amounts of the first period kept
//! apart from the others', exactly.

use super::fold::Visit;
use super::keys::FastMap;
use super::pairs::PairSet;
use super::summary::{SummaryAcc, Sums};
use crate::money::{Exact, Money};
use crate::scan::Amounts;
use crate::summary::Select;

/// A batch's rows, validated whole by [`Select::check`] first.
pub(super) struct SummaryRows<'a> {
    pub select: &'a Select<'a>,
    pub amounts: Option<Amounts<'a>>,
}

impl Visit for SummaryRows<'_> {
    type Acc = SummaryAcc;
    type Exact = Sums;
    type Key = i32;

    fn distinct(&self) -> bool {
        true
    }

    #[inline]
    fn prefetch(&self, i: usize) {
        self.select.prefetch(i);
    }

    #[inline]
    fn visit(
        &self,
        i: usize,
        slot: u32,
        acc: &mut SummaryAcc,
        exact: &mut FastMap<u32, Sums>,
        pairs: &mut PairSet<i32>,
    ) {
        let Some(p) = self.select.period(i) else {
            return;
        };
        let q = p as i32;
        let p = i64::from(q);
        // The customer's first and last periods are in `pairs` already:
        // the common case of several rows in one period skips the look-up.
        let known = acc.rows > 0 && (p == acc.last || p == acc.first);
        acc.rows += 1;
        if !known && pairs.insert((slot, q)) {
            acc.periods += 1;
        }
        if p < acc.first {
            let old = std::mem::take(&mut acc.first_sum);
            acc.rest_sum.merge(&old);
            acc.first = p;
            if let Some((f, r)) = exact.get_mut(&slot) {
                r.merge(f);
                *f = Exact::default();
            }
        }
        acc.last = acc.last.max(p);
        let in_first = p == acc.first;
        match self.amounts {
            Some(Amounts::I64(v)) => {
                let Some(&x) = v.get(i) else { return };
                let sum = if in_first {
                    &mut acc.first_sum
                } else {
                    &mut acc.rest_sum
                };
                sum.add_int(x);
                if let Some((f, r)) = exact.get_mut(&slot) {
                    let mut e = Money::default();
                    e.add_int(x);
                    if in_first { f } else { r }.merge(&e.to_exact());
                }
            }
            Some(Amounts::F64(v)) => {
                let Some(&x) = v.get(i) else { return };
                let sum = if in_first {
                    &mut acc.first_sum
                } else {
                    &mut acc.rest_sum
                };
                let fits = sum.add_float(x);
                if !fits && !acc.spilled {
                    // From here on this customer's sums are kept exactly.
                    acc.spilled = true;
                    let mut sums = (acc.first_sum.to_exact(), acc.rest_sum.to_exact());
                    if in_first { &mut sums.0 } else { &mut sums.1 }.add(x);
                    exact.insert(slot, sums);
                } else if let Some((f, r)) = exact.get_mut(&slot) {
                    if in_first { f } else { r }.add(x);
                }
            }
            None => {}
        }
    }
}
