//! Binding of [`crate::summary`].

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::columns::KeyArg;
use super::error::CoreError;
use super::rfm::{keys_to_py, AmountArg};
use crate::rfm::Names;
use crate::scan::Amounts;
use crate::state::split;
use crate::summary::{summarize, SummaryInput, SummaryOptions, Unit};

/// Computes the per-customer period summary from prepared columns (see
/// `rfmkit._core.pyi`).
#[pyfunction]
#[pyo3(signature = (*, ids, ts, ticks_per_day, amounts, unit, after, until, end_period, names))]
#[allow(clippy::too_many_arguments)]
pub fn period_summary<'py>(
    py: Python<'py>,
    ids: &Bound<'py, PyTuple>,
    ts: PyReadonlyArray1<'py, i64>,
    ticks_per_day: i64,
    amounts: Option<AmountArg<'py>>,
    unit: Unit,
    after: Option<i64>,
    until: Option<i64>,
    end_period: Option<i64>,
    names: (String, String, String),
) -> PyResult<Bound<'py, PyDict>> {
    let names = names3(names);
    let ids = KeyArg::extract(ids, &names.customer_id)?;
    let input = summary_input(&ids, &ts, ticks_per_day, &amounts, &names)?;
    let opts = SummaryOptions {
        unit,
        after,
        until,
        end_period,
    };
    let s = py
        .detach(|| summarize(&input, &opts, &names))
        .map_err(CoreError)?;
    summary_to_dict(py, s)
}

/// The training and test windows' summaries in one pass over prepared
/// columns (see `rfmkit._core.pyi`).
#[pyfunction]
#[pyo3(signature = (*, ids, ts, ticks_per_day, amounts, unit, train_until, train_end_period, test_until, names))]
#[allow(clippy::too_many_arguments)]
pub fn split_summary<'py>(
    py: Python<'py>,
    ids: &Bound<'py, PyTuple>,
    ts: PyReadonlyArray1<'py, i64>,
    ticks_per_day: i64,
    amounts: Option<AmountArg<'py>>,
    unit: Unit,
    train_until: i64,
    train_end_period: i64,
    test_until: i64,
    names: (String, String, String),
) -> PyResult<Bound<'py, PyDict>> {
    let names = names3(names);
    let ids = KeyArg::extract(ids, &names.customer_id)?;
    let input = summary_input(&ids, &ts, ticks_per_day, &amounts, &names)?;
    let train = SummaryOptions {
        unit,
        after: None,
        until: Some(train_until),
        end_period: Some(train_end_period),
    };
    let test = SummaryOptions {
        unit,
        after: Some(train_until),
        until: Some(test_until),
        end_period: None,
    };
    let s = py
        .detach(|| split(&input, &train, &test, &names))
        .map_err(CoreError)?;
    let d = PyDict::new(py);
    d.set_item("train", summary_to_dict(py, s.train)?)?;
    d.set_item("test", summary_to_dict(py, s.test)?)?;
    d.set_item("test_customers", s.test_customers)?;
    Ok(d)
}

/// The summary's columns, borrowed from the prepared arrays.
pub(super) fn summary_input<'a>(
    ids: &'a KeyArg<'_>,
    ts: &'a PyReadonlyArray1<'_, i64>,
    ticks_per_day: i64,
    amounts: &'a Option<AmountArg<'_>>,
    names: &Names,
) -> PyResult<SummaryInput<'a>> {
    Ok(SummaryInput {
        ids: ids.column(&names.customer_id)?,
        ts: ts.as_slice()?,
        ticks_per_day,
        amounts: match amounts {
            Some(AmountArg::F64(a)) => Some(Amounts::F64(a.as_slice()?)),
            Some(AmountArg::I64(a)) => Some(Amounts::I64(a.as_slice()?)),
            None => None,
        },
    })
}

/// The summary as the Python layer reads it.
pub(super) fn summary_to_dict(
    py: Python<'_>,
    s: crate::summary::Summary,
) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("customer_id", keys_to_py(py, s.customer_id)?)?;
    d.set_item("first", s.first.into_pyarray(py))?;
    d.set_item("last", s.last.into_pyarray(py))?;
    d.set_item("periods", s.periods.into_pyarray(py))?;
    d.set_item("rows", s.rows.into_pyarray(py))?;
    d.set_item("first_sum", s.first_sum.into_pyarray(py))?;
    d.set_item("rest_sum", s.rest_sum.into_pyarray(py))?;
    d.set_item("total_sum", s.total_sum.into_pyarray(py))?;
    d.set_item("end_period", s.end_period)?;
    Ok(d)
}

/// The column names of a summary.
pub(super) fn names3(names: (String, String, String)) -> Names {
    Names {
        customer_id: names.0,
        date: names.1,
        amount: names.2,
        ..Names::default()
    }
}
