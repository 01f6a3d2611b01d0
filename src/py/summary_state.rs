//! Binding of [`crate::state::SummaryState`]: `RawSummaryState`, the core
//! of `rfmkit.SummaryState`.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::columns::KeyArg;
use super::error::CoreError;
use super::rfm::AmountArg;
use super::state::{ids_from_py, ids_to_py, saved, vec};
use super::summary::{names3, summary_input, summary_to_dict};
use crate::state::{SummaryParts, SummaryState};
use crate::summary::{SummaryOptions, Unit};

/// The per-customer state of a streamed `rfm_summary`.
#[pyclass(module = "rfmkit._core")]
pub struct RawSummaryState {
    inner: SummaryState,
}

fn options(unit: Unit, end_period: Option<i64>) -> PyResult<SummaryOptions> {
    Ok(SummaryOptions {
        unit,
        after: None,
        until: None,
        end_period,
    })
}

#[pymethods]
impl RawSummaryState {
    #[new]
    #[pyo3(signature = (*, unit, end_period))]
    fn new(unit: Unit, end_period: Option<i64>) -> PyResult<Self> {
        Ok(RawSummaryState {
            inner: SummaryState::new(options(unit, end_period)?),
        })
    }

    /// Folds one batch of prepared columns in (as `period_summary` takes them).
    #[pyo3(signature = (*, ids, ts, ticks_per_day, amounts, names))]
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        ids: &Bound<'py, PyTuple>,
        ts: PyReadonlyArray1<'py, i64>,
        ticks_per_day: i64,
        amounts: Option<AmountArg<'py>>,
        names: (String, String, String),
    ) -> PyResult<()> {
        let names = names3(names);
        let ids = KeyArg::extract(ids, &names.customer_id)?;
        let input = summary_input(&ids, &ts, ticks_per_day, &amounts, &names)?;
        let state = &mut self.inner;
        py.detach(|| state.update(&input, &names))
            .map_err(|e| CoreError(e).into())
    }

    /// Folds another state into this one, in place (`other` is unchanged).
    fn absorb(&mut self, py: Python<'_>, other: &RawSummaryState) -> PyResult<()> {
        let inner = &mut self.inner;
        py.detach(|| inner.merge(&other.inner))
            .map_err(|e| CoreError(e).into())
    }

    /// An independent copy.
    fn copy(&self) -> RawSummaryState {
        RawSummaryState {
            inner: self.inner.clone(),
        }
    }

    /// A new state holding both (neither is changed).
    fn merge(&self, py: Python<'_>, other: &RawSummaryState) -> PyResult<RawSummaryState> {
        let mut out = self.inner.clone();
        py.detach(|| out.merge(&other.inner)).map_err(CoreError)?;
        Ok(RawSummaryState { inner: out })
    }

    fn finish<'py>(
        &self,
        py: Python<'py>,
        names: (String, String, String),
    ) -> PyResult<Bound<'py, PyDict>> {
        let names = names3(names);
        let s = py.detach(|| self.inner.finish(&names)).map_err(CoreError)?;
        summary_to_dict(py, s)
    }

    /// Rows folded in so far (counted or not).
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The state as columns.
    fn export<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.inner.parts();
        let d = PyDict::new(py);
        d.set_item("ids", ids_to_py(py, p.ids)?)?;
        d.set_item("first", p.first.into_pyarray(py))?;
        d.set_item("last", p.last.into_pyarray(py))?;
        d.set_item("rows", p.rows.into_pyarray(py))?;
        d.set_item("periods", p.periods.into_pyarray(py))?;
        d.set_item("spilled", p.spilled.into_pyarray(py))?;
        for (k, col) in p.money.into_iter().enumerate() {
            d.set_item(format!("money_{k}"), col.into_pyarray(py))?;
        }
        d.set_item("exact_slot", p.exact_slot.into_pyarray(py))?;
        d.set_item("exact_limbs", p.exact_limbs.into_pyarray(py))?;
        d.set_item("pair_slot", p.pair_slot.into_pyarray(py))?;
        d.set_item("pair_period", p.pair_period.into_pyarray(py))?;
        d.set_item("ticks_per_day", p.ticks_per_day)?;
        d.set_item("has_amounts", p.has_amounts)?;
        d.set_item("total_rows", p.total_rows)?;
        Ok(d)
    }

    /// A state from `export`'s columns and its options.
    #[staticmethod]
    #[pyo3(signature = (parts, *, unit, end_period))]
    fn load(
        parts: &Bound<'_, PyDict>,
        unit: Unit,
        end_period: Option<i64>,
    ) -> PyResult<RawSummaryState> {
        let get = |k: &str| saved(parts, k);
        let ids = ids_from_py(&get("ids")?)?;
        let mut money: [Vec<u64>; 8] = Default::default();
        for (k, col) in money.iter_mut().enumerate() {
            *col = vec(get(&format!("money_{k}"))?)?;
        }
        let p = SummaryParts {
            ids,
            first: vec(get("first")?)?,
            last: vec(get("last")?)?,
            rows: vec(get("rows")?)?,
            periods: vec(get("periods")?)?,
            spilled: vec(get("spilled")?)?,
            money,
            exact_slot: vec(get("exact_slot")?)?,
            exact_limbs: vec(get("exact_limbs")?)?,
            pair_slot: vec(get("pair_slot")?)?,
            pair_period: vec(get("pair_period")?)?,
            ticks_per_day: get("ticks_per_day")?.extract()?,
            has_amounts: get("has_amounts")?.extract()?,
            total_rows: get("total_rows")?.extract()?,
        };
        Ok(RawSummaryState {
            inner: SummaryState::from_parts(options(unit, end_period)?, p).map_err(CoreError)?,
        })
    }
}
