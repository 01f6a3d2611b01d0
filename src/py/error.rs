//! One mapping from core errors to the exception classes of `rfmkit.errors`.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::PyErr;

use crate::error::Error;

pyo3::import_exception!(rfmkit.errors, InputError);
pyo3::import_exception!(rfmkit.errors, InputTypeError);

/// Wraps a core error for `?` in the bindings (the orphan rule forbids
/// `From<Error> for PyErr` outside pyo3).
pub struct CoreError(pub Error);

impl From<Error> for CoreError {
    fn from(e: Error) -> Self {
        CoreError(e)
    }
}

impl From<CoreError> for PyErr {
    fn from(CoreError(e): CoreError) -> PyErr {
        let msg = e.to_string();
        let (column, row, value) = locate(&e);
        let type_error = matches!(e, Error::Type { .. });
        Python::attach(|py| {
            // Wrong kinds of data are TypeErrors; wrong values and options
            // are ValueErrors. Both carry .column, .row and .value.
            let cls = if type_error {
                py.get_type::<InputTypeError>()
            } else {
                py.get_type::<InputError>()
            };
            let made = (|| {
                let kwargs = PyDict::new(py);
                kwargs.set_item("column", column)?;
                kwargs.set_item("row", row)?;
                kwargs.set_item("value", value.map(|v| shown_value(py, &v)).transpose()?)?;
                cls.call((msg.clone(),), Some(&kwargs))
            })();
            match made {
                Ok(exc) => PyErr::from_value(exc),
                Err(err) => err,
            }
        })
    }
}

/// The column, row and value an error is about.
fn locate(e: &Error) -> (Option<String>, Option<usize>, Option<String>) {
    match e {
        Error::Missing { column, what, row } => {
            (Some(column.clone()), Some(*row), Some(what.clone()))
        }
        Error::InvalidValue {
            column, value, row, ..
        }
        | Error::Returns {
            column, value, row, ..
        } => (Some(column.clone()), Some(*row), Some(value.clone())),
        Error::Type { column, .. } => (Some(column.clone()), None, None),
        Error::Overflow { column, customer } => {
            (Some(column.clone()), None, Some(customer.clone()))
        }
        Error::Length { .. } | Error::Option { .. } | Error::TooLarge(_) => (None, None, None),
    }
}

/// A value as the core wrote it, as a Python number when it is one
/// ("NaN" and "-1.5" are floats, "7" an int), else as text.
fn shown_value<'py>(py: Python<'py>, v: &str) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(i) = v.parse::<i64>() {
        return Ok(i.into_pyobject(py)?.into_any());
    }
    match v.parse::<f64>() {
        Ok(x) => Ok(x.into_pyobject(py)?.into_any()),
        Err(_) => Ok(v.into_pyobject(py)?.into_any()),
    }
}
