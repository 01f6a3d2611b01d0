"""Charts of scores and segments (matplotlib, ``pip install "rfmkit[plot]"``).

None of them calls ``plt.show()`` or changes matplotlib's settings; each takes
an optional ``ax`` and returns it.
"""

from .charts import migration_heatmap, rf_heatmap, rfm_histograms, segment_bars, segment_treemap

__all__ = ["migration_heatmap", "rf_heatmap", "rfm_histograms", "segment_bars", "segment_treemap"]
