"""Why a customer is in a segment: the winning rule of a cell and its ranges.

What :meth:`rfmkit.Scheme.explain` answers for one cell and
``segment(..., explain=True)`` writes for every customer, in two texts:

- the rule, ``segment_rule``: ``"rule 3: loyal"`` (its position in the
  scheme, as in :attr:`rfmkit.Scheme.rules`, and its segment code),
  ``"fallback: others"`` when no rule matches, ``"new"`` for the customers
  of ``new_customer_days``;
- its ranges, ``segment_ranges``, on the scheme's scale (after rescaling):
  the dimensions the rule constrains, in the order r, f, m, fm, each as
  ``lo-hi`` (inclusive) or a single value, such as ``"r 4-5, f 3-5"`` or
  ``"r 5, fm 4-5"`` (fm: the mean of F and M rounded half up); ``"any
  scores"`` for a rule that constrains nothing, ``"no rule matched"`` for
  the fallback, ``"first purchase at most N days before as_of"`` for new
  customers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, InputTypeError

__all__ = [
    "DIMS",
    "Explanation",
    "explain_cell",
    "explain_columns",
    "fallback_row",
    "ranges_text",
    "rule_name",
]

DIMS = ("r", "f", "m", "fm")
NO_RULE = "no rule matched"


def rule_name(spec: dict, i: int) -> str:
    """The ``segment_rule`` text of rule ``i`` (``len(rules)``: the fallback)."""
    if i == len(spec["rules"]):
        return f"fallback: {spec['fallback']['code']}"
    return f"rule {i}: {spec['rules'][i]['code']}"


def fallback_row(spec: dict) -> dict[str, str]:
    """The fallback as a row of :attr:`rfmkit.Scheme.rules` (for its HTML display)."""
    fb = spec["fallback"]
    return {
        "rule": "fallback",
        "segment_code": fb["code"],
        "en": fb["labels"]["en"],
        "zh": fb["labels"]["zh"],
    }


def ranges_text(rule: dict | None) -> str:
    """The ``segment_ranges`` text of a rule (None: the fallback)."""
    if rule is None:
        return NO_RULE
    parts = []
    for dim in DIMS:
        lo_hi = rule.get(dim)
        if lo_hi is not None:
            lo, hi = lo_hi
            parts.append(f"{dim} {lo}" if lo == hi else f"{dim} {lo}-{hi}")
    return ", ".join(parts) or "any scores"


@dataclass(frozen=True)
class Explanation:
    """Which rule of a scheme wins one cell of scores, and why.

    The result of :meth:`rfmkit.Scheme.explain`; ``str()`` of it is a
    sentence.
    """

    scores: tuple[int, int, int]
    """The R, F and M scores as given."""
    levels: tuple[int, int, int]
    """Their levels (the scheme's scale unless ``levels`` was given)."""
    cell: tuple[int, int, int]
    """The scores on the scheme's scale, where the rules are written."""
    fm: int
    """The mean of F and M on the scheme's scale, rounded half up."""
    rule: int
    """The winning rule's position in the scheme (-1: the fallback)."""
    segment_code: str
    labels: dict[str, str] = field(repr=False)
    """The segment's label in each language."""
    ranges: dict[str, tuple[int, int]]
    """The ranges of the rule, per dimension it constrains (empty: the fallback)."""
    segment_rule: str
    """As in ``segment(..., explain=True)``: ``"rule 3: loyal"``, ``"fallback: ..."``."""
    segment_ranges: str
    """As in ``segment(..., explain=True)``: ``"r 4-5, f 3-5"``, ``"no rule matched"``."""
    listed: str | None = None
    """For a scheme of :meth:`rfmkit.Scheme.from_codes`: the cell's code and
    the list it is in (``"code 344 is in the list of Premium"``)."""

    @property
    def label(self) -> str:
        """The segment's English label."""
        return self.labels["en"]

    @property
    def matched(self) -> bool:
        """Whether a rule matched (False: the fallback)."""
        return self.rule >= 0

    def __str__(self) -> str:
        r, f, m = self.cell
        where = f"r={r} f={f} m={m} (fm={self.fm}) on the scheme's scale"
        if self.scores != self.cell:
            where = f"scores {self.scores} of {self.levels} levels, {where}"
        why = f"{self.segment_rule} ({self.segment_ranges})" if self.matched else f"{NO_RULE}, the fallback"
        if self.listed:
            why = f"{self.listed}; {why}"
        return f"{where}: {self.segment_code} ({self.label}), {why}"


def _score(value: Any, dim: str, k: int) -> int:
    """One score, a whole number from 1 to ``k`` (errors name the dimension and the value)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputTypeError(
            f"{dim} must be a whole number from 1 to {k}, not {type(value).__name__} {value!r}"
        )
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        x = float(value)
        if not (math.isfinite(x) and x.is_integer()):
            raise InputError(f"invalid {dim} score {value!r}: scores are whole numbers from 1 to {k}")
        v = int(x)
    if not 1 <= v <= k:
        raise InputError(f"invalid {dim} score {value!r}: scores must be between 1 and {k}")
    return v


def explain_cell(
    spec: dict,
    cube: Sequence[int],
    scores: tuple[Any, Any, Any],
    levels: list[int],
    from_codes: bool = False,
) -> Explanation:
    """The :class:`Explanation` of one cell, from the scheme's spec and cube."""
    s = spec["scale"]
    kr, kf, km = levels
    given = (_score(scores[0], "r", kr), _score(scores[1], "f", kf), _score(scores[2], "m", km))
    # The rescaling of segment(): score v of k levels -> floor((v - 1) * scale / k) + 1.
    cell = ((given[0] - 1) * s // kr + 1, (given[1] - 1) * s // kf + 1, (given[2] - 1) * s // km + 1)
    i = int(cube[((cell[0] - 1) * s + (cell[1] - 1)) * s + (cell[2] - 1)])
    rules = spec["rules"]
    rule = rules[i] if i < len(rules) else None
    item = rule if rule is not None else spec["fallback"]
    listed = None
    if from_codes and s <= 9:
        code = "".join(map(str, cell))
        listed = (
            f"code {code} is in the list of {item['labels']['en']}"
            if rule is not None
            else f"code {code} is in no list"
        )
    return Explanation(
        scores=given,
        levels=(kr, kf, km),
        cell=cell,
        fm=(cell[1] + cell[2] + 1) // 2,
        rule=i if rule is not None else -1,
        segment_code=item["code"],
        labels=dict(item["labels"]),
        ranges={} if rule is None else {d: (rule[d][0], rule[d][1]) for d in DIMS if rule.get(d) is not None},
        segment_rule=rule_name(spec, i),
        segment_ranges=ranges_text(rule),
        listed=listed,
    )


def explain_columns(
    spec: dict, winners: np.ndarray, new: np.ndarray | None, new_days: int | None
) -> tuple[pd.Categorical, pd.Categorical]:
    """``segment_rule`` and ``segment_ranges`` of every customer, from the
    winning rule of each (``len(rules)``: the fallback) and, with
    ``new_customer_days``, which customers are new."""
    n = len(spec["rules"])
    names = [rule_name(spec, i) for i in range(n + 1)]
    texts = [ranges_text(r) for r in spec["rules"]] + [NO_RULE]
    pos = winners.astype(np.int64)
    if new is not None:
        names = ["new", *names]
        texts = [f"first purchase at most {new_days} days before as_of", *texts]
        pos = np.where(new, 0, pos + 1)
    first: dict[str, int] = {}
    for text in texts:  # two rules may have the same ranges
        first.setdefault(text, len(first))
    text_pos = np.array([first[t] for t in texts], dtype=np.int64)
    return (
        pd.Categorical.from_codes(pos, categories=names, ordered=True),
        pd.Categorical.from_codes(text_pos[pos], categories=list(first)),
    )
