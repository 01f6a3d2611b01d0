//! Transactions in, one row per customer out: recency, frequency, monetary,
//! first and last purchase.

pub(crate) mod output;

use rayon::prelude::*;

use crate::accumulate::Rows;
use crate::calendar::{format_day, in_years, Time, Window};
use crate::error::{Error, Result};
use crate::keys::{KeyColumn, SortedKeys, StrBuffer};
use crate::scan::{check_day, scan, Amounts, Span};
use crate::state::{GroupColumn, GroupValues, RfmState};

pub(crate) use output::assemble;

/// How purchases are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// Purchase rows.
    Rows,
    /// Distinct order ids among purchase rows.
    Orders,
    /// Distinct calendar days with a purchase.
    Days,
}

/// What negative amounts (returns) do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// They reduce monetary and are not purchases.
    Net,
    /// They are dropped.
    Exclude,
    /// They are an error.
    Error,
}

impl std::str::FromStr for Frequency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "rows" => Ok(Frequency::Rows),
            "orders" => Ok(Frequency::Orders),
            "days" => Ok(Frequency::Days),
            _ => Err(Error::option(
                "frequency",
                format!("{s:?}; expected 'rows', 'orders' or 'days'"),
            )),
        }
    }
}

impl std::str::FromStr for Returns {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "net" => Ok(Returns::Net),
            "exclude" => Ok(Returns::Exclude),
            "error" => Ok(Returns::Error),
            _ => Err(Error::option(
                "returns",
                format!("{s:?}; expected 'net', 'exclude' or 'error'"),
            )),
        }
    }
}

/// The user's column names, for messages.
#[derive(Debug, Clone)]
pub struct Names {
    pub customer_id: String,
    pub date: String,
    pub amount: String,
    pub order_id: String,
    /// The group columns (`by=`).
    pub by: Vec<String>,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            customer_id: "customer_id".into(),
            date: "date".into(),
            amount: "amount".into(),
            order_id: "order_id".into(),
            by: Vec::new(),
        }
    }
}

/// The columns of a transaction table.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub ids: KeyColumn<'a>,
    pub time: Time<'a>,
    pub amounts: Amounts<'a>,
    pub orders: Option<KeyColumn<'a>>,
    /// The group columns (`by=`; empty without groups).
    pub groups: &'a [GroupColumn<'a>],
}

/// The options of a computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The as-of day (days since 1970-01-01); `None` for the day of the
    /// latest transaction.
    pub as_of_day: Option<i64>,
    pub window: Option<Window>,
    pub frequency: Frequency,
    pub returns: Returns,
}

/// One row per customer, sorted by id.
#[derive(Debug, Clone)]
pub struct RfmTable {
    pub customer_id: SortedKeys,
    pub recency: Vec<i64>,
    pub frequency: Vec<i64>,
    pub monetary: Vec<f64>,
    pub first_purchase: Vec<i64>,
    pub last_purchase: Vec<i64>,
    /// The as-of day used (`None` only for empty input without an as-of date).
    pub as_of_day: Option<i64>,
    /// Customers left out because they have rows but no purchase (only
    /// returns), and the first of them.
    pub without_purchase: u64,
    pub first_without_purchase: Option<String>,
    /// With `by=`: each row's group and the groups' values.
    pub groups: Option<TableGroups>,
}

/// The groups of a grouped table: each row's group (an index into the
/// sorted groups), the sorted groups' values per column, and the group of
/// the first customer left out for having no purchase.
#[derive(Debug, Clone)]
pub struct TableGroups {
    pub rows: Vec<u32>,
    pub values: Vec<GroupValues>,
    pub first_without_purchase: Option<u32>,
}

/// Computes the RFM table. See the Python `rfm_table` for the semantics.
///
/// One in-memory table is one batch of the streamed state ([`RfmState`]):
/// the rows are checked once, the as-of date defaults to the latest day,
/// and the state's fold and finish give the table.
pub fn rfm(input: &Input, opts: &Options, names: &Names) -> Result<RfmTable> {
    check_input(input, opts, names)?;
    if input.time.is_empty() {
        let keys = empty_keys(&input.ids);
        return Ok(assemble(keys, &[], opts.as_of_day, &input.time).0);
    }
    let time = input.time;
    let cutoff = opts.as_of_day.map_or(i64::MAX, |d| time.end_of(d));
    let span = check_rows(input, opts, names, cutoff)?;
    let as_of_day = opts.as_of_day.unwrap_or_else(|| time.day_of(span.max_pos));
    check_as_of(as_of_day, span.min_pos, cutoff, &time)?;
    let opts = Options {
        as_of_day: Some(as_of_day),
        ..*opts
    };
    let mut state = match input.groups.len() {
        0 => RfmState::new(opts)?,
        n => RfmState::grouped(opts, n)?,
    };
    state.check_groups(input, names)?;
    state.fold(input, names, &span, time.end_of(as_of_day), false)?;
    state.finish(names)
}

/// The checks on the columns and options that need no pass over the rows.
pub(crate) fn check_input(input: &Input, opts: &Options, names: &Names) -> Result<()> {
    check_lengths(input, names)?;
    input.time.validate()?;
    let n = input.time.len();
    if u32::try_from(n).is_err() {
        return Err(Error::TooLarge(format!(
            "{n} rows; at most {} are supported",
            u32::MAX
        )));
    }
    match (opts.frequency, input.orders.is_some()) {
        (Frequency::Orders, false) => Err(Error::option(
            "frequency",
            "'orders' needs an order_id column",
        )),
        (Frequency::Rows | Frequency::Days, true) => Err(Error::option(
            "order_id",
            "an order_id column is only used with frequency='orders'",
        )),
        _ => Ok(()),
    }
}

/// The pass that validates every row (dates, amounts, the calendar, returns
/// when they are an error) and measures the data.
pub(crate) fn check_rows(
    input: &Input,
    opts: &Options,
    names: &Names,
    cutoff: i64,
) -> Result<Span> {
    let time = input.time;
    let span = scan(
        &time,
        Some(&input.amounts),
        cutoff,
        (&names.date, &names.amount),
    )?;
    check_calendar(opts.as_of_day, &span, &time, names)?;
    if let (Returns::Error, Some(row)) = (opts.returns, span.first_negative) {
        return Err(Error::Returns {
            column: names.amount.clone(),
            count: span.negatives,
            value: input.amounts.show(row),
            row,
        });
    }
    Ok(span)
}

/// The as-of date must not be before the first transaction.
pub(crate) fn check_as_of(as_of_day: i64, min_pos: i64, cutoff: i64, time: &Time) -> Result<()> {
    if min_pos > cutoff {
        return Err(Error::option(
            "as_of",
            format!(
                "{} is before the first transaction, on {}",
                format_day(as_of_day),
                format_day(time.day_of(min_pos))
            ),
        ));
    }
    Ok(())
}

/// The row rules of a computation with this as-of day.
pub(crate) fn rows_of<'a>(
    input: &Input<'a>,
    opts: &Options,
    cutoff: i64,
    as_of_day: i64,
) -> Result<Rows<'a>> {
    let time = input.time;
    let window_start = match opts.window {
        Some(w) => time.start_of(w.start_day(as_of_day)?.saturating_add(1)),
        None => i64::MIN,
    };
    Ok(Rows {
        time,
        amounts: input.amounts,
        cutoff,
        window_start,
        exclude_returns: opts.returns == Returns::Exclude,
    })
}

/// Dates must be dates of years 1 to 9999, the range of Python's
/// `datetime.date`: far-off values (a corrupt `datetime64[D]`) end here, so
/// no day arithmetic can overflow.
fn check_calendar(as_of_day: Option<i64>, span: &Span, time: &Time, names: &Names) -> Result<()> {
    if let Some(day) = as_of_day.filter(|&d| !in_years(d)) {
        return Err(Error::option(
            "as_of",
            format!("day {day} since 1970-01-01 is not a date of years 1 to 9999"),
        ));
    }
    for (pos, row) in [(span.min_pos, span.min_row), (span.max_pos, span.max_row)] {
        check_day(time.day_of(pos), &names.date, row)?;
    }
    Ok(())
}

fn check_lengths(input: &Input, names: &Names) -> Result<()> {
    let n = input.ids.len();
    let others = [
        (&names.date, input.time.len()),
        (&names.amount, input.amounts.len()),
        (&names.order_id, input.orders.map_or(n, |o| o.len())),
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

pub(crate) fn empty_keys(ids: &KeyColumn) -> SortedKeys {
    match ids {
        KeyColumn::I64(_) => SortedKeys::I64(Vec::new()),
        KeyColumn::U64(_) => SortedKeys::U64(Vec::new()),
        KeyColumn::Str(_) => SortedKeys::Str(StrBuffer::default()),
    }
}

/// The smallest and largest of `f` over `v` (`(i128::MAX, i128::MIN)` when empty).
pub(crate) fn min_max<T: Sync>(v: &[T], f: impl Fn(&T) -> i128 + Sync) -> (i128, i128) {
    v.par_iter()
        .with_min_len(1 << 16)
        .map(|x| (f(x), f(x)))
        .reduce(
            || (i128::MAX, i128::MIN),
            |a, b| (a.0.min(b.0), a.1.max(b.1)),
        )
}
