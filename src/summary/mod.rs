//! The per-customer summary that BG/NBD, Pareto/NBD and Gamma-Gamma models
//! are fitted on (`rfm_summary` in pymc-marketing, lifetimes'
//! `summary_data_from_transaction_data`).
//!
//! Every timestamp is floored to its period (day, Monday-to-Sunday week,
//! calendar month or hour) and numbered by a period ordinal. Per customer the
//! core finds the first and last period, the number of distinct periods, and
//! the exact sums of the amounts in the first period and in all the others,
//! from which the Python layer derives frequency, recency, T and the mean
//! per-period spend. The engine's state folds the rows
//! ([`crate::state::SummaryState`]); this module holds the period rules and
//! the row checks.

mod select;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use crate::keys::{KeyColumn, SortedKeys};
use crate::rfm::Names;
use crate::scan::Amounts;
use crate::state::SummaryState;

use crate::calendar::{FIRST_DAY, LAST_DAY};
use select::check_lengths;
pub(crate) use select::Select;

pub use crate::calendar::Unit;

/// The columns of a transaction table for the summary.
#[derive(Debug, Clone, Copy)]
pub struct SummaryInput<'a> {
    pub ids: KeyColumn<'a>,
    /// Naive timestamps (wall-clock time).
    pub ts: &'a [i64],
    pub ticks_per_day: i64,
    pub amounts: Option<Amounts<'a>>,
}

/// Which rows count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryOptions {
    pub unit: Unit,
    /// Rows strictly after this timestamp (raw, not floored).
    pub after: Option<i64>,
    /// Rows at or before this timestamp (raw, not floored).
    pub until: Option<i64>,
    /// The end of observation as a period ordinal (see [`Unit::period`]):
    /// rows in later periods are left out. `None` keeps every row (and the
    /// end is the latest period).
    pub end_period: Option<i64>,
}

/// One row per customer, sorted by id.
#[derive(Debug, Clone)]
pub struct Summary {
    pub customer_id: SortedKeys,
    /// First and last period with a transaction.
    pub first: Vec<i64>,
    pub last: Vec<i64>,
    /// Distinct periods with a transaction, and rows.
    pub periods: Vec<i64>,
    pub rows: Vec<i64>,
    /// Sum of the amounts in the first period, in the other periods, and in
    /// all, each the exact sum correctly rounded.
    pub first_sum: Vec<f64>,
    pub rest_sum: Vec<f64>,
    pub total_sum: Vec<f64>,
    /// The end period: the given end's, or the latest period of the rows
    /// counted (`None` when no row counts and no end was given).
    pub end_period: Option<i64>,
}

/// Computes the summary. See the Python `rfmkit.rfm_summary` for the rules.
///
/// One in-memory summary is one batch of the streamed state
/// ([`SummaryState`]): the engine's fold, then its finish.
pub fn summarize(input: &SummaryInput, opts: &SummaryOptions, names: &Names) -> Result<Summary> {
    let mut state = SummaryState::new(*opts);
    state.fold(input, names, false)?;
    state.finish(names)
}

/// The row rules of a summary, after the checks on the columns and options.
pub(crate) fn selector<'a>(
    input: &'a SummaryInput<'a>,
    opts: &SummaryOptions,
    names: &'a Names,
) -> Result<Select<'a>> {
    let n = input.ts.len();
    check_lengths(input, names)?;
    if input.ticks_per_day <= 0 {
        return Err(Error::option(
            "date unit",
            format!(
                "ticks per day must be positive, got {}",
                input.ticks_per_day
            ),
        ));
    }
    if u32::try_from(n).is_err() {
        return Err(Error::TooLarge(format!(
            "{n} rows; at most {} are supported",
            u32::MAX
        )));
    }
    let tpd = input.ticks_per_day;
    // The timestamps of years 1 to 9999 (saturating: all of them in ns).
    let (first_ok, last_ok) = (
        FIRST_DAY.saturating_mul(tpd),
        (LAST_DAY + 1).saturating_mul(tpd).saturating_sub(1),
    );
    Ok(Select {
        input,
        names,
        unit: opts.unit,
        tpd,
        after: opts.after.unwrap_or(i64::MIN),
        until: opts.until.unwrap_or(i64::MAX),
        end: opts.end_period.unwrap_or(i64::MAX),
        first_ok,
        last_ok,
    })
}
