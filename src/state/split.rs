//! `rfm_train_test_split` in one pass: each customer has a training and a
//! test accumulator side by side (slots `2s` and `2s + 1`), and each row
//! goes into the one of its window, through the summary's own visit. The
//! test columns come out aligned with the training customers.

use rayon::prelude::*;

use super::fold::{fold, Visit};
use super::keys::{FastMap, KeyMap};
use super::pairs::Pairs;
use super::summary::{columns, SummaryAcc, Sums};
use super::summary_rows::{SummaryRow, SummaryRows};
use crate::error::{Error, Result};
use crate::rfm::Names;
use crate::summary::{selector, Summary, SummaryInput, SummaryOptions};

/// The two windows' summaries of one pass.
#[derive(Debug, Clone)]
pub struct Split {
    /// The customers with a row in the training window.
    pub train: Summary,
    /// The test window's columns of the same customers, in the same order
    /// (no rows: zero rows, periods and sums).
    pub test: Summary,
    /// Customers with a row in the test window, trained or not.
    pub test_customers: usize,
}

/// Rows of the training window into even slots, the others into odd ones.
struct SplitRows<'a> {
    train: SummaryRows<'a>,
    test: SummaryRows<'a>,
}

impl Visit for SplitRows<'_> {
    type Acc = SummaryAcc;
    type Exact = Sums;
    type Key = i32;
    type Row = SummaryRow;

    #[inline(always)]
    fn row(&self, i: usize, slot: u32) -> Option<SummaryRow> {
        self.train
            .row(i, slot)
            .or_else(|| self.test.row(i, slot + 1))
    }

    #[inline]
    fn slot(row: &SummaryRow) -> u32 {
        SummaryRows::slot(row)
    }

    /// A carried row holds its period and amount: both windows fold it
    /// alike.
    #[inline]
    fn visit(
        &self,
        row: &SummaryRow,
        acc: &mut SummaryAcc,
        exact: &mut FastMap<u32, Sums>,
    ) -> Option<i32> {
        self.train.visit(row, acc, exact)
    }

    #[inline]
    fn add_distinct(acc: &mut SummaryAcc, n: u32) {
        SummaryRows::add_distinct(acc, n);
    }
}

/// Summarizes the training window (`train`) and the test window (`test`,
/// whose rows are the ones after the training end) in one pass.
pub fn split(
    input: &SummaryInput,
    train: &SummaryOptions,
    test: &SummaryOptions,
    names: &Names,
) -> Result<Split> {
    let train_sel = selector(input, train, names)?;
    train_sel.check()?;
    let test_sel = selector(input, test, names)?;
    let mut keys = KeyMap::default();
    let slots = keys.slots(&input.ids);
    if keys.len() >= 1 << 31 {
        return Err(Error::TooLarge(format!(
            "{} customers; a split supports at most 2^31",
            keys.len()
        )));
    }
    // Each customer's training slot; a row that is not a training row
    // goes to the slot beside it, if the test window takes it.
    let mut slots = slots;
    slots
        .par_iter_mut()
        .with_min_len(1 << 14)
        .for_each(|s| *s *= 2);
    let mut accs = vec![SummaryAcc::default(); 2 * keys.len()];
    let mut exact = FastMap::default();
    let mut pairs = Pairs::default();
    let rows = SplitRows {
        train: SummaryRows {
            select: &train_sel,
            amounts: input.amounts,
        },
        test: SummaryRows {
            select: &test_sel,
            amounts: input.amounts,
        },
    };
    fold(&rows, &slots, &mut accs, &mut exact, &mut pairs, false);
    let rows_of = |s: u32| accs.get(s as usize).map_or(0, |a| a.rows);
    let (order, _) = keys.sorted();
    let counted: Vec<u32> = order.into_iter().filter(|&s| rows_of(2 * s) > 0).collect();
    let (accs, exact) = (&accs, &exact);
    let side = |w: u32| {
        move |s: u32| {
            let v = 2 * s + w;
            (accs.get(v as usize), exact.get(&v))
        }
    };
    let mut train_out = columns(&keys, &counted, side(0), names)?;
    train_out.end_period = train
        .end_period
        .or_else(|| train_out.last.iter().copied().max());
    let mut test_out = columns(&keys, &counted, side(1), names)?;
    test_out.end_period = test.end_period;
    let test_customers = (0..keys.len() as u32)
        .filter(|&s| rows_of(2 * s + 1) > 0)
        .count();
    Ok(Split {
        train: train_out,
        test: test_out,
        test_customers,
    })
}
