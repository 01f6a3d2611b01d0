//! The options' enums as the bindings take them: the Python layer passes
//! each as text, parsed here, once, into the core's enum (anything else is
//! an `InputError` naming the option and the values it takes).

use pyo3::prelude::*;
use pyo3::Borrowed;

use super::error::CoreError;
use crate::rfm::{Frequency, Returns};
use crate::summary::Unit;

macro_rules! from_text {
    ($($t:ty),*) => {$(
        impl<'a, 'py> FromPyObject<'a, 'py> for $t {
            type Error = PyErr;

            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                let text: String = obj.extract()?;
                text.parse::<$t>().map_err(|e| PyErr::from(CoreError(e)))
            }
        }
    )*};
}

from_text!(Frequency, Returns, Unit);
