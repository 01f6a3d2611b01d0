//! Key columns from Python: NumPy integer arrays, Arrow-layout string
//! buffers, or object arrays of `str` (copied once into a buffer).

use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyString, PyTuple};

use super::error::{CoreError, InputError, InputTypeError};
use crate::keys::{KeyColumn, Offsets, StrBuffer, StrColumn};

/// A key column as the Python layer prepared it: `("i64", a)`, `("u64", a)`,
/// `("str", offsets, data)` or `("obj", a)`.
pub enum KeyArg<'py> {
    I64(PyReadonlyArray1<'py, i64>),
    U64(PyReadonlyArray1<'py, u64>),
    Str32(PyReadonlyArray1<'py, i32>, PyReadonlyArray1<'py, u8>),
    Str64(PyReadonlyArray1<'py, i64>, PyReadonlyArray1<'py, u8>),
    Owned(StrBuffer),
}

impl<'py> KeyArg<'py> {
    pub fn extract(arg: &Bound<'py, PyTuple>, column: &str) -> PyResult<Self> {
        let kind: String = arg.get_item(0)?.extract()?;
        let item = |i| arg.get_item(i);
        Ok(match kind.as_str() {
            "i64" => KeyArg::I64(item(1)?.extract()?),
            "u64" => KeyArg::U64(item(1)?.extract()?),
            "str" => match item(1)?.extract::<PyReadonlyArray1<i32>>() {
                Ok(o) => KeyArg::Str32(o, item(2)?.extract()?),
                Err(_) => KeyArg::Str64(item(1)?.extract()?, item(2)?.extract()?),
            },
            "obj" => KeyArg::Owned(strings_from_objects(&item(1)?.extract()?, column)?),
            other => {
                return Err(InputTypeError::new_err(format!(
                    "unknown key kind {other:?}"
                )))
            }
        })
    }

    /// The borrowed view the core reads.
    pub fn column(&self, column: &str) -> PyResult<KeyColumn<'_>> {
        Ok(match self {
            KeyArg::I64(a) => KeyColumn::I64(a.as_slice()?),
            KeyArg::U64(a) => KeyColumn::U64(a.as_slice()?),
            KeyArg::Str32(o, d) => KeyColumn::Str(
                StrColumn::new(Offsets::I32(o.as_slice()?), d.as_slice()?, column)
                    .map_err(CoreError)?,
            ),
            KeyArg::Str64(o, d) => KeyColumn::Str(
                StrColumn::new(Offsets::I64(o.as_slice()?), d.as_slice()?, column)
                    .map_err(CoreError)?,
            ),
            KeyArg::Owned(b) => KeyColumn::Str(b.column()),
        })
    }
}

/// Copies an object array of `str` into one buffer. `None` and NaN are
/// missing ids; any other non-`str` makes the column one of mixed types.
fn strings_from_objects(
    arr: &PyReadonlyArray1<'_, Py<PyAny>>,
    column: &str,
) -> PyResult<StrBuffer> {
    let py = arr.py();
    let mut buf = StrBuffer::with_capacity(arr.len());
    for (row, obj) in arr.as_array().iter().enumerate() {
        let obj = obj.bind(py);
        match obj.cast::<PyString>() {
            Ok(s) => buf.push(s.to_str()?.as_bytes()),
            Err(_) if obj.is_none() || obj.cast::<PyFloat>().is_ok_and(|f| f.value().is_nan()) => {
                return Err(InputError::new_err(format!(
                    "column '{column}' has a missing value ({}) at row {row}",
                    obj.repr()?
                )))
            }
            Err(_) => {
                return Err(InputTypeError::new_err(format!(
                "column '{column}' holds ids of mixed types: {} ({}) at row {row} among strings",
                obj.repr()?,
                obj.get_type().name()?
            )))
            }
        }
    }
    Ok(buf)
}
