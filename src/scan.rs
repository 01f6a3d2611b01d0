//! The rules every transaction row is held to, and the table's validation
//! pass: one parallel read of the dates and amounts that rejects missing or
//! unusable values, finds the span of the data, and counts returns, before
//! any customer is grouped. The summary checks its rows by the same rules
//! (`check_date`, `check_day`, `check_amount`) inside its own pass.

use rayon::prelude::*;

use crate::calendar::{in_years, Time, NAT};
use crate::error::{Error, Result};

/// The amount column: floats or integers, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Amounts<'a> {
    F64(&'a [f64]),
    I64(&'a [i64]),
}

impl Amounts<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Amounts::F64(v) => v.len(),
            Amounts::I64(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether row `i` is a return (a negative amount).
    #[inline]
    pub(crate) fn is_negative(&self, i: usize) -> bool {
        match self {
            Amounts::F64(v) => v[i] < 0.0,
            Amounts::I64(v) => v[i] < 0,
        }
    }

    /// Row `i` written for a message.
    pub(crate) fn show(&self, i: usize) -> String {
        match self {
            Amounts::F64(v) => format!("{}", v[i]),
            Amounts::I64(v) => format!("{}", v[i]),
        }
    }
}

/// What the validation pass learned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    /// Smallest and largest position over all rows.
    pub(crate) min_pos: i64,
    /// The first row holding `min_pos`.
    pub(crate) min_row: usize,
    pub(crate) max_pos: i64,
    /// The first row holding `max_pos`.
    pub(crate) max_row: usize,
    /// Returns at or before the cut-off, and the first of them.
    pub(crate) negatives: u64,
    pub(crate) first_negative: Option<usize>,
}

impl Span {
    fn empty() -> Self {
        Span {
            min_pos: i64::MAX,
            min_row: 0,
            max_pos: i64::MIN,
            max_row: 0,
            negatives: 0,
            first_negative: None,
        }
    }

    fn merge(mut self, o: Span) -> Span {
        if o.min_pos < self.min_pos {
            self.min_pos = o.min_pos;
            self.min_row = o.min_row;
        }
        // Chunks merge in row order, so on a tie the earlier row stays.
        if o.max_pos > self.max_pos {
            self.max_pos = o.max_pos;
            self.max_row = o.max_row;
        }
        self.negatives += o.negatives;
        self.first_negative = match (self.first_negative, o.first_negative) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self
    }
}

/// Rows per task; fixed so that "the first bad row" never depends on threads.
pub(crate) const CHUNK: usize = 1 << 16;

/// Validates dates and amounts and measures the data. `cutoff` is the last
/// position counted (rows after it are left out and not checked for returns).
/// The error reported is the one on the earliest row.
/// Without amounts (`None`) only the dates are checked.
pub(crate) fn scan(
    time: &Time,
    amounts: Option<&Amounts>,
    cutoff: i64,
    names: (&str, &str),
) -> Result<Span> {
    let n = time.len();
    let chunks: Vec<Result<Span>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            scan_rows(
                time,
                amounts,
                cutoff,
                c * CHUNK..n.min((c + 1) * CHUNK),
                names,
            )
        })
        .collect();
    chunks
        .into_iter()
        .try_fold(Span::empty(), |acc, part| Ok(acc.merge(part?)))
}

/// A date must be present.
#[inline]
pub(crate) fn check_date(ts: i64, column: &str, row: usize) -> Result<()> {
    if ts != NAT {
        return Ok(());
    }
    Err(Error::Missing {
        column: column.into(),
        what: "NaT".into(),
        row,
    })
}

/// A date's day must be of years 1 to 9999, the range of Python's `datetime`.
pub(crate) fn check_day(day: i64, column: &str, row: usize) -> Result<()> {
    if in_years(day) {
        return Ok(());
    }
    Err(Error::InvalidValue {
        column: column.into(),
        value: format!("day {day} since 1970-01-01"),
        row,
        reason: "dates must be in years 1 to 9999".into(),
    })
}

/// Checks a float amount: finite (every finite amount sums exactly).
#[inline]
pub(crate) fn check_amount(x: f64, row: usize, column: &str) -> Result<()> {
    if x.is_finite() {
        return Ok(());
    }
    let reason = if x.is_nan() {
        "amounts must not be NaN"
    } else {
        "amounts must be finite"
    };
    Err(Error::InvalidValue {
        column: column.into(),
        value: format!("{x}"),
        row,
        reason: reason.into(),
    })
}

fn scan_rows(
    time: &Time,
    amounts: Option<&Amounts>,
    cutoff: i64,
    rows: std::ops::Range<usize>,
    (date_col, amount_col): (&str, &str),
) -> Result<Span> {
    let r = rows.clone();
    let fast = match (time, amounts) {
        (Time::Naive { ts, .. }, Some(Amounts::F64(v))) => match (ts.get(r.clone()), v.get(r)) {
            (Some(ts), Some(v)) => {
                clean_rows(ts, v, cutoff, rows.start, |x| (x.is_finite(), x < 0.0))
            }
            _ => None,
        },
        (Time::Naive { ts, .. }, Some(Amounts::I64(v))) => match (ts.get(r.clone()), v.get(r)) {
            (Some(ts), Some(v)) => clean_rows(ts, v, cutoff, rows.start, |x| (true, x < 0)),
            _ => None,
        },
        _ => None,
    };
    if let Some(span) = fast {
        return Ok(span);
    }
    let mut span = Span::empty();
    for i in rows {
        check_date(time.ts(i), date_col, i)?;
        if let Some(Amounts::F64(v)) = amounts {
            check_amount(v[i], i, amount_col)?;
        }
        let pos = time.pos(i);
        if pos < span.min_pos {
            span.min_pos = pos;
            span.min_row = i;
        }
        if pos > span.max_pos {
            span.max_pos = pos;
            span.max_row = i;
        }
        if pos <= cutoff && amounts.is_some_and(|a| a.is_negative(i)) {
            span.negatives += 1;
            span.first_negative.get_or_insert(i);
        }
    }
    Ok(span)
}

/// The span of a chunk of naive dates and amounts with no bad row, in
/// branch-free passes the compiler vectorizes; `None` when a row is bad
/// (the row-by-row pass then finds and reports the first). `rule(x)`:
/// whether an amount is valid, and whether it is a return.
#[inline]
fn clean_rows<T: Copy>(
    ts: &[i64],
    v: &[T],
    cutoff: i64,
    start: usize,
    rule: impl Fn(T) -> (bool, bool),
) -> Option<Span> {
    let (mut bad, mut lo, mut hi, mut negatives) = (false, i64::MAX, i64::MIN, 0u64);
    for (&t, &x) in ts.iter().zip(v) {
        let (valid, negative) = rule(x);
        bad |= (t == NAT) | !valid;
        lo = lo.min(t);
        hi = hi.max(t);
        negatives += u64::from((t <= cutoff) & negative);
    }
    if bad || ts.is_empty() {
        return None;
    }
    let first_negative = match negatives {
        0 => None,
        _ => Some(
            start
                + ts.iter()
                    .zip(v)
                    .position(|(&t, &x)| t <= cutoff && rule(x).1)?,
        ),
    };
    Some(Span {
        min_pos: lo,
        min_row: start + ts.iter().position(|&t| t == lo)?,
        max_pos: hi,
        max_row: start + ts.iter().position(|&t| t == hi)?,
        negatives,
        first_negative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: (&str, &str) = ("date", "amount");

    #[test]
    fn first_bad_row_wins_across_chunks() {
        let n = 3 * CHUNK;
        let ts = vec![0i64; n];
        let mut amt = vec![1.0; n];
        amt[2 * CHUNK + 5] = f64::NAN;
        amt[CHUNK + 7] = f64::INFINITY;
        let t = Time::Naive {
            ts: &ts,
            ticks_per_day: 1,
        };
        let err = scan(&t, Some(&Amounts::F64(&amt)), i64::MAX, NAMES).unwrap_err();
        assert!(matches!(err, Error::InvalidValue { row, .. } if row == CHUNK + 7));
    }

    #[test]
    fn nat_and_span_and_returns() {
        let ts = [5, 3, 9, NAT];
        let t = Time::Naive {
            ts: &ts,
            ticks_per_day: 1,
        };
        let err = scan(&t, Some(&Amounts::I64(&[1, 2, 3, 4])), i64::MAX, NAMES).unwrap_err();
        assert!(matches!(err, Error::Missing { row: 3, .. }));
        let t = Time::Naive {
            ts: &ts[..3],
            ticks_per_day: 1,
        };
        let s = scan(&t, Some(&Amounts::I64(&[1, -2, -3])), 5, NAMES).unwrap();
        assert_eq!(
            (s.min_pos, s.max_pos, s.negatives, s.first_negative),
            (3, 9, 1, Some(1))
        );
    }

    #[test]
    fn every_finite_amount_passes() {
        let ts = [0, 0];
        let t = Time::Naive {
            ts: &ts,
            ticks_per_day: 1,
        };
        assert!(scan(&t, Some(&Amounts::F64(&[1e-300, -1e300])), 0, NAMES).is_ok());
        assert!(scan(&t, Some(&Amounts::F64(&[1.0, f64::INFINITY])), 0, NAMES).is_err());
        assert!(scan(&t, Some(&Amounts::F64(&[f64::NAN, 1.0])), 0, NAMES).is_err());
    }
}
