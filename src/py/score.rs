//! Bindings of [`crate::score`]. Edges cross the boundary as JSON (serde).

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::error::CoreError;
use crate::score::{fit, from_json, ntile, to_json, Direction, Method};

fn direction(descending: bool) -> Direction {
    if descending {
        Direction::Descending
    } else {
        Direction::Ascending
    }
}

/// Learns cut points; returns the edges as JSON.
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
) -> PyResult<String> {
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
    Ok(to_json(&edges).map_err(CoreError)?)
}

/// Scores values with edges given as JSON.
#[pyfunction]
pub fn score_apply<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    edges: &str,
    dim: &str,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let edges = from_json(edges, dim).map_err(CoreError)?;
    let values = values.as_slice()?;
    let scores = py.detach(|| edges.apply(values, dim)).map_err(CoreError)?;
    Ok(scores.into_pyarray(py))
}

/// The scores that edges given as JSON can never give.
#[pyfunction]
pub fn score_unused(edges: &str, dim: &str) -> PyResult<Vec<u32>> {
    Ok(from_json(edges, dim).map_err(CoreError)?.unused())
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
