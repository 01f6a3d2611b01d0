//! The groups of a grouped state (`by=`): each distinct tuple of the group
//! columns' values gets a code, in the order the rows first show it (chunk
//! by chunk, so the numbering depends on the rows only). A grouped state
//! keys its customers by (group code, id); its table is sorted by the
//! groups' values, column by column, then by id.

use std::cmp::Ordering;

use rayon::prelude::*;

use super::group_codes::{number_chunk, Local};
use super::keys::FastMap;
use crate::error::{Error, Result};
use crate::keys::StrColumn;
use crate::rfm::Names;

/// A batch's group column, as the Python layer passes it: integers (dates
/// and booleans too, as integers), floats, or text.
#[derive(Debug, Clone, Copy)]
pub enum GroupColumn<'a> {
    I64(&'a [i64]),
    U64(&'a [u64]),
    F64(&'a [f64]),
    Str(StrColumn<'a>),
}

impl GroupColumn<'_> {
    fn len(&self) -> usize {
        match self {
            GroupColumn::I64(v) => v.len(),
            GroupColumn::U64(v) => v.len(),
            GroupColumn::F64(v) => v.len(),
            GroupColumn::Str(c) => c.len(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            GroupColumn::I64(_) => "integers",
            GroupColumn::U64(_) => "unsigned integers",
            GroupColumn::F64(_) => "floats",
            GroupColumn::Str(_) => "text",
        }
    }

    /// Row `i`'s value appended to a group's key.
    #[inline]
    pub(super) fn encode(&self, i: usize, key: &mut Vec<u8>) {
        match self {
            GroupColumn::I64(v) => key.extend_from_slice(&v[i].to_le_bytes()),
            GroupColumn::U64(v) => key.extend_from_slice(&v[i].to_le_bytes()),
            GroupColumn::F64(v) => key.extend_from_slice(&canonical(v[i]).to_le_bytes()),
            GroupColumn::Str(c) => {
                let s = c.get(i);
                key.extend_from_slice(&(s.len() as u64).to_le_bytes());
                key.extend_from_slice(s);
            }
        }
    }
}

/// -0.0 is 0.0 (as pandas groups them).
#[inline]
fn canonical(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

/// One group column's value of each group, by group code.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupValues {
    I64(Vec<i64>),
    U64(Vec<u64>),
    F64(Vec<f64>),
    Str(Vec<Box<[u8]>>),
}

impl GroupValues {
    fn empty_like(col: &GroupColumn) -> GroupValues {
        match col {
            GroupColumn::I64(_) => GroupValues::I64(Vec::new()),
            GroupColumn::U64(_) => GroupValues::U64(Vec::new()),
            GroupColumn::F64(_) => GroupValues::F64(Vec::new()),
            GroupColumn::Str(_) => GroupValues::Str(Vec::new()),
        }
    }

    /// Groups held.
    pub(crate) fn len(&self) -> usize {
        match self {
            GroupValues::I64(v) => v.len(),
            GroupValues::U64(v) => v.len(),
            GroupValues::F64(v) => v.len(),
            GroupValues::Str(v) => v.len(),
        }
    }

    fn same_kind(&self, col: &GroupColumn) -> bool {
        matches!(
            (self, col),
            (GroupValues::I64(_), GroupColumn::I64(_))
                | (GroupValues::U64(_), GroupColumn::U64(_))
                | (GroupValues::F64(_), GroupColumn::F64(_))
                | (GroupValues::Str(_), GroupColumn::Str(_))
        )
    }

    fn push(&mut self, col: &GroupColumn, i: usize) {
        match (self, col) {
            (GroupValues::I64(v), GroupColumn::I64(c)) => v.push(c[i]),
            (GroupValues::U64(v), GroupColumn::U64(c)) => v.push(c[i]),
            (GroupValues::F64(v), GroupColumn::F64(c)) => v.push(f64::from_bits(canonical(c[i]))),
            (GroupValues::Str(v), GroupColumn::Str(c)) => v.push(c.get(i).into()),
            _ => {}
        }
    }

    fn cmp(&self, a: usize, b: usize) -> Ordering {
        match self {
            GroupValues::I64(v) => v[a].cmp(&v[b]),
            GroupValues::U64(v) => v[a].cmp(&v[b]),
            GroupValues::F64(v) => v[a].total_cmp(&v[b]),
            GroupValues::Str(v) => v[a].cmp(&v[b]),
        }
    }

    /// The values of the groups `codes`, in that order.
    pub fn take(&self, codes: &[u32]) -> GroupValues {
        let at = |c: &u32| *c as usize;
        match self {
            GroupValues::I64(v) => GroupValues::I64(codes.iter().map(|c| v[at(c)]).collect()),
            GroupValues::U64(v) => GroupValues::U64(codes.iter().map(|c| v[at(c)]).collect()),
            GroupValues::F64(v) => GroupValues::F64(codes.iter().map(|c| v[at(c)]).collect()),
            GroupValues::Str(v) => {
                GroupValues::Str(codes.iter().map(|c| v[at(c)].clone()).collect())
            }
        }
    }
}

/// The groups of a state: each group's values, and the map from a group's
/// key (its values' bytes) to its code.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    /// Group columns, as `by=` names them.
    pub(crate) width: usize,
    /// Per column, the value of each group (empty before the first batch).
    pub values: Vec<GroupValues>,
    index: FastMap<Box<[u8]>, u32>,
}

/// Rows per chunk of the parallel numbering.
const CHUNK: usize = 1 << 16;

impl Groups {
    pub(crate) fn new(width: usize) -> Groups {
        Groups {
            width,
            ..Groups::default()
        }
    }

    /// Groups seen.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Checks a batch's group columns (their number, kinds, lengths and
    /// missing values) without changing anything.
    pub(crate) fn check(&self, cols: &[GroupColumn], names: &Names, rows: usize) -> Result<()> {
        let name = |j: usize| {
            names
                .by
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("by[{j}]"))
        };
        if cols.len() != self.width {
            return Err(Error::option(
                "by",
                format!(
                    "the state has {} group column(s), the batch {}",
                    self.width,
                    cols.len()
                ),
            ));
        }
        for (j, col) in cols.iter().enumerate() {
            if col.len() != rows {
                return Err(Error::Length {
                    first: name(j),
                    first_len: col.len(),
                    other: names.customer_id.clone(),
                    other_len: rows,
                });
            }
            if let Some(seen) = self.values.get(j) {
                if !seen.same_kind(col) {
                    return Err(Error::Type {
                        column: name(j),
                        message: format!(
                            "the group values of this batch are {}, the earlier batches' another kind",
                            col.kind()
                        ),
                    });
                }
            }
            if let GroupColumn::F64(v) = col {
                if let Some(row) = v.par_iter().position_first(|x| x.is_nan()) {
                    return Err(Error::Missing {
                        column: name(j),
                        what: "nan".into(),
                        row,
                    });
                }
            }
        }
        Ok(())
    }

    /// The group code of every row (`check` has passed), new groups added.
    pub(crate) fn codes(&mut self, cols: &[GroupColumn], rows: usize) -> Vec<u32> {
        if self.values.is_empty() {
            self.values = cols.iter().map(GroupValues::empty_like).collect();
        }
        // Each chunk numbers its own groups, in the order of their first rows.
        let locals: Vec<Local> = (0..rows.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let start = c * CHUNK;
                let end = (start + CHUNK).min(rows);
                number_chunk(cols, start, end)
            })
            .collect();
        // Then the chunks' groups get the state's codes, chunk by chunk.
        let mut chunks = Vec::with_capacity(locals.len());
        for (codes, firsts) in locals {
            let global: Vec<u32> = firsts
                .into_iter()
                .map(|(key, row)| self.code(key, |values| push_row(values, cols, row)))
                .collect();
            chunks.push((codes, global));
        }
        let mut out = vec![0u32; rows];
        out.par_chunks_mut(CHUNK)
            .zip(chunks.par_iter())
            .for_each(|(out, (codes, global))| {
                for (o, &c) in out.iter_mut().zip(codes) {
                    *o = global.get(c as usize).copied().unwrap_or_default();
                }
            });
        out
    }

    /// The code of the group keyed `key`, added (its values by `add`) when new.
    fn code(&mut self, key: Box<[u8]>, add: impl FnOnce(&mut [GroupValues])) -> u32 {
        if let Some(&code) = self.index.get(&key) {
            return code;
        }
        let code = self.index.len() as u32;
        add(&mut self.values);
        self.index.insert(key, code);
        code
    }

    /// The codes here of another state's groups (added here), or an error
    /// when their kinds differ.
    pub(crate) fn absorb(&mut self, other: &Groups) -> Result<Vec<u32>> {
        let differ = || {
            Error::option(
                "merge",
                "the states' group columns differ in number or kind",
            )
        };
        if other.width != self.width {
            return Err(differ());
        }
        if other.values.is_empty() {
            return Ok(Vec::new());
        }
        if self.values.is_empty() {
            self.values = other.values.iter().map(|v| v.take(&[])).collect();
        }
        let kinds_match = self
            .values
            .iter()
            .zip(&other.values)
            .all(|(a, b)| std::mem::discriminant(a) == std::mem::discriminant(b));
        if !kinds_match {
            return Err(differ());
        }
        let n = other.len();
        Ok(with_columns(&other.values, |cols| self.codes(cols, n)))
    }

    /// The rank of each group code when the groups are sorted by their
    /// values, column by column.
    pub(crate) fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            self.values
                .iter()
                .map(|v| v.cmp(a as usize, b as usize))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        let mut rank = vec![0u32; order.len()];
        for (r, &code) in order.iter().enumerate() {
            rank[code as usize] = r as u32;
        }
        rank
    }

    /// The groups' values in rank order (`ranks`' inverse applied).
    pub(crate) fn sorted_values(&self, ranks: &[u32]) -> Vec<GroupValues> {
        let mut by_rank = vec![0u32; ranks.len()];
        for (code, &r) in ranks.iter().enumerate() {
            by_rank[r as usize] = code as u32;
        }
        self.values.iter().map(|v| v.take(&by_rank)).collect()
    }
}

fn push_row(values: &mut [GroupValues], cols: &[GroupColumn], row: usize) {
    for (v, col) in values.iter_mut().zip(cols) {
        v.push(col, row);
    }
}

/// Runs `f` on owned values as columns.
pub(crate) fn with_columns<R>(values: &[GroupValues], f: impl FnOnce(&[GroupColumn]) -> R) -> R {
    let buffers: Vec<Option<crate::keys::StrBuffer>> = values
        .iter()
        .map(|v| match v {
            GroupValues::Str(s) => Some(super::keys::buffer(s)),
            _ => None,
        })
        .collect();
    let cols: Vec<GroupColumn> = values
        .iter()
        .zip(&buffers)
        .map(|(v, b)| match (v, b) {
            (GroupValues::I64(x), _) => GroupColumn::I64(x),
            (GroupValues::U64(x), _) => GroupColumn::U64(x),
            (GroupValues::F64(x), _) => GroupColumn::F64(x),
            (_, Some(b)) => GroupColumn::Str(b.column()),
            (GroupValues::Str(_), None) => GroupColumn::I64(&[]),
        })
        .collect();
    f(&cols)
}
