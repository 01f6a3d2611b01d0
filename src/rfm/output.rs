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
    let kept = |a: &Acc| a.seen && a.has_purchase();
    // Each column is collected on its own from the kept accumulators (a
    // rayon unzip of nested tuples gathered every column through lists).
    let all = accs.par_iter().with_min_len(1 << 14).all(kept);
    let idx: Vec<usize> = match all {
        true => Vec::new(),
        false => accs.par_iter().positions(kept).collect(),
    };
    let column = |f: &(dyn Fn(&Acc) -> i64 + Sync)| -> Vec<i64> {
        match all {
            true => accs.par_iter().with_min_len(1 << 14).map(f).collect(),
            false => idx
                .par_iter()
                .with_min_len(1 << 14)
                .map(|&i| accs.get(i).map_or(0, f))
                .collect(),
        }
    };
    let recency = column(&|a| as_of - time.day_of(a.last_pos));
    let frequency = column(&|a| i64::from(a.count));
    let first_purchase = column(&|a| a.first_ts);
    let last_purchase = column(&|a| a.last_ts);
    let monetary: Vec<f64> = match all {
        true => accs
            .par_iter()
            .with_min_len(1 << 14)
            .map(|a| a.money.to_f64())
            .collect(),
        false => idx
            .par_iter()
            .with_min_len(1 << 14)
            .map(|&i| accs.get(i).map_or(0.0, |a| a.money.to_f64()))
            .collect(),
    };
    let spilled: Vec<usize> = match all {
        true => accs.par_iter().positions(|a| a.spilled).collect(),
        false => idx
            .par_iter()
            .positions(|&i| accs.get(i).is_some_and(|a| a.spilled))
            .collect(),
    };
    let dropped: Vec<usize> = match all {
        true => Vec::new(),
        false => accs
            .par_iter()
            .positions(|a| a.seen && !a.has_purchase())
            .collect(),
    };
    let table = RfmTable {
        first_without_purchase: dropped.first().map(|&i| show(&keys, i)),
        without_purchase: dropped.len() as u64,
        customer_id: match all {
            true => keys,
            false => take(keys, &idx),
        },
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
