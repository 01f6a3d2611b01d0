"""Charts of scores and segments (matplotlib, ``pip install "rfmkit[plot]"``).

None of them calls ``plt.show()`` or changes matplotlib's settings; each takes
an optional ``ax`` and returns it. The arguments they share (``lang``,
``by``, ``show_empty``), the palette and the font sizes are described in
:mod:`rfmkit.plot.charts`.
"""

from .charts import (
    migration_heatmap,
    monetary_by_rf,
    rf_heatmap,
    rfm_histograms,
    segment_bars,
    segment_treemap,
)
from .distributions import order_distribution, rfm_scatter, segment_medians

__all__ = [
    "migration_heatmap",
    "monetary_by_rf",
    "order_distribution",
    "rf_heatmap",
    "rfm_histograms",
    "rfm_scatter",
    "segment_bars",
    "segment_medians",
    "segment_treemap",
]
