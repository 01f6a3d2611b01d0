"""rfmkit on Dask: the exact per-customer tables of transactions spread over a cluster.

``import rfmkit.dask`` needs the ``dask`` extra (``pip install "rfmkit[dask]"``);
``import rfmkit`` alone never imports dask.

- :func:`rfm_table` and :func:`rfm_summary` take a dask DataFrame of
  transactions and give a lazy dask DataFrame, one row per customer, equal
  bit for bit to :func:`rfmkit.rfm_table` / :func:`rfmkit.rfm_summary` of the
  computed frame, for any number of partitions and any partitioning.
- :func:`score` and :func:`segment` fit the cut points exactly as
  :func:`rfmkit.score` does on the whole table and apply them, and the
  scheme, partition by partition, so that transactions -> segments -> action
  list runs without collecting transactions.

Why exact matters on a cluster: an engine's float sum depends on how the rows
are split and in what order the partial sums meet (dask/dask#9535). Measured
with dask 2026.8.0 and pandas 3.1 on 200,000 transactions of 2,000 customers
(``rfmkit.datasets.make_transactions(200_000, 2_000, seed=7)``): dask's own
``groupby("customer_id")["amount"].sum()`` changed the sum of 137 customers
between 1 and 7 partitions and of 115 between 1 and 16 (by one unit in the
last place), and even on one partition it differed from the exact sum for 34
customers; :func:`rfm_table` gave the same table, bit for bit, for every
partitioning and row order (its sums are exact, rounded once). The measuring
script is in docs/SCALE-DASK.md.

Examples
--------
>>> import dask, dask.dataframe as dd, rfmkit, rfmkit.dask
>>> tx = rfmkit.datasets.make_transactions(3_000, 400, seed=1)
>>> ddf = dd.from_pandas(tx, npartitions=3)
>>> segmented = rfmkit.dask.segment(rfmkit.dask.score(rfmkit.dask.rfm_table(ddf)))
>>> with dask.config.set(scheduler="synchronous"):
...     customers = segmented.compute()
>>> actions = rfmkit.action_list(customers)
>>> customers.reset_index(drop=True).equals(rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx))))
True
"""

from __future__ import annotations

try:
    import dask.dataframe  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in an environment without dask
    raise ImportError(
        f'rfmkit.dask needs dask[dataframe] ({exc}); install it with pip install "rfmkit[dask]"'
    ) from exc

from .scores import score, segment
from .summary import rfm_summary
from .table import rfm_table

__all__ = ["rfm_summary", "rfm_table", "score", "segment"]
