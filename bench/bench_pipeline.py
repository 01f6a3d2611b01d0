"""rfmkit.rfm() against its three steps, rfm_table -> score -> segment, and
where the time of each step goes (run by hand, not a test).

    python bench/bench_pipeline.py                       # 10M transactions / 1M customers
    python bench/bench_pipeline.py --rows 1000000 --customers 100000

The "core only" rows call the compiled functions the steps call (score cut
points and binning, segment matching) on arrays prepared outside the timing:
what a single pass through the core could at best cost, against what the
Python steps cost around it. The "copy" row is one copy of the per-customer
table, the unit of what pandas spends on building frames.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import numpy as np
import rfmkit
from rfmkit import _core


def median_time(fn, repeat: int) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def core_scores(values: dict[str, np.ndarray]) -> list[np.ndarray]:
    """score()'s core calls for 5 quantile levels: fit and apply per dimension."""
    out = []
    for dim, v in values.items():
        cut_points = _core.score_fit(v, "quantile", 5, dim == "recency", None, dim)
        out.append(cut_points.apply(v, dim))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--scheme", default="rfm11")
    args = p.parse_args()
    warnings.simplefilter("ignore", rfmkit.RFMWarning)
    tx = rfmkit.datasets.make_transactions(args.rows, args.customers, seed=0)
    table = rfmkit.rfm_table(tx)
    scored = rfmkit.score(table)
    assert rfmkit.rfm(tx, scheme=args.scheme).equals(rfmkit.segment(scored, args.scheme))

    values = {
        d: np.ascontiguousarray(table[d].to_numpy(np.float64)) for d in ("recency", "frequency", "monetary")
    }
    scores = [np.ascontiguousarray(s) for s in core_scores(values)]
    scheme = rfmkit.Scheme.builtin(args.scheme)
    levels = [5, 5, 5]

    # The three steps timed one after the other on fresh outputs, rfm() in
    # the same loop (interleaved, so that the load of a shared machine hits both).
    runs: dict[str, list[float]] = {k: [] for k in ("rfm_table", "score", "segment", "three steps", "rfm()")}
    for i in range(args.repeat + 1):
        t0 = time.perf_counter()
        t = rfmkit.rfm_table(tx)
        t1 = time.perf_counter()
        sc = rfmkit.score(t)
        t2 = time.perf_counter()
        rfmkit.segment(sc, args.scheme)
        t3 = time.perf_counter()
        del t, sc
        t4 = time.perf_counter()
        rfmkit.rfm(tx, scheme=args.scheme)
        t5 = time.perf_counter()
        if i:  # the first run is a warm-up
            for k, v in zip(runs, (t1 - t0, t2 - t1, t3 - t2, t3 - t0, t5 - t4), strict=True):
                runs[k].append(v)
    steps = {f"{k}, in the pipeline": statistics.median(v) for k, v in runs.items()}
    parts = {
        "score alone (same table each run)": median_time(lambda: rfmkit.score(table), args.repeat),
        "score: core only (fit + apply, 3 dimensions)": median_time(lambda: core_scores(values), args.repeat),
        "segment alone (same table each run)": median_time(
            lambda: rfmkit.segment(scored, args.scheme), args.repeat
        ),
        "segment: core only (CompiledScheme.assign)": median_time(
            lambda: scheme._compiled.assign(*scores, levels), args.repeat
        ),
        "segment(..., explain=True)": median_time(
            lambda: rfmkit.segment(scored, args.scheme, explain=True), args.repeat
        ),
        "copy of the rfm_table output": median_time(lambda: table.copy(), args.repeat),
    }
    total = {"rfm()": steps["rfm(), in the pipeline"]}
    base = total["rfm()"]
    print(
        f"{args.rows:,} transactions, {len(table):,} customers, scheme {args.scheme}; "
        f"rfmkit {rfmkit.__version__}; median of {args.repeat} after a warm-up\n"
    )
    print("| step | median s | share of rfm() |")
    print("|---|---|---|")
    for name, s in {**steps, **parts}.items():
        print(f"| {name} | {s:.3f} | {s / base:.0%} |")
    print(json.dumps({k: round(v, 4) for k, v in {**steps, **parts}.items()}))


if __name__ == "__main__":
    main()
