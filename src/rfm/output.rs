//! The result's columns, from the accumulators.

use rayon::prelude::*;

use crate::accumulate::Acc;
use crate::calendar::Time;
use crate::keys::{SortedKeys, StrBuffer};

use super::RfmTable;

/// The keys of the accumulators at `idx` (increasing).
fn take(keys: SortedKeys, idx: &[usize]) -> SortedKeys {
    match keys {
        SortedKeys::I64(v) => SortedKeys::I64(idx.par_iter().map(|&i| v[i]).collect()),
        SortedKeys::U64(v) => SortedKeys::U64(idx.par_iter().map(|&i| v[i]).collect()),
        SortedKeys::Str(v) => {
            let col = v.column();
            let mut out = StrBuffer::with_capacity(idx.len());
            idx.iter().for_each(|&i| out.push(col.get(i)));
            SortedKeys::Str(out)
        }
    }
}

/// Key `i` written for a message.
fn show(keys: &SortedKeys, i: usize) -> String {
    match keys {
        SortedKeys::I64(v) => v[i].to_string(),
        SortedKeys::U64(v) => v[i].to_string(),
        SortedKeys::Str(v) => format!("{:?}", String::from_utf8_lossy(v.column().get(i))),
    }
}

/// The columns of the result, in one pass over the accumulators. Customers
/// with rows after the as-of date only were never "seen"; those with returns
/// only were seen but made no purchase: both are left out, the second kind
/// reported to the caller. Also returns the result's rows whose monetary is
/// still to be rounded from their exact sums (see `crate::rounding`).
pub(crate) fn assemble(
    keys: SortedKeys,
    accs: &[Acc],
    as_of_day: Option<i64>,
    time: &Time,
) -> (RfmTable, Vec<usize>) {
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
    let spilled: Vec<usize> = idx
        .par_iter()
        .positions(|&i| accs.get(i).is_some_and(|a| a.spilled))
        .collect();
    let dropped: Vec<usize> = accs
        .par_iter()
        .positions(|a| a.seen && !a.has_purchase())
        .collect();
    let table = RfmTable {
        first_without_purchase: dropped.first().map(|&i| show(&keys, i)),
        without_purchase: dropped.len() as u64,
        customer_id: take(keys, &idx),
        recency,
        frequency,
        monetary,
        first_purchase,
        last_purchase,
        as_of_day,
        groups: None,
    };
    (table, spilled)
}
