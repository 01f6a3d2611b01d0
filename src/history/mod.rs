//! RFM at many as-of dates in one pass, and the churn labels that follow
//! each: the long table of `rfm_history` and `churn_labels`.
//!
//! The rows up to the last snapshot (or the end of its horizon) are grouped
//! by customer once and sorted by time within each customer (see
//! [`group`]); each customer's rows are then walked against the sorted
//! snapshot days (see [`walk`]), in parallel over blocks of customers, and
//! the blocks' columns are joined snapshot by snapshot. Every snapshot is
//! bit for bit the table [`crate::rfm()`] makes with that as-of day: the
//! same validation, day boundaries, windows and exact sums.

mod assemble;
mod group;
#[cfg(test)]
mod tests;
mod walk;

use chrono::Months;

use crate::calendar::{date_of_day, day_of_date, format_day, in_years, Window};
use crate::error::{Error, Result};
use crate::group::{DistinctAccess, DistinctBy, DistinctStr};
use crate::keys::{KeyColumn, SortedKeys};
use crate::rfm::{check_input, check_rows, empty_keys, Frequency, Input, Names, Options, Returns};
use crate::rounding::show_key;

use crate::rfm::min_max;
use assemble::{blocks, Columns};
use group::{customers, dense, Customers};
use walk::{Dropped, OrderSet, Plan};

/// The options of [`rfm_history`].
#[derive(Debug, Clone, Copy)]
pub struct HistoryOptions<'a> {
    /// The as-of days (days since 1970-01-01), strictly increasing.
    pub snapshot_days: &'a [i64],
    pub window: Option<Window>,
    pub frequency: Frequency,
    pub returns: Returns,
}

/// A long table: snapshot by snapshot, the customers who had bought by
/// then, in id order.
#[derive(Debug, Clone)]
pub struct History {
    /// The distinct customers; row `j` is customer `customer[j]` of these.
    pub customer_id: SortedKeys,
    /// Rows of each snapshot, in order.
    pub snapshot_rows: Vec<u64>,
    pub customer: Vec<u32>,
    pub recency: Vec<i64>,
    pub frequency: Vec<i64>,
    pub monetary: Vec<f64>,
    pub first_purchase: Vec<i64>,
    pub last_purchase: Vec<i64>,
    /// (snapshot, customer) pairs left out because the customer had only
    /// returns by then, and the first of them (its snapshot day and id).
    pub without_purchase: u64,
    pub first_without_purchase: Option<(i64, String)>,
}

/// The options of [`churn_labels`].
#[derive(Debug, Clone, Copy)]
pub struct LabelOptions<'a> {
    /// The cut-off days (days since 1970-01-01), strictly increasing.
    pub snapshot_days: &'a [i64],
    /// The horizon after each cut-off: `(day, day + horizon]`.
    pub horizon: Window,
    pub returns: Returns,
}

/// For every snapshot and customer who had bought by then, the purchases in
/// the horizon after it (the columns `frequency` and `monetary` of a
/// [`History`]; the others are empty).
pub type Labels = History;

/// Computes the RFM table at every snapshot day. See the Python
/// `rfm_history` for the semantics.
pub fn rfm_history(input: &Input, opts: &HistoryOptions, names: &Names) -> Result<History> {
    let days = opts.snapshot_days;
    let rfm_opts = Options {
        as_of_day: None, // the snapshot days are checked on their own
        window: opts.window,
        frequency: opts.frequency,
        returns: opts.returns,
    };
    check_input(input, &rfm_opts, names)?;
    check_days(days)?;
    let time = input.time;
    let cutoffs: Vec<i64> = days.iter().map(|&d| time.end_of(d)).collect();
    let starts = match opts.window {
        Some(w) => Some(
            days.iter()
                .map(|&d| Ok(time.start_of(w.start_day(d)?.saturating_add(1))))
                .collect::<Result<Vec<i64>>>()?,
        ),
        None => None,
    };
    let Some(grouped) = prepare(input, &rfm_opts, names, &cutoffs, true)? else {
        return Ok(empty(input, days.len()));
    };
    let sorted = grouped.columns(&time, &input.amounts);
    let plan = Plan {
        time: sorted.time(&time),
        amounts: sorted.amounts(),
        days,
        cutoffs,
        bounds: starts,
        frequency: opts.frequency,
        amount_name: &names.amount,
    };
    match (opts.frequency, input.orders) {
        (Frequency::Orders, Some(KeyColumn::I64(o))) => {
            run(&plan, grouped, Some(&DistinctBy(|i| o[i] as u64)))
        }
        (Frequency::Orders, Some(KeyColumn::U64(o))) => {
            run(&plan, grouped, Some(&DistinctBy(|i| o[i])))
        }
        (Frequency::Orders, Some(KeyColumn::Str(o))) => run(&plan, grouped, Some(&DistinctStr(o))),
        _ => run::<DistinctBy<fn(usize) -> u64>>(&plan, grouped, None),
    }
}

/// Computes the purchases after every snapshot day, up to its horizon. See
/// the Python `churn_labels` for the semantics.
pub fn churn_labels(input: &Input, opts: &LabelOptions, names: &Names) -> Result<Labels> {
    let days = opts.snapshot_days;
    check_days(days)?;
    let ends = days
        .iter()
        .map(|&d| horizon_end(d, opts.horizon))
        .collect::<Result<Vec<i64>>>()?;
    let rfm_opts = Options {
        as_of_day: None,
        window: None,
        frequency: Frequency::Rows,
        returns: opts.returns,
    };
    check_input(input, &rfm_opts, names)?;
    let time = input.time;
    let ends: Vec<i64> = ends.iter().map(|&d| time.end_of(d)).collect();
    let Some(grouped) = prepare(input, &rfm_opts, names, &ends, false)? else {
        return Ok(empty(input, days.len()));
    };
    let sorted = grouped.columns(&time, &input.amounts);
    let plan = Plan {
        time: sorted.time(&time),
        amounts: sorted.amounts(),
        days,
        cutoffs: days.iter().map(|&d| time.end_of(d)).collect(),
        bounds: Some(ends),
        frequency: Frequency::Rows,
        amount_name: &names.amount,
    };
    let first = |c: usize| plan.first_snapshot(grouped.range(c));
    let cols = blocks(
        grouped.len(),
        days.len(),
        false,
        first,
        |range, out, _: &mut ()| {
            for c in range {
                let show = || show_key(&grouped.keys, c);
                plan.labels(grouped.range(c), c as u32, out, &show)?;
            }
            Ok(())
        },
    )?;
    Ok(finish(grouped.keys, cols, Dropped::default(), days))
}

/// Snapshot days must increase and be dates of years 1 to 9999.
fn check_days(days: &[i64]) -> Result<()> {
    if let Some(w) = days.windows(2).find(|w| w[0] >= w[1]) {
        return Err(Error::option(
            "snapshots",
            format!(
                "must increase, got {} then {}",
                format_day(w[0]),
                format_day(w[1])
            ),
        ));
    }
    for &d in days {
        if !in_years(d) {
            return Err(Error::option(
                "snapshots",
                format!("day {d} since 1970-01-01 is not a date of years 1 to 9999"),
            ));
        }
    }
    Ok(())
}

/// The last day of the horizon after `day`.
fn horizon_end(day: i64, horizon: Window) -> Result<i64> {
    let too_long = || Error::option("horizon", "runs past the year 9999");
    match horizon {
        Window::Days(n) if n >= 1 => day.checked_add(n).ok_or_else(too_long),
        Window::Months(n) if n >= 1 => {
            let months = u32::try_from(n).map_err(|_| too_long())?;
            let date = date_of_day(day)?
                .checked_add_months(Months::new(months))
                .ok_or_else(too_long)?;
            Ok(day_of_date(date))
        }
        Window::Days(n) | Window::Months(n) => Err(Error::option(
            "horizon",
            format!("must be at least 1, got {n}"),
        )),
    }
}

/// Validates the rows as `rfm` does with the last cut-off, and groups the
/// rows up to it by customer (`None` for no rows or no snapshots). With
/// `strict`, a first cut-off before every row is an error, as an as-of date
/// is.
fn prepare(
    input: &Input,
    opts: &Options,
    names: &Names,
    cutoffs: &[i64],
    strict: bool,
) -> Result<Option<Customers>> {
    let (Some(&first), Some(&last)) = (cutoffs.first(), cutoffs.last()) else {
        check_rows(input, opts, names, i64::MIN)?;
        return Ok(None);
    };
    if input.time.is_empty() {
        return Ok(None);
    }
    let span = check_rows(input, opts, names, last)?;
    let time = input.time;
    if strict && span.min_pos > first {
        return Err(Error::option(
            "snapshots",
            format!(
                "{} is before the first transaction, on {}",
                format_day(time.day_of(first)),
                format_day(time.day_of(span.min_pos))
            ),
        ));
    }
    let exclude = opts.returns == Returns::Exclude;
    let amounts = input.amounts;
    let keep = |i: usize| time.pos(i) <= last && !(exclude && amounts.is_negative(i));
    let pos = |i: usize| time.pos(i);
    let n = time.len();
    Ok(Some(match input.ids {
        KeyColumn::I64(ids) => {
            let (lo, hi) = min_max(ids, |&x| i128::from(x));
            match dense_slots(n, lo, hi) {
                Some(slots) => dense(
                    |i| (i128::from(ids[i]) - lo) as usize,
                    n,
                    slots,
                    keep,
                    pos,
                    |u| SortedKeys::I64(u.iter().map(|&s| (lo + s as i128) as i64).collect()),
                ),
                None => customers(&ids, n, keep, pos),
            }
        }
        KeyColumn::U64(ids) => {
            let (lo, hi) = min_max(ids, |&x| i128::from(x));
            match dense_slots(n, lo, hi) {
                Some(slots) => dense(
                    |i| (i128::from(ids[i]) - lo) as usize,
                    n,
                    slots,
                    keep,
                    pos,
                    |u| SortedKeys::U64(u.iter().map(|&s| (lo + s as i128) as u64).collect()),
                ),
                None => customers(&ids, n, keep, pos),
            }
        }
        KeyColumn::Str(ids) => customers(&ids, n, keep, pos),
    }))
}

/// Slots of a counting sort for integer ids spanning `lo..=hi`, when the
/// span is small next to the rows (4 bytes a slot).
fn dense_slots(n: usize, lo: i128, hi: i128) -> Option<usize> {
    let slots = usize::try_from(hi - lo + 1).ok()?;
    (slots as u128 <= 2 * n as u128 + (1 << 16)).then_some(slots)
}

fn run<D>(plan: &Plan, grouped: Customers, orders: Option<&D>) -> Result<History>
where
    D: DistinctAccess,
    D::K: std::hash::Hash + Eq,
{
    let dropped = std::sync::Mutex::new(Dropped::default());
    let first = |c: usize| plan.first_snapshot(grouped.range(c));
    let cols = blocks(
        grouped.len(),
        plan.days.len(),
        true,
        first,
        |range, out, set: &mut OrderSet<D::K>| {
            let mut mine = Dropped::default();
            for c in range {
                let show = || show_key(&grouped.keys, c);
                plan.history(
                    grouped.range(c),
                    grouped.rows(c),
                    c as u32,
                    orders,
                    set,
                    out,
                    &mut mine,
                    &show,
                )?;
            }
            if let Ok(mut d) = dropped.lock() {
                *d = d.merge(mine);
            }
            Ok(())
        },
    )?;
    let dropped = dropped.into_inner().unwrap_or_default();
    Ok(finish(grouped.keys, cols, dropped, plan.days))
}

fn finish(keys: SortedKeys, cols: Columns, dropped: Dropped, days: &[i64]) -> History {
    let first_without_purchase = dropped.first.map(|(s, c)| {
        let day = days.get(s).copied().unwrap_or(0);
        (day, show_key(&keys, c as usize))
    });
    History {
        customer_id: keys,
        snapshot_rows: cols.snapshot_rows,
        customer: cols.code,
        recency: cols.recency,
        frequency: cols.frequency,
        monetary: cols.monetary,
        first_purchase: cols.first,
        last_purchase: cols.last,
        without_purchase: dropped.count,
        first_without_purchase,
    }
}

fn empty(input: &Input, snapshots: usize) -> History {
    History {
        customer_id: empty_keys(&input.ids),
        snapshot_rows: vec![0; snapshots],
        customer: Vec::new(),
        recency: Vec::new(),
        frequency: Vec::new(),
        monetary: Vec::new(),
        first_purchase: Vec::new(),
        last_purchase: Vec::new(),
        without_purchase: 0,
        first_without_purchase: None,
    }
}
