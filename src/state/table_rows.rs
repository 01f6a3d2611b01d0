//! The RFM table's rows as the engine's fold applies them: purchases,
//! returns, the window, and distinct days or orders. A row is carried as
//! three words ([`Row`]); distinct orders carry the order's key too.

use std::marker::PhantomData;

use rayon::prelude::*;

use crate::accumulate::{Acc, Row, Rows};
use crate::group::prefetch;
use crate::money::Exact;
use crate::scan::Amounts;

use super::fold::{fold, Visit, AHEAD};
use super::keys::FastMap;
use super::pairs::Pairs;
use super::OrderKeys;

/// What the RFM table counts distinctly, if anything.
#[derive(Clone, Copy)]
pub(super) enum Distinct<'a> {
    Rows,
    Days,
    Orders(&'a OrderKeys<'a>),
}

/// A table row as the fold carries it: the row, with the order's key when
/// orders are counted.
pub(super) trait Carried: Copy + Send + Sync {
    fn of(row: Row, key: impl FnOnce() -> u64) -> Self;
    fn row(&self) -> &Row;
    fn key(&self) -> u64;
}

impl Carried for Row {
    #[inline(always)]
    fn of(row: Row, _: impl FnOnce() -> u64) -> Row {
        row
    }
    #[inline(always)]
    fn row(&self) -> &Row {
        self
    }
    #[inline(always)]
    fn key(&self) -> u64 {
        0
    }
}

/// A row and its order's key.
#[derive(Debug, Clone, Copy)]
struct Keyed {
    row: Row,
    key: u64,
}

impl Carried for Keyed {
    #[inline(always)]
    fn of(row: Row, key: impl FnOnce() -> u64) -> Keyed {
        Keyed { row, key: key() }
    }
    #[inline(always)]
    fn row(&self) -> &Row {
        &self.row
    }
    #[inline(always)]
    fn key(&self) -> u64 {
        self.key
    }
}

/// The RFM table's rows, carried as `C` (a [`Row`], or [`Keyed`] for
/// distinct orders).
struct TableRows<'a, C> {
    rows: &'a Rows<'a>,
    distinct: Distinct<'a>,
    carried: PhantomData<C>,
}

impl<C: Carried> Visit for TableRows<'_, C> {
    type Acc = Acc;
    type Exact = Exact;
    type Key = u64;
    type Row = C;

    #[inline(always)]
    fn row(&self, i: usize, slot: u32) -> Option<C> {
        let row = self.rows.row(i, slot)?;
        Some(C::of(row, || match self.distinct {
            Distinct::Orders(o) => o.get(i).unwrap_or(0),
            _ => 0,
        }))
    }

    #[inline]
    fn slot(row: &C) -> u32 {
        row.row().slot
    }

    #[inline]
    fn visit(&self, carried: &C, acc: &mut Acc, exact: &mut FastMap<u32, Exact>) -> Option<u64> {
        let (rows, row) = (self.rows, carried.row());
        let counts_rows = matches!(self.distinct, Distinct::Rows);
        let (purchase, in_window) = rows.visit(row, acc, counts_rows);
        if let (true, true, Amounts::F64(_)) = (acc.spilled, in_window, rows.amounts) {
            // Amounts the fixed point cannot hold: this customer's sum is
            // kept exactly from here on (from what it had so far).
            let money = acc.money;
            exact
                .entry(row.slot)
                .or_insert_with(|| money.to_exact())
                .add(f64::from_bits(row.amount));
        }
        if !purchase {
            return None;
        }
        match self.distinct {
            Distinct::Rows => None,
            Distinct::Days => Some(rows.time.day_of(rows.pos(row)) as u64),
            Distinct::Orders(_) => Some(carried.key()),
        }
    }

    #[inline]
    fn add_distinct(acc: &mut Acc, n: u32) {
        acc.count += n;
    }
}

/// Folds a batch of the table's rows (`slots[i]`: row `i`'s slot) into
/// `accs`: through the per-thread copies when rows alone are counted and
/// the batch has many rows a customer, else through the engine's fold
/// (`keep`: see [`fold`]).
pub(super) fn fold_table(
    rows: &Rows,
    distinct: Distinct,
    slots: &[u32],
    accs: &mut [Acc],
    exact: &mut FastMap<u32, Exact>,
    pairs: &mut Pairs<u64>,
    keep: bool,
) {
    if let Distinct::Orders(_) = distinct {
        let visit = TableRows::<Keyed> {
            rows,
            distinct,
            carried: PhantomData,
        };
        return fold(&visit, slots, accs, exact, pairs, keep);
    }
    let visit = TableRows::<Row> {
        rows,
        distinct,
        carried: PhantomData,
    };
    if matches!(distinct, Distinct::Rows) && copies(slots.len(), accs.len()) > 1 {
        fold_copies(&visit, slots, accs, exact);
    } else {
        fold(&visit, slots, accs, exact, pairs, keep);
    }
}

/// How many parts [`fold_copies`] cuts a batch of `rows` rows into, for
/// `accs` accumulators (1: fold it by [`fold`] instead).
fn copies(rows: usize, accs: usize) -> usize {
    // Each part past the first holds a copy of every accumulator (64 bytes
    // a customer): at most one copy per four rows a customer, so the copies
    // stay within the rows' own size, whatever the thread count.
    let affordable = 1 + rows / (4 * accs.max(1));
    rayon::current_num_threads().clamp(1, affordable.max(1))
}

/// The RFM table's fold without distinct counting, for a batch of many
/// rows per customer: the rows are cut into one contiguous part per
/// thread, each part folded in row order into accumulators of its own (the
/// first into `accs`), and the copies merged into `accs` slot by slot. The
/// rows' values are read in order and no row is scattered; every operation
/// of [`Acc::merge`] is exact and commutative, and a customer whose amounts
/// spilled in any part gets its exact sum from all the parts' sums.
fn fold_copies(
    v: &TableRows<Row>,
    slots: &[u32],
    accs: &mut [Acc],
    exact: &mut FastMap<u32, Exact>,
) {
    let parts = copies(slots.len(), accs.len());
    let per = slots.len().div_ceil(parts).max(1);
    let mut chunks = slots.chunks(per);
    let Some(first) = chunks.next() else {
        return;
    };
    let rest: Vec<&[u32]> = chunks.collect();
    let n = accs.len();
    let walk = |start: usize, rows: &[u32], accs: &mut [Acc], exact: &mut FastMap<u32, Exact>| {
        for (k, &slot) in rows.iter().enumerate() {
            if let Some(acc) = rows.get(k + AHEAD).and_then(|&s| accs.get(s as usize)) {
                prefetch(acc);
            }
            let (Some(row), Some(acc)) = (v.row(start + k, slot), accs.get_mut(slot as usize))
            else {
                continue;
            };
            v.visit(&row, acc, exact);
        }
    };
    let (_, copies) = rayon::join(
        || walk(0, first, accs, exact),
        || {
            rest.par_iter()
                .enumerate()
                .map(|(p, rows)| {
                    let mut own: Vec<Acc> = Vec::new();
                    own.resize(n, Acc::default());
                    let mut ex = FastMap::default();
                    walk((p + 1) * per, rows, &mut own, &mut ex);
                    (own, ex)
                })
                .collect::<Vec<_>>()
        },
    );
    for (own, ex) in &copies {
        // The exact sums of the spilled customers first, from both sides'
        // money as it was.
        let spilled: Vec<usize> = accs
            .par_iter()
            .zip(own.par_iter())
            .with_min_len(1 << 14)
            .positions(|(a, b)| a.spilled || b.spilled)
            .collect();
        for s in spilled {
            let (Some(a), Some(b)) = (accs.get(s), own.get(s)) else {
                continue;
            };
            let slot = s as u32;
            super::merge::exact_union(exact, slot, a, ex.get(&slot), b);
        }
        accs.par_iter_mut()
            .zip(own.par_iter())
            .with_min_len(1 << 12)
            .for_each(|(a, b)| a.merge(b));
    }
}
