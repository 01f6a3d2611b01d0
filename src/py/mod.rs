//! The Python bindings: the only place PyO3 and NumPy appear. Each function
//! extracts borrowed views of the caller's arrays, releases the interpreter
//! for the work, and hands owned arrays back.

mod columns;
mod error;
mod groups;
mod history;
mod options;
mod rfm;
mod score;
mod segment;
mod state;
mod summary;
mod summary_state;

use pyo3::prelude::*;

#[pymodule(name = "_core", gil_used = false)]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(rfm::rfm_columns, m)?)?;
    m.add_function(wrap_pyfunction!(history::history_columns, m)?)?;
    m.add_function(wrap_pyfunction!(history::label_columns, m)?)?;
    m.add_function(wrap_pyfunction!(score::score_fit, m)?)?;
    m.add_function(wrap_pyfunction!(score::score_ntile, m)?)?;
    m.add_class::<score::CutPoints>()?;
    m.add_class::<segment::CompiledScheme>()?;
    m.add_function(wrap_pyfunction!(summary::period_summary, m)?)?;
    m.add_function(wrap_pyfunction!(summary::split_summary, m)?)?;
    m.add_class::<state::RawRfmState>()?;
    m.add_class::<summary_state::RawSummaryState>()?;
    Ok(())
}
