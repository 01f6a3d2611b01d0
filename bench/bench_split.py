"""rfm_train_test_split against pymc-marketing's, on the same data, in one process.

Run by hand (it is not a test):

    pip install ".[bench]"
    python bench/bench_split.py                     # 1M / 100k
    python bench/bench_split.py --sizes 1000000:100000,10000000:1000000

The training window ends 120 days before the last transaction. rfmkit: median
of ``--repeat`` runs after a warm-up; pymc-marketing: median of
``--peer-repeat`` runs. The two tables are checked for equality first.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import rfmkit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from peers import pymc_clv_utils  # noqa: E402


def timed(fn, repeat: int, warm_up: bool) -> float:
    if warm_up:
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def split_of(module, df: pd.DataFrame, kw: dict):
    return lambda: module.rfm_train_test_split(df, "customer_id", "date", **kw)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000000:100000")
    p.add_argument("--repeat", type=int, default=11)
    p.add_argument("--peer-repeat", type=int, default=3)
    args = p.parse_args()
    pymc = pymc_clv_utils()
    for size in args.sizes.split(","):
        rows, customers = map(int, size.split(":"))
        df = rfmkit.datasets.make_transactions(rows, customers, seed=0)
        end = (df["date"].max() - pd.Timedelta(days=120)).strftime("%Y-%m-%d")
        kw = {"train_period_end": end, "monetary_value_col": "amount"}
        ours = rfmkit.rfm_train_test_split(df, "customer_id", "date", **kw)
        theirs = pymc.rfm_train_test_split(df, "customer_id", "date", **kw)
        for col in theirs.columns:
            if col != "customer_id":
                np.testing.assert_allclose(ours[col].to_numpy(float), theirs[col].to_numpy(float), rtol=1e-9)
        t_ours = timed(split_of(rfmkit, df, kw), args.repeat, True)
        t_theirs = timed(split_of(pymc, df, kw), args.peer_repeat, False)
        print(f"\n{rows:,} transactions, {customers:,} customers; train_period_end {end}")
        print("| method | median s | x rfmkit |\n|---|---|---|")
        print(f"| rfmkit.rfm_train_test_split | {t_ours:.3f} | 1 |")
        print(f"| pymc-marketing 1.3.0 rfm_train_test_split | {t_theirs:.3f} | {t_theirs / t_ours:.0f} |")


if __name__ == "__main__":
    main()
