//! Grouping the rows by customer: the dense, hashed or partitioned path.

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};
use crate::error::{Error, Result};
use crate::group::{
    fold_dense, fold_partitioned, DistinctAccess, DistinctBy, DistinctStr, Grouped, KeyAccess,
};
use crate::hashed::fold_hashed;
use crate::keys::KeyColumn;

use super::output::KeyList;
use super::{Frequency, Input};

pub(super) fn group(
    input: &Input,
    rows: &Rows,
    frequency: Frequency,
) -> Result<(KeyList, Vec<Acc>)> {
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
