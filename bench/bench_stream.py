"""Out of core: the per-customer table from Parquet files on disk, streamed.

Writes ``--rows`` transactions of ``--customers`` customers (int64 ids, microsecond
dates, float amounts) to ``--files`` Parquet files, then runs each method in a fresh
subprocess and reports its wall time (after the imports) and its peak resident set
(``VmHWM``; Arrow on the system allocator, so that its arena does not count):

- rfmkit streamed: ``rfmkit.rfm_table("<dir>")``, batch by batch into an RFMState;
- DuckDB SQL: ``GROUP BY customer_id`` over ``read_parquet('<dir>/*.parquet')``;
- polars streaming: ``scan_parquet(...).group_by(...).agg(...).collect(engine="streaming")``;
- rfmkit in memory: ``rfmkit.rfm_table(pyarrow.parquet.read_table("<dir>"))``.

All four give recency, frequency (rows), monetary, first and last purchase per customer,
sorted by id. The streamed table is checked to equal the in-memory one, bit for bit.

    python bench/bench_stream.py                         # 20M rows / 2M customers
    python bench/bench_stream.py --rows 100000000 --customers 10000000   # the issue's target
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

SQL = """
SELECT customer_id,
       date_diff('day', max(date)::DATE, (SELECT max(date)::DATE FROM read_parquet('{glob}'))) AS recency,
       count(*) AS frequency, sum(amount) AS monetary,
       min(date) AS first_purchase, max(date) AS last_purchase
FROM read_parquet('{glob}') GROUP BY customer_id ORDER BY customer_id
"""

METHODS = ("rfmkit streamed", "DuckDB SQL", "polars streaming", "rfmkit in memory")


def write_data(path: str, rows: int, customers: int, files: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    schema = pa.schema([("customer_id", pa.int64()), ("date", pa.timestamp("us")), ("amount", pa.float64())])
    start = np.datetime64("2022-01-01", "us").astype(np.int64)
    span = 3 * 365 * 86_400 * 10**6
    per_file = -(-rows // files)
    for i in range(files):
        n_file = min(per_file, rows - i * per_file)
        with pq.ParquetWriter(os.path.join(path, f"part-{i:04d}.parquet"), schema) as writer:
            for lo in range(0, n_file, 2_000_000):
                n = min(2_000_000, n_file - lo)
                writer.write_table(
                    pa.table(
                        {
                            "customer_id": rng.integers(0, customers, n),
                            "date": pa.array(start + rng.integers(0, span, n), pa.timestamp("us")),
                            "amount": rng.integers(-1_000, 50_000, n) / 100,
                        },
                        schema=schema,
                    ),
                    row_group_size=500_000,
                )


def worker(method: str, path: str) -> None:
    """One method, timed, in this (fresh) process; prints a JSON line."""

    import duckdb
    import polars as pl
    import pyarrow.parquet as pq
    import rfmkit

    glob = os.path.join(path, "*.parquet")
    start = time.perf_counter()
    if method == "rfmkit streamed":
        out = rfmkit.rfm_table(path, progress=False)
    elif method == "rfmkit in memory":
        out = rfmkit.rfm_table(pq.read_table(path))
    elif method == "DuckDB SQL":
        out = duckdb.connect().sql(SQL.format(glob=glob)).to_arrow_table()
    else:
        lazy = pl.scan_parquet(glob)
        as_of = lazy.select(pl.col("date").max()).collect(engine="streaming").item().date()
        out = (
            lazy.group_by("customer_id")
            .agg(
                pl.col("date").max().alias("last_purchase"),
                pl.col("date").min().alias("first_purchase"),
                pl.len().alias("frequency"),
                pl.col("amount").sum().alias("monetary"),
            )
            .sort("customer_id")
            .with_columns(recency=(pl.lit(as_of) - pl.col("last_purchase").dt.date()).dt.total_days())
            .collect(engine="streaming")
        )
    seconds = time.perf_counter() - start
    digest = None
    if method.startswith("rfmkit"):
        import hashlib

        import pandas as pd

        digest = hashlib.sha256(pd.util.hash_pandas_object(out, index=False).to_numpy().tobytes()).hexdigest()
    # VmHWM, this process's own high-water mark: ru_maxrss would carry over the resident set
    # of the parent (which made the data) through fork and exec.
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "customers": len(out), "digest": digest}))


def measure(method: str, path: str) -> dict:
    env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system"}
    done = subprocess.run(
        [sys.executable, __file__, "--worker", method, path], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1, help="runs per method (the fastest is kept)")
    parser.add_argument("--dir", help="an existing directory of the data (else a temporary one)")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    with tempfile.TemporaryDirectory(prefix="rfmkit-bench-") as tmp:
        path = args.dir or tmp
        if not any(name.endswith(".parquet") for name in os.listdir(path)):
            start = time.perf_counter()
            write_data(path, args.rows, args.customers, args.files)
            print(f"wrote {args.rows:,} rows in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        size = sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path)) / 2**20
        results = {}
        for method in METHODS:
            runs = [measure(method, path) for _ in range(args.runs)]
            good = [r for r in runs if "error" not in r]
            results[method] = min(good, key=lambda r: r["seconds"]) if good else runs[0]
        report(results, args, size)


def report(results: dict, args: argparse.Namespace, size: float) -> None:
    import duckdb
    import polars as pl
    import pyarrow as pa
    import rfmkit

    print(
        f"{args.rows:,} transactions, {args.customers:,} customers, {args.files} Parquet files "
        f"({size:.0f} MiB); rfmkit {rfmkit.__version__}, duckdb {duckdb.__version__}, "
        f"polars {pl.__version__}, pyarrow {pa.__version__}; best of {args.runs}\n"
    )
    base = results["rfmkit streamed"].get("seconds")
    print("| method | seconds | x rfmkit streamed | M rows/s | peak RSS |")
    print("|---|---|---|---|---|")
    for method, r in results.items():
        if "error" in r:
            print(f"| {method} | failed: {r['error']} | | | |")
            continue
        ratio = f"{r['seconds'] / base:.2f}" if base else ""
        rate = args.rows / r["seconds"] / 1e6
        print(f"| {method} | {r['seconds']:.2f} | {ratio} | {rate:.1f} | {r['peak_mib']:,.0f} MiB |")
    same = results["rfmkit streamed"].get("digest") == results["rfmkit in memory"].get("digest")
    print(f"\nstreamed table == in-memory table, bit for bit: {same}")


if __name__ == "__main__":
    main()
