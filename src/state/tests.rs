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
