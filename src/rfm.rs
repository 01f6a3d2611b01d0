//! Transactions in, one row per customer out: recency, frequency, monetary,
//! first and last purchase.

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};
use crate::calendar::{date_of_day, format_day, Time, Window};
use crate::error::{Error, Result};
use crate::group::{
    fold_dense, fold_partitioned, DistinctAccess, DistinctBy, DistinctStr, Grouped, KeyAccess,
};
use crate::hashed::fold_hashed;
use crate::keys::{KeyColumn, SortedKeys, StrBuffer};
use crate::scan::{scan, Amounts, Span};

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
}

impl Default for Names {
    fn default() -> Self {
        Names {
            customer_id: "customer_id".into(),
            date: "date".into(),
            amount: "amount".into(),
            order_id: "order_id".into(),
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
}

/// The options of a computation.
#[derive(Debug, Clone, Copy)]
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
}

/// Computes the RFM table. See the Python `rfm_table` for the semantics.
pub fn rfm(input: &Input, opts: &Options, names: &Names) -> Result<RfmTable> {
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
        (Frequency::Orders, false) => {
            return Err(Error::option(
                "frequency",
                "'orders' needs an order_id column",
            ))
        }
        (Frequency::Rows | Frequency::Days, true) => {
            return Err(Error::option(
                "order_id",
                "an order_id column is only used with frequency='orders'",
            ))
        }
        _ => {}
    }
    if n == 0 {
        let keys = KeyList::Sorted(empty_keys(&input.ids));
        return Ok(assemble(keys, Vec::new(), opts.as_of_day, &input.time));
    }

    let time = input.time;
    let cutoff = opts.as_of_day.map_or(i64::MAX, |d| time.end_of(d));
    let span = scan(
        &time,
        Some(&input.amounts),
        cutoff,
        (&names.date, &names.amount),
    )?;
    let as_of_day = opts.as_of_day.unwrap_or_else(|| time.day_of(span.max_pos));
    check_calendar(opts.as_of_day, &span, &time, names)?;
    if span.min_pos > cutoff {
        return Err(Error::option(
            "as_of",
            format!(
                "{} is before the first transaction, on {}",
                format_day(as_of_day),
                format_day(time.day_of(span.min_pos))
            ),
        ));
    }
    if let (Returns::Error, Some(row)) = (opts.returns, span.first_negative) {
        return Err(Error::Returns {
            column: names.amount.clone(),
            count: span.negatives,
            value: input.amounts.show(row),
            row,
        });
    }
    let window_start = match opts.window {
        Some(w) => time.start_of(w.start_day(as_of_day)?.saturating_add(1)),
        None => i64::MIN,
    };
    let rows = Rows {
        time,
        amounts: input.amounts,
        cutoff,
        window_start,
        exclude_returns: opts.returns == Returns::Exclude,
    };
    let (keys, accs) = group(input, &rows, opts.frequency)?;
    Ok(assemble(keys, accs, Some(as_of_day), &time))
}

/// Dates must be dates of years 1 to 9999, the range of Python's
/// `datetime.date`: far-off values (a corrupt `datetime64[D]`) end here, so
/// no day arithmetic can overflow.
fn check_calendar(as_of_day: Option<i64>, span: &Span, time: &Time, names: &Names) -> Result<()> {
    let in_range = |day: i64| {
        matches!(
            date_of_day(day).map(|d| chrono::Datelike::year(&d)),
            Ok(1..=9999)
        )
    };
    if let Some(day) = as_of_day.filter(|&d| !in_range(d)) {
        return Err(Error::option(
            "as_of",
            format!("day {day} since 1970-01-01 is not a date of years 1 to 9999"),
        ));
    }
    for (pos, row) in [(span.min_pos, span.min_row), (span.max_pos, span.max_row)] {
        let day = time.day_of(pos);
        if !in_range(day) {
            return Err(Error::InvalidValue {
                column: names.date.clone(),
                value: format!("day {day} since 1970-01-01"),
                row,
                reason: "dates must be in years 1 to 9999".into(),
            });
        }
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

fn empty_keys(ids: &KeyColumn) -> SortedKeys {
    match ids {
        KeyColumn::I64(_) => SortedKeys::I64(Vec::new()),
        KeyColumn::U64(_) => SortedKeys::U64(Vec::new()),
        KeyColumn::Str(_) => SortedKeys::Str(StrBuffer::default()),
    }
}

/// The ids of a grouping's accumulators: sorted keys, one per accumulator,
/// or the slots of the dense path (accumulator `i` is id `lo + i`; unused
/// slots are never "seen").
enum KeyList {
    Sorted(SortedKeys),
    DenseI64(i64),
    DenseU64(u64),
}

impl KeyList {
    /// The keys of the accumulators at `idx` (increasing).
    fn take(self, idx: &[usize]) -> SortedKeys {
        match self {
            KeyList::DenseI64(lo) => SortedKeys::I64(
                idx.par_iter()
                    .map(|&i| (i128::from(lo) + i as i128) as i64)
                    .collect(),
            ),
            KeyList::DenseU64(lo) => {
                SortedKeys::U64(idx.par_iter().map(|&i| lo + i as u64).collect())
            }
            KeyList::Sorted(SortedKeys::I64(v)) => {
                SortedKeys::I64(idx.par_iter().map(|&i| v[i]).collect())
            }
            KeyList::Sorted(SortedKeys::U64(v)) => {
                SortedKeys::U64(idx.par_iter().map(|&i| v[i]).collect())
            }
            KeyList::Sorted(SortedKeys::Str(v)) => {
                let col = v.column();
                let mut out = StrBuffer::with_capacity(idx.len());
                idx.iter().for_each(|&i| out.push(col.get(i)));
                SortedKeys::Str(out)
            }
        }
    }

    /// Key `i` written for a message.
    fn show(&self, i: usize) -> String {
        match self {
            KeyList::DenseI64(lo) => (i128::from(*lo) + i as i128).to_string(),
            KeyList::DenseU64(lo) => (u128::from(*lo) + i as u128).to_string(),
            KeyList::Sorted(SortedKeys::I64(v)) => v[i].to_string(),
            KeyList::Sorted(SortedKeys::U64(v)) => v[i].to_string(),
            KeyList::Sorted(SortedKeys::Str(v)) => {
                format!("{:?}", String::from_utf8_lossy(v.column().get(i)))
            }
        }
    }
}

fn group(input: &Input, rows: &Rows, frequency: Frequency) -> Result<(KeyList, Vec<Acc>)> {
    let hashed = |g: Result<Grouped>| g.map(|g| (KeyList::Sorted(g.keys), g.accs));
    match input.ids {
        KeyColumn::I64(ids) => {
            let (lo, hi) = min_max(ids, |&x| i128::from(x));
            match dense_blocks(ids.len(), lo, hi, frequency) {
                Some((slots, threads)) => {
                    let accs = fold_dense(rows, slots, threads, |i| (ids[i] as i128 - lo) as usize);
                    Ok((KeyList::DenseI64(lo as i64), accs))
                }
                None => hashed(group_hashed(&ids, input, rows, frequency)),
            }
        }
        KeyColumn::U64(ids) => {
            let (lo, hi) = min_max(ids, |&x| i128::from(x));
            match dense_blocks(ids.len(), lo, hi, frequency) {
                Some((slots, threads)) => {
                    let accs = fold_dense(rows, slots, threads, |i| (ids[i] as i128 - lo) as usize);
                    Ok((KeyList::DenseU64(lo as u64), accs))
                }
                None => hashed(group_hashed(&ids, input, rows, frequency)),
            }
        }
        KeyColumn::Str(ids) => hashed(group_hashed(&ids, input, rows, frequency)),
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

/// Whether integer ids spanning `lo..=hi` are dense enough to index an array
/// directly (its memory, 64 bytes a slot, stays below the size of two input
/// columns), and with how many threads.
fn dense_blocks(n: usize, lo: i128, hi: i128, frequency: Frequency) -> Option<(usize, usize)> {
    if frequency != Frequency::Rows {
        return None;
    }
    let slots = usize::try_from(hi - lo + 1).ok()?;
    let fits = (slots as u128) * 64 <= (n as u128) * 16 + (1 << 22);
    let threads = if n < (1 << 17) {
        1
    } else {
        rayon::current_num_threads()
    };
    fits.then_some((slots, threads))
}

fn group_hashed<A: KeyAccess>(
    ids: &A,
    input: &Input,
    rows: &Rows,
    freq: Frequency,
) -> Result<Grouped> {
    fn run<A: KeyAccess, D: DistinctAccess>(ids: &A, rows: &Rows, d: D) -> Result<Grouped> {
        Ok(fold_partitioned(ids, rows, &d))
    }
    let time = rows.time;
    match (freq, input.orders) {
        (Frequency::Rows, _) => Ok(fold_hashed(ids, rows)),
        (Frequency::Days, _) => run(
            ids,
            rows,
            DistinctBy(move |i| time.day_of(time.pos(i)) as u64),
        ),
        (Frequency::Orders, Some(KeyColumn::I64(o))) => run(ids, rows, DistinctBy(|i| o[i] as u64)),
        (Frequency::Orders, Some(KeyColumn::U64(o))) => run(ids, rows, DistinctBy(|i| o[i])),
        (Frequency::Orders, Some(KeyColumn::Str(o))) => run(ids, rows, DistinctStr(o)),
        (Frequency::Orders, None) => Err(Error::option(
            "frequency",
            "'orders' needs an order_id column",
        )),
    }
}

/// The columns of the result, in one pass over the accumulators. Customers
/// with rows after the as-of date only were never "seen"; those with returns
/// only were seen but made no purchase: both are left out, the second kind
/// reported to the caller.
fn assemble(keys: KeyList, accs: Vec<Acc>, as_of_day: Option<i64>, time: &Time) -> RfmTable {
    let as_of = as_of_day.unwrap_or(0);
    type Columns = (
        Vec<usize>,
        (Vec<i64>, (Vec<i64>, (Vec<f64>, (Vec<i64>, Vec<i64>)))),
    );
    let (idx, (recency, (frequency, (monetary, (first_purchase, last_purchase))))): Columns = accs
        .par_iter()
        .enumerate()
        .filter(|(_, a)| a.seen && a.has_purchase())
        .map(|(i, a)| {
            let recency = as_of - time.day_of(a.last_pos);
            (
                i,
                (
                    recency,
                    (
                        i64::from(a.count),
                        (a.money.to_f64(), (a.first_ts, a.last_ts)),
                    ),
                ),
            )
        })
        .unzip();
    let dropped: Vec<usize> = accs
        .par_iter()
        .positions(|a| a.seen && !a.has_purchase())
        .collect();
    RfmTable {
        first_without_purchase: dropped.first().map(|&i| keys.show(i)),
        without_purchase: dropped.len() as u64,
        customer_id: keys.take(&idx),
        recency,
        frequency,
        monetary,
        first_purchase,
        last_purchase,
        as_of_day,
    }
}
