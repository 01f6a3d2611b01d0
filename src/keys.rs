//! Key columns: customer ids and order ids as the core sees them.
//!
//! Integer ids are borrowed slices; string ids use the Arrow layout (an
//! offsets array and one byte buffer), either borrowed from an Arrow array or
//! built once from Python strings by the bindings.

use crate::error::{Error, Result};

/// Offsets into a string buffer, 32- or 64-bit as in Arrow's string and
/// large_string arrays.
#[derive(Debug, Clone, Copy)]
pub enum Offsets<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl Offsets<'_> {
    fn len(&self) -> usize {
        match self {
            Offsets::I32(o) => o.len(),
            Offsets::I64(o) => o.len(),
        }
    }

    #[inline]
    fn at(&self, i: usize) -> i64 {
        match self {
            Offsets::I32(o) => i64::from(o[i]),
            Offsets::I64(o) => o[i],
        }
    }
}

/// A column of byte strings in the Arrow layout: value `i` is
/// `data[offsets[i]..offsets[i + 1]]`. Construction validates the offsets, so
/// [`StrColumn::get`] cannot go out of bounds.
#[derive(Debug, Clone, Copy)]
pub struct StrColumn<'a> {
    offsets: Offsets<'a>,
    data: &'a [u8],
}

impl<'a> StrColumn<'a> {
    /// Checks that the offsets are non-decreasing and inside `data`.
    pub fn new(offsets: Offsets<'a>, data: &'a [u8], column: &str) -> Result<Self> {
        let bad = |message: String| Error::Type {
            column: column.to_string(),
            message,
        };
        if offsets.len() == 0 {
            return Err(bad("string offsets are empty".into()));
        }
        let mut prev = offsets.at(0);
        if prev < 0 {
            return Err(bad(format!("string offset {prev} is negative")));
        }
        for i in 1..offsets.len() {
            let cur = offsets.at(i);
            if cur < prev {
                return Err(bad(format!("string offsets decrease at position {i}")));
            }
            prev = cur;
        }
        if prev as u64 > data.len() as u64 {
            return Err(bad(format!(
                "string offsets end at {prev}, past the {} bytes of data",
                data.len()
            )));
        }
        Ok(StrColumn { offsets, data })
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the column holds no strings.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hints that string `i` will be read soon (its offsets).
    pub(crate) fn prefetch(&self, i: usize) {
        match self.offsets {
            Offsets::I32(o) => crate::group::prefetch(&o[i]),
            Offsets::I64(o) => crate::group::prefetch(&o[i]),
        }
    }

    /// Hints that the bytes of string `i` will be read soon (reads its
    /// offset, so prefetch that first).
    #[inline]
    pub(crate) fn prefetch_bytes(&self, i: usize) {
        if let Some(b) = self.data.get(self.offsets.at(i) as usize) {
            crate::group::prefetch(b);
        }
    }

    /// The bytes of string `i` (`i < len()`).
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        let (a, b) = (self.offsets.at(i) as usize, self.offsets.at(i + 1) as usize);
        &self.data[a..b]
    }
}

/// An owned string column, built by the bindings from Python `str` objects.
#[derive(Debug, Clone)]
pub struct StrBuffer {
    pub offsets: Vec<i64>,
    pub data: Vec<u8>,
}

impl Default for StrBuffer {
    fn default() -> Self {
        StrBuffer::with_capacity(0)
    }
}

impl StrBuffer {
    /// An empty buffer with room for `n` strings.
    pub fn with_capacity(n: usize) -> Self {
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        StrBuffer {
            offsets,
            data: Vec::with_capacity(n * 8),
        }
    }

    /// Appends one string.
    pub fn push(&mut self, s: &[u8]) {
        self.data.extend_from_slice(s);
        self.offsets.push(self.data.len() as i64);
    }

    /// A borrowed view (always valid: offsets were built by `push`).
    pub fn column(&self) -> StrColumn<'_> {
        StrColumn {
            offsets: Offsets::I64(&self.offsets),
            data: &self.data,
        }
    }
}

/// A column of keys (customer ids or order ids).
#[derive(Debug, Clone, Copy)]
pub enum KeyColumn<'a> {
    I64(&'a [i64]),
    U64(&'a [u64]),
    Str(StrColumn<'a>),
}

impl KeyColumn<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            KeyColumn::I64(v) => v.len(),
            KeyColumn::U64(v) => v.len(),
            KeyColumn::Str(s) => s.len(),
        }
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The sorted distinct keys of a result, in the type they came in.
#[derive(Debug, Clone)]
pub enum SortedKeys {
    I64(Vec<i64>),
    U64(Vec<u64>),
    Str(StrBuffer),
}

impl SortedKeys {
    /// Number of keys.
    pub fn len(&self) -> usize {
        match self {
            SortedKeys::I64(v) => v.len(),
            SortedKeys::U64(v) => v.len(),
            SortedKeys::Str(v) => v.offsets.len() - 1,
        }
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A 64-bit hash of an integer key (the finaliser of SplitMix64): cheap, and
/// mixes every input bit into the top bits used to pick a partition.
#[inline]
pub(crate) fn hash_u64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 64-bit hash of a byte string: eight bytes at a time, then mixed.
#[inline]
pub(crate) fn hash_bytes(s: &[u8]) -> u64 {
    let mut h: u64 = s.len() as u64;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    hash_u64(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_column_validates_offsets() {
        let data = b"abcde";
        assert!(StrColumn::new(Offsets::I64(&[0, 2, 5]), data, "id").is_ok());
        assert!(StrColumn::new(Offsets::I64(&[0, 3, 2]), data, "id").is_err());
        assert!(StrColumn::new(Offsets::I32(&[0, 6]), data, "id").is_err());
        assert!(StrColumn::new(Offsets::I32(&[-1, 2]), data, "id").is_err());
        assert!(StrColumn::new(Offsets::I32(&[]), data, "id").is_err());
        let c = StrColumn::new(Offsets::I32(&[1, 1, 5]), data, "id").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(0), b"");
        assert_eq!(c.get(1), b"bcde");
    }

    #[test]
    fn hashes_differ_on_length_and_content() {
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
        assert_ne!(hash_bytes(b"abcdefgh1"), hash_bytes(b"abcdefgh2"));
        assert_ne!(hash_u64(1), hash_u64(2));
    }
}
