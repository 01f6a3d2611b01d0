//! A streamed CLV summary: the per-customer state of `rfm_summary`, updated
//! batch by batch and merged exactly, as [`super::RfmState`] is for
//! `rfm_table`.
//!
//! Per customer: the first and last period, the rows, the exact sums of
//! the amounts in the first period and in the others, and (in `pairs`) the
//! distinct periods. Merging two partial states of a customer keeps the
//! earlier first period's sum as "first" and moves the later one into the
//! others, so the sums stay exact whatever the order.

use rayon::prelude::*;

use super::keys::{FastMap, Ids, KeyMap};
use crate::error::{Error, Result};
use crate::keys::{SortedKeys, StrBuffer};
use crate::money::{Exact, Money};
use crate::rfm::Names;
use crate::rounding::{rounded, show_key};
use crate::summary::{selector, Summary, SummaryInput, SummaryOptions};

use super::fold::fold;
use super::pairs::Pairs;
use super::summary_rows::SummaryRows;

/// What is known about one customer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SummaryAcc {
    pub(crate) first: i64,
    pub(crate) last: i64,
    pub(crate) rows: u32,
    pub(crate) periods: u32,
    pub(crate) first_sum: Money,
    pub(crate) rest_sum: Money,
    pub(crate) spilled: bool,
}

impl Default for SummaryAcc {
    fn default() -> Self {
        SummaryAcc {
            first: i64::MAX,
            last: i64::MIN,
            rows: 0,
            periods: 0,
            first_sum: Money::default(),
            rest_sum: Money::default(),
            spilled: false,
        }
    }
}

/// The exact sums of a spilled customer: first period, other periods.
pub(crate) type Sums = (Exact, Exact);

/// The state of a streamed `rfm_summary`.
#[derive(Debug, Clone)]
pub struct SummaryState {
    pub opts: SummaryOptions,
    pub ticks_per_day: Option<i64>,
    pub(crate) keys: KeyMap,
    pub(crate) accs: Vec<SummaryAcc>,
    pub(crate) exact: FastMap<u32, Sums>,
    /// (customer, period) pairs: periods of years 1 to 9999 fit an i32
    /// (hours too), which halves the sets.
    pub(crate) pairs: Pairs<i32>,
    pub rows: u64,
    pub has_amounts: Option<bool>,
}

impl SummaryState {
    pub fn new(opts: SummaryOptions) -> SummaryState {
        SummaryState {
            opts,
            ticks_per_day: None,
            keys: KeyMap::default(),
            accs: Vec::new(),
            exact: FastMap::default(),
            pairs: Pairs::default(),
            rows: 0,
            has_amounts: None,
        }
    }

    /// Folds one batch in; the batch is checked whole first, so an error
    /// leaves the state unchanged.
    pub fn update(&mut self, input: &SummaryInput, names: &Names) -> Result<()> {
        self.fold(input, names, true)
    }

    /// Folds one batch in; without `keep`, the state is new and will see no
    /// other batch, so the distinct periods need only be counted.
    pub(crate) fn fold(&mut self, input: &SummaryInput, names: &Names, keep: bool) -> Result<()> {
        if self.ticks_per_day.is_some_and(|t| t != input.ticks_per_day) {
            return Err(Error::Type {
                column: names.date.clone(),
                message: "the dates of this batch have another unit than the earlier batches'"
                    .into(),
            });
        }
        if self
            .has_amounts
            .is_some_and(|h| h != input.amounts.is_some())
        {
            return Err(Error::option(
                "amounts",
                "some batches have amounts and some do not",
            ));
        }
        self.keys.check_kind(&input.ids, &names.customer_id)?;
        let select = selector(input, &self.opts, names)?;
        select.check()?;
        self.ticks_per_day = Some(input.ticks_per_day);
        self.has_amounts = Some(input.amounts.is_some());
        let slots = self.keys.slots(&input.ids);
        super::grow(&mut self.accs, self.keys.len());
        let rows = SummaryRows {
            select: &select,
            amounts: input.amounts,
        };
        fold(
            &rows,
            &slots,
            &mut self.accs,
            &mut self.exact,
            &mut self.pairs,
            keep,
        );
        self.rows += input.ts.len() as u64;
        Ok(())
    }

    /// Folds another state in (`other` is unchanged).
    pub fn merge(&mut self, other: &SummaryState) -> Result<()> {
        if self.opts != other.opts {
            return Err(Error::option(
                "merge",
                "the states were made with different options",
            ));
        }
        if let (Some(a), Some(b)) = (self.ticks_per_day, other.ticks_per_day) {
            if a != b {
                return Err(Error::option(
                    "merge",
                    "the states' dates have different units",
                ));
            }
        }
        if let (Some(a), Some(b)) = (self.has_amounts, other.has_amounts) {
            if a != b {
                return Err(Error::option(
                    "merge",
                    "one state has amounts and the other not",
                ));
            }
        }
        let slots = self.keys.absorb(&other.keys)?;
        super::grow(&mut self.accs, self.keys.len());
        for (j, (&slot, b)) in slots.iter().zip(&other.accs).enumerate() {
            let Some(a) = self.accs.get_mut(slot as usize) else {
                continue;
            };
            if a.spilled || b.spilled {
                let mine = self
                    .exact
                    .remove(&slot)
                    .unwrap_or_else(|| (a.first_sum.to_exact(), a.rest_sum.to_exact()));
                let theirs = other
                    .exact
                    .get(&(j as u32))
                    .cloned()
                    .unwrap_or_else(|| (b.first_sum.to_exact(), b.rest_sum.to_exact()));
                self.exact
                    .insert(slot, combine(a.first, b.first, mine, theirs));
            }
            let (f, r) = combine(
                a.first,
                b.first,
                (a.first_sum, a.rest_sum),
                (b.first_sum, b.rest_sum),
            );
            a.first_sum = f;
            a.rest_sum = r;
            a.first = a.first.min(b.first);
            a.last = a.last.max(b.last);
            a.rows += b.rows;
            a.spilled |= b.spilled;
        }
        for (j, p) in other.pairs.iter() {
            let Some(&slot) = slots.get(j as usize) else {
                continue;
            };
            if self.pairs.insert(slot, p) {
                if let Some(a) = self.accs.get_mut(slot as usize) {
                    a.periods += 1;
                }
            }
        }
        self.ticks_per_day = self.ticks_per_day.or(other.ticks_per_day);
        self.has_amounts = self.has_amounts.or(other.has_amounts);
        self.rows += other.rows;
        Ok(())
    }

    /// The summary of every row folded in so far (as `summarize` gives it).
    pub fn finish(&self, names: &Names) -> Result<Summary> {
        let (order, _) = self.keys.sorted();
        let counted: Vec<u32> = order
            .into_iter()
            .filter(|&s| self.accs.get(s as usize).is_some_and(|a| a.rows > 0))
            .collect();
        let of = |s: u32| (self.accs.get(s as usize), self.exact.get(&s));
        let mut out = columns(&self.keys, &counted, of, names)?;
        out.end_period = self
            .opts
            .end_period
            .or_else(|| out.last.iter().copied().max());
        Ok(out)
    }

    /// Customers in the state.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.len() == 0
    }
}

/// The summary columns of the customers `counted` (slots, in id order),
/// each one's accumulator and exact sums given by `of` (a customer without
/// one gets empty columns). The end period is left to the caller.
pub(crate) fn columns<'a>(
    keys: &KeyMap,
    counted: &[u32],
    of: impl Fn(u32) -> (Option<&'a SummaryAcc>, Option<&'a Sums>) + Sync,
    names: &Names,
) -> Result<Summary> {
    let empty = SummaryAcc::default();
    let n = counted.len();
    let mut out = Summary {
        customer_id: keep(keys, counted),
        first: vec![0; n],
        last: vec![0; n],
        periods: vec![0; n],
        rows: vec![0; n],
        first_sum: vec![0.0; n],
        rest_sum: vec![0.0; n],
        total_sum: vec![0.0; n],
        end_period: None,
    };
    // Every column filled in one parallel pass from the fast sums (a pass
    // per column cost a wake-up of the threads each, more than the work at
    // 100k customers); the exact sums below, in id order, so that an error
    // names the first such customer.
    let c = n.div_ceil(4 * rayon::current_num_threads()).max(1 << 12);
    let parts = (
        counted.par_chunks(c),
        out.first.par_chunks_mut(c),
        out.last.par_chunks_mut(c),
        out.periods.par_chunks_mut(c),
        out.rows.par_chunks_mut(c),
        out.first_sum.par_chunks_mut(c),
        out.rest_sum.par_chunks_mut(c),
        out.total_sum.par_chunks_mut(c),
    );
    let spilled: Vec<Vec<usize>> = parts
        .into_par_iter()
        .enumerate()
        .map(|(k, (slots, first, last, periods, rows, fs, rs, ts))| {
            let mut spilled = Vec::new();
            for (j, &s) in slots.iter().enumerate() {
                let a = of(s).0.unwrap_or(&empty);
                let mut total = a.first_sum;
                total.merge(&a.rest_sum);
                let cells = (
                    first.get_mut(j),
                    last.get_mut(j),
                    periods.get_mut(j),
                    rows.get_mut(j),
                );
                if let (Some(f), Some(l), Some(p), Some(r)) = cells {
                    (*f, *l, *p, *r) = (a.first, a.last, i64::from(a.periods), i64::from(a.rows));
                }
                if let (Some(f), Some(r), Some(t)) = (fs.get_mut(j), rs.get_mut(j), ts.get_mut(j)) {
                    (*f, *r, *t) = (a.first_sum.to_f64(), a.rest_sum.to_f64(), total.to_f64());
                }
                if a.spilled {
                    spilled.push(k * c + j);
                }
            }
            spilled
        })
        .collect();
    let spilled = spilled.into_iter().flatten();
    for pos in spilled {
        let Some((f, r)) = counted.get(pos).and_then(|&s| of(s).1) else {
            continue;
        };
        let mut t = f.clone();
        t.merge(r);
        let who = || show_key(&out.customer_id, pos);
        let sums = [
            rounded(f, &names.amount, who)?,
            rounded(r, &names.amount, who)?,
            rounded(&t, &names.amount, who)?,
        ];
        let columns = [&mut out.first_sum, &mut out.rest_sum, &mut out.total_sum];
        for (column, x) in columns.into_iter().zip(sums) {
            if let Some(place) = column.get_mut(pos) {
                *place = x;
            }
        }
    }
    Ok(out)
}

/// The (first period, other periods) sums of two partial states of one
/// customer whose first periods are `fa` and `fb`.
fn combine<T: Summable>(fa: i64, fb: i64, a: (T, T), b: (T, T)) -> (T, T) {
    let (mut af, mut ar) = a;
    let (bf, br) = b;
    if fa == fb {
        af.add(&bf);
        ar.add(&br);
        (af, ar)
    } else if fa < fb {
        ar.add(&bf);
        ar.add(&br);
        (af, ar)
    } else {
        let mut br = br;
        br.add(&af);
        br.add(&ar);
        (bf, br)
    }
}

/// The fast and the wide exact sums, merged alike.
trait Summable {
    fn add(&mut self, other: &Self);
}

impl Summable for Money {
    fn add(&mut self, other: &Self) {
        self.merge(other);
    }
}

impl Summable for Exact {
    fn add(&mut self, other: &Self) {
        self.merge(other);
    }
}

/// The keys of the slots `counted` (in that order).
fn keep(keys: &KeyMap, counted: &[u32]) -> SortedKeys {
    match &keys.ids {
        Some(Ids::I64(v)) => SortedKeys::I64(counted.iter().map(|&s| v[s as usize]).collect()),
        Some(Ids::U64(v)) => SortedKeys::U64(counted.iter().map(|&s| v[s as usize]).collect()),
        Some(Ids::Str(v)) => {
            let mut buf = StrBuffer::with_capacity(counted.len());
            counted.iter().for_each(|&s| buf.push(&v[s as usize]));
            SortedKeys::Str(buf)
        }
        None => SortedKeys::I64(Vec::new()),
    }
}
