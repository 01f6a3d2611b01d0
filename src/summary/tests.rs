use super::*;
use crate::calendar::date_of_day;
use crate::calendar::month_of_day;
use chrono::{Datelike, NaiveDate, NaiveDateTime};

fn day(s: &str) -> i64 {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    crate::calendar::day_of_date(d)
}

#[test]
fn months_match_the_calendar() {
    for d in (day("0001-01-01")..=day("9999-12-31")).step_by(7) {
        let date = date_of_day(d).unwrap();
        let want = (i64::from(date.year()) - 1970) * 12 + i64::from(date.month0());
        assert_eq!(month_of_day(d), want, "{date}");
    }
}

#[test]
fn weeks_run_monday_to_sunday() {
    let w = |s: &str| Unit::Week.period(day(s), 1);
    assert_eq!(w("2024-01-01"), w("2024-01-07")); // Monday .. Sunday
    assert_eq!(w("2024-01-08"), w("2024-01-07") + 1);
    assert_eq!(w("1969-12-28") + 1, w("1969-12-29"));
    assert_eq!(w("1970-01-04"), w("1969-12-29"));
}

#[test]
fn hours_for_every_unit() {
    let t = NaiveDateTime::parse_from_str("1969-12-31 22:59:59", "%Y-%m-%d %H:%M:%S").unwrap();
    let secs = t.and_utc().timestamp();
    assert_eq!(Unit::Hour.period(secs, 86_400), -2);
    assert_eq!(
        Unit::Hour.period(secs * 1_000_000_000, 86_400_000_000_000),
        -2
    );
    assert_eq!(Unit::Hour.period(-1, 1), -24);
    assert_eq!(Unit::Day.period(secs, 86_400), -1);
}

const NAMES: fn() -> Names = Names::default;

fn run(ids: &[i64], days: &[i64], amt: &[f64], opts: SummaryOptions) -> Summary {
    let input = SummaryInput {
        ids: KeyColumn::I64(ids),
        ts: days,
        ticks_per_day: 1,
        amounts: Some(Amounts::F64(amt)),
    };
    summarize(&input, &opts, &NAMES()).unwrap()
}

const DAILY: SummaryOptions = SummaryOptions {
    unit: Unit::Day,
    after: None,
    until: None,
    end_period: None,
};

#[test]
fn first_period_is_the_earliest_in_any_order() {
    let ids = [1, 1, 1, 1, 2];
    let days = [20, 10, 10, 30, 5];
    let amt = [4.0, 1.0, 2.0, 8.0, 3.0];
    let s = run(&ids, &days, &amt, DAILY);
    assert!(matches!(&s.customer_id, SortedKeys::I64(k) if k == &[1, 2]));
    assert_eq!(s.first, [10, 5]);
    assert_eq!(s.last, [30, 5]);
    assert_eq!(s.periods, [3, 1]);
    assert_eq!(s.rows, [4, 1]);
    assert_eq!(s.first_sum, [3.0, 3.0]);
    assert_eq!(s.rest_sum, [12.0, 0.0]);
    assert_eq!(s.total_sum, [15.0, 3.0]);
    assert_eq!(s.end_period, Some(30));
    // Any row order gives the same answer.
    let order = [3, 4, 0, 2, 1];
    let pick = |v: &[i64]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
    let amt2: Vec<f64> = order.iter().map(|&i| amt[i]).collect();
    let t = run(&pick(&ids), &pick(&days), &amt2, DAILY);
    assert_eq!(
        (t.first, t.periods, t.rest_sum),
        (s.first, s.periods, s.rest_sum)
    );
}

#[test]
fn bounds_and_end_select_rows() {
    let ids = [1, 1, 1, 2];
    let days = [1, 5, 9, 9];
    let amt = [1.0, 2.0, 4.0, 8.0];
    let end = SummaryOptions {
        end_period: Some(5),
        ..DAILY
    };
    let s = run(&ids, &days, &amt, end);
    assert_eq!((s.periods, s.total_sum), (vec![2], vec![3.0]));
    assert_eq!(s.end_period, Some(5));
    let window = SummaryOptions {
        after: Some(1),
        until: Some(9),
        ..DAILY
    };
    let s = run(&ids, &days, &amt, window);
    assert_eq!((s.first, s.total_sum), (vec![5, 9], vec![6.0, 8.0]));
    let none = SummaryOptions {
        end_period: Some(0),
        ..DAILY
    };
    assert!(run(&ids, &days, &amt, none).periods.is_empty());
}

#[test]
fn many_customers_and_threads() {
    let n = 300_000usize;
    let ids: Vec<i64> = (0..n).map(|i| ((i * 7919) % 20_011) as i64).collect();
    let days: Vec<i64> = (0..n).map(|i| ((i * 31) % 400) as i64).collect();
    let amt: Vec<f64> = (0..n).map(|i| (i % 17) as f64 * 0.25).collect();
    let s = run(&ids, &days, &amt, DAILY);
    let mut want: std::collections::BTreeMap<i64, std::collections::BTreeMap<i64, f64>> =
        Default::default();
    for i in 0..n {
        *want.entry(ids[i]).or_default().entry(days[i]).or_default() += amt[i];
    }
    assert_eq!(s.periods.len(), want.len());
    for (j, per) in want.values().enumerate() {
        let (&first, &first_sum) = per.iter().next().unwrap();
        assert_eq!(s.first[j], first);
        assert_eq!(s.last[j], *per.keys().last().unwrap());
        assert_eq!(s.periods[j], per.len() as i64);
        assert_eq!(s.first_sum[j], first_sum);
    }
}

#[test]
fn dense_hashed_and_string_paths_agree() {
    let n = 200_000usize;
    let small: Vec<i64> = (0..n).map(|i| ((i * 7919) % 30_011) as i64 - 500).collect();
    let sparse: Vec<i64> = small.iter().map(|&x| x * 1_000_003).collect();
    let days: Vec<i64> = (0..n).map(|i| ((i * 131) % 3_000) as i64).collect();
    let amt: Vec<f64> = (0..n).map(|i| (i % 23) as f64 * 0.1 - 0.5).collect();
    let weekly = SummaryOptions {
        unit: Unit::Week,
        end_period: Some(Unit::Week.period(2_500, 1)),
        ..DAILY
    };
    let dense = run(&small, &days, &amt, weekly);
    let hashed = run(&sparse, &days, &amt, weekly);
    let mut buf = crate::keys::StrBuffer::with_capacity(n);
    small
        .iter()
        .for_each(|x| buf.push(format!("{:08}", x + 1_000).as_bytes()));
    let strings = summarize(
        &SummaryInput {
            ids: KeyColumn::Str(buf.column()),
            ts: &days,
            ticks_per_day: 1,
            amounts: Some(Amounts::F64(&amt)),
        },
        &weekly,
        &NAMES(),
    )
    .unwrap();
    for other in [&hashed, &strings] {
        assert_eq!(dense.first, other.first);
        assert_eq!(dense.last, other.last);
        assert_eq!(dense.periods, other.periods);
        assert_eq!(dense.rows, other.rows);
        assert_eq!(dense.first_sum, other.first_sum);
        assert_eq!(dense.rest_sum, other.rest_sum);
        assert_eq!(dense.total_sum, other.total_sum);
    }
    let SortedKeys::I64(d) = &dense.customer_id else {
        panic!("integer keys")
    };
    let SortedKeys::I64(h) = &hashed.customer_id else {
        panic!("integer keys")
    };
    assert!(d.windows(2).all(|w| w[0] < w[1]));
    assert!(d.iter().zip(h).all(|(a, b)| a * 1_000_003 == *b));
}

#[test]
fn bad_input_is_an_error() {
    let input = SummaryInput {
        ids: KeyColumn::I64(&[1, 2]),
        ts: &[0, crate::calendar::NAT],
        ticks_per_day: 1,
        amounts: None,
    };
    let err = summarize(&input, &DAILY, &NAMES()).unwrap_err();
    assert!(matches!(err, Error::Missing { row: 1, .. }), "{err}");
    let far = SummaryInput {
        ts: &[0, 4_000_000],
        ..input
    };
    assert!(summarize(&far, &DAILY, &NAMES()).is_err());
    let short = SummaryInput { ts: &[0], ..input };
    assert!(matches!(
        summarize(&short, &DAILY, &NAMES()),
        Err(Error::Length { .. })
    ));
    assert!("Q".parse::<Unit>().is_err());
}
