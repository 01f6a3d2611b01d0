"""rfm_summary against pymc-marketing's and lifetimes', on the same data.

Run by hand (it is not a test):

    pip install ".[bench]"
    python bench/bench_clv.py                       # 1M / 100k and 10M / 1M
    python bench/bench_clv.py --sizes 1000000:100000

pymc-marketing 1.3.0 needs Python 3.12, so on older Pythons its
``rfm_summary`` is loaded from its wheel (see tests/peers.py). Times are
medians of ``--repeat`` runs in this process (the peers, which take seconds,
get no warm-up run); "x rfmkit" is the peer's median over rfmkit's. Peak
memory is measured per method in a fresh subprocess, as in
bench_rfm_table.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import rfmkit
from bench_rfm_table import input_bytes, peak_memory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from peers import pymc_clv_utils  # noqa: E402


def make_data(rows: int, customers: int) -> pd.DataFrame:
    return rfmkit.datasets.make_transactions(rows, customers, seed=0)


def methods(df: pd.DataFrame) -> dict:
    """name -> zero-argument callable computing the daily CLV summary."""
    from lifetimes.utils import summary_data_from_transaction_data

    pymc = pymc_clv_utils()
    args = (df, "customer_id", "date", "amount")
    return {
        "rfmkit.rfm_summary": lambda: rfmkit.rfm_summary(*args),
        "pymc-marketing 1.3.0 rfm_summary": lambda: pymc.rfm_summary(*args),
        "lifetimes 0.11.3 summary_data_from_transaction_data": lambda: summary_data_from_transaction_data(
            *args
        ),
    }


def memory_child(args) -> None:
    df = make_data(args.rows, args.customers)
    fn = methods(df)[args.memory]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print(json.dumps({"peak": peak_memory(fn), "input": input_bytes(df)}))


def timed(fn, repeat: int, warm_up: bool) -> float:
    if warm_up:
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--sizes", default="1000000:100000,10000000:1000000", help="comma-separated rows:customers"
    )
    p.add_argument("--repeat", type=int, default=21)
    p.add_argument("--peer-repeat", type=int, default=3)
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    p.add_argument("--customers", type=int, help=argparse.SUPPRESS)
    p.add_argument("--memory", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.memory:
        memory_child(args)
        return
    warnings.simplefilter("ignore")  # the peers' pandas deprecation warnings
    print(
        f"rfmkit {rfmkit.__version__}, pandas {pd.__version__}; rfmkit median of {args.repeat}, "
        f"peers median of {args.peer_repeat}\n"
    )
    for size in args.sizes.split(","):
        rows, customers = map(int, size.split(":"))
        df = make_data(rows, customers)
        fns = methods(df)
        ours = fns["rfmkit.rfm_summary"]()
        theirs = fns["pymc-marketing 1.3.0 rfm_summary"]()
        pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-9)
        times = {}
        for name, fn in fns.items():
            ours_fn = name.startswith("rfmkit")
            times[name] = timed(fn, args.repeat if ours_fn else args.peer_repeat, ours_fn)
        mem = {}
        if not args.no_memory:
            for name in fns:
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--rows",
                        str(rows),
                        "--customers",
                        str(customers),
                        "--memory",
                        name,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                mem[name] = json.loads(out.stdout)
        print(
            f"{rows:,} transactions, {customers:,} customers (int ids, time_unit='D', with "
            f"monetary_value); input columns {input_bytes(df) / 2**20:,.0f} MiB"
        )
        print("| method | median s | x rfmkit | peak extra memory | x input |")
        print("|---|---|---|---|---|")
        base = times["rfmkit.rfm_summary"]
        for name, t in times.items():
            m = mem.get(name)
            mem_cols = f"{m['peak'] / 2**20:,.0f} MiB | {m['peak'] / m['input']:.2f}" if m else "- | -"
            print(f"| {name} | {t:.3f} | {t / base:.0f} | {mem_cols} |")
        print()
        assert np.isfinite(base)


if __name__ == "__main__":
    main()
