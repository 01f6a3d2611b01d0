//! The one error type of the core. Every variant names the column (or the
//! option) at fault and, where there is one, the offending value and row, so
//! the Python layer can raise an exception a user can act on.

use thiserror::Error;

/// An error from the core. The bindings map each variant to a documented
/// Python exception class (a subclass of `ValueError` or `TypeError`).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// A value that may not be missing is missing (NaT date, null id).
    #[error("column '{column}' has a missing value ({what}) at row {row}")]
    Missing {
        column: String,
        what: String,
        row: usize,
    },
    /// A value is present but unusable (NaN or infinite amount, amount too large).
    #[error("column '{column}' has an invalid value {value} at row {row}: {reason}")]
    InvalidValue {
        column: String,
        value: String,
        row: usize,
        reason: String,
    },
    /// Columns of different lengths.
    #[error(
        "columns have different lengths: '{first}' has {first_len} rows, '{other}' has {other_len}"
    )]
    Length {
        first: String,
        first_len: usize,
        other: String,
        other_len: usize,
    },
    /// A column of a kind the operation does not take (float ids, mixed types).
    #[error("column '{column}': {message}")]
    Type { column: String, message: String },
    /// An option that is unknown or out of range.
    #[error("invalid {option}: {message}")]
    Option { option: String, message: String },
    /// Negative amounts found while `returns="error"`.
    #[error("column '{column}' has {count} negative amount(s) (returns='error'); the first is {value} at row {row}")]
    Returns {
        column: String,
        count: u64,
        value: String,
        row: usize,
    },
    /// A customer's amounts sum beyond the range of f64.
    #[error("column '{column}': the amounts of customer {customer} sum to more than the largest float64 (about 1.8e308) in magnitude")]
    Overflow { column: String, customer: String },
    /// The input is larger than the core can address.
    #[error("input too large: {0}")]
    TooLarge(String),
}

/// The core's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Shorthand for an invalid option.
    pub fn option(option: &str, message: impl Into<String>) -> Self {
        Error::Option {
            option: option.to_string(),
            message: message.into(),
        }
    }
}
