"""Streaming keeps memory to the customers, not the rows: 10M transactions of 50k customers
in Parquet, ``rfm_table`` on the file in a subprocess, its peak resident set measured
(``VmHWM``, with Arrow on the system allocator so that the process's own peak is what
is counted) against a limit that the in-memory path, in the same kind of subprocess,
exceeds; both give the same table."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROWS = 10_000_000
CUSTOMERS = 50_000
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")

LIMIT_MIB = 300  # above what the process holds after its imports

SCRIPT = """
import hashlib, json, sys
import pandas as pd
import pyarrow.parquet as pq
import rfmkit
mode, path = sys.argv[1], sys.argv[2]
if mode == "base":
    pq.read_metadata(path)
    digest, rows = None, 0
else:
    data = path if mode == "stream" else pq.read_table(path)
    out = rfmkit.rfm_table(data, window=90, progress=False)
    rows = len(out)
    digest = hashlib.sha256(pd.util.hash_pandas_object(out, index=False).to_numpy().tobytes()).hexdigest()
# VmHWM, the high-water mark of this process's own memory map: ru_maxrss would carry over
# the resident set of the (forked) pytest process that started this one.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
print(json.dumps({"peak_mib": peak, "rows": rows, "digest": digest}))
"""


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "tx.parquet"
    rng = np.random.default_rng(14)
    schema = pa.schema([("customer_id", pa.int64()), ("date", pa.timestamp("us")), ("amount", pa.float64())])
    start = np.datetime64("2023-01-01", "us").astype(np.int64)
    year = 365 * 86_400 * 10**6
    with pq.ParquetWriter(path, schema) as writer:
        for lo in range(0, ROWS, 1_000_000):
            n = min(1_000_000, ROWS - lo)
            chunk = pa.table(
                {
                    "customer_id": rng.integers(0, CUSTOMERS, n),
                    "date": pa.array(start + rng.integers(0, year, n), pa.timestamp("us")),
                    "amount": rng.integers(-500, 100_000, n) / 100,
                },
                schema=schema,
            )
            writer.write_table(chunk, row_group_size=250_000)
    return str(path)


def run(mode: str, path: str) -> dict:
    env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system", "RAYON_NUM_THREADS": "2"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, path], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_streaming_peak_memory_grows_with_customers_not_rows(big_file):
    base = run("base", big_file)["peak_mib"]
    streamed = run("stream", big_file)
    memory = run("memory", big_file)
    assert streamed["rows"] == memory["rows"] == CUSTOMERS
    assert streamed["digest"] == memory["digest"]  # the same table
    limit = base + LIMIT_MIB
    assert streamed["peak_mib"] < limit, (base, streamed["peak_mib"], memory["peak_mib"])
    # The limit is real: the in-memory path holds the columns of all 10M rows (240 MB) and more.
    assert memory["peak_mib"] > limit, (base, streamed["peak_mib"], memory["peak_mib"])
