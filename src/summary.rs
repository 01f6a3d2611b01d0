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

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rayon::prelude::*;

use crate::calendar::{date_of_day, NAT};
use crate::error::{Error, Result};
use crate::group::{partition_of, scatter, sort_partitions, KeyAccess, KeyHasher, PARTS};
use crate::keys::{KeyColumn, SortedKeys};
use crate::money::Money;
use crate::money::MAX_ABS_AMOUNT;
use crate::rfm::{min_max, Names};
use crate::scan::{check_amount, Amounts};

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
pub fn month_of_day(day: i64) -> i64 {
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
#[derive(Debug, Clone, Copy)]
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

/// What is known about one customer.
#[derive(Debug, Clone, Copy)]
struct Acc {
    first: i64,
    last: i64,
    /// The period of the customer's previous row: a row in the same period
    /// needs no look-up in the pair set.
    recent: i64,
    periods: u32,
    rows: u32,
    first_sum: Money,
    rest_sum: Money,
}

impl Default for Acc {
    fn default() -> Self {
        Acc {
            first: i64::MAX,
            last: i64::MIN,
            recent: i64::MIN,
            periods: 0,
            rows: 0,
            first_sum: Money::default(),
            rest_sum: Money::default(),
        }
    }
}

/// Computes the summary. See the Python `rfmkit.rfm_summary` for the rules.
pub fn summarize(input: &SummaryInput, opts: &SummaryOptions, names: &Names) -> Result<Summary> {
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
    let unit = opts.unit;
    let end_period = opts.end_period;
    let (after, until) = (
        opts.after.unwrap_or(i64::MIN),
        opts.until.unwrap_or(i64::MAX),
    );
    let end = end_period.unwrap_or(i64::MAX);
    // The timestamps of years 1 to 9999 (saturating: all of them in ns).
    let (first_ok, last_ok) = (
        FIRST_DAY.saturating_mul(tpd),
        (LAST_DAY + 1).saturating_mul(tpd).saturating_sub(1),
    );
    let select = Select {
        input,
        names,
        unit,
        tpd,
        after,
        until,
        end,
        first_ok,
        last_ok,
    };
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
    Ok(assemble(keys, cols, end_period))
}

/// Which rows count, and the validation of every row.
struct Select<'a> {
    input: &'a SummaryInput<'a>,
    names: &'a Names,
    unit: Unit,
    tpd: i64,
    /// Rows with `after < ts <= until` and a period up to `end` count.
    after: i64,
    until: i64,
    end: i64,
    /// The timestamps of years 1 to 9999.
    first_ok: i64,
    last_ok: i64,
}

impl Select<'_> {
    /// Validates row `i` and gives its period (as the bits of an i32) if the
    /// row counts. Validation covers every row, counted or not; the checks
    /// are inlined and the error is built out of line.
    #[inline(always)]
    fn get(&self, i: usize) -> Result<Option<u32>> {
        let ts = self.input.ts[i];
        let amount_ok = match self.input.amounts {
            Some(Amounts::F64(v)) => v[i].is_finite() && v[i].abs() < MAX_ABS_AMOUNT,
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
    if ts == NAT {
        return Error::Missing {
            column: names.date.clone(),
            what: "NaT".into(),
            row: i,
        };
    }
    if let Err(e) = check_date(ts.div_euclid(input.ticks_per_day), &names.date, i) {
        return e;
    }
    match input.amounts {
        Some(Amounts::F64(v)) => check_amount(v[i], i, &names.amount).err(),
        _ => None,
    }
    .unwrap_or_else(|| Error::option("row", format!("row {i} was rejected without a reason")))
}

fn check_lengths(input: &SummaryInput, names: &Names) -> Result<()> {
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

/// Days since 1970-01-01 of 0001-01-01 and 9999-12-31.
const FIRST_DAY: i64 = -719_162;
const LAST_DAY: i64 = 2_932_896;

/// Dates must be of years 1 to 9999, the range of Python's `datetime`.
fn check_date(day: i64, column: &str, row: usize) -> Result<()> {
    let year = date_of_day(day).map(|d| chrono::Datelike::year(&d));
    if matches!(year, Ok(1..=9999)) {
        return Ok(());
    }
    Err(Error::InvalidValue {
        column: column.into(),
        value: format!("day {day} since 1970-01-01"),
        row,
        reason: "dates must be in years 1 to 9999".into(),
    })
}

/// One row as the fold reads it: the scatter pass copies what the fold
/// needs next to each other, so that the fold reads its partition in order
/// instead of jumping around the input columns.
#[derive(Debug, Clone, Copy)]
struct Rec {
    /// The key packed in 64 bits (see [`KeyAccess::packed`]).
    key: u64,
    row: u32,
    /// The period, as the bits of an i32.
    period: u32,
    /// The amount's bits: an f64 or an i64 (see [`Fold::add`]).
    amount: u64,
}

/// One row of the dense path: the id's offset within its partition, the
/// period and the amount as in [`Rec`].
#[derive(Debug, Clone, Copy)]
struct DenseRec {
    slot: u32,
    period: u32,
    amount: u64,
}

/// Whether integer ids spanning `lo..=hi` are dense enough for the dense
/// path, and its number of slots: at most four slots a row (plus a margin
/// for small inputs), so that scanning the empty slots costs little.
fn dense_slots(n: usize, lo: i128, hi: i128) -> Option<u64> {
    if n == 0 || hi < lo {
        return None;
    }
    let slots = u64::try_from(hi - lo + 1).ok()?;
    (slots <= 4 * n as u64 + (1 << 16)).then_some(slots)
}

/// A set of (customer, period) pairs: open addressing with linear probing
/// over a power-of-two table, reused from partition to partition.
#[derive(Debug, Default)]
struct PairSet {
    slots: Vec<u64>,
    mask: usize,
}

impl PairSet {
    /// No pair is `EMPTY`: a pair's customer half is below 2^32 - 1.
    const EMPTY: u64 = u64::MAX;

    /// Empties the set and sizes it for `n` insertions (at most half full).
    fn reset(&mut self, n: usize) {
        let cap = (2 * n).next_power_of_two().max(16);
        if self.slots.len() < cap || self.slots.len() > 4 * cap {
            self.slots = vec![Self::EMPTY; cap];
        } else {
            self.slots.iter_mut().for_each(|s| *s = Self::EMPTY);
        }
        self.mask = self.slots.len() - 1;
    }

    /// Hints that `pair`'s bucket will be probed soon.
    #[inline]
    fn prefetch(&self, pair: u64) {
        let i = (pair.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask;
        crate::group::prefetch(&self.slots[i]);
    }

    /// Inserts `pair`; returns whether it was new.
    #[inline]
    fn insert(&mut self, pair: u64) -> bool {
        let mut i = (pair.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s == pair {
                return false;
            }
            if s == Self::EMPTY {
                self.slots[i] = pair;
                return true;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// The row-level work of one computation.
struct Fold<'a> {
    /// Validates rows and gives their periods (the bits of an i32: hours of
    /// years 1 to 9999 fit).
    select: &'a Select<'a>,
    amounts: Option<Amounts<'a>>,
}

impl Fold<'_> {
    fn run<A: KeyAccess>(&self, ids: &A, n: usize) -> Result<(SortedKeys, Columns)> {
        let scattered = self.scatter(n, PARTS, |i, period| {
            let (hash, key) = ids.packed(i);
            let rec = Rec {
                key,
                row: i as u32,
                period,
                amount: self.bits(i),
            };
            (partition_of(hash), rec)
        })?;
        let folded: Vec<(Vec<A::K>, Vec<Acc>)> = (0..PARTS)
            .into_par_iter()
            .map_init(PairSet::default, |pairs, p| {
                self.partition(ids, scattered.iter().map(|c| c[p].as_slice()), pairs)
            })
            .collect();
        drop(scattered);
        let (keys, accs) = sort_partitions::<A, Acc>(folded);
        Ok((keys, Columns::from_accs(&accs)))
    }

    /// The counted rows as records, by chunk and partition (see
    /// [`scatter`]): `record(i, period)` gives row `i`'s partition and record.
    /// Every row is validated.
    fn scatter<R: Send>(
        &self,
        n: usize,
        parts: usize,
        record: impl Fn(usize, u32) -> (usize, R) + Sync,
    ) -> Result<Vec<Vec<Vec<R>>>> {
        scatter(n, parts, |i| {
            Ok(self.select.get(i)?.map(|period| record(i, period)))
        })
    }

    fn partition<'r, A: KeyAccess>(
        &self,
        ids: &A,
        lists: impl Iterator<Item = &'r [Rec]> + Clone,
        pairs: &mut PairSet,
    ) -> (Vec<A::K>, Vec<Acc>) {
        type Fast = BuildHasherDefault<KeyHasher>;
        let n_rows: usize = lists.clone().map(<[Rec]>::len).sum();
        let mut slots: HashMap<A::K, u32, Fast> =
            HashMap::with_capacity_and_hasher(n_rows / 4, Fast::default());
        pairs.reset(n_rows);
        let mut keys = Vec::new();
        let mut accs: Vec<Acc> = Vec::new();
        for list in lists {
            for (j, rec) in list.iter().enumerate() {
                // String keys are read from the input: fetch their offsets
                // and then their bytes a few records ahead.
                if let Some(ahead) = list.get(j + 16) {
                    ids.prefetch_unpack(ahead.row as usize, 0);
                }
                if let Some(ahead) = list.get(j + 8) {
                    ids.prefetch_unpack(ahead.row as usize, 1);
                }
                let k = ids.unpack(rec.key, rec.row as usize);
                let slot = *slots.entry(k).or_insert_with(|| {
                    keys.push(k);
                    accs.push(Acc::default());
                    (keys.len() - 1) as u32
                });
                self.visit(
                    &mut accs[slot as usize],
                    slot,
                    rec.period,
                    rec.amount,
                    pairs,
                );
            }
        }
        (keys, accs)
    }

    /// Integer ids in a small range: partition `p` holds the ids whose
    /// offset from the smallest id has `p` as its top bits, so a partition
    /// indexes its accumulators directly and partitions come out in id
    /// order. Returns the offsets of the customers seen and their
    /// accumulators.
    fn dense(
        &self,
        slots: u64,
        n: usize,
        slot_of: impl Fn(usize) -> u64 + Sync,
    ) -> Result<(Vec<u64>, Columns)> {
        // Partitions of about 80k rows and 10k customers (a working set of
        // one to two MiB: the accumulators and the pair set stay in L2), at
        // least four for the threads, at most 256. Measured on 2 cores: 16
        // partitions for 1M rows of 100k customers and 128 for 10M of 1M are
        // 15-20% faster than 256.
        let target = (n as u64 / 80_000)
            .max(slots / 10_000)
            .max(4)
            .next_power_of_two()
            .min(PARTS as u64);
        let shift = (0..64).find(|&s| ((slots - 1) >> s) < target).unwrap_or(63);
        let parts = (((slots - 1) >> shift) + 1) as usize;
        let scattered = self.scatter(n, parts, |i, period| {
            let slot = slot_of(i);
            let rec = DenseRec {
                slot: (slot & ((1 << shift) - 1)) as u32,
                period,
                amount: self.bits(i),
            };
            ((slot >> shift) as usize, rec)
        })?;
        let folded: Vec<(Vec<u64>, Columns)> = (0..parts)
            .into_par_iter()
            .map_init(PairSet::default, |pairs, p| {
                let lo = (p as u64) << shift;
                let width = (slots - lo).min(1 << shift) as usize;
                let n_rows: usize = scattered.iter().map(|c| c[p].len()).sum();
                pairs.reset(n_rows);
                let mut accs = vec![Acc::default(); width];
                for chunk in &scattered {
                    let recs = &chunk[p];
                    for (j, rec) in recs.iter().enumerate() {
                        if let Some(ahead) = recs.get(j + 8) {
                            crate::group::prefetch(&accs[ahead.slot as usize]);
                            pairs.prefetch((u64::from(ahead.slot) << 32) | u64::from(ahead.period));
                        }
                        let slot = rec.slot;
                        self.visit(
                            &mut accs[slot as usize],
                            slot,
                            rec.period,
                            rec.amount,
                            pairs,
                        );
                    }
                }
                // Converted while the partition is in the cache.
                let (mut idx, mut cols) = (Vec::new(), Columns::default());
                for (i, a) in accs.iter().enumerate().filter(|(_, a)| a.rows > 0) {
                    idx.push(lo + i as u64);
                    cols.push(a);
                }
                (idx, cols)
            })
            .collect();
        drop(scattered);
        let (idx, cols): (Vec<Vec<u64>>, Vec<Columns>) = folded.into_iter().unzip();
        Ok((idx.concat(), Columns::concat(cols)))
    }

    /// The amount of row `i` as bits (see [`Fold::add`]).
    #[inline]
    fn bits(&self, i: usize) -> u64 {
        match self.amounts {
            Some(Amounts::F64(v)) => v[i].to_bits(),
            Some(Amounts::I64(v)) => v[i] as u64,
            None => 0,
        }
    }

    /// Folds one row (`period`: the bits of the i32 period) into its
    /// customer's accumulator; `slot` numbers the customer in `pairs`.
    #[inline]
    fn visit(&self, acc: &mut Acc, slot: u32, period: u32, amount: u64, pairs: &mut PairSet) {
        acc.rows += 1;
        let p = i64::from(period as i32);
        if p != acc.recent {
            acc.recent = p;
            if pairs.insert((u64::from(slot) << 32) | u64::from(period)) {
                acc.periods += 1;
            }
        }
        if p < acc.first {
            // A new first period: what was first is now "other".
            let old = std::mem::take(&mut acc.first_sum);
            acc.rest_sum.merge(&old);
            acc.first = p;
        }
        acc.last = acc.last.max(p);
        let sum = if p == acc.first {
            &mut acc.first_sum
        } else {
            &mut acc.rest_sum
        };
        self.add(sum, amount);
    }

    #[inline]
    fn add(&self, sum: &mut Money, bits: u64) {
        match self.amounts {
            Some(Amounts::F64(_)) => sum.add_float(f64::from_bits(bits)),
            Some(Amounts::I64(_)) => sum.add_int(bits as i64),
            None => {}
        }
    }
}

/// The output columns of some customers, in order.
#[derive(Debug, Default)]
struct Columns {
    first: Vec<i64>,
    last: Vec<i64>,
    periods: Vec<i64>,
    rows: Vec<i64>,
    first_sum: Vec<f64>,
    rest_sum: Vec<f64>,
    total_sum: Vec<f64>,
}

impl Columns {
    fn push(&mut self, a: &Acc) {
        let mut total = a.first_sum;
        total.merge(&a.rest_sum);
        self.first.push(a.first);
        self.last.push(a.last);
        self.periods.push(i64::from(a.periods));
        self.rows.push(i64::from(a.rows));
        self.first_sum.push(a.first_sum.to_f64());
        self.rest_sum.push(a.rest_sum.to_f64());
        self.total_sum.push(total.to_f64());
    }

    /// The columns of accumulators, converted in parallel.
    fn from_accs(accs: &[Acc]) -> Columns {
        let parts: Vec<Columns> = accs
            .par_chunks(1 << 14)
            .map(|chunk| {
                let mut c = Columns::default();
                chunk.iter().for_each(|a| c.push(a));
                c
            })
            .collect();
        Columns::concat(parts)
    }

    fn concat(parts: Vec<Columns>) -> Columns {
        fn cat<T: Copy + Send + Sync>(
            parts: &[Columns],
            f: impl Fn(&Columns) -> &Vec<T>,
        ) -> Vec<T> {
            let mut out = Vec::with_capacity(parts.iter().map(|p| f(p).len()).sum());
            parts.iter().for_each(|p| out.extend_from_slice(f(p)));
            out
        }
        let p = &parts;
        let ((first, (last, periods)), ((rows, first_sum), (rest_sum, total_sum))) = rayon::join(
            || {
                (
                    cat(p, |c| &c.first),
                    rayon::join(|| cat(p, |c| &c.last), || cat(p, |c| &c.periods)),
                )
            },
            || {
                rayon::join(
                    || rayon::join(|| cat(p, |c| &c.rows), || cat(p, |c| &c.first_sum)),
                    || rayon::join(|| cat(p, |c| &c.rest_sum), || cat(p, |c| &c.total_sum)),
                )
            },
        );
        Columns {
            first,
            last,
            periods,
            rows,
            first_sum,
            rest_sum,
            total_sum,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, NaiveDateTime};

    fn day(s: &str) -> i64 {
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        crate::calendar::day_of_date(d)
    }

    #[test]
    fn months_match_the_calendar() {
        for d in (day("0001-01-01")..=day("9999-12-31")).step_by(7) {
            let date = date_of_day(d).unwrap();
            let want = (i64::from(date.year()) - 1970) * 12 + i64::from(date.month0());
            assert_eq!(month_of_day(d), want, "{date}");
        }
    }

    #[test]
    fn weeks_run_monday_to_sunday() {
        let w = |s: &str| Unit::Week.period(day(s), 1);
        assert_eq!(w("2024-01-01"), w("2024-01-07")); // Monday .. Sunday
        assert_eq!(w("2024-01-08"), w("2024-01-07") + 1);
        assert_eq!(w("1969-12-28") + 1, w("1969-12-29"));
        assert_eq!(w("1970-01-04"), w("1969-12-29"));
    }

    #[test]
    fn hours_for_every_unit() {
        let t = NaiveDateTime::parse_from_str("1969-12-31 22:59:59", "%Y-%m-%d %H:%M:%S").unwrap();
        let secs = t.and_utc().timestamp();
        assert_eq!(Unit::Hour.period(secs, 86_400), -2);
        assert_eq!(
            Unit::Hour.period(secs * 1_000_000_000, 86_400_000_000_000),
            -2
        );
        assert_eq!(Unit::Hour.period(-1, 1), -24);
        assert_eq!(Unit::Day.period(secs, 86_400), -1);
    }

    const NAMES: fn() -> Names = Names::default;

    fn run(ids: &[i64], days: &[i64], amt: &[f64], opts: SummaryOptions) -> Summary {
        let input = SummaryInput {
            ids: KeyColumn::I64(ids),
            ts: days,
            ticks_per_day: 1,
            amounts: Some(Amounts::F64(amt)),
        };
        summarize(&input, &opts, &NAMES()).unwrap()
    }

    const DAILY: SummaryOptions = SummaryOptions {
        unit: Unit::Day,
        after: None,
        until: None,
        end_period: None,
    };

    #[test]
    fn first_period_is_the_earliest_in_any_order() {
        let ids = [1, 1, 1, 1, 2];
        let days = [20, 10, 10, 30, 5];
        let amt = [4.0, 1.0, 2.0, 8.0, 3.0];
        let s = run(&ids, &days, &amt, DAILY);
        assert!(matches!(&s.customer_id, SortedKeys::I64(k) if k == &[1, 2]));
        assert_eq!(s.first, [10, 5]);
        assert_eq!(s.last, [30, 5]);
        assert_eq!(s.periods, [3, 1]);
        assert_eq!(s.rows, [4, 1]);
        assert_eq!(s.first_sum, [3.0, 3.0]);
        assert_eq!(s.rest_sum, [12.0, 0.0]);
        assert_eq!(s.total_sum, [15.0, 3.0]);
        assert_eq!(s.end_period, Some(30));
        // Any row order gives the same answer.
        let order = [3, 4, 0, 2, 1];
        let pick = |v: &[i64]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let amt2: Vec<f64> = order.iter().map(|&i| amt[i]).collect();
        let t = run(&pick(&ids), &pick(&days), &amt2, DAILY);
        assert_eq!(
            (t.first, t.periods, t.rest_sum),
            (s.first, s.periods, s.rest_sum)
        );
    }

    #[test]
    fn bounds_and_end_select_rows() {
        let ids = [1, 1, 1, 2];
        let days = [1, 5, 9, 9];
        let amt = [1.0, 2.0, 4.0, 8.0];
        let end = SummaryOptions {
            end_period: Some(5),
            ..DAILY
        };
        let s = run(&ids, &days, &amt, end);
        assert_eq!((s.periods, s.total_sum), (vec![2], vec![3.0]));
        assert_eq!(s.end_period, Some(5));
        let window = SummaryOptions {
            after: Some(1),
            until: Some(9),
            ..DAILY
        };
        let s = run(&ids, &days, &amt, window);
        assert_eq!((s.first, s.total_sum), (vec![5, 9], vec![6.0, 8.0]));
        let none = SummaryOptions {
            end_period: Some(0),
            ..DAILY
        };
        assert!(run(&ids, &days, &amt, none).periods.is_empty());
    }

    #[test]
    fn many_customers_and_threads() {
        let n = 300_000usize;
        let ids: Vec<i64> = (0..n).map(|i| ((i * 7919) % 20_011) as i64).collect();
        let days: Vec<i64> = (0..n).map(|i| ((i * 31) % 400) as i64).collect();
        let amt: Vec<f64> = (0..n).map(|i| (i % 17) as f64 * 0.25).collect();
        let s = run(&ids, &days, &amt, DAILY);
        let mut want: std::collections::BTreeMap<i64, std::collections::BTreeMap<i64, f64>> =
            Default::default();
        for i in 0..n {
            *want.entry(ids[i]).or_default().entry(days[i]).or_default() += amt[i];
        }
        assert_eq!(s.periods.len(), want.len());
        for (j, per) in want.values().enumerate() {
            let (&first, &first_sum) = per.iter().next().unwrap();
            assert_eq!(s.first[j], first);
            assert_eq!(s.last[j], *per.keys().last().unwrap());
            assert_eq!(s.periods[j], per.len() as i64);
            assert_eq!(s.first_sum[j], first_sum);
        }
    }

    #[test]
    fn dense_hashed_and_string_paths_agree() {
        let n = 200_000usize;
        let small: Vec<i64> = (0..n).map(|i| ((i * 7919) % 30_011) as i64 - 500).collect();
        let sparse: Vec<i64> = small.iter().map(|&x| x * 1_000_003).collect();
        let days: Vec<i64> = (0..n).map(|i| ((i * 131) % 3_000) as i64).collect();
        let amt: Vec<f64> = (0..n).map(|i| (i % 23) as f64 * 0.1 - 0.5).collect();
        let weekly = SummaryOptions {
            unit: Unit::Week,
            end_period: Some(Unit::Week.period(2_500, 1)),
            ..DAILY
        };
        let dense = run(&small, &days, &amt, weekly);
        let hashed = run(&sparse, &days, &amt, weekly);
        let mut buf = crate::keys::StrBuffer::with_capacity(n);
        small
            .iter()
            .for_each(|x| buf.push(format!("{:08}", x + 1_000).as_bytes()));
        let strings = summarize(
            &SummaryInput {
                ids: KeyColumn::Str(buf.column()),
                ts: &days,
                ticks_per_day: 1,
                amounts: Some(Amounts::F64(&amt)),
            },
            &weekly,
            &NAMES(),
        )
        .unwrap();
        for other in [&hashed, &strings] {
            assert_eq!(dense.first, other.first);
            assert_eq!(dense.last, other.last);
            assert_eq!(dense.periods, other.periods);
            assert_eq!(dense.rows, other.rows);
            assert_eq!(dense.first_sum, other.first_sum);
            assert_eq!(dense.rest_sum, other.rest_sum);
            assert_eq!(dense.total_sum, other.total_sum);
        }
        let SortedKeys::I64(d) = &dense.customer_id else {
            panic!("integer keys")
        };
        let SortedKeys::I64(h) = &hashed.customer_id else {
            panic!("integer keys")
        };
        assert!(d.windows(2).all(|w| w[0] < w[1]));
        assert!(d.iter().zip(h).all(|(a, b)| a * 1_000_003 == *b));
    }

    #[test]
    fn pair_set_grows_and_resets() {
        let mut set = PairSet::default();
        set.reset(10);
        assert!(set.insert(5) && !set.insert(5) && set.insert(6));
        set.reset(1000);
        assert!(set.insert(5));
        assert!((0..1000u64).filter(|&k| set.insert(k << 32 | 7)).count() == 1000);
    }

    #[test]
    fn bad_input_is_an_error() {
        let input = SummaryInput {
            ids: KeyColumn::I64(&[1, 2]),
            ts: &[0, crate::calendar::NAT],
            ticks_per_day: 1,
            amounts: None,
        };
        let err = summarize(&input, &DAILY, &NAMES()).unwrap_err();
        assert!(matches!(err, Error::Missing { row: 1, .. }), "{err}");
        let far = SummaryInput {
            ts: &[0, 4_000_000],
            ..input
        };
        assert!(summarize(&far, &DAILY, &NAMES()).is_err());
        let short = SummaryInput { ts: &[0], ..input };
        assert!(matches!(
            summarize(&short, &DAILY, &NAMES()),
            Err(Error::Length { .. })
        ));
        assert!("Q".parse::<Unit>().is_err());
    }
}
