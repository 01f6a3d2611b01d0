//! One mapping from core errors to the exception classes of `rfmkit.errors`.

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
        match e {
            // Wrong kinds of data are TypeErrors; wrong values and options
            // are ValueErrors.
            Error::Type { .. } => InputTypeError::new_err(msg),
            Error::Missing { .. }
            | Error::InvalidValue { .. }
            | Error::Length { .. }
            | Error::Option { .. }
            | Error::Returns { .. }
            | Error::Overflow { .. }
            | Error::TooLarge(_) => InputError::new_err(msg),
        }
    }
}
