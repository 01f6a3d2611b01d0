"""RFMState and SummaryState against one in-memory call, on the same data, in one process.

Times (medians of a few runs, after a warm-up):
- rfm_table on the whole frame, and an RFMState fed the same rows in 10 batches then finished;
- merging two states of about 1M customers each (and finishing the merge);
- to_arrow / from_arrow and pickle of a state of 1M customers;
- rfm_summary and a SummaryState fed in 10 batches.

    python bench/bench_state.py            # 10M rows / 1M customers
    python bench/bench_state.py --rows 1000000 --customers 100000
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import time
import warnings

import rfmkit


def median_time(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", rfmkit.RFMWarning)
    tx = rfmkit.datasets.make_transactions(args.rows, args.customers, seed=0)
    step = -(-len(tx) // 10)
    batches = [tx.iloc[i : i + step] for i in range(0, len(tx), step)]

    def streamed():
        state = rfmkit.RFMState()
        for b in batches:
            state.update(b)
        return state.finish()

    assert streamed().equals(rfmkit.rfm_table(tx))
    one = median_time(lambda: rfmkit.rfm_table(tx), args.runs)
    batched = median_time(streamed, args.runs)
    half = len(tx) // 2
    a = rfmkit.RFMState().update(tx.iloc[:half])
    b = rfmkit.RFMState().update(tx.iloc[half:])
    merge = median_time(lambda: a.merge(b), args.runs)
    merged = a.merge(b)
    finish = median_time(merged.finish, args.runs)
    to_arrow = median_time(merged.to_arrow, args.runs)
    saved = merged.to_arrow()
    from_arrow = median_time(lambda: rfmkit.RFMState.from_arrow(saved), args.runs)
    pickled = median_time(lambda: pickle.loads(pickle.dumps(merged)), args.runs)

    cols = ("customer_id", "date", "amount")

    def summary_streamed():
        state = rfmkit.SummaryState(*cols)
        for batch in batches:
            state.update(batch)
        return state.finish()

    assert summary_streamed().equals(rfmkit.rfm_summary(tx, *cols))
    summary_one = median_time(lambda: rfmkit.rfm_summary(tx, *cols), args.runs)
    summary_batched = median_time(summary_streamed, args.runs)

    halves = f"{len(a):,} and {len(b):,}"
    print(f"{len(tx):,} rows, {len(merged):,} customers (the halves: {halves}); median of {args.runs}")
    print("| operation | median s | ratio |")
    print("|---|---|---|")
    print(f"| rfm_table, one call | {one:.3f} | 1.0 |")
    print(f"| RFMState, 10 batches + finish | {batched:.3f} | {batched / one:.2f}x rfm_table |")
    print(f"| merge of two states | {merge:.3f} | |")
    print(f"| finish of the merged state | {finish:.3f} | |")
    print(f"| to_arrow / from_arrow | {to_arrow:.3f} / {from_arrow:.3f} | |")
    print(f"| pickle round trip | {pickled:.3f} | |")
    print(f"| rfm_summary, one call | {summary_one:.3f} | 1.0 |")
    ratio = summary_batched / summary_one
    print(f"| SummaryState, 10 batches + finish | {summary_batched:.3f} | {ratio:.2f}x rfm_summary |")


if __name__ == "__main__":
    main()
