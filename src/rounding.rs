//! The exact sums rounded to float64, once per customer: amounts the fast
//! fixed point cannot hold (below 2^-64 or above 2^63: 1e-8 of a coin,
//! 1e300) are summed exactly by the fold, and a sum beyond float64's range
//! is an error naming the customer.

use crate::error::{Error, Result};
use crate::keys::SortedKeys;
use crate::money::Exact;

/// An exact sum as f64, or the error naming the customer when it lies
/// beyond f64's range.
pub(crate) fn rounded(sum: &Exact, column: &str, customer: impl Fn() -> String) -> Result<f64> {
    sum.to_f64().ok_or_else(|| Error::Overflow {
        column: column.into(),
        customer: customer(),
    })
}

/// Customer `i` of `keys` written for a message.
pub(crate) fn show_key(keys: &SortedKeys, i: usize) -> String {
    match keys {
        SortedKeys::I64(v) => v.get(i).map_or_else(String::new, |x| x.to_string()),
        SortedKeys::U64(v) => v.get(i).map_or_else(String::new, |x| x.to_string()),
        SortedKeys::Str(v) => {
            let col = v.column();
            if i < col.len() {
                format!("{:?}", String::from_utf8_lossy(col.get(i)))
            } else {
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::calendar::Time;
    use crate::keys::{KeyColumn, Offsets, SortedKeys, StrColumn};
    use crate::rfm::{rfm, Frequency, Input, Names, Options, Returns};
    use crate::scan::Amounts;
    use crate::summary::{summarize, SummaryInput, SummaryOptions, Unit};

    const TS: [i64; 6] = [1, 2, 2, 3, 5, 5];
    /// Customer 0 ordinary, 1 tiny (1e-8 twice, 3e-5), 2 huge and cancelling.
    const AMT: [f64; 6] = [0.1, 1e-8, 1e-8, 3e-5, 2e300, -1e300];

    fn table(ids: KeyColumn, frequency: Frequency) -> Vec<f64> {
        let input = Input {
            ids,
            time: Time::Naive {
                ts: &TS,
                ticks_per_day: 1,
            },
            amounts: Amounts::F64(&AMT),
            orders: None,
            groups: &[],
        };
        let opts = Options {
            as_of_day: None,
            window: None,
            frequency,
            returns: Returns::Net,
        };
        rfm(&input, &opts, &Names::default()).unwrap().monetary
    }

    #[test]
    fn every_path_sums_rare_amounts_exactly() {
        let want = [0.1, 3.002e-5, 1e300];
        let dense: &[i64] = &[7, 8, 8, 8, 9, 9];
        let sparse: &[i64] = &[7, 8 << 40, 8 << 40, 8 << 40, 9 << 50, 9 << 50];
        for ids in [dense, sparse] {
            for f in [Frequency::Rows, Frequency::Days] {
                assert_eq!(table(KeyColumn::I64(ids), f), want, "{ids:?} {f:?}");
            }
        }
        let data = b"abbbcc";
        let offsets: [i64; 7] = [0, 1, 2, 3, 4, 5, 6];
        let col = StrColumn::new(Offsets::I64(&offsets), data, "customer_id").unwrap();
        assert_eq!(table(KeyColumn::Str(col), Frequency::Rows), want);
    }

    #[test]
    fn the_summary_sums_rare_amounts_exactly() {
        let ids: &[i64] = &[7, 8, 8, 8, 9, 9];
        let input = SummaryInput {
            ids: KeyColumn::I64(ids),
            ts: &TS,
            ticks_per_day: 1,
            amounts: Some(Amounts::F64(&AMT)),
        };
        let opts = SummaryOptions {
            unit: Unit::Day,
            after: None,
            until: None,
            end_period: None,
        };
        let s = summarize(&input, &opts, &Names::default()).unwrap();
        assert!(matches!(s.customer_id, SortedKeys::I64(ref k) if k == &[7, 8, 9]));
        assert_eq!(s.first_sum, [0.1, 2e-8, 1e300]);
        assert_eq!(s.rest_sum, [0.0, 3e-5, 0.0]);
        assert_eq!(s.total_sum, [0.1, 3.002e-5, 1e300]);
    }

    #[test]
    fn a_sum_beyond_f64_names_the_customer() {
        let ids: &[i64] = &[7, 8, 8, 8, 9, 9];
        let amt = [1.0, 1.0, 1.0, 1.0, f64::MAX, f64::MAX];
        let input = Input {
            ids: KeyColumn::I64(ids),
            time: Time::Naive {
                ts: &TS,
                ticks_per_day: 1,
            },
            amounts: Amounts::F64(&amt),
            orders: None,
            groups: &[],
        };
        let opts = Options {
            as_of_day: None,
            window: None,
            frequency: Frequency::Rows,
            returns: Returns::Net,
        };
        let err = rfm(&input, &opts, &Names::default()).unwrap_err();
        assert!(err.to_string().contains("customer 9"), "{err}");
    }
}
