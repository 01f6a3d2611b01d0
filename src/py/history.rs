//! Binding of [`crate::history`].

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::error::CoreError;
use super::rfm::{keys_to_py, names_of, window_of, with_input, AmountArg};
use crate::calendar::Window;
use crate::history::{churn_labels, rfm_history, History, HistoryOptions, LabelOptions};
use crate::rfm::{Frequency, Returns};

/// The RFM table at every snapshot day (see `rfmkit._core.pyi`).
#[pyfunction]
#[pyo3(signature = (*, ids, ts, ticks_per_day, days, amounts, orders, snapshot_days, frequency, returns, names, window_days=None, window_months=None))]
#[allow(clippy::too_many_arguments)]
pub fn history_columns<'py>(
    py: Python<'py>,
    ids: &Bound<'py, PyTuple>,
    ts: PyReadonlyArray1<'py, i64>,
    ticks_per_day: i64,
    days: Option<PyReadonlyArray1<'py, i32>>,
    amounts: AmountArg<'py>,
    orders: Option<&Bound<'py, PyTuple>>,
    snapshot_days: PyReadonlyArray1<'py, i64>,
    frequency: Frequency,
    returns: Returns,
    names: (String, String, String, String),
    window_days: Option<i64>,
    window_months: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let names = names_of(names, Vec::new());
    let snapshot_days = snapshot_days.as_slice()?;
    with_input(
        ids,
        ts,
        ticks_per_day,
        days,
        &amounts,
        (orders, None),
        &names,
        |input| {
            let opts = HistoryOptions {
                snapshot_days,
                window: window_of(window_days, window_months)?,
                frequency,
                returns,
            };
            let h = py
                .detach(|| rfm_history(input, &opts, &names))
                .map_err(CoreError)?;
            history_to_dict(py, h)
        },
    )
}

/// The purchases in the horizon after every snapshot day (see `rfmkit._core.pyi`).
#[pyfunction]
#[pyo3(signature = (*, ids, ts, ticks_per_day, days, amounts, snapshot_days, returns, names, horizon_days=None, horizon_months=None))]
#[allow(clippy::too_many_arguments)]
pub fn label_columns<'py>(
    py: Python<'py>,
    ids: &Bound<'py, PyTuple>,
    ts: PyReadonlyArray1<'py, i64>,
    ticks_per_day: i64,
    days: Option<PyReadonlyArray1<'py, i32>>,
    amounts: AmountArg<'py>,
    snapshot_days: PyReadonlyArray1<'py, i64>,
    returns: Returns,
    names: (String, String, String, String),
    horizon_days: Option<i64>,
    horizon_months: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let names = names_of(names, Vec::new());
    let snapshot_days = snapshot_days.as_slice()?;
    let horizon = match window_of(horizon_days, horizon_months)? {
        Some(w) => w,
        None => Window::Days(0), // refused by the core with the option named
    };
    with_input(
        ids,
        ts,
        ticks_per_day,
        days,
        &amounts,
        (None, None),
        &names,
        |input| {
            let opts = LabelOptions {
                snapshot_days,
                horizon,
                returns,
            };
            let l = py
                .detach(|| churn_labels(input, &opts, &names))
                .map_err(CoreError)?;
            history_to_dict(py, l)
        },
    )
}

fn history_to_dict(py: Python<'_>, h: History) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("customer_id", keys_to_py(py, h.customer_id)?)?;
    d.set_item("snapshot_rows", h.snapshot_rows.into_pyarray(py))?;
    d.set_item("customer", h.customer.into_pyarray(py))?;
    d.set_item("recency", h.recency.into_pyarray(py))?;
    d.set_item("frequency", h.frequency.into_pyarray(py))?;
    d.set_item("monetary", h.monetary.into_pyarray(py))?;
    d.set_item("first_purchase", h.first_purchase.into_pyarray(py))?;
    d.set_item("last_purchase", h.last_purchase.into_pyarray(py))?;
    d.set_item("without_purchase", h.without_purchase)?;
    d.set_item("first_without_purchase", h.first_without_purchase)?;
    Ok(d)
}
