use super::*;
use crate::calendar::Window;
use crate::keys::KeyColumn;
use crate::rfm::{rfm, Frequency, Input, Names, Options, Returns};
use crate::scan::Amounts;
use crate::summary::{summarize, SummaryInput, SummaryOptions, Unit};

const IDS: [i64; 8] = [5, 3, 5, 9, 3, 5, 9, 1];
const TS: [i64; 8] = [1, 2, 2, 4, 6, 6, 7, 9];
const AMT: [f64; 8] = [1e-8, 2.5, -1.0, 3.0, 1e300, 0.1, -1e300, 4.0];

fn input(r: std::ops::Range<usize>) -> Input<'static> {
    Input {
        ids: KeyColumn::I64(&IDS[r.clone()]),
        time: Time::Naive {
            ts: &TS[r.clone()],
            ticks_per_day: 1,
        },
        amounts: Amounts::F64(&AMT[r]),
        orders: None,
    }
}

fn opts(frequency: Frequency) -> Options {
    Options {
        as_of_day: None,
        window: None,
        frequency,
        returns: Returns::Net,
    }
}

#[test]
fn batches_and_merges_equal_one_pass() {
    let names = Names::default();
    for f in [Frequency::Rows, Frequency::Days] {
        let want = rfm(&input(0..8), &opts(f), &names).unwrap();
        let mut one = RfmState::new(opts(f)).unwrap();
        for r in [0..3, 3..3, 3..8] {
            one.update(&input(r), &names).unwrap();
        }
        let mut a = RfmState::new(opts(f)).unwrap();
        let mut b = RfmState::new(opts(f)).unwrap();
        a.update(&input(5..8), &names).unwrap();
        b.update(&input(0..5), &names).unwrap();
        a.merge(&b).unwrap();
        let loaded = RfmState::from_parts(opts(f), a.parts()).unwrap();
        for got in [one.finish(&names).unwrap(), loaded.finish(&names).unwrap()] {
            assert!(matches!(&got.customer_id, SortedKeys::I64(k) if k == &[1, 3, 5, 9]));
            assert_eq!(got.monetary, want.monetary);
            assert_eq!(got.frequency, want.frequency);
            assert_eq!(got.recency, want.recency);
            assert_eq!(got.first_purchase, want.first_purchase);
        }
    }
}

#[test]
fn a_window_needs_an_as_of_date_and_options_must_match() {
    let mut o = opts(Frequency::Rows);
    o.window = Some(Window::Days(30));
    assert!(RfmState::new(o).is_err());
    let mut a = RfmState::new(opts(Frequency::Rows)).unwrap();
    let b = RfmState::new(opts(Frequency::Days)).unwrap();
    assert!(a.merge(&b).is_err());
}

#[test]
fn summary_states_merge_their_first_periods() {
    let names = Names::default();
    let s_opts = SummaryOptions {
        unit: Unit::Day,
        after: None,
        until: None,
        end_period: None,
    };
    let si = |r: std::ops::Range<usize>| SummaryInput {
        ids: KeyColumn::I64(&IDS[r.clone()]),
        ts: &TS[r.clone()],
        ticks_per_day: 1,
        amounts: Some(Amounts::F64(&AMT[r])),
    };
    let want = summarize(&si(0..8), &s_opts, &names).unwrap();
    let mut a = SummaryState::new(s_opts);
    let mut b = SummaryState::new(s_opts);
    a.update(&si(4..8), &names).unwrap();
    b.update(&si(0..4), &names).unwrap();
    a.merge(&b).unwrap();
    let got = SummaryState::from_parts(s_opts, a.parts())
        .unwrap()
        .finish(&names)
        .unwrap();
    assert_eq!(got.first_sum, want.first_sum);
    assert_eq!(got.rest_sum, want.rest_sum);
    assert_eq!(got.total_sum, want.total_sum);
    assert_eq!(got.periods, want.periods);
    assert_eq!(got.end_period, want.end_period);
}

/// Dense ranges, ids outside them, a range that widens down and up and a
/// batch too sparse to widen it: every id keeps one slot, numbered in order
/// of first appearance, and `sorted` is the id order.
#[test]
fn dense_and_hashed_ids_keep_one_slot_each() {
    let batches: [&[i64]; 6] = [
        &[100, 101, 100, 105],
        &[1 << 40, 100, -7, 1 << 40],
        &[90, 99, 106, 300_000],
        &[i64::MIN, i64::MAX, 101, 90],
        &[],
        &[50, 300_000, -7, 60_000],
    ];
    let mut map = KeyMap::default();
    let mut want: std::collections::HashMap<i64, u32> = Default::default();
    let mut order = Vec::new();
    for b in batches {
        let got = map.slots(&KeyColumn::I64(b));
        for (&id, &slot) in b.iter().zip(&got) {
            let next = want.len() as u32;
            let w = *want.entry(id).or_insert_with(|| {
                order.push(id);
                next
            });
            assert_eq!(slot, w, "id {id}");
        }
    }
    assert_eq!(map.len(), want.len());
    let (slots, keys) = map.sorted();
    let mut ids = order.clone();
    ids.sort_unstable();
    let SortedKeys::I64(k) = keys else { panic!() };
    assert_eq!(k, ids);
    assert_eq!(slots.len(), ids.len());
    let again = KeyMap::from_ids(Some(Ids::I64(order))).unwrap();
    assert_eq!(again.len(), want.len());
    assert!(KeyMap::from_ids(Some(Ids::I64(vec![3, 4, 3]))).is_none());
    // All in the dense range: the order comes from the range, not a sort.
    let mut dense = KeyMap::default();
    assert_eq!(dense.slots(&KeyColumn::I64(&[5, 3, 9, 3])), [0, 1, 2, 1]);
    let (slots, keys) = dense.sorted();
    assert_eq!(slots, [1, 0, 2]);
    assert!(matches!(keys, SortedKeys::I64(k) if k == [3, 5, 9]));
}

/// Batches large enough for the parallel fold (many slot ranges), with
/// sparse ids in the hash map, amounts that spill, returns and every
/// frequency: the same table as one in-memory pass.
#[test]
fn parallel_folds_equal_one_pass() {
    let n = 200_000usize;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut ids = Vec::with_capacity(n);
    let mut ts = Vec::with_capacity(n);
    let mut amt = Vec::with_capacity(n);
    let mut ord = Vec::with_capacity(n);
    for i in 0..n {
        let r = next();
        ids.push(if i % 97 == 0 {
            (r >> 3) as i64
        } else {
            (r % 40_000) as i64
        });
        ts.push((next() % 500) as i64);
        amt.push(match i % 1000 {
            0 => 1e-9,
            1 => -3.0e18,
            _ => (next() % 20_000) as f64 / 100.0 - 20.0,
        });
        ord.push((next() % 150_000) as i64);
    }
    let names = Names::default();
    let slice = |r: std::ops::Range<usize>, f: Frequency| Input {
        ids: KeyColumn::I64(&ids[r.clone()]),
        time: Time::Naive {
            ts: &ts[r.clone()],
            ticks_per_day: 1,
        },
        amounts: Amounts::F64(&amt[r.clone()]),
        orders: (f == Frequency::Orders).then(|| KeyColumn::I64(&ord[r])),
    };
    for f in [Frequency::Rows, Frequency::Days, Frequency::Orders] {
        let mut o = opts(f);
        o.as_of_day = Some(480);
        o.window = Some(Window::Days(300));
        let want = rfm(&slice(0..n, f), &o, &names).unwrap();
        let mut state = RfmState::new(o).unwrap();
        for r in [0..70_000, 70_000..70_100, 70_100..n] {
            state.update(&slice(r, f), &names).unwrap();
        }
        let got = state.finish(&names).unwrap();
        assert_eq!(got.monetary, want.monetary, "{f:?}");
        assert_eq!(got.frequency, want.frequency, "{f:?}");
        assert_eq!(got.recency, want.recency, "{f:?}");
        assert_eq!(got.last_purchase, want.last_purchase, "{f:?}");
    }
}
