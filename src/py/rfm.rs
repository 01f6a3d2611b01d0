//! Binding of [`crate::rfm`].

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use super::columns::KeyArg;
use super::error::{CoreError, InputError};
use super::groups::{group_args, group_columns, table_groups_to_py};
use crate::calendar::{Time, Window};
use crate::keys::SortedKeys;
use crate::rfm::{rfm, Frequency, Input, Names, Options, Returns, RfmTable};
use crate::scan::Amounts;

/// Amounts as float64 or int64.
#[derive(FromPyObject)]
pub enum AmountArg<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    I64(PyReadonlyArray1<'py, i64>),
}

/// Computes the RFM table from prepared columns (see `rfmkit._core.pyi`).
#[pyfunction]
#[pyo3(signature = (*, ids, ts, ticks_per_day, days, amounts, orders, as_of_day, frequency, returns, names, window_days=None, window_months=None, groups=None, by=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub fn rfm_columns<'py>(
    py: Python<'py>,
    ids: &Bound<'py, PyTuple>,
    ts: PyReadonlyArray1<'py, i64>,
    ticks_per_day: i64,
    days: Option<PyReadonlyArray1<'py, i32>>,
    amounts: AmountArg<'py>,
    orders: Option<&Bound<'py, PyTuple>>,
    as_of_day: Option<i64>,
    frequency: Frequency,
    returns: Returns,
    names: (String, String, String, String),
    window_days: Option<i64>,
    window_months: Option<i64>,
    groups: Option<&Bound<'py, PyList>>,
    by: Vec<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let names = names_of(names, by);
    with_input(
        ids,
        ts,
        ticks_per_day,
        days,
        &amounts,
        (orders, groups),
        &names,
        |input| {
            let opts = Options {
                as_of_day,
                window: window_of(window_days, window_months)?,
                frequency,
                returns,
            };
            let table = py.detach(|| rfm(input, &opts, &names)).map_err(CoreError)?;
            table_to_dict(py, table)
        },
    )
}

/// The user's column names, from the tuple the Python layer passes.
pub(super) fn names_of(names: (String, String, String, String), by: Vec<String>) -> Names {
    Names {
        customer_id: names.0,
        date: names.1,
        amount: names.2,
        order_id: names.3,
        by,
    }
}

/// The order ids and the group columns of a batch, both optional.
pub(super) type Extra<'a, 'py> = (
    Option<&'a Bound<'py, PyTuple>>,
    Option<&'a Bound<'py, PyList>>,
);

/// Runs `f` on the transaction columns as the core reads them.
#[allow(clippy::too_many_arguments)]
pub(super) fn with_input<'py, R>(
    ids: &Bound<'py, PyTuple>,
    ts: PyReadonlyArray1<'py, i64>,
    ticks_per_day: i64,
    days: Option<PyReadonlyArray1<'py, i32>>,
    amounts: &AmountArg<'py>,
    (orders, groups): Extra<'_, 'py>,
    names: &Names,
    f: impl FnOnce(&Input) -> PyResult<R>,
) -> PyResult<R> {
    let ids = KeyArg::extract(ids, &names.customer_id)?;
    let group_args = group_args(groups, &names.by)?;
    let group_cols = group_columns(&group_args, &names.by)?;
    let orders = orders
        .map(|o| KeyArg::extract(o, &names.order_id))
        .transpose()?;
    let ts = ts.as_slice()?;
    let time = match &days {
        Some(d) => Time::Zoned {
            ts,
            days: d.as_slice()?,
        },
        None => Time::Naive { ts, ticks_per_day },
    };
    let amounts = match amounts {
        AmountArg::F64(a) => Amounts::F64(a.as_slice()?),
        AmountArg::I64(a) => Amounts::I64(a.as_slice()?),
    };
    let input = Input {
        ids: ids.column(&names.customer_id)?,
        time,
        amounts,
        orders: orders
            .as_ref()
            .map(|o| o.column(&names.order_id))
            .transpose()?,
        groups: &group_cols,
    };
    f(&input)
}

/// The window: a number of days or of calendar months (not both).
pub(super) fn window_of(days: Option<i64>, months: Option<i64>) -> PyResult<Option<Window>> {
    match (days, months) {
        (None, None) => Ok(None),
        (Some(n), None) => Ok(Some(Window::Days(n))),
        (None, Some(n)) => Ok(Some(Window::Months(n))),
        (Some(_), Some(_)) => Err(InputError::new_err(
            "a window is window_days or window_months, not both",
        )),
    }
}

pub(super) fn table_to_dict(py: Python<'_>, t: RfmTable) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("customer_id", keys_to_py(py, t.customer_id)?)?;
    d.set_item("recency", t.recency.into_pyarray(py))?;
    d.set_item("frequency", t.frequency.into_pyarray(py))?;
    d.set_item("monetary", t.monetary.into_pyarray(py))?;
    d.set_item("first_purchase", t.first_purchase.into_pyarray(py))?;
    d.set_item("last_purchase", t.last_purchase.into_pyarray(py))?;
    d.set_item("as_of_day", t.as_of_day)?;
    d.set_item("without_purchase", t.without_purchase)?;
    d.set_item("first_without_purchase", t.first_without_purchase)?;
    let groups = t.groups.map(|g| table_groups_to_py(py, g)).transpose()?;
    d.set_item("groups", groups)?;
    Ok(d)
}

/// Sorted keys as the Python layer reads them: `("i64", a)`, `("u64", a)` or
/// `("str", offsets, data)`.
pub fn keys_to_py(py: Python<'_>, keys: SortedKeys) -> PyResult<Bound<'_, PyAny>> {
    Ok(match keys {
        SortedKeys::I64(v) => ("i64", v.into_pyarray(py)).into_pyobject(py)?.into_any(),
        SortedKeys::U64(v) => ("u64", v.into_pyarray(py)).into_pyobject(py)?.into_any(),
        SortedKeys::Str(buf) => (
            "str",
            buf.offsets.into_pyarray(py),
            buf.data.into_pyarray(py),
        )
            .into_pyobject(py)?
            .into_any(),
    })
}
