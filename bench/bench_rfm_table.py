"""rfm_table against the tools data scientists use today, on the same data.

Run by hand (it is not a test):

    pip install ".[bench]"
    python bench/bench_rfm_table.py                 # 10M transactions, 1M customers
    python bench/bench_rfm_table.py --rows 1000000 --customers 100000

Times are medians of ``--repeat`` runs in this process; "x rfmkit" is the
peer's median divided by rfmkit's. Peak memory is measured per method in a
fresh subprocess: the highest resident set size, sampled every millisecond
while the method runs, minus the resident size just before it.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import threading
import time

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import rfmkit

SQL = """
SELECT customer_id,
       date_diff('day', max(date)::DATE, (SELECT max(date)::DATE FROM tx)) AS recency,
       count(*) AS frequency, sum(amount) AS monetary,
       min(date) AS first_purchase, max(date) AS last_purchase
FROM tx GROUP BY customer_id ORDER BY customer_id
"""


def make_data(rows: int, customers: int, ids: str) -> pd.DataFrame:
    return rfmkit.datasets.make_transactions(rows, customers, seed=0, string_ids=ids == "str")


def input_bytes(df: pd.DataFrame) -> int:
    return int(sum(df[c].array.nbytes for c in ("customer_id", "date", "amount")))


def methods(df: pd.DataFrame) -> dict:
    """name -> zero-argument callable computing the per-customer table."""
    pl_df = pl.from_pandas(df)
    con = duckdb.connect()
    con.register("tx", df)

    def pandas_recipe():
        as_of = df["date"].max().normalize()
        g = df.groupby("customer_id", sort=True).agg(
            last_purchase=("date", "max"),
            first_purchase=("date", "min"),
            frequency=("date", "size"),
            monetary=("amount", "sum"),
        )
        g["recency"] = (as_of - g["last_purchase"].dt.normalize()).dt.days
        return g

    def polars_recipe():
        as_of = pl_df["date"].max().date()
        return (
            pl_df.group_by("customer_id")
            .agg(
                pl.col("date").max().alias("last_purchase"),
                pl.col("date").min().alias("first_purchase"),
                pl.len().alias("frequency"),
                pl.col("amount").sum().alias("monetary"),
            )
            .sort("customer_id")
            .with_columns(recency=(pl.lit(as_of) - pl.col("last_purchase").dt.date()).dt.total_days())
        )

    return {
        "rfmkit.rfm_table": lambda: rfmkit.rfm_table(df),
        "pandas groupby": pandas_recipe,
        "polars group_by": polars_recipe,
        "DuckDB GROUP BY": lambda: con.sql(SQL).to_arrow_table(),
    }


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def peak_memory(fn) -> int:
    gc.collect()
    base = rss()
    peak = base
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss())
            time.sleep(0.001)

    t = threading.Thread(target=sample)
    t.start()
    fn()
    done.set()
    t.join()
    return max(peak, rss()) - base


def memory_child(args) -> None:
    df = make_data(args.rows, args.customers, args.ids)
    fn = methods(df)[args.memory]
    print(json.dumps({"peak": peak_memory(fn), "input": input_bytes(df)}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--ids", default="int,str")
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--memory", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.memory:
        memory_child(args)
        return

    print(
        f"{args.rows:,} transactions, {args.customers:,} customers; "
        f"rfmkit {rfmkit.__version__}, pandas {pd.__version__}, polars {pl.__version__}, "
        f"duckdb {duckdb.__version__}; median of {args.repeat}\n"
    )
    for ids in args.ids.split(","):
        df = make_data(args.rows, args.customers, ids)
        fns = methods(df)
        ours = rfmkit.rfm_table(df)
        duck = fns["DuckDB GROUP BY"]().to_pandas()
        # Same work: monetary nets returns in both, so the sums agree.
        assert np.allclose(ours["monetary"].sum(), duck["monetary"].sum(), rtol=1e-9)
        times = {}
        for name, fn in fns.items():
            fn()  # warm up
            runs = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                fn()
                runs.append(time.perf_counter() - t0)
            times[name] = statistics.median(runs)
        mem = {}
        if not args.no_memory:
            for name in fns:
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--rows",
                        str(args.rows),
                        "--customers",
                        str(args.customers),
                        "--ids",
                        ids,
                        "--memory",
                        name,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                mem[name] = json.loads(out.stdout)
        print(f"{ids} ids: input columns {input_bytes(df) / 2**20:,.0f} MiB")
        print("| method | median s | x rfmkit | peak extra memory | x input |")
        print("|---|---|---|---|---|")
        base = times["rfmkit.rfm_table"]
        for name, t in times.items():
            m = mem.get(name)
            mem_cols = f"{m['peak'] / 2**20:,.0f} MiB | {m['peak'] / m['input']:.2f}" if m else "- | -"
            print(f"| {name} | {t:.3f} | {t / base:.1f} | {mem_cols} |")
        print()


if __name__ == "__main__":
    main()
