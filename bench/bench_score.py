"""Scoring 1M customers: rfmkit.score against the pandas qcut(rank) recipe and
DuckDB NTILE, in one process on the same table, and segmenting them (run by
hand, not a test).

    python bench/bench_score.py                  # table from 10M transactions / 1M customers
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import duckdb
import pandas as pd
import rfmkit


def median_time(fn, repeat: int) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def pandas_recipe(t: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """The recipe in most tutorials: qcut of the first-rank, so it never fails
    on ties, at the price of giving equal customers different scores."""
    out = t.copy()
    labels = list(range(1, k + 1))
    out["r_score"] = pd.qcut(t["recency"].rank(method="first"), k, labels=labels[::-1]).astype(int)
    out["f_score"] = pd.qcut(t["frequency"].rank(method="first"), k, labels=labels).astype(int)
    out["m_score"] = pd.qcut(t["monetary"].rank(method="first"), k, labels=labels).astype(int)
    out["rfm_score"] = out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    out["rfm_total"] = out[["r_score", "f_score", "m_score"]].sum(axis=1)
    return out


SQL = """
SELECT customer_id,
       ntile(5) OVER (ORDER BY recency DESC, customer_id) AS r_score,
       ntile(5) OVER (ORDER BY frequency, customer_id) AS f_score,
       ntile(5) OVER (ORDER BY monetary, customer_id) AS m_score
FROM t
"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    warnings.simplefilter("ignore", rfmkit.RFMWarning)
    tx = rfmkit.datasets.make_transactions(args.rows, args.customers, seed=0)
    table_time = median_time(lambda: rfmkit.rfm_table(tx), args.repeat)
    t = rfmkit.rfm_table(tx)
    con = duckdb.connect()
    con.register("t", t)
    times = {
        "rfmkit.score quantile": median_time(lambda: rfmkit.score(t), args.repeat),
        "rfmkit.score ntile": median_time(lambda: rfmkit.score(t, method="ntile"), args.repeat),
        "pandas qcut(rank(first))": median_time(lambda: pandas_recipe(t), args.repeat),
        "DuckDB NTILE": median_time(lambda: con.sql(SQL).to_arrow_table(), args.repeat),
    }
    scored = rfmkit.score(t)
    times["rfmkit.segment rfm11 (issue 4)"] = median_time(lambda: rfmkit.segment(scored), args.repeat)
    print(
        f"{len(t):,} customers (from {args.rows:,} transactions; rfm_table took "
        f"{table_time:.3f} s); median of {args.repeat}\n"
    )
    print("| method | median s | x rfmkit quantile | share of rfm_table time |")
    print("|---|---|---|---|")
    base = times["rfmkit.score quantile"]
    for name, s in times.items():
        print(f"| {name} | {s:.3f} | {s / base:.1f} | {s / table_time:.0%} |")


if __name__ == "__main__":
    main()
