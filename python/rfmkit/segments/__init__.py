"""Segments: which customers are in which segment, by ordered rules on the scores.

A scheme is written on a scale of a few levels per dimension (2 for high /
low, 3, 5). Scores from :func:`rfmkit.score` with k levels are first rescaled
to the scheme's scale (score s goes to ``floor((s - 1) * scale / k) + 1``, so
on a 5-level score "high" on a two-level scheme means 4 or 5, above the
middle). A customer falls into the first rule whose ranges all hold, or into
the scheme's fallback. The built-in schemes, with their full rule tables:
``rfmkit.Scheme.builtin(name).rules``.

- ``"cn8"`` (from a Chinese customer-service guide to RFM tiers): the eight
  segments of a high / low split; made for two-level scores ("threshold",
  "mean" or "median").
- ``"tiers4"`` (from a Chinese article on RFM in customer relationship
  management): VIP, new, dormant and ordinary, a total mapping over three
  levels (the rules and why: ``rfmkit/segments/data/tiers4.toml``).
- ``"crm4"`` (from a Chinese CRM vendor's article on the RFM model):
  high-value, potential, needs wake-up and churn risk, a total mapping over
  five levels.
- ``"rfm11"``: Champions ... Lost on the 25-cell grid of R and FM, where FM is
  the mean of F and M rounded half up.
- ``"rf10"``: the ten-segment R x F grid.
- ``"pymc5"``: pymc-marketing's default segments on quartile scores.

- :mod:`rfmkit.segments.scheme`: :class:`Scheme` and :class:`Coverage`.
- :mod:`rfmkit.segments.segment`: :func:`segment`.
- :mod:`rfmkit.segments.strategy`: :func:`strategies` and :func:`action_list`.
"""

from .scheme import Coverage, Scheme
from .segment import segment
from .strategy import action_list, strategies

__all__ = ["Coverage", "Scheme", "action_list", "segment", "strategies"]
