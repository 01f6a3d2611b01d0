//! The CLV summary's rows as the engine's fold applies them: each row's
//! period, the distinct periods, and the amounts of the first period kept
//! apart from the others', exactly.

use super::fold::Visit;
use super::keys::FastMap;
use super::summary::{SummaryAcc, Sums};
use crate::money::{Exact, Money};
use crate::scan::Amounts;
use crate::summary::Select;

/// A batch's rows, validated whole by [`Select::check`] first.
pub(super) struct SummaryRows<'a> {
    pub select: &'a Select<'a>,
    pub amounts: Option<Amounts<'a>>,
}

/// A row as the fold carries it.
#[derive(Debug, Clone, Copy)]
pub(super) struct SummaryRow {
    slot: u32,
    period: i32,
    /// The amount's bits (as the column is), 0 without amounts.
    amount: u64,
}

impl Visit for SummaryRows<'_> {
    type Acc = SummaryAcc;
    type Exact = Sums;
    type Key = i32;
    type Row = SummaryRow;

    #[inline(always)]
    fn row(&self, i: usize, slot: u32) -> Option<SummaryRow> {
        let period = self.select.period(i)? as i32;
        let amount = match self.amounts {
            Some(Amounts::F64(v)) => v.get(i)?.to_bits(),
            Some(Amounts::I64(v)) => *v.get(i)? as u64,
            None => 0,
        };
        Some(SummaryRow {
            slot,
            period,
            amount,
        })
    }

    #[inline]
    fn slot(row: &SummaryRow) -> u32 {
        row.slot
    }

    #[inline(always)]
    fn visit(
        &self,
        row: &SummaryRow,
        acc: &mut SummaryAcc,
        exact: &mut FastMap<u32, Sums>,
    ) -> Option<i32> {
        let q = row.period;
        let p = i64::from(q);
        // The customer's first and last periods are counted already: the
        // common case of several rows in one period skips the count.
        let known = acc.rows > 0 && (p == acc.last || p == acc.first);
        acc.rows += 1;
        if p < acc.first {
            let old = std::mem::take(&mut acc.first_sum);
            acc.rest_sum.merge(&old);
            acc.first = p;
            if acc.spilled {
                exact_new_first(exact, row.slot);
            }
        }
        acc.last = acc.last.max(p);
        let in_first = p == acc.first;
        let sum = if in_first {
            &mut acc.first_sum
        } else {
            &mut acc.rest_sum
        };
        match self.amounts {
            Some(Amounts::I64(_)) => {
                let x = row.amount as i64;
                sum.add_int(x);
                if acc.spilled {
                    exact_int(exact, row.slot, x, in_first);
                }
            }
            Some(Amounts::F64(_)) => {
                let x = f64::from_bits(row.amount);
                if !sum.add_float(x) || acc.spilled {
                    exact_float(exact, acc, row.slot, x, in_first);
                }
            }
            None => {}
        }
        (!known).then_some(q)
    }

    #[inline]
    fn add_distinct(acc: &mut SummaryAcc, n: u32) {
        acc.periods += n;
    }
}

/// A spilled customer's new first period: the old first period's exact sum
/// joins the others'.
#[cold]
#[inline(never)]
fn exact_new_first(exact: &mut FastMap<u32, Sums>, slot: u32) {
    if let Some((f, r)) = exact.get_mut(&slot) {
        r.merge(f);
        *f = Exact::default();
    }
}

/// Adds an integer amount to a spilled customer's exact sums.
#[cold]
#[inline(never)]
fn exact_int(exact: &mut FastMap<u32, Sums>, slot: u32, x: i64, in_first: bool) {
    if let Some((f, r)) = exact.get_mut(&slot) {
        let mut e = Money::default();
        e.add_int(x);
        if in_first { f } else { r }.merge(&e.to_exact());
    }
}

/// Adds a float amount to the exact sums of a customer already spilled, or
/// of one whose amount the fast fixed point could not hold (its sums are
/// then kept exactly from here on, from what they were).
#[cold]
#[inline(never)]
fn exact_float(
    exact: &mut FastMap<u32, Sums>,
    acc: &mut SummaryAcc,
    slot: u32,
    x: f64,
    in_first: bool,
) {
    if !acc.spilled {
        acc.spilled = true;
        let mut sums = (acc.first_sum.to_exact(), acc.rest_sum.to_exact());
        if in_first { &mut sums.0 } else { &mut sums.1 }.add(x);
        exact.insert(slot, sums);
    } else if let Some((f, r)) = exact.get_mut(&slot) {
        if in_first { f } else { r }.add(x);
    }
}
