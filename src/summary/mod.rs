//! The per-customer summary that BG/NBD, Pareto/NBD and Gamma-Gamma models
//! are fitted on (`rfm_summary` in pymc-marketing, lifetimes'
//! `summary_data_from_transaction_data`).
//!
//! Every timestamp is floored to its period (day, Monday-to-Sunday week,
//! calendar month or hour) and numbered by a period ordinal. Per customer the
//! core finds the first and last period, the number of distinct periods, and
//! the exact sums of the amounts in the first period and in all the others,
//! from which the Python layer derives frequency, recency, T and the mean
//! per-period spend. One parallel pass: rows are scattered into partitions
//! by a hash of the id, and each partition is folded with a map of its
//! customers and a set of its (customer, period) pairs. Nothing is sorted but
//! the distinct customer ids, for the output order.

mod columns;
mod fold;
mod pairs;
mod select;
#[cfg(test)]
mod tests;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::keys::{KeyColumn, SortedKeys};
use crate::refold::{refold, rounded, show_key};
use crate::rfm::{min_max, Names};
use crate::scan::Amounts;

use columns::Columns;
use fold::{dense_slots, Fold};
pub(crate) use select::Select;
use select::{check_lengths, FIRST_DAY, LAST_DAY};

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    /// Weeks from Monday to Sunday (pandas' "W", that is "W-SUN").
    Week,
    /// Calendar months.
    Month,
    Hour,
}

impl std::str::FromStr for Unit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "D" => Ok(Unit::Day),
            "W" => Ok(Unit::Week),
            "M" => Ok(Unit::Month),
            "h" | "H" => Ok(Unit::Hour),
            _ => Err(Error::option(
                "time_unit",
                format!("{s:?}; expected 'D' (days), 'W' (weeks), 'M' (months) or 'h' (hours)"),
            )),
        }
    }
}

impl Unit {
    /// The ordinal of the period holding a naive timestamp of
    /// `ticks_per_day` ticks a day. Consecutive periods have consecutive
    /// ordinals; only differences matter.
    #[inline(always)]
    pub fn period(self, ts: i64, ticks_per_day: i64) -> i64 {
        let day = day_of(ts, ticks_per_day);
        match self {
            Unit::Day => day,
            // 1970-01-01 was a Thursday: day -3 is the Monday of week 0.
            Unit::Week => (day + 3).div_euclid(7),
            Unit::Month => month_of_day(day),
            Unit::Hour if ticks_per_day % 24 == 0 => ts.div_euclid(ticks_per_day / 24),
            Unit::Hour => day * 24,
        }
    }
}

/// The day of a timestamp. The usual units get a constant divisor, which
/// the compiler turns into a multiplication: a division is slow.
#[inline]
fn day_of(ts: i64, ticks_per_day: i64) -> i64 {
    const NS: i64 = 86_400_000_000_000;
    const US: i64 = 86_400_000_000;
    const MS: i64 = 86_400_000;
    const S: i64 = 86_400;
    match ticks_per_day {
        NS => ts.div_euclid(NS),
        US => ts.div_euclid(US),
        MS => ts.div_euclid(MS),
        S => ts.div_euclid(S),
        1 => ts,
        _ => ts.div_euclid(ticks_per_day),
    }
}

/// Months since January 1970 of a day number (days since 1970-01-01), by
/// the civil-from-days algorithm (H. Hinnant): integer arithmetic only.
#[inline]
pub(crate) fn month_of_day(day: i64) -> i64 {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let (month, march_based_year) = if mp < 10 { (mp + 3, 0) } else { (mp - 9, 1) };
    let year = yoe + era * 400 + march_based_year;
    (year - 1970) * 12 + month - 1
}

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
pub fn summarize(input: &SummaryInput, opts: &SummaryOptions, names: &Names) -> Result<Summary> {
    let n = input.ts.len();
    let select = selector(input, opts, names)?;
    let end_period = opts.end_period;
    let fold = Fold {
        select: &select,
        amounts: input.amounts,
    };
    let (keys, cols) = match input.ids {
        KeyColumn::I64(ids) => {
            let (lo, hi) = min_max(ids, |&x| i128::from(x));
            match dense_slots(n, lo, hi) {
                Some(slots) => {
                    let (idx, cols) = fold.dense(slots, n, |i| (i128::from(ids[i]) - lo) as u64)?;
                    let lo = lo as i64;
                    let keys = idx.par_iter().map(|&i| lo + i as i64).collect();
                    (SortedKeys::I64(keys), cols)
                }
                None => fold.run(&ids, n)?,
            }
        }
        KeyColumn::U64(ids) => {
            let (lo, hi) = min_max(ids, |&x| i128::from(x));
            match dense_slots(n, lo, hi) {
                Some(slots) => {
                    let (idx, cols) = fold.dense(slots, n, |i| (i128::from(ids[i]) - lo) as u64)?;
                    let keys = idx.par_iter().map(|&i| lo as u64 + i).collect();
                    (SortedKeys::U64(keys), cols)
                }
                None => fold.run(&ids, n)?,
            }
        }
        KeyColumn::Str(ids) => fold.run(&ids, n)?,
    };
    let mut cols = cols;
    exact_sums(input, &select, &keys, &mut cols, names)?;
    Ok(assemble(keys, cols, end_period))
}

/// Sums the customers whose amounts the fast fixed point could not hold
/// again, exactly: the first period's amounts and the others'.
fn exact_sums(
    input: &SummaryInput,
    select: &Select,
    keys: &SortedKeys,
    cols: &mut Columns,
    names: &Names,
) -> Result<()> {
    let at: Vec<usize> = cols.spilled.par_iter().positions(|&s| s).collect();
    let Some(Amounts::F64(v)) = input.amounts.filter(|_| !at.is_empty()) else {
        return Ok(());
    };
    let first = &cols.first;
    let sums = refold(&input.ids, keys, &at, 2, |i, j| {
        let period = i64::from(select.get(i).ok()?? as i32);
        let first = *first.get(*at.get(j)?)?;
        Some((usize::from(period != first), v[i]))
    });
    for (j, &pos) in at.iter().enumerate() {
        let (Some(f), Some(r)) = (sums.get(2 * j), sums.get(2 * j + 1)) else {
            continue;
        };
        let mut total = f.clone();
        total.merge(r);
        let customer = || show_key(keys, pos);
        let values = [
            rounded(f, &names.amount, customer)?,
            rounded(r, &names.amount, customer)?,
            rounded(&total, &names.amount, customer)?,
        ];
        for (col, value) in [&mut cols.first_sum, &mut cols.rest_sum, &mut cols.total_sum]
            .into_iter()
            .zip(values)
        {
            if let Some(slot) = col.get_mut(pos) {
                *slot = value;
            }
        }
    }
    Ok(())
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

/// Every row's period when it counts, every row validated (the first bad
/// row is the error): what a streamed summary folds.
pub(crate) fn row_periods(
    input: &SummaryInput,
    opts: &SummaryOptions,
    names: &Names,
) -> Result<Vec<Option<i64>>> {
    let select = selector(input, opts, names)?;
    (0..input.ts.len())
        .map(|i| Ok(select.get(i)?.map(|p| i64::from(p as i32))))
        .collect()
}

fn assemble(customer_id: SortedKeys, c: Columns, end_period: Option<i64>) -> Summary {
    let latest = c.last.par_iter().copied().max();
    Summary {
        customer_id,
        first: c.first,
        last: c.last,
        periods: c.periods,
        rows: c.rows,
        first_sum: c.first_sum,
        rest_sum: c.rest_sum,
        total_sum: c.total_sum,
        end_period: end_period.or(latest),
    }
}
