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
    /// Validates every row in parallel: the first bad row's error.
    pub(crate) fn check(&self) -> Result<()> {
        use rayon::prelude::*;
        let bad = (0..self.input.ts.len())
            .into_par_iter()
            .with_min_len(1 << 14)
            .find_first(|&i| self.get(i).is_err());
        match bad.map(|i| self.get(i)) {
            Some(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Hints that row `i`'s date and amount will be read soon.
    #[inline]
    pub(crate) fn prefetch(&self, i: usize) {
        use crate::group::prefetch;
        if let Some(t) = self.input.ts.get(i) {
            prefetch(t);
        }
        match self.input.amounts {
            Some(Amounts::F64(v)) => v.get(i).map(prefetch),
            Some(Amounts::I64(v)) => v.get(i).map(prefetch),
            None => None,
        };
    }

    /// Validates row `i` and gives its period (as the bits of an i32) if the
    /// row counts. Validation covers every row, counted or not; the checks
    /// are inlined and the error is built out of line.
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> Result<Option<u32>> {
        let ts = self.input.ts[i];
        let amount_ok = match self.input.amounts {
            Some(Amounts::F64(v)) => v[i].is_finite(),
            _ => true,
        };
        if ts == NAT || ts < self.first_ok || ts > self.last_ok || !amount_ok {
            return Err(row_error(self.input, self.names, i));
        }
        if ts <= self.after || ts > self.until {
            return Ok(None);
        }
        let p = self.unit.period(ts, self.tpd);
        Ok((p <= self.end).then_some(p as i32 as u32))
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
