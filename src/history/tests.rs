//! The history against `rfm` at each snapshot, and the labels against a
//! direct count.

use super::*;
use crate::calendar::Time;
use crate::rfm::rfm;
use crate::scan::Amounts;

const TS: [i64; 9] = [3, 1, 10, 12, 5, 20, 21, 7, 15];
const IDS: [i64; 9] = [1, 1, 2, 2, 1, 3, 1, 2, 3];
const AMT: [f64; 9] = [1.5, 2.0, -1.0, 4.0, 1e-30, 3.0, 0.25, 2.5, -3.0];
const ORD: [i64; 9] = [7, 8, 9, 9, 7, 1, 7, 5, 6];

fn input(orders: bool) -> Input<'static> {
    Input {
        ids: KeyColumn::I64(&IDS),
        time: Time::Naive {
            ts: &TS,
            ticks_per_day: 2,
        },
        amounts: Amounts::F64(&AMT),
        orders: orders.then_some(KeyColumn::I64(&ORD)),
        groups: &[],
    }
}

#[test]
fn every_snapshot_is_the_table_at_that_day() {
    let days = [1, 3, 5, 6, 8, 10];
    for frequency in [Frequency::Rows, Frequency::Days, Frequency::Orders] {
        for window in [None, Some(Window::Days(2)), Some(Window::Days(4))] {
            for returns in [Returns::Net, Returns::Exclude] {
                let input = input(frequency == Frequency::Orders);
                let opts = HistoryOptions {
                    snapshot_days: &days,
                    window,
                    frequency,
                    returns,
                };
                let h = rfm_history(&input, &opts, &Names::default()).unwrap();
                let mut at = 0usize;
                for (s, &day) in days.iter().enumerate() {
                    let o = Options {
                        as_of_day: Some(day),
                        window,
                        frequency,
                        returns,
                    };
                    let t = rfm(&input, &o, &Names::default()).unwrap();
                    let n = h.snapshot_rows[s] as usize;
                    let r = at..at + n;
                    let SortedKeys::I64(all) = &h.customer_id else {
                        panic!("integer keys expected")
                    };
                    let ids: Vec<i64> = h.customer[r.clone()]
                        .iter()
                        .map(|&c| all[c as usize])
                        .collect();
                    assert!(matches!(&t.customer_id, SortedKeys::I64(k) if *k == ids));
                    assert_eq!(t.recency, h.recency[r.clone()]);
                    assert_eq!(
                        t.frequency,
                        h.frequency[r.clone()],
                        "{frequency:?} {window:?} {day}"
                    );
                    assert_eq!(t.monetary, h.monetary[r.clone()]);
                    assert_eq!(t.first_purchase, h.first_purchase[r.clone()]);
                    assert_eq!(t.last_purchase, h.last_purchase[r]);
                    at += n;
                }
                assert_eq!(at, h.customer.len());
            }
        }
    }
}

#[test]
fn labels_count_the_rows_after_each_snapshot() {
    let days = [2, 5];
    let opts = LabelOptions {
        snapshot_days: &days,
        horizon: Window::Days(3),
        returns: Returns::Net,
    };
    let l = churn_labels(&input(false), &opts, &Names::default()).unwrap();
    // Days are ts / 2. By day 2 only customer 1 bought (days 0 to 2), and
    // it buys nothing in days 3..=5; by day 5 customer 2 did too (day 3), and
    // in days 6..=8 it buys 4.0 (day 6).
    assert_eq!(l.snapshot_rows, [1, 2]);
    assert_eq!(l.customer, [0, 0, 1]);
    assert_eq!(l.frequency, [0, 0, 1]);
    assert_eq!(l.monetary, [0.0, 0.0, 4.0]);
}

#[test]
fn bad_snapshots_are_errors() {
    let opts = HistoryOptions {
        snapshot_days: &[5, 5],
        window: None,
        frequency: Frequency::Rows,
        returns: Returns::Net,
    };
    assert!(rfm_history(&input(false), &opts, &Names::default()).is_err());
    let opts = HistoryOptions {
        snapshot_days: &[-3, 5],
        ..opts
    };
    let err = rfm_history(&input(false), &opts, &Names::default()).unwrap_err();
    assert!(err.to_string().contains("before the first"), "{err}");
}

#[test]
#[ignore = "a timing, run by hand with --release --ignored --nocapture"]
fn timing() {
    let n = 1_000_000usize;
    let ids: Vec<i64> = (0..n).map(|i| ((i as i64) * 7919) % 100_000).collect();
    let ts: Vec<i64> = (0..n)
        .map(|i| ((i as i64) * 104_729) % (730 * 86_400))
        .collect();
    let amt: Vec<f64> = (0..n).map(|i| (i % 1000) as f64 * 0.01).collect();
    let input = Input {
        ids: KeyColumn::I64(&ids),
        time: Time::Naive {
            ts: &ts,
            ticks_per_day: 86_400,
        },
        amounts: Amounts::F64(&amt),
        orders: None,
        groups: &[],
    };
    let days: Vec<i64> = (1..=24).map(|m| m * 30).collect();
    let opts = HistoryOptions {
        snapshot_days: &days,
        window: None,
        frequency: Frequency::Rows,
        returns: Returns::Net,
    };
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let h = rfm_history(&input, &opts, &Names::default()).unwrap();
        println!("history {:?} rows {}", t.elapsed(), h.customer.len());
        let t = std::time::Instant::now();
        let o = Options {
            as_of_day: Some(400),
            window: None,
            frequency: Frequency::Rows,
            returns: Returns::Net,
        };
        let r = rfm(&input, &o, &Names::default()).unwrap();
        println!("one rfm {:?} rows {}", t.elapsed(), r.recency.len());
    }
}
