//! A summary state as plain columns, for saving it and loading it back.

use super::keys::{FastMap, Ids, KeyMap};
use super::pairs::Pairs;
use super::summary::{SummaryAcc, SummaryState};
use crate::error::{Error, Result};
use crate::money::{Exact, Money, LIMBS};
use crate::summary::SummaryOptions;

/// The columns of a summary state: one entry per customer slot, then the
/// exact sums (first period's and the others', `2 * LIMBS` limbs each) and
/// the (customer, period) pairs.
#[derive(Debug, Clone, Default)]
pub struct SummaryParts {
    pub ids: Option<Ids>,
    pub first: Vec<i64>,
    pub last: Vec<i64>,
    pub rows: Vec<u32>,
    pub periods: Vec<u32>,
    pub spilled: Vec<bool>,
    /// Each fixed-point sum as four 64-bit words (see `Parts::money`):
    /// the first period's, then the others'.
    pub money: [Vec<u64>; 8],
    pub exact_slot: Vec<u32>,
    pub exact_limbs: Vec<u64>,
    pub pair_slot: Vec<u32>,
    pub pair_period: Vec<i64>,
    pub ticks_per_day: Option<i64>,
    pub has_amounts: Option<bool>,
    pub total_rows: u64,
}

fn words(m: Money) -> [u64; 4] {
    let (int, frac) = m.parts();
    [
        (int >> 64) as u64,
        int as u64,
        (frac >> 64) as u64,
        frac as u64,
    ]
}

fn money(w: [u64; 4]) -> Money {
    let int = (i128::from(w[0] as i64) << 64) | i128::from(w[1]);
    let frac = (u128::from(w[2]) << 64) | u128::from(w[3]);
    Money::from_parts(int, frac)
}

impl SummaryState {
    /// The state as columns (sorted: the same state gives the same columns).
    pub fn parts(&self) -> SummaryParts {
        let mut p = SummaryParts {
            ids: self.keys.ids.clone(),
            ticks_per_day: self.ticks_per_day,
            has_amounts: self.has_amounts,
            total_rows: self.rows,
            ..SummaryParts::default()
        };
        for a in &self.accs {
            p.first.push(a.first);
            p.last.push(a.last);
            p.rows.push(a.rows);
            p.periods.push(a.periods);
            p.spilled.push(a.spilled);
            let all = [words(a.first_sum), words(a.rest_sum)].concat();
            for (col, w) in p.money.iter_mut().zip(all) {
                col.push(w);
            }
        }
        let mut exact: Vec<_> = self.exact.iter().collect();
        exact.sort_unstable_by_key(|(s, _)| **s);
        for (s, (f, r)) in exact {
            p.exact_slot.push(*s);
            p.exact_limbs.extend_from_slice(f.limbs());
            p.exact_limbs.extend_from_slice(r.limbs());
        }
        let mut pairs: Vec<(u32, i32)> = self.pairs.iter().collect();
        pairs.sort_unstable();
        (p.pair_slot, p.pair_period) = pairs.into_iter().map(|(s, q)| (s, i64::from(q))).unzip();
        p
    }

    /// A state from its columns, checked for consistency.
    pub fn from_parts(opts: SummaryOptions, p: SummaryParts) -> Result<SummaryState> {
        let bad =
            |what: &str| Error::option("state", format!("the saved state is damaged: {what}"));
        let n = p.first.len();
        let same = [p.last.len(), p.rows.len(), p.periods.len(), p.spilled.len()]
            .into_iter()
            .chain(p.money.iter().map(Vec::len))
            .all(|l| l == n);
        if !same {
            return Err(bad("columns of different lengths"));
        }
        let keys = KeyMap::from_ids(p.ids.clone()).ok_or_else(|| bad("an id appears twice"))?;
        if keys.len() != n {
            return Err(bad("ids and customers differ"));
        }
        let accs = (0..n)
            .map(|i| {
                let w = |k: usize| p.money[k][i];
                SummaryAcc {
                    first: p.first[i],
                    last: p.last[i],
                    rows: p.rows[i],
                    periods: p.periods[i],
                    spilled: p.spilled[i],
                    first_sum: money([w(0), w(1), w(2), w(3)]),
                    rest_sum: money([w(4), w(5), w(6), w(7)]),
                }
            })
            .collect();
        if p.exact_limbs.len() != p.exact_slot.len() * 2 * LIMBS {
            return Err(bad("exact sums"));
        }
        let mut exact = FastMap::default();
        for (s, limbs) in p.exact_slot.iter().zip(p.exact_limbs.chunks(2 * LIMBS)) {
            let (f, r) = limbs.split_at(LIMBS);
            let sums = Exact::from_limbs(f).zip(Exact::from_limbs(r));
            match sums {
                // Only a spilled customer has exact sums.
                Some(sums) if p.spilled.get(*s as usize) == Some(&true) => exact.insert(*s, sums),
                _ => return Err(bad("exact sums")),
            };
        }
        let periods_fit = p.pair_period.iter().all(|&q| i32::try_from(q).is_ok());
        if p.pair_slot.len() != p.pair_period.len()
            || p.pair_slot.iter().any(|&s| s as usize >= n)
            || !periods_fit
        {
            return Err(bad("pairs"));
        }
        let pairs: Pairs<i32> = p
            .pair_slot
            .iter()
            .copied()
            .zip(p.pair_period.iter().map(|&q| q as i32))
            .collect();
        let mut state = SummaryState::new(opts);
        state.keys = keys;
        state.accs = accs;
        state.exact = exact;
        state.pairs = pairs;
        state.ticks_per_day = p.ticks_per_day;
        state.has_amounts = p.has_amounts;
        state.rows = p.total_rows;
        Ok(state)
    }
}
