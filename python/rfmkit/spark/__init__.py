"""rfmkit on Spark: the RFM table, the CLV summary, scores and segments of
a Spark DataFrame, exactly (``pip install "rfmkit[spark]"``).

``import rfmkit`` does not import PySpark; ``import rfmkit.spark`` does.
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
