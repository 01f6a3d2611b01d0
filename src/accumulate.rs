//! The per-customer accumulator and the rules that decide what a row adds.
//!
//! Every operation here is exact and commutative (min, max, integer counts,
//! the exact [`Money`] sum), so partial accumulators can be merged in any
//! order: results are identical for any row order and any thread count.

use crate::calendar::Time;
use crate::money::Money;
use crate::scan::Amounts;

/// What is known about one customer after some of its rows.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
pub(crate) struct Acc {
    /// Earliest and latest purchase timestamps (`i64::MAX` / `i64::MIN` if none).
    pub(crate) first_ts: i64,
    pub(crate) last_ts: i64,
    /// Latest purchase position (see [`Time::pos`]); `i64::MIN` if none.
    pub(crate) last_pos: i64,
    /// Purchases counted inside the window (rows mode only).
    pub(crate) count: u32,
    /// Whether the customer has any row at or before the as-of date.
    pub(crate) seen: bool,
    /// Whether an amount did not fit the fast fixed point: `money` is then
    /// incomplete and the customer's sum is kept exactly by the fold.
    pub(crate) spilled: bool,
    /// Amounts inside the window.
    pub(crate) money: Money,
}

// The accumulator fills one cache line; the spill flag lives in padding.
const _: () = assert!(std::mem::size_of::<Acc>() == 64);

impl Default for Acc {
    fn default() -> Self {
        Acc {
            first_ts: i64::MAX,
            last_ts: i64::MIN,
            last_pos: i64::MIN,
            count: 0,
            seen: false,
            spilled: false,
            money: Money::default(),
        }
    }
}

impl Acc {
    /// Folds another partial accumulator of the same customer into this one
    /// (streamed states merge; the in-memory paths fold a customer in one place).
    #[inline]
    pub(crate) fn merge(&mut self, o: &Acc) {
        self.first_ts = self.first_ts.min(o.first_ts);
        self.last_ts = self.last_ts.max(o.last_ts);
        self.last_pos = self.last_pos.max(o.last_pos);
        self.count += o.count;
        self.seen |= o.seen;
        self.spilled |= o.spilled;
        self.money.merge(&o.money);
    }

    /// Whether the customer made at least one purchase.
    pub(crate) fn has_purchase(&self) -> bool {
        self.last_pos != i64::MIN
    }
}

/// The row-level rules of one computation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    pub(crate) time: Time<'a>,
    pub(crate) amounts: Amounts<'a>,
    /// Last position included (the end of the as-of day).
    pub(crate) cutoff: i64,
    /// First position inside the window (`i64::MIN` without a window).
    pub(crate) window_start: i64,
    /// Drop negative rows entirely (`returns="exclude"`).
    pub(crate) exclude_returns: bool,
}

impl Rows<'_> {
    /// Hints that row `i`'s date and amount will be read soon.
    #[inline]
    pub(crate) fn prefetch(&self, i: usize) {
        use crate::group::prefetch;
        match self.time {
            Time::Naive { ts, .. } => prefetch(&ts[i]),
            Time::Zoned { ts, days } => {
                prefetch(&ts[i]);
                prefetch(&days[i]);
            }
        }
        match self.amounts {
            Amounts::F64(v) => prefetch(&v[i]),
            Amounts::I64(v) => prefetch(&v[i]),
        }
    }

    /// Row `i`'s position and whether it is a return, if the row counts at
    /// all: at or before the cut-off, and not an excluded return.
    #[inline]
    fn counted(&self, i: usize) -> Option<(i64, bool)> {
        let pos = self.time.pos(i);
        let negative = self.amounts.is_negative(i);
        (pos <= self.cutoff && !(negative && self.exclude_returns)).then_some((pos, negative))
    }

    /// Whether row `i`'s amount goes into monetary.
    #[inline]
    pub(crate) fn adds_money(&self, i: usize) -> bool {
        self.counted(i)
            .is_some_and(|(pos, _)| pos >= self.window_start)
    }

    /// Adds row `i` to `acc`. Returns whether the row is a purchase inside
    /// the window, the rows that distinct-order and distinct-day counting use.
    #[inline]
    pub(crate) fn visit(&self, i: usize, acc: &mut Acc, count_rows: bool) -> bool {
        let Some((pos, negative)) = self.counted(i) else {
            return false;
        };
        acc.seen = true;
        let in_window = pos >= self.window_start;
        if in_window {
            match self.amounts {
                Amounts::F64(v) => acc.spilled |= !acc.money.add_float(v[i]),
                Amounts::I64(v) => acc.money.add_int(v[i]),
            }
        }
        if negative {
            return false;
        }
        let ts = self.time.ts(i);
        acc.first_ts = acc.first_ts.min(ts);
        acc.last_ts = acc.last_ts.max(ts);
        acc.last_pos = acc.last_pos.max(pos);
        if in_window && count_rows {
            acc.count += 1;
        }
        in_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visit_applies_cutoff_window_and_returns() {
        let ts = [1, 5, 6, 9, 4];
        let amt = [10.0, -3.0, 2.5, 7.0, 1.0];
        let rows = Rows {
            time: Time::Naive {
                ts: &ts,
                ticks_per_day: 1,
            },
            amounts: Amounts::F64(&amt),
            cutoff: 6,
            window_start: 4,
            exclude_returns: false,
        };
        let mut acc = Acc::default();
        let counted: Vec<bool> = (0..5).map(|i| rows.visit(i, &mut acc, true)).collect();
        assert_eq!(counted, [false, false, true, false, true]);
        assert_eq!((acc.first_ts, acc.last_ts, acc.count), (1, 6, 2));
        assert_eq!(acc.money.to_f64(), -3.0 + 2.5 + 1.0);

        let excl = Rows {
            exclude_returns: true,
            ..rows
        };
        let mut acc = Acc::default();
        (0..5).for_each(|i| {
            excl.visit(i, &mut acc, true);
        });
        assert_eq!(acc.money.to_f64(), 3.5);
    }

    #[test]
    fn merge_is_order_free() {
        let ts = [3, 1, 2];
        let amt = [1i64, 2, 3];
        let rows = Rows {
            time: Time::Naive {
                ts: &ts,
                ticks_per_day: 1,
            },
            amounts: Amounts::I64(&amt),
            cutoff: i64::MAX,
            window_start: i64::MIN,
            exclude_returns: false,
        };
        let (mut a, mut b, mut all) = (Acc::default(), Acc::default(), Acc::default());
        rows.visit(0, &mut a, true);
        rows.visit(1, &mut b, true);
        rows.visit(2, &mut b, true);
        (0..3).for_each(|i| {
            rows.visit(i, &mut all, true);
        });
        b.merge(&a);
        assert_eq!(
            (b.first_ts, b.last_ts, b.count),
            (all.first_ts, all.last_ts, all.count)
        );
        assert_eq!(b.money, all.money);
        assert!(!Acc::default().has_purchase());
    }
}
