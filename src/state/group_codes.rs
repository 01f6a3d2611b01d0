//! How a chunk of rows numbers its groups: from 0, in the order of their
//! first rows (the state then gives each chunk's groups its own codes).

use super::groups::GroupColumn;
use super::keys::FastMap;

/// A chunk's group codes (numbered from 0 in the chunk) and each of its
/// groups' key and first row.
pub(super) type Local = (Vec<u32>, Vec<(Box<[u8]>, usize)>);

/// Up to this many groups in a chunk, a row's group is found by comparing
/// its key with theirs, not by hashing it.
const FEW: usize = 8;

/// The group codes of rows `start..end` and the chunk's groups.
pub(super) fn number_chunk(cols: &[GroupColumn], start: usize, end: usize) -> Local {
    if let Some(local) = small_ints(cols, start, end) {
        return local;
    }
    let mut map: FastMap<Box<[u8]>, u32> = FastMap::default();
    let mut firsts: Vec<(Box<[u8]>, usize)> = Vec::new();
    let mut key = Vec::new();
    let codes = (start..end)
        .map(|i| {
            key.clear();
            cols.iter().for_each(|col| col.encode(i, &mut key));
            if firsts.len() <= FEW {
                let seen = firsts.iter().position(|(k, _)| **k == *key.as_slice());
                if let Some(code) = seen {
                    return code as u32;
                }
            } else if let Some(&code) = map.get(key.as_slice()) {
                return code;
            }
            let code = firsts.len() as u32;
            map.insert(key.as_slice().into(), code);
            firsts.push((key.as_slice().into(), i));
            code
        })
        .collect();
    (codes, firsts)
}

/// The fast case of one integer column of few distinct values (category
/// codes, flags): its chunk numbered through an array, not a hash map.
fn small_ints(cols: &[GroupColumn], start: usize, end: usize) -> Option<Local> {
    const SPAN: i64 = 1 << 12;
    let [GroupColumn::I64(v)] = cols else {
        return None;
    };
    let chunk = v.get(start..end)?;
    let lo = *chunk.iter().min()?;
    let hi = *chunk.iter().max()?;
    if hi.checked_sub(lo).is_none_or(|d| d >= SPAN) {
        return None;
    }
    let mut table = vec![u32::MAX; (hi - lo + 1) as usize];
    let mut firsts = Vec::new();
    let codes = chunk
        .iter()
        .enumerate()
        .map(|(k, &x)| {
            let slot = &mut table[(x - lo) as usize];
            if *slot == u32::MAX {
                *slot = firsts.len() as u32;
                firsts.push((Box::from(&x.to_le_bytes()[..]), start + k));
            }
            *slot
        })
        .collect();
    Some((codes, firsts))
}
