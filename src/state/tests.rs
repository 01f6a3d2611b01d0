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
        groups: &[],
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
/// batch too sparse to widen it: every id keeps one slot across batches and
/// through a save, slots are numbered 0.. without gaps, and `sorted` is the
/// id order.
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
    for b in batches {
        let got = map.slots(&KeyColumn::I64(b));
        for (&id, &slot) in b.iter().zip(&got) {
            // One slot per id, kept across batches, and the ids by slot agree.
            assert_eq!(*want.entry(id).or_insert(slot), slot, "id {id}");
            let Some(Ids::I64(seen)) = &map.ids else {
                panic!()
            };
            assert_eq!(seen[slot as usize], id);
        }
    }
    assert_eq!(map.len(), want.len());
    let mut slots: Vec<u32> = want.values().copied().collect();
    slots.sort_unstable();
    assert_eq!(slots, (0..want.len() as u32).collect::<Vec<_>>());
    let (order, keys) = map.sorted();
    let mut ids: Vec<i64> = want.keys().copied().collect();
    ids.sort_unstable();
    let SortedKeys::I64(k) = keys else { panic!() };
    assert_eq!(k, ids);
    assert_eq!(order, ids.iter().map(|id| want[id]).collect::<Vec<_>>());
    let Some(Ids::I64(by_slot)) = map.ids.clone() else {
        panic!()
    };
    let mut again = KeyMap::from_ids(Some(Ids::I64(by_slot.clone()))).unwrap();
    assert_eq!(again.len(), want.len());
    // A loaded map keeps the saved numbering.
    assert_eq!(
        again.slots(&KeyColumn::I64(&by_slot)),
        (0..by_slot.len() as u32).collect::<Vec<_>>()
    );
    assert!(KeyMap::from_ids(Some(Ids::I64(vec![3, 4, 3]))).is_none());
    assert!(KeyMap::from_ids(Some(Ids::I64(vec![1 << 40, 4, 1 << 40]))).is_none());
    // All in the dense range: new ids are numbered in id order.
    let mut dense = KeyMap::default();
    assert_eq!(dense.slots(&KeyColumn::I64(&[5, 3, 9, 3])), [1, 0, 2, 0]);
    let (slots, keys) = dense.sorted();
    assert_eq!(slots, [0, 1, 2]);
    assert!(matches!(keys, SortedKeys::I64(k) if k == [3, 5, 9]));
    // Every id of a fresh range present: slot = id - lowest id. A later
    // batch with a gap, an id below and one far away keeps those slots.
    let mut full = KeyMap::default();
    assert_eq!(
        full.slots(&KeyColumn::I64(&[12, 10, 11, 10, 13])),
        [2, 0, 1, 0, 3]
    );
    let mut got = full.slots(&KeyColumn::I64(&[13, 9, 1 << 40, 15, 10]));
    assert_eq!((got[0], got[4]), (3, 0));
    got[1..4].sort_unstable();
    assert_eq!(got[1..4], [4, 5, 6]);
    let (_, keys) = full.sorted();
    assert!(matches!(keys, SortedKeys::I64(k) if k == [9, 10, 11, 12, 13, 15, 1 << 40]));
    // A range with a gap is numbered by rank, not by offset.
    let mut gap = KeyMap::default();
    assert_eq!(gap.slots(&KeyColumn::I64(&[20, 22, 20, 23])), [0, 1, 0, 2]);
}

/// Hashed ids (text, unsigned) looked up in parallel: one slot per id,
/// kept across batches and through a save.
#[test]
fn hashed_ids_keep_one_slot_each() {
    let words: Vec<String> = (0..150_000)
        .map(|i| format!("c{}", (i * 7919) % 40_000))
        .collect();
    let mut buf = StrBuffer::with_capacity(words.len());
    words.iter().for_each(|w| buf.push(w.as_bytes()));
    let mut map = KeyMap::default();
    let mut want: std::collections::HashMap<&str, u32> = Default::default();
    for part in [0..70_000usize, 70_000..70_000, 70_000..150_000] {
        let mut b = StrBuffer::with_capacity(part.len());
        words[part.clone()]
            .iter()
            .for_each(|w| b.push(w.as_bytes()));
        let got = map.slots(&KeyColumn::Str(b.column()));
        for (w, &slot) in words[part].iter().zip(&got) {
            assert_eq!(*want.entry(w.as_str()).or_insert(slot), slot);
        }
    }
    assert_eq!(map.len(), 40_000);
    let Some(Ids::Str(by_slot)) = map.ids.clone() else {
        panic!()
    };
    let mut again = KeyMap::from_ids(Some(Ids::Str(by_slot))).unwrap();
    let got = again.slots(&KeyColumn::Str(buf.column()));
    assert!(words.iter().zip(&got).all(|(w, s)| want[w.as_str()] == *s));
    let big: Vec<u64> = (0..100_000u64).map(|i| (i % 3_000) << 40).collect();
    let mut map = KeyMap::default();
    let first = map.slots(&KeyColumn::U64(&big));
    let second = map.slots(&KeyColumn::U64(&big));
    assert_eq!(first, second);
    assert_eq!(map.len(), 3_000);
}

/// Batches large enough for the parallel fold (many slot ranges), with
/// sparse ids in the hash shards, amounts that spill, returns and every
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
        groups: &[],
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

/// The engine on its own: string ids sort by their bytes, distinct days
/// count once, and the table is the same for any thread count.
#[test]
fn one_pass_sorts_counts_and_ignores_threads() {
    let words: Vec<&[u8]> = vec![
        b"b",
        b"a",
        b"ab\0",
        b"ab",
        b"",
        b"abcdefghijklmnopq2",
        b"abcdefghijklmnopq1",
        b"\xff",
        b"abcdefghijklmnop",
        b"a",
    ];
    let mut buf = StrBuffer::with_capacity(words.len());
    words.iter().for_each(|w| buf.push(w));
    let ts = [10i64, 10, 11, 10, 3, 4, 5, 6, 7, 10];
    let amt = [1i64; 10];
    let input = Input {
        ids: KeyColumn::Str(buf.column()),
        time: Time::Naive {
            ts: &ts,
            ticks_per_day: 1,
        },
        amounts: Amounts::I64(&amt),
        orders: None,
        groups: &[],
    };
    let names = Names::default();
    let got = rfm(&input, &opts(Frequency::Days), &names).unwrap();
    let mut want = words.clone();
    want.sort();
    want.dedup();
    let SortedKeys::Str(keys) = &got.customer_id else {
        panic!("string keys")
    };
    let keys: Vec<&[u8]> = (0..keys.column().len())
        .map(|i| keys.column().get(i))
        .collect();
    assert_eq!(keys, want);
    // "a" bought twice on day 10: one distinct day.
    assert_eq!(got.frequency[1], 1);

    let n = 300_000usize;
    let ids: Vec<i64> = (0..n).map(|i| ((i * 7919) % 20_000) as i64 * 3).collect();
    let ts: Vec<i64> = (0..n).map(|i| (i % 97) as i64).collect();
    let amt: Vec<f64> = (0..n).map(|i| (i % 13) as f64 * 0.1 - 0.2).collect();
    let input = Input {
        ids: KeyColumn::I64(&ids),
        time: Time::Naive {
            ts: &ts,
            ticks_per_day: 1,
        },
        amounts: Amounts::F64(&amt),
        orders: None,
        groups: &[],
    };
    let run = |threads: usize, f: Frequency| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| rfm(&input, &opts(f), &names).unwrap())
    };
    for f in [Frequency::Rows, Frequency::Days] {
        let (a, b) = (run(1, f), run(3, f));
        assert_eq!(a.frequency, b.frequency);
        assert_eq!(a.recency, b.recency);
        assert_eq!(a.first_purchase, b.first_purchase);
        let bits = |t: &RfmTable| t.monetary.iter().map(|m| m.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.customer_id.len(), 20_000);
    }
}

/// The one-pass split equals two summaries joined on the training
/// customers: a boundary inside a period, a customer seen only in the test
/// window, amounts that spill, and a batch large enough to run in parallel.
#[test]
fn split_equals_two_summaries() {
    let n = 150_000usize;
    let ids: Vec<i64> = (0..n).map(|i| ((i * 7919) % 30_011) as i64).collect();
    let ts: Vec<i64> = (0..n).map(|i| ((i * 31) % 4_000) as i64).collect();
    let amt: Vec<f64> = (0..n)
        .map(|i| match i % 97 {
            0 => 1e-9,
            1 => 1e300,
            2 => -1e300,
            _ => (i % 13) as f64 * 0.1,
        })
        .collect();
    let input = SummaryInput {
        ids: KeyColumn::I64(&ids),
        ts: &ts,
        ticks_per_day: 24,
        amounts: Some(Amounts::F64(&amt)),
    };
    let names = Names::default();
    let (cut, end) = (2_000 * 24 / 24 + 5, 3_500);
    let train = SummaryOptions {
        unit: Unit::Day,
        after: None,
        until: Some(cut),
        end_period: Some(cut / 24),
    };
    let test = SummaryOptions {
        unit: Unit::Day,
        after: Some(cut),
        until: Some(end),
        end_period: None,
    };
    let got = split(&input, &train, &test, &names).unwrap();
    let a = summarize(&input, &train, &names).unwrap();
    let b = summarize(&input, &test, &names).unwrap();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(got.train.first, a.first);
    assert_eq!(got.train.periods, a.periods);
    assert_eq!(bits(&got.train.total_sum), bits(&a.total_sum));
    assert_eq!(bits(&got.train.first_sum), bits(&a.first_sum));
    assert_eq!(got.train.end_period, a.end_period);
    assert_eq!(got.test_customers, b.customer_id.len());
    let (SortedKeys::I64(ta), SortedKeys::I64(tb)) = (&a.customer_id, &b.customer_id) else {
        panic!()
    };
    for (pos, id) in ta.iter().enumerate() {
        match tb.binary_search(id) {
            Ok(j) => {
                assert_eq!(got.test.periods[pos], b.periods[j]);
                assert_eq!(got.test.rows[pos], b.rows[j]);
                assert_eq!(got.test.total_sum[pos].to_bits(), b.total_sum[j].to_bits());
            }
            Err(_) => assert_eq!((got.test.rows[pos], got.test.total_sum[pos]), (0, 0.0)),
        }
    }
}

/// A large summary batch, counted without keeping its pairs, equals the
/// same rows streamed into a state that keeps them (in large and small
/// batches, through a merge), for float and integer amounts: periods
/// repeat within customers, and some amounts spill.
#[test]
fn one_shot_summary_equals_streamed_summary() {
    let n = 200_000usize;
    let ids: Vec<i64> = (0..n as u64)
        .map(|i| ((i.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) % 20_011) as i64)
        .collect();
    let ts: Vec<i64> = (0..n as u64)
        .map(|i| ((i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 9_000) as i64)
        .collect();
    let amt: Vec<f64> = (0..n)
        .map(|i| match i % 89 {
            0 => 3e-7,
            1 => 1e200,
            2 => -1e200,
            _ => (i % 17) as f64 * 0.25 - 1.0,
        })
        .collect();
    let ints: Vec<i64> = (0..n).map(|i| (i % 23) as i64 - 5).collect();
    let names = Names::default();
    let opts = SummaryOptions {
        unit: Unit::Week,
        after: None,
        until: Some(8_000),
        end_period: None,
    };
    // In date order too, and on pools of several sizes.
    let mut sorted = ts.clone();
    sorted.sort_unstable();
    let cases = [
        (&ts, Amounts::F64(&amt), 2),
        (&ts, Amounts::I64(&ints), 2),
        (&sorted, Amounts::F64(&amt), 2),
        (&sorted, Amounts::F64(&amt), 3),
        (&sorted, Amounts::I64(&ints), 4),
    ];
    for (ts, amounts, threads) in cases {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let input = |r: std::ops::Range<usize>| SummaryInput {
            ids: KeyColumn::I64(&ids[r.clone()]),
            ts: &ts[r.clone()],
            ticks_per_day: 24,
            amounts: Some(match amounts {
                Amounts::F64(v) => Amounts::F64(&v[r]),
                Amounts::I64(v) => Amounts::I64(&v[r]),
            }),
        };
        let want = pool.install(|| summarize(&input(0..n), &opts, &names).unwrap());
        let mut a = SummaryState::new(opts);
        a.update(&input(0..120_000), &names).unwrap();
        a.update(&input(120_000..120_050), &names).unwrap();
        let mut b = SummaryState::new(opts);
        b.update(&input(120_050..n), &names).unwrap();
        a.merge(&b).unwrap();
        let got = a.finish(&names).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(got.first, want.first);
        assert_eq!(got.last, want.last);
        assert_eq!(got.periods, want.periods);
        assert_eq!(got.rows, want.rows);
        assert_eq!(bits(&got.first_sum), bits(&want.first_sum));
        assert_eq!(bits(&got.rest_sum), bits(&want.rest_sum));
        assert!(want.periods.iter().zip(&want.rows).any(|(p, r)| p < r));
    }
}

/// Each group's rows alone, as of the day of the latest row of all.
fn group_alone(rows: &[usize], f: Frequency, as_of_day: i64) -> RfmTable {
    let ids: Vec<i64> = rows.iter().map(|&i| IDS[i]).collect();
    let ts: Vec<i64> = rows.iter().map(|&i| TS[i]).collect();
    let amt: Vec<f64> = rows.iter().map(|&i| AMT[i]).collect();
    let input = Input {
        ids: KeyColumn::I64(&ids),
        time: Time::Naive {
            ts: &ts,
            ticks_per_day: 1,
        },
        amounts: Amounts::F64(&amt),
        orders: None,
        groups: &[],
    };
    let o = Options {
        as_of_day: Some(as_of_day),
        ..opts(f)
    };
    rfm(&input, &o, &Names::default()).unwrap()
}

#[test]
fn grouped_tables_equal_each_group_alone_through_batches_merges_and_saves() {
    // Two group columns: text (one value repeats in another case) and floats.
    let text: [&str; 8] = ["web", "app", "web", "web", "app", "app", "web", "app"];
    let nums: [f64; 8] = [0.0, 1.0, -0.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    let mut buf = crate::keys::StrBuffer::with_capacity(8);
    text.iter().for_each(|s| buf.push(s.as_bytes()));
    let names = Names {
        by: vec!["channel".into(), "x".into()],
        ..Names::default()
    };
    let cols = [GroupColumn::Str(buf.column()), GroupColumn::F64(&nums)];
    for f in [Frequency::Rows, Frequency::Days] {
        let mut one = RfmState::grouped(opts(f), 2).unwrap();
        let mut all = input(0..8);
        all.groups = &cols;
        one.update(&all, &names).unwrap();
        let got = one.finish(&names).unwrap();
        let groups = got.groups.clone().unwrap();
        // ("app", 1.0) then ("web", 0.0): -0.0 and 0.0 are one group.
        assert_eq!(
            groups.values[0],
            GroupValues::Str(vec!["app".as_bytes().into(), "web".as_bytes().into()])
        );
        assert_eq!(groups.values[1], GroupValues::F64(vec![1.0, 0.0]));
        let app = group_alone(&[1, 4, 5, 7], f, 9);
        let web = group_alone(&[0, 2, 3, 6], f, 9);
        let n_app = app.recency.len();
        assert_eq!(groups.rows[..n_app], vec![0; n_app][..]);
        assert!(groups.rows[n_app..].iter().all(|&g| g == 1));
        let cat = |a: &[f64], b: &[f64]| [a, b].concat();
        assert_eq!(got.monetary, cat(&app.monetary, &web.monetary));
        assert_eq!(
            got.frequency,
            [app.frequency.clone(), web.frequency.clone()].concat()
        );
        assert_eq!(
            got.recency,
            [app.recency.clone(), web.recency.clone()].concat()
        );
        // Batches (each with its own slice of the group columns), merged
        // in another order, saved and loaded: the same table.
        let mut a = RfmState::grouped(opts(f), 2).unwrap();
        let mut b = RfmState::grouped(opts(f), 2).unwrap();
        let (t0, t1) = (&text[5..8], &text[0..5]);
        let (mut b0, mut b1) = (
            crate::keys::StrBuffer::with_capacity(3),
            crate::keys::StrBuffer::with_capacity(5),
        );
        t0.iter().for_each(|s| b0.push(s.as_bytes()));
        t1.iter().for_each(|s| b1.push(s.as_bytes()));
        let c0 = [GroupColumn::Str(b0.column()), GroupColumn::F64(&nums[5..8])];
        let c1 = [GroupColumn::Str(b1.column()), GroupColumn::F64(&nums[0..5])];
        let mut i0 = input(5..8);
        i0.groups = &c0;
        let mut i1 = input(0..5);
        i1.groups = &c1;
        a.update(&i0, &names).unwrap();
        b.update(&i1, &names).unwrap();
        a.merge(&b).unwrap();
        let loaded = RfmState::from_parts(opts(f), a.parts()).unwrap();
        for other in [a.finish(&names).unwrap(), loaded.finish(&names).unwrap()] {
            assert_eq!(other.monetary, got.monetary);
            assert_eq!(other.frequency, got.frequency);
            assert_eq!(other.groups.unwrap().rows, groups.rows);
        }
    }
}

#[test]
fn grouped_batches_are_checked_before_the_state_changes() {
    let names = Names {
        by: vec!["g".into()],
        ..Names::default()
    };
    let nan = [0.0, f64::NAN, 0.0];
    let mut state = RfmState::grouped(opts(Frequency::Rows), 1).unwrap();
    let cols = [GroupColumn::F64(&nan)];
    let mut i = input(0..3);
    i.groups = &cols;
    let err = state.update(&i, &names).unwrap_err();
    assert!(
        matches!(&err, Error::Missing { column, row: 1, .. } if column == "g"),
        "{err}"
    );
    let short = [GroupColumn::I64(&[1, 2])];
    i.groups = &short;
    assert!(matches!(
        state.update(&i, &names),
        Err(Error::Length { .. })
    ));
    i.groups = &[];
    assert!(
        state.update(&i, &names).is_err(),
        "a grouped state needs its group columns"
    );
    assert_eq!(state.parts_len(), 0);
    let ints = [GroupColumn::I64(&[1, 2, 1])];
    i.groups = &ints;
    state.update(&i, &names).unwrap();
    let mut plain = RfmState::new(opts(Frequency::Rows)).unwrap();
    assert!(plain.merge(&state).is_err());
    let floats = [GroupColumn::F64(&[1.0, 2.0, 1.0])];
    i.groups = &floats;
    assert!(
        matches!(state.update(&i, &names), Err(Error::Type { .. })),
        "another kind"
    );
}

#[test]
fn grouped_integer_ids_in_dense_ranges_and_hashed_agree() {
    // 40 groups (more than get a dense range each), fed in three batches,
    // the state saved and loaded between them (a loaded state is hashed):
    // every (group, id)'s row count is that of a plain hash map.
    let n = 30_000usize;
    // The rows of the first 4 groups come first.
    let mut order: Vec<i64> = (0..n as i64).collect();
    order.sort_by_key(|&i| (i * 31) % 40 >= 4);
    let ids: Vec<i64> = order.iter().map(|&i| (i * 7919) % 5_000 - 100).collect();
    let codes: Vec<i64> = order.iter().map(|&i| (i * 31) % 40).collect();
    let ts: Vec<i64> = order.iter().map(|&i| i % 365).collect();
    let amt: Vec<f64> = order.iter().map(|&i| (i % 17) as f64 + 0.25).collect();
    let names = Names {
        by: vec!["g".into()],
        ..Names::default()
    };
    let batch = |r: std::ops::Range<usize>, f: &mut dyn FnMut(&Input)| {
        let cols = [GroupColumn::I64(&codes[r.clone()])];
        let input = Input {
            ids: KeyColumn::I64(&ids[r.clone()]),
            time: Time::Naive {
                ts: &ts[r.clone()],
                ticks_per_day: 1,
            },
            amounts: Amounts::F64(&amt[r]),
            orders: None,
            groups: &cols,
        };
        f(&input);
    };
    let o = Options {
        as_of_day: Some(400),
        ..opts(Frequency::Rows)
    };
    let mut state = RfmState::grouped(o, 1).unwrap();
    // The first batch has 4 groups only, the second all 40.
    let cut = codes.iter().position(|&c| c >= 4).unwrap_or(n);
    batch(0..cut, &mut |i| state.update(i, &names).unwrap());
    batch(cut..2 * n / 3, &mut |i| state.update(i, &names).unwrap());
    let mut state = RfmState::from_parts(o, state.parts()).unwrap();
    batch(2 * n / 3..n, &mut |i| state.update(i, &names).unwrap());
    let mut want: std::collections::BTreeMap<(i64, i64), i64> = Default::default();
    for i in 0..n {
        *want.entry((codes[i], ids[i])).or_default() += 1;
    }
    let got = state.finish(&names).unwrap();
    let groups = got.groups.unwrap();
    let SortedKeys::I64(keys) = &got.customer_id else {
        panic!("integer ids");
    };
    let GroupValues::I64(values) = &groups.values[0] else {
        panic!("integer groups");
    };
    let rows: Vec<((i64, i64), i64)> = keys
        .iter()
        .zip(&groups.rows)
        .zip(&got.frequency)
        .map(|((&id, &g), &f)| ((values[g as usize], id), f))
        .collect();
    assert_eq!(rows, want.into_iter().collect::<Vec<_>>());
}

/// Distinct days counted in one pass when each customer's days rise (rows
/// sorted by date), and by sorting when one goes back: both equal a plain
/// count, in one call and through batches.
#[test]
fn rising_and_falling_days_count_the_same() {
    let n = 150_000usize;
    let ids: Vec<i64> = (0..n).map(|i| ((i * 7919) % 9_000) as i64).collect();
    let sorted: Vec<i64> = (0..n).map(|i| (i / 20_000) as i64).collect();
    let mut back = sorted.clone();
    // A customer buys about twice a day. One row goes back to the day of
    // its customer's row 36,000 rows before (ids repeat every 9,000 rows):
    // a repeat that only the sort finds.
    back[n - 5] = sorted[n - 5 - 36_000];
    let amt = vec![1i64; n];
    let names = Names::default();
    for ts in [&sorted, &back] {
        let mut days: std::collections::BTreeMap<i64, std::collections::BTreeSet<i64>> =
            Default::default();
        for (&c, &t) in ids.iter().zip(ts.iter()) {
            days.entry(c).or_default().insert(t);
        }
        let want: Vec<i64> = days.values().map(|d| d.len() as i64).collect();
        let slice = |r: std::ops::Range<usize>| Input {
            ids: KeyColumn::I64(&ids[r.clone()]),
            time: Time::Naive {
                ts: &ts[r.clone()],
                ticks_per_day: 1,
            },
            amounts: Amounts::I64(&amt[r]),
            orders: None,
            groups: &[],
        };
        let got = rfm(&slice(0..n), &opts(Frequency::Days), &names).unwrap();
        assert_eq!(got.frequency, want);
        let mut state = RfmState::new(opts(Frequency::Days)).unwrap();
        // Batches that split days, both large enough for the parallel fold.
        for r in [0..70_010, 70_010..n] {
            state.update(&slice(r), &names).unwrap();
        }
        assert_eq!(state.finish(&names).unwrap().frequency, want);
    }
}
