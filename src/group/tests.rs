use super::access::StrKey;
use super::*;
use crate::accumulate::Rows;
use crate::calendar::Time;
use crate::keys::StrBuffer;
use crate::scan::Amounts;

/// Distinct row numbers: counts rows, like `frequency="rows"`.
const ROWS: DistinctBy<fn(usize) -> u64> = DistinctBy(row_number);

fn row_number(i: usize) -> u64 {
    i as u64
}

fn rows<'a>(ts: &'a [i64], amt: &'a [i64]) -> Rows<'a> {
    Rows {
        time: Time::Naive {
            ts,
            ticks_per_day: 1,
        },
        amounts: Amounts::I64(amt),
        cutoff: i64::MAX,
        window_start: i64::MIN,
        exclude_returns: false,
    }
}

#[test]
fn partitioned_sorts_keys_and_counts() {
    let ids: &[i64] = &[30, -5, 30, 7, -5, 30];
    let ts = [1, 2, 3, 4, 5, 6];
    let amt = [1, 2, 3, 4, 5, 6];
    let g = fold_partitioned(&ids, &rows(&ts, &amt), &ROWS);
    assert!(matches!(&g.keys, SortedKeys::I64(k) if k == &[-5, 7, 30]));
    let counts: Vec<u32> = g.accs.iter().map(|a| a.count).collect();
    assert_eq!(counts, [2, 1, 3]);
    assert_eq!(g.accs[2].money.to_f64(), 10.0);
}

#[test]
fn string_keys_sort_by_bytes() {
    let words: Vec<&[u8]> = vec![
        b"b",
        b"a",
        b"ab\0",
        b"ab",
        b"",
        b"abcdefghijklmnopq2",
        b"abcdefghijklmnopq1",
        b"\xff",
        b"abcdefghijklmnop",
    ];
    let mut buf = StrBuffer::with_capacity(words.len());
    words.iter().for_each(|w| buf.push(w));
    let col = buf.column();
    let ts = vec![0i64; words.len()];
    let amt = vec![1i64; words.len()];
    let g = fold_partitioned(&col, &rows(&ts, &amt), &ROWS);
    let mut want = words.clone();
    want.sort();
    let SortedKeys::Str(got) = g.keys else {
        panic!("string keys")
    };
    let got: Vec<&[u8]> = (0..got.column().len())
        .map(|i| got.column().get(i))
        .collect();
    assert_eq!(got, want);
    assert_eq!(StrKey::new(b"ab"), StrKey::new(b"ab"));
    assert_ne!(StrKey::new(b"ab"), StrKey::new(b"ab\0"));
    assert_ne!(
        StrKey::new(b"abcdefghijklmnopq1"),
        StrKey::new(b"abcdefghijklmnopq2")
    );
}

#[test]
fn distinct_counts_days() {
    let ids: &[u64] = &[1, 1, 1, 2];
    let ts = [10, 10, 11, 10];
    let amt = [1, 1, 1, 1];
    let g = fold_partitioned(&ids, &rows(&ts, &amt), &DistinctBy(|i| ts[i] as u64));
    let counts: Vec<u32> = g.accs.iter().map(|a| a.count).collect();
    assert_eq!(counts, [2, 1]);
}

#[test]
fn dense_matches_partitioned() {
    let n = 200_000;
    let ids: Vec<i64> = (0..n).map(|i| (i * 7919 % 1000) as i64).collect();
    let ts: Vec<i64> = (0..n).map(|i| (i % 97) as i64).collect();
    let amt: Vec<i64> = (0..n).map(|i| (i % 13) as i64 - 2).collect();
    let r = rows(&ts, &amt);
    let dense = fold_dense(&r, 1000, 3, |i| ids[i] as usize);
    let single = fold_dense(&r, 1000, 1, |i| ids[i] as usize);
    for (a, b) in dense.iter().zip(&single) {
        assert_eq!(
            (a.first_ts, a.last_ts, a.count, a.money),
            (b.first_ts, b.last_ts, b.count, b.money)
        );
    }
    let part = fold_partitioned(&ids.as_slice(), &r, &ROWS);
    assert_eq!(part.keys.len(), 1000);
    for (a, b) in dense.iter().zip(&part.accs) {
        assert_eq!(
            (a.first_ts, a.last_ts, a.count),
            (b.first_ts, b.last_ts, b.count)
        );
        assert_eq!(a.money, b.money);
    }
}
