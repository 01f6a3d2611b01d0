//! Bindings of [`crate::segment`]. Schemes cross the boundary as JSON and are
//! parsed and validated by serde in the core.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::error::CoreError;
use crate::segment::Scheme;

/// Validates a scheme given as JSON; returns it normalised.
#[pyfunction]
pub fn scheme_validate(scheme: &str) -> PyResult<String> {
    let s = Scheme::from_json(scheme).map_err(CoreError)?;
    Ok(serde_json::to_string(&s)
        .map_err(|e| CoreError(crate::Error::option("scheme", e.to_string())))?)
}

/// The winning rule of every cell of the scheme's score cube.
#[pyfunction]
pub fn scheme_cube(scheme: &str) -> PyResult<Vec<u16>> {
    Ok(Scheme::from_json(scheme).map_err(CoreError)?.cube())
}

/// The winning rule of every customer (`len(rules)` for the fallback).
#[pyfunction]
pub fn segment_assign<'py>(
    py: Python<'py>,
    scheme: &str,
    r: PyReadonlyArray1<'py, u8>,
    f: PyReadonlyArray1<'py, u8>,
    m: PyReadonlyArray1<'py, u8>,
    levels: [u32; 3],
) -> PyResult<Bound<'py, PyArray1<u16>>> {
    let scheme = Scheme::from_json(scheme).map_err(CoreError)?;
    let (r, f, m) = (r.as_slice()?, f.as_slice()?, m.as_slice()?);
    let winners = py
        .detach(|| scheme.assign(r, f, m, levels))
        .map_err(CoreError)?;
    Ok(winners.into_pyarray(py))
}
