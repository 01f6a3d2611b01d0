//! Which rows count, and the validation of every row (by the rules of
//! `crate::scan`).

use crate::calendar::NAT;
use crate::error::{Error, Result};
use crate::rfm::Names;
use crate::scan::{check_amount, check_date, check_day, Amounts};

use super::{SummaryInput, Unit};

/// Which rows count, and the validation of every row.
pub(crate) struct Select<'a> {
    pub(super) input: &'a SummaryInput<'a>,
    pub(super) names: &'a Names,
    pub(super) unit: Unit,
    pub(super) tpd: i64,
    /// Rows with `after < ts <= until` and a period up to `end` count.
    pub(super) after: i64,
    pub(super) until: i64,
    pub(super) end: i64,
    /// The timestamps of years 1 to 9999.
    pub(super) first_ok: i64,
    pub(super) last_ok: i64,
}

impl Select<'_> {
    /// Validates every row in parallel: the first bad row's error. Chunks
    /// are checked without branches (the common case: no bad row); the
    /// first bad chunk is then searched for its first bad row.
    pub(crate) fn check(&self) -> Result<()> {
        use rayon::prelude::*;
        const STEP: usize = 1 << 14;
        let (lo, hi) = (self.first_ok, self.last_ok);
        let bad_ts = |t: i64| (t == NAT) | (t < lo) | (t > hi);
        let bad_chunk = |c: usize, chunk: &[i64]| {
            let dates = chunk.iter().fold(false, |bad, &t| bad | bad_ts(t));
            let amounts = match self.input.amounts {
                Some(Amounts::F64(v)) => v
                    .get(c * STEP..c * STEP + chunk.len())
                    .is_some_and(|a| a.iter().fold(false, |bad, x| bad | !x.is_finite())),
                _ => false,
            };
            dates | amounts
        };
        let first_bad = self
            .input
            .ts
            .par_chunks(STEP)
            .enumerate()
            .find_first(|(c, chunk)| bad_chunk(*c, chunk));
        let Some((c, chunk)) = first_bad else {
            return Ok(());
        };
        let bad_row = |i: usize| {
            let amount_bad = match self.input.amounts {
                Some(Amounts::F64(v)) => v.get(i).is_some_and(|x| !x.is_finite()),
                _ => false,
            };
            self.input.ts.get(i).is_some_and(|&t| bad_ts(t)) || amount_bad
        };
        match (c * STEP..c * STEP + chunk.len()).find(|&i| bad_row(i)) {
            Some(i) => Err(row_error(self.input, self.names, i)),
            None => Ok(()),
        }
    }

    /// The period of row `i` (as the bits of an i32) if the row counts, for
    /// a row that `check` has passed.
    #[inline(always)]
    pub(crate) fn period(&self, i: usize) -> Option<u32> {
        let ts = *self.input.ts.get(i)?;
        if ts <= self.after || ts > self.until {
            return None;
        }
        let p = self.unit.period(ts, self.tpd);
        (p <= self.end).then_some(p as i32 as u32)
    }
}

/// What is wrong with row `i` (which the caller found wrong).
#[cold]
#[inline(never)]
fn row_error(input: &SummaryInput, names: &Names, i: usize) -> Error {
    let ts = input.ts[i];
    let checked = check_date(ts, &names.date, i)
        .and_then(|()| check_day(ts.div_euclid(input.ticks_per_day), &names.date, i))
        .and_then(|()| match input.amounts {
            Some(Amounts::F64(v)) => check_amount(v[i], i, &names.amount),
            _ => Ok(()),
        });
    checked
        .err()
        .unwrap_or_else(|| Error::option("row", format!("row {i} was rejected without a reason")))
}

pub(super) fn check_lengths(input: &SummaryInput, names: &Names) -> Result<()> {
    let n = input.ids.len();
    let others = [
        (&names.date, input.ts.len()),
        (&names.amount, input.amounts.map_or(n, |a| a.len())),
    ];
    match others.iter().find(|(_, len)| *len != n) {
        Some((name, len)) => Err(Error::Length {
            first: names.customer_id.clone(),
            first_len: n,
            other: (*name).clone(),
            other_len: *len,
        }),
        None => Ok(()),
    }
}
