"""rfmkit.spark against the in-memory functions: equal bit for bit (values,
exact money, dtypes as Spark gives them) for any number of partitions and
any partitioning, on one local[2] session for the whole module."""

from __future__ import annotations

import importlib
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _engine(name: str):
    """The engine, or a skip; a failure when RFMKIT_REQUIRE_SCALE=1 (CI's main environment)."""
    if os.environ.get("RFMKIT_REQUIRE_SCALE") == "1":
        return importlib.import_module(name)
    return pytest.importorskip(name)


_engine("pyspark")
import rfmkit.spark as rs  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    # the in-memory references warn of returns-only customers; tasks do not (see rfmkit.spark)
    pytest.mark.filterwarnings("ignore::rfmkit.errors.RFMWarning"),
    # PySpark raises the recursion limit (for cloudpickle) while hypothesis runs
    pytest.mark.filterwarnings("ignore:The recursion limit will not be reset"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark"),
]
FEW = settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture(scope="module")
def spark():
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("rfmkit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def transactions(seed: int = 0, n: int = 3_000, customers: int = 300, ids: str = "int", dates: str = "ts"):
    """Transactions as an Arrow table: returns, amounts of many digits, a
    channel, order ids; dates as zoned (UTC) or naive timestamps or dates."""
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, customers, n)
    micros = (
        rng.integers(0, 700, n) * 86_400 + rng.integers(0, 86_400, n)
    ) * 1_000_000 + 1_700_000_000_000_000
    amount = np.round(rng.lognormal(3, 1, n), 2) * np.where(rng.random(n) < 0.08, -1, 1)
    amount[::97] = 0.1 + 1e-9 * np.arange(len(amount[::97]))  # sums that floats round
    cols = {
        "customer_id": pa.array(cust) if ids == "int" else pa.array([f"c{c:04d}é" for c in cust]),
        "date": pa.array(micros, pa.timestamp("us", tz="UTC" if dates == "ts" else None)),
        "amount": pa.array(amount),
        "channel": pa.array(np.where(rng.random(n) < 0.4, "web", "shop")),
        "order_id": pa.array(cust * 1000 + rng.integers(0, 20, n)),
    }
    if dates == "date":
        cols["date"] = cols["date"].cast(pa.date32())
    return pa.table(cols)


_FRAMES: dict = {}


def frame(spark, table: pa.Table):
    """The table as a cached Spark DataFrame (made once per table and session)."""
    key = (id(spark), table.schema, table.column("amount").to_numpy().tobytes())
    if key not in _FRAMES:
        _FRAMES[key] = spark.createDataFrame(table).cache()
    return _FRAMES[key]


def partitioned(sdf, how: str, n: int):
    if how == "round":
        return sdf.repartition(n)
    if how == "range":
        return sdf.repartitionByRange(n, "date")  # whole periods per task
    if how == "amount":
        return sdf.repartition(n, "amount")
    return sdf.coalesce(1)


def collected(sdf, keys: list[str]) -> pd.DataFrame:
    out = sdf.toPandas().sort_values(keys, kind="stable").reset_index(drop=True)
    return _us(out)


def _us(df: pd.DataFrame, zone: str | None = None) -> pd.DataFrame:
    """Timestamps as Spark shows them: naive (zoned ones in the session zone), microseconds."""
    df = df.copy()
    for c in df.columns:
        if isinstance(df[c].dtype, pd.DatetimeTZDtype):
            df[c] = df[c].dt.tz_convert(zone or "UTC").dt.tz_localize(None)
        if df[c].dtype.kind == "M":
            df[c] = df[c].astype("datetime64[us]")
    df.attrs = {}
    return df


def same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, _us(expected.reset_index(drop=True)), check_exact=True)


PARTITIONINGS = st.tuples(st.sampled_from(["round", "range", "amount", "one"]), st.integers(1, 6))


@FEW
@given(parts=PARTITIONINGS, method=st.sampled_from(["shuffle", "combine"]), out=st.integers(1, 4))
def test_table_any_partitioning(spark, parts, method, out):
    tx = transactions(1)
    sdf = partitioned(frame(spark, tx), *parts)
    got = collected(rs.rfm_table(sdf, method=method, num_partitions=out), ["customer_id"])
    same(got, rfmkit.rfm_table(tx))


@pytest.mark.parametrize("method", ["shuffle", "combine"])
def test_table_options(spark, method):
    tx = transactions(2, ids="str")
    sdf = partitioned(frame(spark, tx), "range", 3)
    cases = [
        dict(frequency="orders", order_id="order_id", window="6M"),
        dict(frequency="days", returns="exclude", by="channel", as_of="2024-06-30"),
    ]
    for kw in cases:
        keys = ["channel", "customer_id"] if "by" in kw else ["customer_id"]
        got = collected(rs.rfm_table(sdf, method=method, **kw), keys)
        same(got, rfmkit.rfm_table(tx, **kw))


def test_table_as_of_before_some_tasks(spark):
    # Tasks of later dates only: their customers have no row up to as_of.
    tx = transactions(3)
    sdf = partitioned(frame(spark, tx), "range", 5)
    for method in ("shuffle", "combine"):
        got = collected(rs.rfm_table(sdf, as_of="2023-12-01", method=method), ["customer_id"])
        same(got, _quiet(rfmkit.rfm_table, tx, as_of="2023-12-01"))


def test_zones_naive_and_dates(spark):
    tx = transactions(4)
    sdf = frame(spark, tx).repartition(3)
    got = collected(rs.rfm_table(sdf, tz="Asia/Tokyo"), ["customer_id"])
    same(got, rfmkit.rfm_table(tx, tz="Asia/Tokyo"))
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:  # zoned timestamps: calendar days of the session zone, shown in it
        got = collected(rs.rfm_table(sdf, frequency="days"), ["customer_id"])
        local = tx.set_column(1, "date", tx.column("date").cast(pa.timestamp("us", tz="America/New_York")))
        same(got, _us(rfmkit.rfm_table(local, frequency="days"), "America/New_York"))
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    for kind in ("ntz", "date"):
        naive = transactions(5, dates=kind)
        nsdf = frame(spark, naive)
        if kind == "ntz":  # Arrow's naive timestamps arrive as timestamp (in UTC, the session zone)
            nsdf = nsdf.withColumn("date", F.col("date").cast("timestamp_ntz"))
        assert type(nsdf.schema["date"].dataType).__name__ == (
            "TimestampNTZType" if kind == "ntz" else "DateType"
        )
        got = collected(rs.rfm_table(nsdf.repartition(2), window=90), ["customer_id"])
        same(got, rfmkit.rfm_table(naive, window=90))
        with pytest.raises(rfmkit.InputError, match="tz"):
            rs.rfm_table(nsdf, tz="UTC")


def test_money_is_exact_where_spark_sums_are_not(spark):
    tx = transactions(6, n=4_000, customers=20)
    sdf = frame(spark, tx)
    exact = {}
    for c, a in zip(tx.column("customer_id").to_pylist(), tx.column("amount").to_pylist(), strict=True):
        exact.setdefault(c, []).append(a)
    fsum = pd.Series({c: math.fsum(v) for c, v in exact.items()}).sort_index()
    sums = []
    for n in (1, 3, 7):
        got = collected(rs.rfm_table(partitioned(sdf, "amount", n)), ["customer_id"])
        assert got["monetary"].tolist() == fsum.tolist()  # correctly rounded, every partitioning
        spark_sum = partitioned(sdf, "amount", n).groupBy("customer_id").agg(F.sum("amount").alias("s"))
        sums.append(spark_sum.toPandas().sort_values("customer_id")["s"].to_numpy())
    assert any((s != fsum.to_numpy()).any() for s in sums)  # Spark's double sums round along the way


@FEW
@given(parts=PARTITIONINGS, method=st.sampled_from(["shuffle", "combine"]))
def test_summary_any_partitioning(spark, parts, method):
    tx = transactions(7)
    sdf = partitioned(frame(spark, tx), *parts)
    got = collected(rs.rfm_summary(sdf, "customer_id", "date", "amount", method=method), ["customer_id"])
    same(got, rfmkit.rfm_summary(tx, "customer_id", "date", "amount"))


def test_summary_options(spark):
    tx = transactions(8, ids="str", dates="ntz")
    sdf = partitioned(frame(spark, tx), "range", 3)
    cases = [
        dict(time_unit="W", include_first_transaction=True),
        dict(observation_period_end="2024-09-30", time_scaler=7),
    ]
    for kw in cases:
        for method in ("shuffle", "combine"):
            got = collected(rs.rfm_summary(sdf, "customer_id", "date", method=method, **kw), ["customer_id"])
            same(got, rfmkit.rfm_summary(tx, "customer_id", "date", **kw))


def _scored(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in ("rfm_score", "segment_code", "segment", "segment_rule", "segment_ranges"):
        if c in df.columns:
            df[c] = df[c].astype(str)
    return df


def test_scores_and_segments(spark):
    tx = transactions(9, n=6_000, customers=700)
    sdf = partitioned(frame(spark, tx), "round", 3)
    table = rs.rfm_table(sdf).cache()
    memory = rfmkit.rfm_table(tx)
    cases = [
        {},
        dict(bins=4, method={"recency": "ntile", "frequency": "median", "monetary": "ntile"}),
        dict(method="mean", weights=[2, 1, 1]),
        dict(thresholds={"recency": [30, 90], "frequency": [2, 5], "monetary": [100]}),
    ]
    for kw in cases:
        scored, said = _warned(rs.score, table, **kw)
        expected, memory_said = _warned(rfmkit.score, memory, **kw)
        assert said == memory_said  # unused scores, said on the driver as in memory
        same(collected(scored, ["customer_id"]), _scored(expected))
    scored = rs.score(table, bins=3)
    memory_scored = rfmkit.score(memory, bins=3)
    for kw in ({}, dict(scheme="rf10", explain=True, new_customer_days=60, lang="zh")):
        got = collected(rs.segment(scored, **kw), ["customer_id"])
        expected = _quiet(rfmkit.segment, memory_scored, **kw)
        same(got, _scored(expected))
    actions = rfmkit.action_list(got, scheme="rf10")
    assert len(actions) == len(memory)


def test_grouped_scores(spark):
    tx = transactions(10, n=5_000, customers=400)
    sdf = frame(spark, tx).repartition(2)
    table = rs.rfm_table(sdf, by="channel")
    got = collected(rs.score(table, bins=3, method={"recency": "ntile"}), ["channel", "customer_id"])
    expected = rfmkit.score(_quiet(rfmkit.rfm_table, tx, by="channel"), bins=3, method={"recency": "ntile"})
    same(got, _scored(expected))


def _quiet(fn, *args, **kw):
    return _warned(fn, *args, **kw)[0]


def _warned(fn, *args, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", rfmkit.RFMWarning)
        out = fn(*args, **kw)
    return out, sorted(str(w.message) for w in caught if issubclass(w.category, rfmkit.RFMWarning))


def test_errors_at_once(spark):
    sdf = frame(spark, transactions(11, n=50))
    with pytest.raises(rfmkit.InputError, match="'client'"):
        rs.rfm_table(sdf, customer_id="client")
    with pytest.raises(rfmkit.InputError, match="frequency"):
        rs.rfm_table(sdf, frequency="weekly")
    with pytest.raises(rfmkit.InputError, match="order_id"):
        rs.rfm_table(sdf, frequency="orders")
    with pytest.raises(rfmkit.InputError, match="method"):
        rs.rfm_table(sdf, method="tree")
    with pytest.raises(rfmkit.InputError, match="num_partitions"):
        rs.rfm_table(sdf, num_partitions=0)
    with pytest.raises((rfmkit.InputError, rfmkit.InputTypeError), match="'channel'"):
        rs.rfm_table(sdf, amount="channel")
    with pytest.raises(rfmkit.InputTypeError, match="by"):
        rs.rfm_table(sdf, by=3)
    with pytest.raises(rfmkit.InputError, match="'region'"):
        rs.rfm_table(sdf, by=["channel", "region"])
    with pytest.raises(rfmkit.InputError, match="before the first transaction"):
        rs.rfm_table(sdf, as_of="2001-01-01")
    with pytest.raises(rfmkit.InputError, match="time_unit|unit"):
        rs.rfm_summary(sdf, "customer_id", "date", time_unit="fortnight")
    with pytest.raises(rfmkit.InputTypeError, match="DataFrame"):
        rs.rfm_table(transactions(11, n=5).to_pandas())
    with pytest.raises(rfmkit.InputError, match="levels"):
        rs.segment(
            sdf.withColumn("r_score", F.lit(1))
            .withColumn("f_score", F.lit(1))
            .withColumn("m_score", F.lit(1))
        )


def test_no_rows(spark):
    empty = frame(spark, transactions(13, n=50)).limit(0)
    for method in ("shuffle", "combine"):
        table = rs.rfm_table(empty, window=30, method=method)
        assert table.columns == list(rfmkit.rfm_table(transactions(13, n=50)).columns)
        assert table.count() == 0


def test_errors_in_the_rows_name_the_column(spark):
    bad = transactions(12, n=50)
    amounts = bad.column("amount").to_numpy().copy()
    amounts[7] = np.nan
    sdf = frame(spark, bad.set_column(2, "amount", pa.array(amounts)))
    with pytest.raises(Exception, match="'amount'"):
        rs.rfm_table(sdf).collect()


def test_import_rfmkit_does_not_import_pyspark():
    import subprocess

    code = "import sys, rfmkit; rfmkit.rfm_table; print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_pyspark_the_error_says_what_to_install():
    import subprocess

    code = (
        "import sys; sys.modules['pyspark'] = None\n"
        "try:\n    import rfmkit.spark\nexcept ImportError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "rfmkit[spark]"' in out.stdout
