"""rfmkit on Spark: the RFM table, the CLV summary, scores and segments of
a Spark DataFrame, exactly (``pip install "rfmkit[spark]"``).

``import rfmkit`` does not import PySpark; ``import rfmkit.spark`` does (and
says ``pip install "rfmkit[spark]"`` when PySpark is missing). The rfmkit
wheel must be installed where the executors' Python runs, and
``PYSPARK_PYTHON`` must name that interpreter (in local mode:
``sys.executable``; otherwise the workers fail to import pyarrow or rfmkit).

How it runs
-----------
Everything is ``mapInArrow``: whole Arrow batches through rfmkit's Rust
core, never a row-at-a-time UDF nor one Python call per customer
(``groupBy().applyInPandas``). :func:`rfm_table` and :func:`rfm_summary`
first run one small ``agg`` job (the earliest and latest date: the default
as-of date or observation end, and the check that a given one is not before
every transaction), then build a lazy plan:

- ``method="shuffle"``: ``repartition(n, customer_id)`` of
  the needed columns, then each task folds its rows into one
  :class:`rfmkit.RFMState` (:class:`rfmkit.SummaryState`) and finishes it.
- ``method="combine"``: each task folds its rows into one state per bucket
  of customers (a fixed hash of the id) and emits the states (Arrow IPC,
  money as integer limbs); ``repartition(n, bucket)`` brings each
  customer's states together and a second task merges and finishes them.
  States, not rows, cross the shuffle (one per customer per task; for
  distinct days, orders or periods they carry the sets of them).

The defaults follow the measurements (bench/bench_spark.py on local[2], a
busy 2-core machine; bench/README.md has the tables). ``rfm_table``,
``frequency="rows"``: combine 16.7 s vs shuffle 27.7 s (5M rows, best of
two) and 38.7 s vs 61.1 s (20M rows); ``frequency="days"``: mixed, combine
faster in two runs of three (48.6 s vs 56.6 s at 20M; 27.1 s vs 22.0 s at
5M). ``rfm_summary``: shuffle faster in every run (19.4 s vs 22.9 s at 5M,
31.9 s vs 35.8 s at 20M). So ``"combine"`` is the default of
:func:`rfm_table` and ``"shuffle"`` that of :func:`rfm_summary`;
``method=`` overrides it.

:func:`score` fits the cut points from value counts that Spark aggregates
(exactly those of :func:`rfmkit.score`) and applies them per partition;
:func:`segment` applies the scheme per partition. So transactions ->
table -> scores -> segments runs on the cluster, and only the final table
(one row per customer) is collected, for :func:`rfmkit.action_list`.

The results equal the in-memory functions bit for bit, for any number and
any layout of partitions: ``monetary`` is the exact sum correctly rounded,
merged as integers. Spark's own ``sum(double)`` is not: it adds in the
order rows happen to meet, so the same rows give different sums under
different partitionings. Measured (bench/bench_spark.py, 5,000,000 rows,
500,000 customers, amounts in cents): ``groupBy("customer_id").agg(sum)``
over 1 and over 16 partitions disagreed for 241,762 of the 500,000
customers, and 192,550 customers' 16-partition sums (208,852 of the
1-partition ones) were off the exact, correctly rounded sum; rfmkit's were
identical to the in-memory table under both plans (and, in
tests/test_spark.py, under every partitioning tried). The Databricks
recipe's ``monetary_value`` (float) differed from rfmkit's for 493,223
customers.

Types
-----
Ids: integer columns give ``long`` (pandas int64), string columns
``string``; the summary keeps the id column's type. ``recency`` and
``frequency`` are ``long``, ``monetary`` and the summary's columns
``double``. Spark timestamps are microseconds: ``first_purchase`` and
``last_purchase`` are ``timestamp`` for a ``timestamp`` column and
``timestamp_ntz`` for ``timestamp_ntz`` and ``date`` columns (in memory, a
date column gives datetime64[s]; Spark shows datetime64[us]). A
``timestamp`` column holds instants: its calendar days are those of ``tz``,
by default the session time zone (``spark.sql.session.timeZone``), which is
also the zone of ``toPandas()``'s naive times; ``timestamp_ntz`` and
``date`` are wall-clock times, like naive pandas dates (``tz`` is an error).
In memory, ``rfm_score`` and ``segment`` are ordered categoricals; here
they are strings. There are no ``attrs``: the as-of date and the group
columns travel in the metadata of the ``recency`` field, the score levels
and cut points in that of ``r_score``.

Rows are sorted by (group and) id within each partition of the result; use
``orderBy`` for one order. Options and columns are checked at once
(:class:`rfmkit.InputError` / :class:`rfmkit.InputTypeError` naming them);
bad values in the rows (a missing id, a NaN amount) fail the job that
computes the result, with rfmkit's message inside Spark's
``PythonException``. Tasks do not repeat the in-memory warnings (customers
with returns only, customers in a scheme's fallback); the driver still warns
of unused scores.

Examples
--------
>>> import rfmkit.spark                                      # doctest: +SKIP
>>> table = rfmkit.spark.rfm_table(sdf, "customer_id", "date", "amount")  # doctest: +SKIP
>>> segmented = rfmkit.spark.segment(rfmkit.spark.score(table))       # doctest: +SKIP
>>> rfmkit.action_list(segmented.toPandas(), scheme="rfm11")         # doctest: +SKIP
"""

from __future__ import annotations

try:
    import pyspark  # noqa: F401
except ImportError as exc:
    raise ImportError('rfmkit.spark needs PySpark: pip install "rfmkit[spark]"') from exc

from .scores import score, segment
from .summary import rfm_summary
from .table import rfm_table

__all__ = ["rfm_summary", "rfm_table", "score", "segment"]
