"""rfm_history against a loop of rfm_table calls and a DuckDB snapshot join.

Run by hand (it is not a test):

    python bench/bench_history.py                      # 10M transactions, 1M customers
    python bench/bench_history.py --rows 1000000 --customers 100000
    python bench/bench_history.py --duckdb-rows 2000000  # DuckDB on a smaller sample

24 monthly snapshots (2023-01-31 to 2024-12-31). Times are medians of
``--repeat`` runs in this process; "x rfm_history" is the method's median
divided by rfm_history's. Peak memory is measured per method in a fresh
subprocess: the highest resident set size, sampled every millisecond, minus
the resident size just before the method ran. The DuckDB join pairs every
transaction with every snapshot on or after it (the usual SQL recipe); on
the full size it needs far more time and memory, so ``--duckdb-rows`` runs it
(and rfm_history again, for the ratio) on the first rows of a smaller data set.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time

import pandas as pd
import rfmkit

SQL = """
SELECT s.snapshot, t.customer_id,
       date_diff('day', max(t.date) FILTER (WHERE t.amount >= 0)::DATE, s.snapshot) AS recency,
       count(*) FILTER (WHERE t.amount >= 0) AS frequency, sum(t.amount) AS monetary,
       min(t.date) FILTER (WHERE t.amount >= 0) AS first_purchase,
       max(t.date) FILTER (WHERE t.amount >= 0) AS last_purchase
FROM snaps s JOIN tx t ON t.date < s.snapshot + INTERVAL 1 DAY
GROUP BY s.snapshot, t.customer_id
HAVING count(*) FILTER (WHERE t.amount >= 0) > 0
ORDER BY s.snapshot, t.customer_id
"""


def make_data(rows: int, customers: int) -> pd.DataFrame:
    return rfmkit.datasets.make_transactions(rows, customers, seed=0, start="2023-01-01", end="2024-12-31")


def snapshots() -> list[pd.Timestamp]:
    return list(pd.date_range("2023-01-31", "2024-12-31", freq="ME"))


def methods(df: pd.DataFrame) -> dict:
    snaps = snapshots()

    def history():
        return rfmkit.rfm_history(df, snapshots=snaps)

    def loop():
        return [rfmkit.rfm_table(df, as_of=s) for s in snaps]

    def duck():
        import duckdb

        con = duckdb.connect()
        con.register("tx", df)
        con.register("snaps", pd.DataFrame({"snapshot": [s.date() for s in snaps]}))
        return con.execute(SQL).df()

    return {"rfm_history": history, "24 x rfm_table": loop, "DuckDB snapshot join": duck}


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def peak_memory(fn) -> int:
    base, peak, done = rss(), 0, threading.Event()

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


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def child(rows: int, customers: int, name: str) -> None:
    df = make_data(rows, customers)
    fn = methods(df)[name]
    print(json.dumps({"peak": peak_memory(fn)}))


def memory(rows: int, customers: int, name: str) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--rows", str(rows), "--customers", str(customers)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["peak"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--duckdb-rows", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    if args.child:
        child(args.rows, args.customers, args.child)
        return
    sizes = [(args.rows, args.customers, ["rfm_history", "24 x rfm_table"])]
    duck_rows = args.duckdb_rows or args.rows
    duck_customers = max(1, args.customers * duck_rows // args.rows)
    if duck_rows == args.rows:
        sizes[0][2].append("DuckDB snapshot join")
    else:
        sizes.append((duck_rows, duck_customers, ["rfm_history", "DuckDB snapshot join"]))
    print("| rows | customers | method | median s | x rfm_history | peak MB | output MB |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for rows, customers, names in sizes:
        df = make_data(rows, customers)
        ms = methods(df)
        result = ms["rfm_history"]()
        out_mb = sum(result[c].array.nbytes for c in result.columns) / 1e6
        base = None
        for name in names:
            t = timed(ms[name], 1 if name != "rfm_history" else args.repeat)
            base = base or t
            peak = memory(rows, customers, name) / 1e6
            print(
                f"| {rows:,} | {customers:,} | {name} | {t:.2f} | {t / base:.1f} | {peak:,.0f} | "
                f"{out_mb:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
