//! Bindings of [`crate::segment`]. A scheme is parsed and validated by serde
//! in the core once, into the frozen [`CompiledScheme`] (its cube computed
//! then); JSON is only for building and saving it.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::error::CoreError;
use crate::segment::Compiled;

/// A validated segment scheme with the winner of every cell of its score
/// cube. Immutable, so shared freely across threads.
#[pyclass(frozen, eq, module = "rfmkit._core")]
#[derive(PartialEq)]
pub struct CompiledScheme {
    inner: Compiled,
}

#[pymethods]
impl CompiledScheme {
    /// Validates a scheme given as JSON and compiles it.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<CompiledScheme> {
        let inner = Compiled::from_json(text).map_err(CoreError)?;
        Ok(CompiledScheme { inner })
    }

    /// The winning rule of every customer (`len(rules)` for the fallback).
    fn assign<'py>(
        &self,
        py: Python<'py>,
        r: PyReadonlyArray1<'py, u8>,
        f: PyReadonlyArray1<'py, u8>,
        m: PyReadonlyArray1<'py, u8>,
        levels: [u32; 3],
    ) -> PyResult<Bound<'py, PyArray1<u16>>> {
        let (r, f, m) = (r.as_slice()?, f.as_slice()?, m.as_slice()?);
        let inner = &self.inner;
        let winners = py
            .detach(|| inner.assign(r, f, m, levels))
            .map_err(CoreError)?;
        Ok(winners.into_pyarray(py))
    }

    /// The winning rule of every cell of the score cube (`len(rules)`: the
    /// fallback), cell `((r - 1) * scale + (f - 1)) * scale + (m - 1)`.
    fn cube(&self) -> Vec<u16> {
        self.inner.cube().to_vec()
    }

    /// The scheme normalised, as JSON.
    fn to_json(&self) -> PyResult<String> {
        Ok(serde_json::to_string(self.inner.scheme())
            .map_err(|e| CoreError(crate::Error::option("scheme", e.to_string())))?)
    }

    /// Pickles as the JSON of `to_json`.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let load = slf.get_type().getattr("from_json")?;
        let args = (slf.get().to_json()?,).into_pyobject(slf.py())?;
        Ok((load, args))
    }

    fn __repr__(&self) -> String {
        let s = self.inner.scheme();
        format!(
            "CompiledScheme(name={:?}, scale={}, rules={})",
            s.name,
            s.scale,
            s.rules.len()
        )
    }
}

// Frozen pyclasses are shared between threads without a lock.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<CompiledScheme>();
    shared::<super::score::CutPoints>();
};
