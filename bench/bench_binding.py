"""Per-call overhead of the score and segment bindings on small tables (run by hand).

    python bench/bench_binding.py                 # 1,000 customers
    python bench/bench_binding.py --customers 10000

segment() and RFMScorer.transform() on a table of a thousand customers are
dominated by what happens around the compiled work: reading the score
columns, crossing into the core, building the categoricals. The "core only"
rows are the compiled call alone on prepared arrays. All rows are medians of
many calls in one process.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import rfmkit
from rfmkit import _core


def per_call(fn, repeat: int, number: int) -> float:
    """Median seconds per call over `repeat` batches of `number` calls."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return statistics.median(runs)


def core_rows(scheme: rfmkit.Scheme, scores: list[np.ndarray], values: np.ndarray) -> dict:
    """The compiled calls segment() and transform() make, whichever binding is built."""
    if hasattr(_core, "segment_assign"):  # JSON strings parsed on every call
        text = scheme._json
        edges = _core.score_fit(values, "quantile", 5, False, None, "monetary")
        return {
            "segment: core call (segment_assign, JSON scheme)": lambda: _core.segment_assign(
                text, *scores, [5, 5, 5]
            ),
            "score: core call (score_apply, JSON edges)": lambda: _core.score_apply(
                values, edges, "monetary"
            ),
        }
    compiled = scheme._compiled
    cuts = _core.score_fit(values, "quantile", 5, False, None, "monetary")
    return {
        "segment: core call (CompiledScheme.assign)": lambda: compiled.assign(*scores, [5, 5, 5]),
        "score: core call (CutPoints.apply)": lambda: cuts.apply(values, "monetary"),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--customers", type=int, default=1_000)
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--number", type=int, default=200)
    args = p.parse_args()
    warnings.simplefilter("ignore", rfmkit.RFMWarning)
    tx = rfmkit.datasets.make_transactions(args.customers * 8, args.customers, seed=0)
    table = rfmkit.rfm_table(tx)
    scored = rfmkit.score(table)
    scheme = rfmkit.Scheme.builtin("rfm11")
    scores = [np.ascontiguousarray(scored[c].to_numpy(np.uint8)) for c in ("r_score", "f_score", "m_score")]
    values = np.ascontiguousarray(table["monetary"].to_numpy(np.float64))
    scorer = rfmkit.RFMScorer().fit(table)
    rows = {
        "segment(scored, 'rfm11')": lambda: rfmkit.segment(scored, "rfm11"),
        "Scheme.explain(5, 4, 5)": lambda: scheme.explain(5, 4, 5),
        "RFMScorer.transform(table)": lambda: scorer.transform(table),
        **core_rows(scheme, scores, values),
    }
    runs = f"median of {args.repeat} x {args.number} calls"
    print(f"{len(table):,} customers; rfmkit {rfmkit.__version__}; {runs}\n")
    print("| call | µs per call |")
    print("|---|---|")
    for name, fn in rows.items():
        print(f"| {name} | {per_call(fn, args.repeat, args.number) * 1e6:.1f} |")


if __name__ == "__main__":
    main()
