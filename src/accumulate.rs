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

/// A row as the fold carries it: its slot and the values the rules read,
/// so that a range's rows are read in order, not fetched one by one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub(crate) slot: u32,
    /// The local day (zoned data: the row's position).
    pub(crate) day: i32,
    pub(crate) ts: i64,
    /// The amount's bits (an `f64`'s or an `i64`'s, as the column is).
    pub(crate) amount: u64,
}

// Three words: ten million rows' records take 240 MB.
const _: () = assert!(std::mem::size_of::<Row>() == 24);

impl Rows<'_> {
    /// Row `i` (of slot `slot`) if it counts at all: at or before the
    /// cut-off, and not an excluded return.
    #[inline(always)]
    pub(crate) fn row(&self, i: usize, slot: u32) -> Option<Row> {
        let pos = self.time.pos(i);
        let (amount, negative) = match self.amounts {
            Amounts::F64(v) => (v[i].to_bits(), v[i] < 0.0),
            Amounts::I64(v) => (v[i] as u64, v[i] < 0),
        };
        if pos > self.cutoff || (negative && self.exclude_returns) {
            return None;
        }
        let day = match self.time {
            Time::Naive { .. } => 0,
            Time::Zoned { .. } => pos as i32,
        };
        Some(Row {
            slot,
            day,
            ts: self.time.ts(i),
            amount,
        })
    }

    /// A row's position (see [`Time::pos`]).
    #[inline]
    pub(crate) fn pos(&self, row: &Row) -> i64 {
        match self.time {
            Time::Naive { .. } => row.ts,
            Time::Zoned { .. } => i64::from(row.day),
        }
    }

    /// Adds a row (one that [`Rows::row`] gave) to `acc`. Returns whether
    /// the row is a purchase inside the window (the rows that distinct-order
    /// and distinct-day counting use), and whether it is inside the window
    /// (its amount goes into monetary).
    #[inline]
    pub(crate) fn visit(&self, row: &Row, acc: &mut Acc, count_rows: bool) -> (bool, bool) {
        let pos = self.pos(row);
        acc.seen = true;
        let in_window = pos >= self.window_start;
        let negative = match self.amounts {
            Amounts::F64(_) => {
                let x = f64::from_bits(row.amount);
                if in_window {
                    acc.spilled |= !acc.money.add_float(x);
                }
                x < 0.0
            }
            Amounts::I64(_) => {
                let x = row.amount as i64;
                if in_window {
                    acc.money.add_int(x);
                }
                x < 0
            }
        };
        if negative {
            return (false, in_window);
        }
        acc.first_ts = acc.first_ts.min(row.ts);
        acc.last_ts = acc.last_ts.max(row.ts);
        acc.last_pos = acc.last_pos.max(pos);
        if in_window && count_rows {
            acc.count += 1;
        }
        (in_window, in_window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row `i` as the fold adds it: whether it is a purchase in the window.
    fn add(rows: &Rows, i: usize, acc: &mut Acc) -> bool {
        rows.row(i, 0)
            .is_some_and(|row| rows.visit(&row, acc, true).0)
    }

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
        let counted: Vec<bool> = (0..5).map(|i| add(&rows, i, &mut acc)).collect();
        assert_eq!(counted, [false, false, true, false, true]);
        assert_eq!((acc.first_ts, acc.last_ts, acc.count), (1, 6, 2));
        assert_eq!(acc.money.to_f64(), -3.0 + 2.5 + 1.0);

        let excl = Rows {
            exclude_returns: true,
            ..rows
        };
        let mut acc = Acc::default();
        (0..5).for_each(|i| {
            add(&excl, i, &mut acc);
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
        add(&rows, 0, &mut a);
        add(&rows, 1, &mut b);
        add(&rows, 2, &mut b);
        (0..3).for_each(|i| {
            add(&rows, i, &mut all);
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
