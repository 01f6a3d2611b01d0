//! Group columns (`by=`) across the binding: in as the Python layer
//! prepares them (`("i64", a)`, `("u64", a)`, `("f64", a)`, or text as key
//! columns are), out as each sorted group's values and each row's group.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use super::columns::KeyArg;
use crate::keys::KeyColumn;
use crate::rfm::TableGroups;
use crate::state::{buffer, GroupColumn, GroupValues};

/// A group column from Python.
pub enum GroupArg<'py> {
    Key(KeyArg<'py>),
    F64(PyReadonlyArray1<'py, f64>),
}

impl<'py> GroupArg<'py> {
    fn extract(arg: &Bound<'py, PyTuple>, column: &str) -> PyResult<Self> {
        let kind: String = arg.get_item(0)?.extract()?;
        Ok(match kind.as_str() {
            "f64" => GroupArg::F64(arg.get_item(1)?.extract()?),
            _ => GroupArg::Key(KeyArg::extract(arg, column)?),
        })
    }

    fn column(&self, column: &str) -> PyResult<GroupColumn<'_>> {
        Ok(match self {
            GroupArg::F64(a) => GroupColumn::F64(a.as_slice()?),
            GroupArg::Key(k) => match k.column(column)? {
                KeyColumn::I64(v) => GroupColumn::I64(v),
                KeyColumn::U64(v) => GroupColumn::U64(v),
                KeyColumn::Str(c) => GroupColumn::Str(c),
            },
        })
    }
}

/// The group columns of a list (`None`: no groups), named by `by`.
pub fn group_args<'py>(
    groups: Option<&Bound<'py, PyList>>,
    by: &[String],
) -> PyResult<Vec<GroupArg<'py>>> {
    let Some(list) = groups else {
        return Ok(Vec::new());
    };
    list.iter()
        .enumerate()
        .map(|(j, item)| {
            let name = by.get(j).map_or("by", String::as_str);
            GroupArg::extract(item.cast::<PyTuple>()?, name)
        })
        .collect()
}

/// The core's views of the group columns.
pub fn group_columns<'a>(
    args: &'a [GroupArg<'_>],
    by: &[String],
) -> PyResult<Vec<GroupColumn<'a>>> {
    args.iter()
        .enumerate()
        .map(|(j, a)| a.column(by.get(j).map_or("by", String::as_str)))
        .collect()
}

/// One column's group values as `(kind, array)` or `("str", offsets, data)`.
pub fn values_to_py(py: Python<'_>, values: GroupValues) -> PyResult<Bound<'_, PyAny>> {
    Ok(match values {
        GroupValues::I64(v) => ("i64", v.into_pyarray(py)).into_pyobject(py)?.into_any(),
        GroupValues::U64(v) => ("u64", v.into_pyarray(py)).into_pyobject(py)?.into_any(),
        GroupValues::F64(v) => ("f64", v.into_pyarray(py)).into_pyobject(py)?.into_any(),
        GroupValues::Str(v) => {
            let b = buffer(&v);
            ("str", b.offsets.into_pyarray(py), b.data.into_pyarray(py))
                .into_pyobject(py)?
                .into_any()
        }
    })
}

/// Saved group values back.
pub fn values_from_py(item: &Bound<'_, PyAny>, column: &str) -> PyResult<GroupValues> {
    let arg = GroupArg::extract(item.cast::<PyTuple>()?, column)?;
    Ok(match arg.column(column)? {
        GroupColumn::I64(v) => GroupValues::I64(v.to_vec()),
        GroupColumn::U64(v) => GroupValues::U64(v.to_vec()),
        GroupColumn::F64(v) => GroupValues::F64(v.to_vec()),
        GroupColumn::Str(c) => GroupValues::Str((0..c.len()).map(|i| c.get(i).into()).collect()),
    })
}

/// A grouped table's groups: `(rows, [values per column], first)`.
pub fn table_groups_to_py(py: Python<'_>, g: TableGroups) -> PyResult<Bound<'_, PyAny>> {
    let values = g
        .values
        .into_iter()
        .map(|v| values_to_py(py, v))
        .collect::<PyResult<Vec<_>>>()?;
    Ok((g.rows.into_pyarray(py), values, g.first_without_purchase)
        .into_pyobject(py)?
        .into_any())
}
