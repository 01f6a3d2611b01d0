//! Bindings of [`crate::score`]. Fitted cut points cross the boundary once,
//! as the frozen [`CutPoints`]; JSON is only for saving and loading them.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::error::CoreError;
use crate::score::{fit, from_json, ntile, to_json, Direction, Edges, Method};

fn direction(descending: bool) -> Direction {
    if descending {
        Direction::Descending
    } else {
        Direction::Ascending
    }
}

/// The cut points of one dimension, validated: what `score_fit` learns and
/// `CutPoints.from_json` loads. Immutable, so shared freely across threads.
#[pyclass(frozen, eq, module = "rfmkit._core")]
#[derive(PartialEq)]
pub struct CutPoints {
    edges: Edges,
}

#[pymethods]
impl CutPoints {
    /// Cut points saved by `to_json`, validated (`dim` names them in errors).
    #[staticmethod]
    fn from_json(text: &str, dim: &str) -> PyResult<CutPoints> {
        let edges = from_json(text, dim).map_err(CoreError)?;
        Ok(CutPoints { edges })
    }

    /// The cut points as JSON: method, cuts, levels, direction, inclusive.
    fn to_json(&self) -> PyResult<String> {
        Ok(to_json(&self.edges).map_err(CoreError)?)
    }

    /// The score of every value (`dim` names the column in errors).
    fn apply<'py>(
        &self,
        py: Python<'py>,
        values: PyReadonlyArray1<'py, f64>,
        dim: &str,
    ) -> PyResult<Bound<'py, PyArray1<u8>>> {
        let values = values.as_slice()?;
        let edges = &self.edges;
        let scores = py.detach(|| edges.apply(values, dim)).map_err(CoreError)?;
        Ok(scores.into_pyarray(py))
    }

    /// The scores no value can get (coinciding cut points), ascending.
    fn unused(&self) -> Vec<u32> {
        self.edges.unused()
    }

    #[getter]
    fn method(&self) -> &str {
        &self.edges.method
    }

    #[getter]
    fn cuts(&self) -> Vec<f64> {
        self.edges.cuts.clone()
    }

    #[getter]
    fn levels(&self) -> u32 {
        self.edges.levels
    }

    /// "ascending" (higher values score higher) or "descending" (recency).
    #[getter]
    fn direction(&self) -> &'static str {
        match self.edges.direction {
            Direction::Ascending => "ascending",
            Direction::Descending => "descending",
        }
    }

    /// Whether a value equal to a cut point passes it.
    #[getter]
    fn inclusive(&self) -> bool {
        self.edges.inclusive
    }

    /// Pickles as the JSON of `to_json`.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let load = slf.get_type().getattr("from_json")?;
        let args = (slf.get().to_json()?, "cut points").into_pyobject(slf.py())?;
        Ok((load, args))
    }

    fn __repr__(&self) -> String {
        format!(
            "CutPoints(method={:?}, cuts={:?}, levels={}, direction={:?}, inclusive={})",
            self.edges.method,
            self.edges.cuts,
            self.edges.levels,
            self.direction(),
            if self.edges.inclusive {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// Learns the cut points of one dimension.
#[pyfunction]
#[pyo3(signature = (values, method, levels, descending, thresholds, dim))]
pub fn score_fit(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, f64>,
    method: &str,
    levels: u32,
    descending: bool,
    thresholds: Option<Vec<f64>>,
    dim: &str,
) -> PyResult<CutPoints> {
    let method = match (method, thresholds) {
        ("quantile", _) => Method::Quantile,
        ("mean", _) => Method::Mean,
        ("median", _) => Method::Median,
        ("threshold", Some(t)) => Method::Threshold(t),
        (other, _) => {
            return Err(CoreError(crate::Error::option(
                "method",
                format!("{other:?} for {dim}"),
            ))
            .into())
        }
    };
    let values = values.as_slice()?;
    let edges = py
        .detach(|| fit(values, &method, levels, direction(descending), dim))
        .map_err(CoreError)?;
    Ok(CutPoints { edges })
}

/// SQL-style ntile scores, values in customer-id order.
#[pyfunction]
pub fn score_ntile<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    levels: u32,
    descending: bool,
    dim: &str,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let values = values.as_slice()?;
    let scores = py
        .detach(|| ntile(values, levels, direction(descending), dim))
        .map_err(CoreError)?;
    Ok(scores.into_pyarray(py))
}
