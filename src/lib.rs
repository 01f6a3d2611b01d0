//! rfmkit's core: Recency / Frequency / Monetary metrics over columns.
//!
//! Pure Rust: slices in, owned vectors out, [`Error`] on bad input. The
//! Python bindings live in `py` behind the `python` feature, and nothing
//! else in the crate knows about Python.
//!
//! The public API is what this file exports: the computations ([`rfm()`],
//! [`summary::summarize`], [`state::split`], [`score`] and [`segment`]), the
//! mergeable states ([`state::RfmState`], [`state::SummaryState`]) and the
//! column types they read. Everything else is internal (`pub(crate)`).
//!
//! One engine folds transactions into customers: `state`'s fold, over the
//! row rules of each computation. An in-memory table or summary is one
//! batch of a state; a streamed or distributed one is many, merged.

mod accumulate;
#[cfg(all(feature = "python", target_os = "linux"))]
mod alloc;
mod calendar;
mod error;
mod group;
pub mod history;
mod keys;
mod money;
pub mod rfm;
mod rounding;
mod scan;
pub mod score;
pub mod segment;
pub mod state;
pub mod summary;

pub use calendar::{Time, Window};
pub use error::{Error, Result};
pub use keys::{KeyColumn, Offsets, SortedKeys, StrBuffer, StrColumn};
pub use rfm::{rfm, Frequency, Input, Names, Options, Returns, RfmTable};
pub use scan::Amounts;

#[cfg(feature = "python")]
mod py;

/// Large blocks on huge pages (see `alloc`): the extension's allocations only.
#[cfg(all(feature = "python", target_os = "linux"))]
#[global_allocator]
static ALLOC: alloc::HugePages = alloc::HugePages;
