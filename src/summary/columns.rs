//! The output columns, built from the accumulators.

use rayon::prelude::*;

use super::fold::Acc;

/// The output columns of some customers, in order.
#[derive(Debug, Default)]
pub(super) struct Columns {
    pub(super) first: Vec<i64>,
    pub(super) last: Vec<i64>,
    pub(super) periods: Vec<i64>,
    pub(super) rows: Vec<i64>,
    pub(super) first_sum: Vec<f64>,
    pub(super) rest_sum: Vec<f64>,
    pub(super) total_sum: Vec<f64>,
    /// Whose sums are still to be taken exactly (see `refold`).
    pub(super) spilled: Vec<bool>,
}

impl Columns {
    pub(super) fn push(&mut self, a: &Acc) {
        let mut total = a.first_sum;
        total.merge(&a.rest_sum);
        self.first.push(a.first);
        self.last.push(a.last);
        self.periods.push(i64::from(a.periods));
        self.rows.push(i64::from(a.rows));
        self.first_sum.push(a.first_sum.to_f64());
        self.rest_sum.push(a.rest_sum.to_f64());
        self.total_sum.push(total.to_f64());
        self.spilled.push(a.spilled);
    }

    /// The columns of accumulators, converted in parallel.
    pub(super) fn from_accs(accs: &[Acc]) -> Columns {
        let parts: Vec<Columns> = accs
            .par_chunks(1 << 14)
            .map(|chunk| {
                let mut c = Columns::default();
                chunk.iter().for_each(|a| c.push(a));
                c
            })
            .collect();
        Columns::concat(parts)
    }

    pub(super) fn concat(parts: Vec<Columns>) -> Columns {
        fn cat<T: Copy + Send + Sync>(
            parts: &[Columns],
            f: impl Fn(&Columns) -> &Vec<T>,
        ) -> Vec<T> {
            let mut out = Vec::with_capacity(parts.iter().map(|p| f(p).len()).sum());
            parts.iter().for_each(|p| out.extend_from_slice(f(p)));
            out
        }
        let p = &parts;
        let spilled = cat(p, |c| &c.spilled);
        let ((first, (last, periods)), ((rows, first_sum), (rest_sum, total_sum))) = rayon::join(
            || {
                (
                    cat(p, |c| &c.first),
                    rayon::join(|| cat(p, |c| &c.last), || cat(p, |c| &c.periods)),
                )
            },
            || {
                rayon::join(
                    || rayon::join(|| cat(p, |c| &c.rows), || cat(p, |c| &c.first_sum)),
                    || rayon::join(|| cat(p, |c| &c.rest_sum), || cat(p, |c| &c.total_sum)),
                )
            },
        );
        Columns {
            first,
            last,
            periods,
            rows,
            first_sum,
            rest_sum,
            total_sum,
            spilled,
        }
    }
}
