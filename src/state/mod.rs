//! The engine, and the streamed RFM table on it: the per-customer state of
//! `rfm_table`, updated batch by batch and merged exactly, so that any split
//! of the rows into batches, any order of updates and any tree of merges
//! gives the table of all the rows at once, bit for bit. `rfm_table` on one
//! frame is one batch of it; `SummaryState` and the split are the same fold
//! over the summary's rows (see `fold.rs`).
//!
//! The state is what the fold keeps per customer ([`Acc`]: first and last
//! purchase, counts, the exact money sum) plus what exactness needs across
//! batches: the exact wide sums of the customers whose amounts the fast
//! fixed point cannot hold, and the (customer, day) or (customer, order)
//! pairs that distinct counting needs. Each batch is validated as
//! `rfm_table` validates its input (rows counted from the batch's start).

mod dense;
mod fold;
mod group_codes;
mod group_keys;
mod groups;
mod keys;
mod merge;
mod pairs;
mod parts;
mod shards;
mod split;
mod summary;
mod summary_parts;
mod summary_rows;
mod table_rows;
#[cfg(test)]
mod tests;

use rayon::prelude::*;

use crate::accumulate::Acc;
use crate::calendar::Time;
use crate::error::{Error, Result};
use crate::keys::{KeyColumn, SortedKeys, StrBuffer};
use crate::money::Exact;
use crate::rfm::{
    assemble, check_as_of, check_input, check_rows, empty_keys, rows_of, Frequency, Input, Names,
    Options, RfmTable, TableGroups,
};
use crate::rounding::rounded;
use crate::scan::Span;

pub use groups::{GroupColumn, GroupValues, Groups};
#[cfg(feature = "python")]
pub(crate) use keys::buffer;
pub use keys::Ids;
pub use parts::Parts;
pub use split::{split, Split};
pub use summary::SummaryState;
pub use summary_parts::SummaryParts;

use keys::{FastMap, KeyMap};
use pairs::Pairs;
use table_rows::{fold_table, Distinct};

/// The kind of the dates: naive with this many ticks a day, or zoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    Naive(i64),
    Zoned,
}

impl TimeKind {
    fn of(t: &Time) -> TimeKind {
        match t {
            Time::Naive { ticks_per_day, .. } => TimeKind::Naive(*ticks_per_day),
            Time::Zoned { .. } => TimeKind::Zoned,
        }
    }

    /// A time of no rows with this kind: what day arithmetic needs.
    fn empty(self) -> Time<'static> {
        match self {
            TimeKind::Naive(tpd) => Time::Naive {
                ts: &[],
                ticks_per_day: tpd,
            },
            TimeKind::Zoned => Time::Zoned { ts: &[], days: &[] },
        }
    }
}

/// Order ids, as the pairs key them: integers as their bits, strings by a
/// dictionary of the ones seen.
#[derive(Debug, Clone, Default)]
pub struct Orders {
    pub kind: Option<&'static str>,
    pub dict: Vec<Box<[u8]>>,
    index: FastMap<Box<[u8]>, u64>,
}

/// A batch's order ids as pair keys.
enum OrderKeys<'a> {
    Signed(&'a [i64]),
    Unsigned(&'a [u64]),
    Interned(Vec<u64>),
}

impl OrderKeys<'_> {
    #[inline]
    fn get(&self, i: usize) -> Option<u64> {
        match self {
            OrderKeys::Signed(v) => v.get(i).map(|&x| x as u64),
            OrderKeys::Unsigned(v) => v.get(i).copied(),
            OrderKeys::Interned(v) => v.get(i).copied(),
        }
    }
}

/// The state of a streamed `rfm_table`.
#[derive(Debug, Clone)]
pub struct RfmState {
    pub opts: Options,
    pub time: Option<TimeKind>,
    pub(crate) keys: KeyMap,
    /// The groups of a grouped state (`by=`).
    pub groups: Option<Groups>,
    pub(crate) accs: Vec<Acc>,
    pub(crate) exact: FastMap<u32, Exact>,
    pub(crate) pairs: Pairs<u64>,
    pub orders: Orders,
    /// Smallest and largest position over every row of every batch.
    pub min_pos: i64,
    pub max_pos: i64,
    pub rows: u64,
}

impl RfmState {
    /// An empty state. A window needs an as-of date: while streaming, the
    /// latest date (the default as-of) is not known yet.
    pub fn new(opts: Options) -> Result<RfmState> {
        if opts.window.is_some() && opts.as_of_day.is_none() {
            return Err(Error::option(
                "window",
                "a streamed table cannot know the window before the last batch: give as_of",
            ));
        }
        Ok(RfmState {
            opts,
            time: None,
            keys: KeyMap::default(),
            groups: None,
            accs: Vec::new(),
            exact: FastMap::default(),
            pairs: Pairs::default(),
            orders: Orders::default(),
            min_pos: i64::MAX,
            max_pos: i64::MIN,
            rows: 0,
        })
    }

    /// An empty state grouped by `width` columns (`by=`).
    pub fn grouped(opts: Options, width: usize) -> Result<RfmState> {
        let mut state = RfmState::new(opts)?;
        state.groups = Some(Groups::new(width));
        Ok(state)
    }

    /// Folds one batch in. On error the state is unchanged.
    pub fn update(&mut self, input: &Input, names: &Names) -> Result<()> {
        check_input(input, &self.opts, names)?;
        let kind = TimeKind::of(&input.time);
        if self.time.is_some_and(|k| k != kind) {
            return Err(Error::Type {
                column: names.date.clone(),
                message: "the dates of this batch have another unit or time zone than the earlier batches'"
                    .into(),
            });
        }
        self.keys.check_kind(&input.ids, &names.customer_id)?;
        self.check_groups(input, names)?;
        if input.time.is_empty() {
            return Ok(());
        }
        let time = input.time;
        let cutoff = self.opts.as_of_day.map_or(i64::MAX, |d| time.end_of(d));
        let span = check_rows(input, &self.opts, names, cutoff)?;
        self.fold(input, names, &span, cutoff, true)
    }

    /// Folds a batch whose rows `check_rows` has passed (giving `span`).
    /// Without `keep`, the state is new and will see no other batch: the
    /// pairs of distinct counting need only be counted, not kept.
    pub(crate) fn fold(
        &mut self,
        input: &Input,
        names: &Names,
        span: &Span,
        cutoff: i64,
        keep: bool,
    ) -> Result<()> {
        let time = input.time;
        let rows = rows_of(input, &self.opts, cutoff, self.opts.as_of_day.unwrap_or(0))?;
        let orders = match (self.opts.frequency, input.orders) {
            (Frequency::Orders, Some(o)) => Some(self.order_keys(&o, names)?),
            _ => None,
        };
        self.time = Some(TimeKind::of(&time));
        let slots = match &mut self.groups {
            None => self.keys.slots(&input.ids),
            Some(groups) => {
                let codes = groups.codes(input.groups, input.time.len());
                self.keys.grouped_slots(&input.ids, &codes, groups.len())
            }
        };
        grow(&mut self.accs, self.keys.len());
        let distinct = match (self.opts.frequency, &orders) {
            (Frequency::Days, _) => Distinct::Days,
            (Frequency::Orders, Some(o)) => Distinct::Orders(o),
            _ => Distinct::Rows,
        };
        let (accs, exact, pairs) = (&mut self.accs, &mut self.exact, &mut self.pairs);
        fold_table(&rows, distinct, &slots, accs, exact, pairs, keep);
        self.min_pos = self.min_pos.min(span.min_pos);
        self.max_pos = self.max_pos.max(span.max_pos);
        self.rows += input.time.len() as u64;
        Ok(())
    }

    /// A grouped state takes group columns, an ungrouped one none.
    pub(crate) fn check_groups(&self, input: &Input, names: &Names) -> Result<()> {
        match &self.groups {
            Some(groups) => groups.check(input.groups, names, input.time.len()),
            None if input.groups.is_empty() => Ok(()),
            None => Err(Error::option("by", "this state has no group columns")),
        }
    }

    /// Every row's order id as a pair key: integers read in place, text
    /// interned.
    fn order_keys<'a>(&mut self, orders: &KeyColumn<'a>, names: &Names) -> Result<OrderKeys<'a>> {
        let kind = match orders {
            KeyColumn::I64(_) => "i64",
            KeyColumn::U64(_) => "u64",
            KeyColumn::Str(_) => "str",
        };
        if self.orders.kind.is_some_and(|k| k != kind) {
            return Err(Error::Type {
                column: names.order_id.clone(),
                message:
                    "the order ids of this batch are of another kind than the earlier batches'"
                        .into(),
            });
        }
        self.orders.kind = Some(kind);
        Ok(match *orders {
            KeyColumn::I64(v) => OrderKeys::Signed(v),
            KeyColumn::U64(v) => OrderKeys::Unsigned(v),
            KeyColumn::Str(col) => OrderKeys::Interned(
                (0..col.len())
                    .map(|i| self.orders.intern(col.get(i)))
                    .collect(),
            ),
        })
    }

    /// The table of every row folded in so far.
    pub fn finish(&self, names: &Names) -> Result<RfmTable> {
        let time = self.time.unwrap_or(TimeKind::Naive(1)).empty();
        if self.rows == 0 {
            let keys = match &self.keys.ids {
                Some(Ids::U64(_)) => empty_keys(&KeyColumn::U64(&[])),
                Some(Ids::Str(_)) => SortedKeys::Str(StrBuffer::default()),
                _ => empty_keys(&KeyColumn::I64(&[])),
            };
            let mut table = assemble(keys, &[], self.opts.as_of_day, &time).0;
            if let Some(groups) = &self.groups {
                table.groups = Some(table_groups(groups, &groups.ranks(), &[], &[]));
            }
            return Ok(table);
        }
        let as_of_day = self
            .opts
            .as_of_day
            .unwrap_or_else(|| time.day_of(self.max_pos));
        let cutoff = self.opts.as_of_day.map_or(i64::MAX, |d| time.end_of(d));
        check_as_of(as_of_day, self.min_pos, cutoff, &time)?;
        let ranks = self.groups.as_ref().map(Groups::ranks);
        let (order, keys, group_rank) = match &ranks {
            None => {
                let (order, keys) = self.keys.sorted();
                (order, keys, Vec::new())
            }
            Some(ranks) => self.keys.sorted_grouped(ranks),
        };
        // One batch of dense ids is in id order already: no copy then.
        let in_order = order.len() == self.accs.len()
            && order.par_iter().enumerate().all(|(i, &s)| s as usize == i);
        let gathered: Vec<Acc>;
        let accs: &[Acc] = match in_order {
            true => &self.accs,
            false => {
                gathered = order
                    .par_iter()
                    .map(|&s| self.accs.get(s as usize).copied().unwrap_or_default())
                    .collect();
                &gathered
            }
        };
        let (mut table, spilled) = assemble(keys, accs, Some(as_of_day), &time);
        if let (Some(groups), Some(ranks)) = (&self.groups, &ranks) {
            table.groups = Some(table_groups(groups, ranks, accs, &group_rank));
        }
        // The slot of each of the table's customers, for the exact sums.
        let kept: Vec<u32> = match spilled.is_empty() {
            true => Vec::new(),
            false => order
                .iter()
                .zip(accs)
                .filter(|(_, a)| a.seen && a.has_purchase())
                .map(|(&s, _)| s)
                .collect(),
        };
        for pos in spilled {
            let Some(sum) = kept.get(pos).and_then(|s| self.exact.get(s)) else {
                continue;
            };
            let m = rounded(sum, &names.amount, || {
                crate::rounding::show_key(&table.customer_id, pos)
            })?;
            if let Some(slot) = table.monetary.get_mut(pos) {
                *slot = m;
            }
        }
        Ok(table)
    }
}

/// Adds default accumulators up to `n`, in parallel (a large batch's
/// new customers are tens of megabytes of fresh pages).
pub(crate) fn grow<A: Default + Send>(accs: &mut Vec<A>, n: usize) {
    if let Some(more) = n.checked_sub(accs.len()).filter(|&m| m > 0) {
        accs.par_extend(
            (0..more)
                .into_par_iter()
                .with_min_len(1 << 14)
                .map(|_| A::default()),
        );
    }
}

/// The groups of a grouped table: the group rank of each row kept (as
/// `assemble` keeps them) and of the first customer left out.
fn table_groups(groups: &Groups, ranks: &[u32], accs: &[Acc], group_rank: &[u32]) -> TableGroups {
    let both = accs.iter().zip(group_rank);
    TableGroups {
        rows: both
            .clone()
            .filter(|(a, _)| a.seen && a.has_purchase())
            .map(|(_, &g)| g)
            .collect(),
        first_without_purchase: both
            .clone()
            .find(|(a, _)| a.seen && !a.has_purchase())
            .map(|(_, &g)| g),
        values: groups.sorted_values(ranks),
    }
}

impl RfmState {
    /// Customers in the state.
    pub fn parts_len(&self) -> usize {
        self.keys.len()
    }
}

impl Orders {
    pub(super) fn intern(&mut self, s: &[u8]) -> u64 {
        if let Some(&k) = self.index.get(s) {
            return k;
        }
        let k = self.dict.len() as u64;
        self.dict.push(s.into());
        self.index.insert(s.into(), k);
        k
    }
}
