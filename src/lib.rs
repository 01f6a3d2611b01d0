//! rfmkit's core: Recency / Frequency / Monetary metrics over columns.
//!
//! Pure Rust: slices in, owned vectors out, [`Error`] on bad input. The
//! Python bindings live in [`py`] behind the `python` feature, and nothing
//! else in the crate knows about Python.

pub mod accumulate;
pub mod calendar;
pub mod error;
pub mod group;
pub mod hashed;
pub mod keys;
pub mod money;
pub mod rfm;
pub mod scan;
pub mod score;
pub mod segment;
pub mod summary;

pub use calendar::{Time, Window};
pub use error::{Error, Result};
pub use keys::{KeyColumn, Offsets, SortedKeys, StrBuffer, StrColumn};
pub use rfm::{rfm, Frequency, Input, Names, Options, Returns, RfmTable};
pub use scan::Amounts;

#[cfg(feature = "python")]
mod py;
