//! Binding of [`crate::state`]: `RawRfmState`, the core of `rfmkit.RFMState`.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use super::columns::KeyArg;
use super::error::{CoreError, InputError};
use super::groups::{values_from_py, values_to_py};
use super::rfm::{names_of, table_to_dict, window_of, with_input, AmountArg};
use crate::keys::{KeyColumn, SortedKeys};
use crate::rfm::{Frequency, Options, Returns};
use crate::state::{buffer, Ids, Parts, RfmState, TimeKind};

/// The per-customer state of a streamed `rfm_table` (see `rfmkit.RFMState`).
#[pyclass(module = "rfmkit._core")]
pub struct RawRfmState {
    inner: RfmState,
}

fn options(
    as_of_day: Option<i64>,
    window: (Option<i64>, Option<i64>),
    frequency: Frequency,
    returns: Returns,
) -> PyResult<Options> {
    Ok(Options {
        as_of_day,
        window: window_of(window.0, window.1)?,
        frequency,
        returns,
    })
}

#[pymethods]
impl RawRfmState {
    #[new]
    #[pyo3(signature = (*, as_of_day, frequency, returns, window_days=None, window_months=None, by=0))]
    fn new(
        as_of_day: Option<i64>,
        frequency: Frequency,
        returns: Returns,
        window_days: Option<i64>,
        window_months: Option<i64>,
        by: usize,
    ) -> PyResult<Self> {
        let opts = options(as_of_day, (window_days, window_months), frequency, returns)?;
        let inner = match by {
            0 => RfmState::new(opts),
            n => RfmState::grouped(opts, n),
        };
        Ok(RawRfmState {
            inner: inner.map_err(CoreError)?,
        })
    }

    /// Folds one batch of prepared columns in (as `rfm_columns` takes them).
    #[pyo3(signature = (*, ids, ts, ticks_per_day, days, amounts, orders, names, groups=None, by=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        ids: &Bound<'py, PyTuple>,
        ts: PyReadonlyArray1<'py, i64>,
        ticks_per_day: i64,
        days: Option<PyReadonlyArray1<'py, i32>>,
        amounts: AmountArg<'py>,
        orders: Option<&Bound<'py, PyTuple>>,
        names: (String, String, String, String),
        groups: Option<&Bound<'py, PyList>>,
        by: Vec<String>,
    ) -> PyResult<()> {
        let names = names_of(names, by);
        let state = &mut self.inner;
        with_input(
            ids,
            ts,
            ticks_per_day,
            days,
            &amounts,
            (orders, groups),
            &names,
            |input| {
                // The core checks the whole batch before it changes the state:
                // a batch with an error leaves the state as it was.
                py.detach(|| state.update(input, &names))
                    .map_err(|e| CoreError(e).into())
            },
        )
    }

    /// Folds another state into this one, in place (`other` is unchanged).
    fn absorb(&mut self, py: Python<'_>, other: &RawRfmState) -> PyResult<()> {
        let inner = &mut self.inner;
        py.detach(|| inner.merge(&other.inner))
            .map_err(|e| CoreError(e).into())
    }

    /// An independent copy.
    fn copy(&self, py: Python<'_>) -> RawRfmState {
        let inner = &self.inner;
        RawRfmState {
            inner: py.detach(|| inner.copy()),
        }
    }

    /// A new state holding both (neither is changed).
    fn merge(&self, py: Python<'_>, other: &RawRfmState) -> PyResult<RawRfmState> {
        let (mine, theirs) = (&self.inner, &other.inner);
        let out = py.detach(|| {
            let mut out = mine.copy();
            out.merge(theirs).map(|()| out)
        });
        let out = out.map_err(CoreError)?;
        Ok(RawRfmState { inner: out })
    }

    /// The table of every row folded in so far.
    fn finish<'py>(
        &self,
        py: Python<'py>,
        names: (String, String, String, String),
    ) -> PyResult<Bound<'py, PyDict>> {
        let names = names_of(names, Vec::new());
        let table = py.detach(|| self.inner.finish(&names)).map_err(CoreError)?;
        table_to_dict(py, table)
    }

    /// Customers in the state.
    fn __len__(&self) -> usize {
        self.inner.parts_len()
    }

    /// Rows folded in so far (counted or not).
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }

    /// The state as columns (see `crate::state::Parts`).
    fn export<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.inner.parts();
        let d = PyDict::new(py);
        d.set_item("ids", ids_to_py(py, p.ids)?)?;
        let groups = match p.groups {
            None => None,
            Some((width, values)) => {
                let values = values
                    .into_iter()
                    .map(|v| values_to_py(py, v))
                    .collect::<PyResult<Vec<_>>>()?;
                Some((width, values))
            }
        };
        d.set_item("groups", groups)?;
        d.set_item("first_ts", p.first_ts.into_pyarray(py))?;
        d.set_item("last_ts", p.last_ts.into_pyarray(py))?;
        d.set_item("last_pos", p.last_pos.into_pyarray(py))?;
        d.set_item("count", p.count.into_pyarray(py))?;
        d.set_item("seen", p.seen.into_pyarray(py))?;
        d.set_item("spilled", p.spilled.into_pyarray(py))?;
        let [a, b, c, e] = p.money;
        for (name, col) in [
            ("money_0", a),
            ("money_1", b),
            ("money_2", c),
            ("money_3", e),
        ] {
            d.set_item(name, col.into_pyarray(py))?;
        }
        d.set_item("exact_slot", p.exact_slot.into_pyarray(py))?;
        d.set_item("exact_limbs", p.exact_limbs.into_pyarray(py))?;
        d.set_item("pair_slot", p.pair_slot.into_pyarray(py))?;
        d.set_item("pair_key", p.pair_key.into_pyarray(py))?;
        d.set_item("orders_kind", p.orders_kind)?;
        let orders = buffer(&p.orders);
        d.set_item(
            "orders",
            (
                orders.offsets.into_pyarray(py),
                orders.data.into_pyarray(py),
            ),
        )?;
        let time = match p.time {
            None => None,
            Some(TimeKind::Naive(tpd)) => Some(("naive", tpd)),
            Some(TimeKind::Zoned) => Some(("zoned", 0)),
        };
        d.set_item("time", time)?;
        d.set_item("min_pos", p.min_pos)?;
        d.set_item("max_pos", p.max_pos)?;
        d.set_item("rows", p.rows)?;
        Ok(d)
    }

    /// A state from `export`'s columns and the options it was made with.
    #[staticmethod]
    #[pyo3(signature = (parts, *, as_of_day, frequency, returns, window_days=None, window_months=None))]
    fn load(
        parts: &Bound<'_, PyDict>,
        as_of_day: Option<i64>,
        frequency: Frequency,
        returns: Returns,
        window_days: Option<i64>,
        window_months: Option<i64>,
    ) -> PyResult<RawRfmState> {
        let opts = options(as_of_day, (window_days, window_months), frequency, returns)?;
        let get = |k: &str| saved(parts, k);
        let ids = ids_from_py(&get("ids")?)?;
        let orders_kind = match get("orders_kind")?.extract::<Option<String>>()?.as_deref() {
            None => None,
            Some("i64") => Some("i64"),
            Some("u64") => Some("u64"),
            Some("str") => Some("str"),
            Some(other) => {
                return Err(InputError::new_err(format!("unknown order kind {other:?}")))
            }
        };
        let orders = {
            let t = get("orders")?;
            let t = t.cast::<PyTuple>()?;
            let arg = KeyArg::extract(
                &PyTuple::new(
                    t.py(),
                    [
                        "str".into_pyobject(t.py())?.into_any(),
                        t.get_item(0)?,
                        t.get_item(1)?,
                    ],
                )?,
                "order_id",
            )?;
            match arg.column("order_id")? {
                KeyColumn::Str(c) => (0..c.len()).map(|i| c.get(i).into()).collect(),
                _ => Vec::new(),
            }
        };
        let time = match get("time")?.extract::<Option<(String, i64)>>()? {
            None => None,
            Some((k, tpd)) if k == "naive" && tpd > 0 => Some(TimeKind::Naive(tpd)),
            Some((k, _)) if k == "zoned" => Some(TimeKind::Zoned),
            Some(_) => {
                return Err(InputError::new_err(
                    "the saved state has an unknown date kind",
                ))
            }
        };
        let groups = match parts.get_item("groups")? {
            None => None,
            Some(g) if g.is_none() => None,
            Some(g) => {
                let (width, values): (usize, Vec<Bound<'_, PyAny>>) = g.extract()?;
                let values = values
                    .iter()
                    .map(|v| values_from_py(v, "by"))
                    .collect::<PyResult<Vec<_>>>()?;
                Some((width, values))
            }
        };
        let p = Parts {
            ids,
            groups,
            first_ts: vec(get("first_ts")?)?,
            last_ts: vec(get("last_ts")?)?,
            last_pos: vec(get("last_pos")?)?,
            count: vec(get("count")?)?,
            seen: vec(get("seen")?)?,
            spilled: vec(get("spilled")?)?,
            money: [
                vec(get("money_0")?)?,
                vec(get("money_1")?)?,
                vec(get("money_2")?)?,
                vec(get("money_3")?)?,
            ],
            exact_slot: vec(get("exact_slot")?)?,
            exact_limbs: vec(get("exact_limbs")?)?,
            pair_slot: vec(get("pair_slot")?)?,
            pair_key: vec(get("pair_key")?)?,
            orders_kind,
            orders,
            time,
            min_pos: get("min_pos")?.extract()?,
            max_pos: get("max_pos")?.extract()?,
            rows: get("rows")?.extract()?,
        };
        Ok(RawRfmState {
            inner: RfmState::from_parts(opts, p).map_err(CoreError)?,
        })
    }
}

/// An item of a saved state's columns (a clear error when it is missing).
pub(super) fn saved<'py>(parts: &Bound<'py, PyDict>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    parts
        .get_item(key)?
        .ok_or_else(|| InputError::new_err(format!("the saved state has no {key:?}")))
}

/// A saved NumPy column as a vector.
pub(super) fn vec<'py, T: numpy::Element + Copy>(v: Bound<'py, PyAny>) -> PyResult<Vec<T>> {
    Ok(v.extract::<PyReadonlyArray1<'py, T>>()?
        .as_slice()?
        .to_vec())
}

/// A state's ids as the Python layer reads keys (`None` without ids).
pub(super) fn ids_to_py(py: Python<'_>, ids: Option<Ids>) -> PyResult<Option<Bound<'_, PyAny>>> {
    ids.map(|ids| {
        let keys = match ids {
            Ids::I64(v) => SortedKeys::I64(v),
            Ids::U64(v) => SortedKeys::U64(v),
            Ids::Str(v) => SortedKeys::Str(buffer(&v)),
        };
        super::rfm::keys_to_py(py, keys)
    })
    .transpose()
}

/// Saved ids back (`None` for `None`).
pub(super) fn ids_from_py(v: &Bound<'_, PyAny>) -> PyResult<Option<Ids>> {
    if v.is_none() {
        return Ok(None);
    }
    let arg = KeyArg::extract(v.cast::<PyTuple>()?, "customer_id")?;
    Ok(Some(match arg.column("customer_id")? {
        KeyColumn::I64(s) => Ids::I64(s.to_vec()),
        KeyColumn::U64(s) => Ids::U64(s.to_vec()),
        KeyColumn::Str(c) => Ids::Str((0..c.len()).map(|i| c.get(i).into()).collect()),
    }))
}
