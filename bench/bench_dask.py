"""rfmkit.dask against Dask's own groupby, on a 2-worker LocalCluster, from Parquet.

The transactions are written once to Parquet (``--parts`` files) under ``--dir``;
every contender reads them with ``dd.read_parquet`` and computes one row per
customer. Reported: wall time (best of ``--runs``, after one small job of
each kind has warmed the workers up), rows per
second per core (rows / time / cores), and whether the result equals the
in-memory ``rfmkit.rfm_table`` of all the rows bit for bit.

Contenders:
- rfmkit.dask.rfm_table, method "tree" and "shuffle", frequency "rows" and "days";
- rfmkit.dask.rfm_summary (daily periods), "tree" and "shuffle";
- dask: ``groupby("customer_id").agg(first=min date, last=max date, count, sum)``
  (the simple Spark/Dask RFM recipe: row counts, float sums), and the same with
  ``nunique`` of the calendar day (distinct purchase days) instead of the count.
  Dask's numbers are checked against rfmkit's for the same definitions (recency
  from the max date; monetary as dask sums it).

    python bench/bench_dask.py                      # 20M rows / 2M customers
    python bench/bench_dask.py --rows 2000000 --customers 200000
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
import warnings

import numpy as np
import pandas as pd


def write_parquet(path: str, rows: int, customers: int, parts: int) -> None:
    import rfmkit

    if os.path.exists(os.path.join(path, "_done")):
        return
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    tx = rfmkit.datasets.make_transactions(rows, customers, seed=5)
    tx = tx.sample(frac=1.0, random_state=5, ignore_index=True)  # unsorted, as files come
    for i, piece in enumerate(np.array_split(np.arange(len(tx)), parts)):
        tx.iloc[piece].to_parquet(os.path.join(path, f"part-{i:03d}.parquet"), index=False)
    open(os.path.join(path, "_done"), "w").close()


def best_time(fn, runs: int) -> tuple[float, object]:
    """The best of ``runs`` timed runs, and the result of the first."""
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        out = result if out is None else out
    return min(times), out


def dask_agg(ddf, distinct_days: bool):
    """The engine's own groupby: min, max, count (or nunique of the day) and
    sum per customer, computed in one go, joined in pandas (one row per customer)."""
    import dask

    buy = ddf["amount"] >= 0  # rfmkit's purchases: returns never count
    rest = ddf.groupby("customer_id").agg(
        first_purchase=("date", "min"), last_purchase=("date", "max"), monetary=("amount", "sum")
    )
    if distinct_days:
        days = ddf.assign(day=ddf["date"].dt.floor("D").where(buy))  # nunique skips NaT
        counts = days.groupby("customer_id")["day"].nunique()
    else:
        counts = ddf.assign(buy=buy.astype("int64")).groupby("customer_id")["buy"].sum()
    table, frequency = dask.compute(rest, counts)
    return table.assign(frequency=frequency)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--parts", type=int, default=40)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--dir", default="/tmp/rfmkit-bench-dask")
    args = parser.parse_args()

    import dask.dataframe as dd
    import rfmkit
    import rfmkit.dask
    from distributed import Client, LocalCluster

    warnings.simplefilter("ignore")
    path = f"{args.dir}-{args.rows}-{args.customers}-{args.parts}"
    write_parquet(path, args.rows, args.customers, args.parts)
    memory = pd.read_parquet(path)
    expected = {f: rfmkit.rfm_table(memory, frequency=f) for f in ("rows", "days")}
    start = time.perf_counter()
    rfmkit.rfm_table(memory)
    in_memory = time.perf_counter() - start
    del memory
    workers = 2
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
        scheduler_kwargs={"dashboard": False},
    )
    client = Client(cluster)
    warm = dd.from_pandas(rfmkit.datasets.make_transactions(10_000, 1_000, seed=1), npartitions=4)
    for method in ("tree", "shuffle"):  # the workers' imports, outside the timings
        rfmkit.dask.rfm_table(warm, method=method).compute()
        rfmkit.dask.rfm_summary(warm, "customer_id", "date", "amount", method=method).compute()
    dask_agg(warm, True)
    rows = []

    def record(name, fn, check):
        seconds, out = best_time(fn, args.runs)
        rows.append((name, seconds, args.rows / seconds / workers, check(out)))
        print(f"{name:<44} {seconds:8.2f} s", flush=True)

    def same(frequency):
        def check(out):
            got = out.sort_values("customer_id", ignore_index=True)
            return "yes" if got.equals(expected[frequency]) else "NO"

        return check

    def agg_check(frequency):
        def check(out):
            ref = expected[frequency].set_index("customer_id")
            got = out.reindex(ref.index)
            money = int((got["monetary"].to_numpy() != ref["monetary"].to_numpy()).sum())
            counts = bool((got["frequency"].fillna(0).to_numpy() == ref["frequency"].to_numpy()).all())
            return f"counts {'yes' if counts else 'NO'}, monetary differs for {money:,} customers"

        return check

    ddf = lambda: dd.read_parquet(path)  # noqa: E731
    for method in ("tree", "shuffle"):
        for frequency in ("rows", "days"):
            record(
                f"rfmkit.dask.rfm_table {method}, {frequency}",
                lambda m=method, f=frequency: rfmkit.dask.rfm_table(ddf(), frequency=f, method=m).compute(),
                same(frequency),
            )
    summary = rfmkit.rfm_summary(pd.read_parquet(path), "customer_id", "date", "amount")
    for method in ("tree", "shuffle"):
        record(
            f"rfmkit.dask.rfm_summary {method} (days)",
            lambda m=method: rfmkit.dask.rfm_summary(
                ddf(), "customer_id", "date", "amount", method=m
            ).compute(),
            lambda out: "yes" if out.sort_values("customer_id", ignore_index=True).equals(summary) else "NO",
        )
    record("dask groupby.agg (min, max, count, sum)", lambda: dask_agg(ddf(), False), agg_check("rows"))
    record("dask groupby.agg (min, max, nunique day, sum)", lambda: dask_agg(ddf(), True), agg_check("days"))
    client.close()
    cluster.close()

    print(f"\n{args.rows:,} rows, {args.customers:,} customers, {args.parts} Parquet files, ")
    print(f"{workers} workers x 1 thread; in-memory rfm_table (one process): {in_memory:.2f} s\n")
    print("| contender | time (s) | rows/s/core | equal to in-memory rfm_table |")
    print("|---|---:|---:|---|")
    for name, seconds, rate, check in rows:
        print(f"| {name} | {seconds:.2f} | {rate / 1e6:.2f}M | {check} |")


if __name__ == "__main__":  # a LocalCluster of processes needs the guard (spawn)
    main()
