//! A state as plain columns, for saving it (Arrow, pickle) and loading it
//! back: nothing is lost, the money sums included (as integers).

use super::groups::{with_columns, GroupValues};
use super::keys::{FastMap, Ids, KeyMap};
use super::pairs::Pairs;
use super::{Orders, RfmState, TimeKind};
use crate::accumulate::Acc;
use crate::error::{Error, Result};
use crate::money::{Exact, Money, LIMBS};
use crate::rfm::Options;

/// The columns of a state: one entry per customer slot, then the exact
/// sums, the pairs and the order dictionary.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    pub ids: Option<Ids>,
    /// A grouped state's group columns: their number, and each customer's
    /// values (no columns before the first batch).
    pub groups: Option<(usize, Vec<GroupValues>)>,
    pub first_ts: Vec<i64>,
    pub last_ts: Vec<i64>,
    pub last_pos: Vec<i64>,
    pub count: Vec<u32>,
    pub seen: Vec<bool>,
    pub spilled: Vec<bool>,
    /// The fixed-point sum: the integer part's high and low 64 bits, then
    /// the fraction's (units of 2^-128 of the whole: see `Money`).
    pub money: [Vec<u64>; 4],
    pub exact_slot: Vec<u32>,
    /// `LIMBS` limbs per exact sum, lowest first.
    pub exact_limbs: Vec<u64>,
    pub pair_slot: Vec<u32>,
    pub pair_key: Vec<u64>,
    pub orders_kind: Option<&'static str>,
    pub orders: Vec<Box<[u8]>>,
    pub time: Option<TimeKind>,
    pub min_pos: i64,
    pub max_pos: i64,
    pub rows: u64,
}

impl RfmState {
    /// The state as columns (pairs and exact sums sorted: the same state
    /// always gives the same columns).
    pub fn parts(&self) -> Parts {
        let mut p = Parts {
            ids: self.keys.ids.clone(),
            groups: self.groups.as_ref().map(|g| {
                let of = &self.keys.group_of;
                (g.width, g.values.iter().map(|v| v.take(of)).collect())
            }),
            orders_kind: self.orders.kind,
            orders: self.orders.dict.clone(),
            time: self.time,
            min_pos: self.min_pos,
            max_pos: self.max_pos,
            rows: self.rows,
            ..Parts::default()
        };
        for a in &self.accs {
            p.first_ts.push(a.first_ts);
            p.last_ts.push(a.last_ts);
            p.last_pos.push(a.last_pos);
            p.count.push(a.count);
            p.seen.push(a.seen);
            p.spilled.push(a.spilled);
            let (int, frac) = a.money.parts();
            let words = [
                (int >> 64) as u64,
                int as u64,
                (frac >> 64) as u64,
                frac as u64,
            ];
            for (col, w) in p.money.iter_mut().zip(words) {
                col.push(w);
            }
        }
        let mut exact: Vec<(&u32, &Exact)> = self.exact.iter().collect();
        exact.sort_unstable_by_key(|(s, _)| **s);
        for (s, e) in exact {
            p.exact_slot.push(*s);
            p.exact_limbs.extend_from_slice(e.limbs());
        }
        let mut pairs: Vec<(u32, u64)> = self.pairs.iter().collect();
        pairs.sort_unstable();
        (p.pair_slot, p.pair_key) = pairs.into_iter().unzip();
        p
    }

    /// A state from its columns, checked for consistency.
    pub fn from_parts(opts: Options, p: Parts) -> Result<RfmState> {
        let bad =
            |what: &str| Error::option("state", format!("the saved state is damaged: {what}"));
        let mut state = match &p.groups {
            None => RfmState::new(opts)?,
            Some((width, _)) => RfmState::grouped(opts, *width)?,
        };
        let n = p.first_ts.len();
        let lens = [
            p.last_ts.len(),
            p.last_pos.len(),
            p.count.len(),
            p.seen.len(),
            p.spilled.len(),
            p.money[0].len(),
            p.money[1].len(),
            p.money[2].len(),
            p.money[3].len(),
        ];
        if lens.iter().any(|&l| l != n) {
            return Err(bad("columns of different lengths"));
        }
        let keys = match (&mut state.groups, p.groups) {
            (Some(groups), Some((width, values))) => {
                if !(values.len() == width || values.is_empty() && n == 0)
                    || values.iter().any(|v| v.len() != n)
                {
                    return Err(bad("group columns"));
                }
                let codes = with_columns(&values, |cols| groups.codes(cols, n));
                KeyMap::from_grouped(p.ids.clone(), codes)
            }
            _ => KeyMap::from_ids(p.ids.clone()),
        }
        .ok_or_else(|| bad("an id appears twice"))?;
        if keys.len() != n {
            return Err(bad("ids and customers differ"));
        }
        state.accs = (0..n)
            .map(|i| {
                let int = (i128::from(p.money[0][i] as i64) << 64) | i128::from(p.money[1][i]);
                let frac = (u128::from(p.money[2][i]) << 64) | u128::from(p.money[3][i]);
                Acc {
                    first_ts: p.first_ts[i],
                    last_ts: p.last_ts[i],
                    last_pos: p.last_pos[i],
                    count: p.count[i],
                    seen: p.seen[i],
                    spilled: p.spilled[i],
                    money: Money::from_parts(int, frac),
                }
            })
            .collect();
        if p.exact_limbs.len() != p.exact_slot.len() * LIMBS {
            return Err(bad("exact sums"));
        }
        let mut exact = FastMap::default();
        for (s, limbs) in p.exact_slot.iter().zip(p.exact_limbs.chunks(LIMBS)) {
            let e = Exact::from_limbs(limbs).ok_or_else(|| bad("exact sums"))?;
            // Only a spilled customer has an exact sum.
            if p.spilled.get(*s as usize) != Some(&true) {
                return Err(bad("exact sums"));
            }
            exact.insert(*s, e);
        }
        if p.pair_slot.len() != p.pair_key.len() || p.pair_slot.iter().any(|&s| s as usize >= n) {
            return Err(bad("pairs"));
        }
        let pairs: Pairs<u64> = p
            .pair_slot
            .iter()
            .copied()
            .zip(p.pair_key.iter().copied())
            .collect();
        let mut orders = Orders {
            kind: p.orders_kind,
            ..Orders::default()
        };
        for s in &p.orders {
            orders.intern(s);
        }
        state.keys = keys;
        state.exact = exact;
        state.pairs = pairs;
        state.orders = orders;
        state.time = p.time;
        state.min_pos = p.min_pos;
        state.max_pos = p.max_pos;
        state.rows = p.rows;
        Ok(state)
    }
}
