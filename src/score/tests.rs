use super::*;

#[test]
fn quantile_scores_keep_ties_together_and_skip_on_skew() {
    // 60% of customers buy once.
    let f: Vec<f64> = [1.0; 6].into_iter().chain([2.0, 3.0, 5.0, 9.0]).collect();
    let e = fit(&f, &Method::Quantile, 5, Direction::Ascending, "frequency").unwrap();
    let s = e.apply(&f, "frequency").unwrap();
    assert!(s[..6].iter().all(|&x| x == 1));
    assert_eq!(e.levels, 5);
    assert!(!e.unused().is_empty());
    assert!(s.iter().all(|&x| (1..=5).contains(&x)));
}

#[test]
fn recency_scores_high_when_recent() {
    let r = [0.0, 10.0, 20.0, 30.0];
    let e = fit(&r, &Method::Quantile, 2, Direction::Descending, "recency").unwrap();
    assert_eq!(e.apply(&r, "recency").unwrap(), vec![2, 2, 1, 1]);
}

#[test]
fn thresholds_are_inclusive_as_written() {
    let f = fit(
        &[],
        &Method::Threshold(vec![3.0]),
        0,
        Direction::Ascending,
        "frequency",
    )
    .unwrap();
    assert_eq!(
        f.apply(&[1.0, 2.0, 3.0, 7.0], "frequency").unwrap(),
        vec![1, 1, 2, 2]
    );
    let r = fit(
        &[],
        &Method::Threshold(vec![30.0]),
        0,
        Direction::Descending,
        "recency",
    )
    .unwrap();
    assert_eq!(
        r.apply(&[10.0, 30.0, 31.0], "recency").unwrap(),
        vec![2, 2, 1]
    );
    assert!(fit(
        &[],
        &Method::Threshold(vec![3.0, 3.0]),
        0,
        Direction::Ascending,
        "f"
    )
    .is_err());
    assert!(fit(
        &[],
        &Method::Threshold(vec![f64::NAN]),
        0,
        Direction::Ascending,
        "f"
    )
    .is_err());
}

#[test]
fn ntile_matches_sql() {
    // 7 rows into 3 groups: sizes 3, 2, 2; ties broken by position.
    let v = [5.0, 1.0, 1.0, 3.0, 2.0, 9.0, 1.0];
    assert_eq!(
        ntile(&v, 3, Direction::Ascending, "m").unwrap(),
        vec![3, 1, 1, 2, 2, 3, 1]
    );
    assert_eq!(
        ntile(&[4.0], 5, Direction::Ascending, "m").unwrap(),
        vec![1]
    );
    assert_eq!(
        ntile(&[1.0, 2.0], 5, Direction::Descending, "r").unwrap(),
        vec![2, 1]
    );
}

#[test]
fn json_round_trip_and_validation() {
    let e = fit(
        &[1.0, 2.0, 3.0, 4.0],
        &Method::Quantile,
        4,
        Direction::Ascending,
        "m",
    )
    .unwrap();
    assert_eq!(from_json(&to_json(&e).unwrap(), "m").unwrap(), e);
    assert!(from_json(
        r#"{"method":"x","cuts":[2,1],"levels":3,"direction":"ascending","inclusive":false}"#,
        "m"
    )
    .is_err());
    assert!(from_json(
        r#"{"method":"x","cuts":[1],"levels":2,"direction":"up","inclusive":false}"#,
        "m"
    )
    .is_err());
    assert!(from_json(r#"{"method":"x","cuts":[1],"levels":2,"direction":"ascending","inclusive":false,"extra":1}"#, "m").is_err());
    // Saved cut points come back bit for bit (serde_json's float_roundtrip).
    for cut in [
        1.1411056552628401e-299,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        0.1,
    ] {
        let e = fit(&[cut], &Method::Mean, 2, Direction::Ascending, "m").unwrap();
        let back = from_json(&to_json(&e).unwrap(), "m").unwrap();
        assert_eq!(back.cuts[0].to_bits(), cut.to_bits(), "{cut}");
    }
}

#[test]
fn mean_is_exact_and_correctly_rounded_everywhere() {
    let two63 = 9_223_372_036_854_775_808.0_f64;
    // Beyond 2^63 (where fixed-point money sums stop).
    assert_eq!(mean(&[two63, two63 * 2.0, two63 * 3.0]), two63 * 2.0);
    assert_eq!(mean(&[f64::MAX, f64::MAX]), f64::MAX);
    assert_eq!(mean(&[f64::MAX, -f64::MAX, 1.0]), 1.0 / 3.0);
    // Tiny values are not truncated.
    assert_eq!(mean(&[1e-300, 3e-300]), 2e-300);
    assert_eq!(mean(&[5e-324, 5e-324]), 5e-324);
    assert_eq!(mean(&[5e-324, 0.0]), 0.0); // half a unit: ties to even
    assert_eq!(mean(&[5e-324 * 3.0, 0.0]), 1e-323); // 1.5 units: to even (2)
                                                    // Cancellation and rounding of the quotient.
    assert_eq!(mean(&[1e16, 1.0, -1e16]), 1.0 / 3.0);
    assert_eq!(mean(&[0.1, 0.2, 0.3]), 0.2);
    assert_eq!(mean(&[-2.0, -4.0]), -3.0);
    assert_eq!(mean(&[1.0, 2.0]), 1.5);
    let big: Vec<f64> = (0..100_000).map(|i| f64::from(i) * 1e300).collect();
    assert!(mean(&big).is_finite());
}

#[test]
fn quantiles_of_values_near_the_float_range_stay_finite() {
    let v = [-f64::MAX, f64::MAX];
    let e = fit(&v, &Method::Median, 2, Direction::Ascending, "m").unwrap();
    assert_eq!(e.cuts, vec![0.0]);
    let e = fit(&v, &Method::Quantile, 4, Direction::Ascending, "m").unwrap();
    assert!(e.cuts.iter().all(|c| c.is_finite()));
    assert_eq!(e.apply(&v, "m").unwrap(), vec![1, 4]);
}

#[test]
fn bad_levels_and_values() {
    assert!(fit(&[1.0], &Method::Quantile, 1, Direction::Ascending, "f").is_err());
    assert!(fit(&[1.0], &Method::Quantile, 101, Direction::Ascending, "f").is_err());
    assert!(fit(&[f64::NAN], &Method::Mean, 2, Direction::Ascending, "f").is_err());
    let e = fit(&[], &Method::Quantile, 5, Direction::Ascending, "f").unwrap();
    assert!(e.cuts.is_empty());
}
