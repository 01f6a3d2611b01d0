"""Segment rules written as lists of score codes, as pymc-marketing writes them.

pymc-marketing's ``segment_config`` names each segment's cells by their
three-digit score codes (R, F, M): ``{"Premium Customer": ["333", "334",
...]}``. :func:`codes_spec` turns such a mapping into the spec of an ordinary
rfmkit scheme (the one :meth:`rfmkit.Scheme.from_codes` builds): the cells of
each segment merged into as few boxes of inclusive ranges as a greedy merge
finds (runs of M, then of F, then of R), so that first-match rules give each
segment exactly its cells, and every other cell goes to the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import InputError, InputTypeError

__all__ = ["codes_spec", "segment_code"]


def segment_code(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """An ASCII segment code for a segment name, not among ``taken``.

    Parameters
    ----------
    name : str
        The segment's name ("Premium Customer").
    taken : set of str
        Codes already used: ``_2``, ``_3``, ... is appended until the code is new.

    Returns
    -------
    str
        Lowercase ASCII letters, digits and ``_`` ("premium_customer");
        ``"segment"`` when the name has no ASCII letter or digit.

    Examples
    --------
    >>> from rfmkit.segments.codes import segment_code
    >>> segment_code("Premium Customer"), segment_code("At-Risk (2+)"), segment_code("高价值")
    ('premium_customer', 'at_risk_2', 'segment')
    >>> segment_code("Top spender", {"top_spender"})
    'top_spender_2'
    """
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "segment"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


def _cells(name: str, codes: Any, levels: int) -> list[tuple[int, int, int]]:
    """The (r, f, m) cells of one segment's code list, checked."""
    if isinstance(codes, (str, bytes)) or not hasattr(codes, "__iter__"):
        raise InputTypeError(
            f"codes of segment {name!r} must be a list of score codes such as "
            f"['333', '344'], not {type(codes).__name__} {codes!r}"
        )
    cells = []
    for code in codes:
        if not isinstance(code, str) or len(code) != 3 or not all(c in "0123456789" for c in code):
            raise InputError(
                f"segment {name!r}: code {code!r} is not a score code of three digits "
                "(R, F, M), such as '344'"
            )
        r, f, m = (int(c) for c in code)
        cell = (r, f, m)
        bad = [c for c in cell if not 1 <= c <= levels]
        if bad:
            raise InputError(
                f"segment {name!r}: code {code!r} has score {bad[0]}, out of range "
                f"1..{levels} for levels={levels}"
            )
        cells.append(cell)
    if not cells:
        raise InputError(f"segment {name!r} has no score codes; give it at least one or leave it out")
    return cells


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Sorted distinct integers as runs of consecutive values, [(lo, hi), ...]."""
    out: list[tuple[int, int]] = []
    for v in values:
        if out and out[-1][1] == v - 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _boxes(cells: set[tuple[int, int, int]]) -> list[tuple[tuple[int, int], ...]]:
    """A disjoint set of boxes (r, f, m ranges) whose union is exactly ``cells``."""
    # Runs of m per (r, f); then runs of f per (r, m range); then runs of r.
    by_rf: dict[tuple[int, int], list[int]] = {}
    for r, f, m in sorted(cells):
        by_rf.setdefault((r, f), []).append(m)
    by_r_m: dict[tuple[int, tuple[int, int]], list[int]] = {}
    for (r, f), ms in by_rf.items():
        for m_run in _runs(ms):
            by_r_m.setdefault((r, m_run), []).append(f)
    by_fm: dict[tuple[tuple[int, int], tuple[int, int]], list[int]] = {}
    for (r, m_run), fs in by_r_m.items():
        for f_run in _runs(sorted(fs)):
            by_fm.setdefault((f_run, m_run), []).append(r)
    boxes = [(r_run, f_run, m_run) for (f_run, m_run), rs in by_fm.items() for r_run in _runs(sorted(rs))]
    return sorted(boxes)


def _labels(labels: Any, names: list[str]) -> dict[str, dict[str, str]]:
    """Segment name -> {"en": ..., "zh": ...}: the name unless ``labels`` says otherwise."""
    out = {name: {"en": name, "zh": name} for name in names}
    if labels is None:
        return out
    if not isinstance(labels, Mapping):
        raise InputTypeError(
            f"labels must map segment names to {{'en': ..., 'zh': ...}}, not {type(labels).__name__}"
        )
    for name, given in labels.items():
        if name not in out:
            raise InputError(f"labels name an unknown segment {name!r}; the segments are {names}")
        if not isinstance(given, Mapping):
            raise InputTypeError(
                f"labels of segment {name!r} must be a mapping such as "
                f"{{'en': ..., 'zh': ...}}, not {type(given).__name__}"
            )
        out[name] = {**out[name], **given}
    return out


def codes_spec(
    codes: Any,
    fallback: Any = "Other",
    levels: Any = 4,
    *,
    name: Any = None,
    labels: Any = None,
) -> dict[str, Any]:
    """The scheme spec of segment rules given as lists of score codes.

    Parameters
    ----------
    codes : mapping of str to list of str
        Segment name -> its score codes ("RFM" digits, each 1..``levels``), in
        the order the segments are listed; a code may be in one segment only.
    fallback : str
        The name of the segment of every unlisted cell.
    levels : int
        The scale of the scores, 2 to 9 (pymc-marketing's quartiles: 4).
    name : str, optional
        The scheme's name; default ``"codes"``.
    labels : mapping, optional
        Segment name (or the fallback's) -> labels, such as ``{"en": ...,
        "zh": ...}``; by default every label is the name.

    Returns
    -------
    dict
        ``name``, ``scale``, ``rules`` (codes derived from the names with
        :func:`segment_code`, one rule per box of cells) and ``fallback``:
        what :meth:`rfmkit.Scheme.from_dict` validates.

    Raises
    ------
    InputError
        A malformed code or one out of range, a code in two segments, a
        segment with no codes, a fallback named like a segment, bad levels.
    InputTypeError
        ``codes`` not a mapping of lists, names not strings.

    Examples
    --------
    >>> from rfmkit.segments.codes import codes_spec
    >>> spec = codes_spec({"Best": ["222", "221"], "Low": ["111"]}, levels=2)
    >>> [(r["code"], r["r"], r["f"], r["m"]) for r in spec["rules"]]
    [('best', [2, 2], [2, 2], [1, 2]), ('low', [1, 1], [1, 1], [1, 1])]
    >>> spec["fallback"]
    {'code': 'other', 'labels': {'en': 'Other', 'zh': 'Other'}}
    """
    if not isinstance(codes, Mapping):
        raise InputTypeError(
            "codes must map segment names to lists of score codes, such as "
            f"{{'Premium': ['333', '344']}}, not {type(codes).__name__}"
        )
    if isinstance(levels, bool) or not isinstance(levels, int) or not 2 <= levels <= 9:
        raise InputError(f"levels must be an integer from 2 to 9 (one digit per score), not {levels!r}")
    if not codes:
        raise InputError("codes has no segments; give at least one segment and its score codes")
    names = list(codes)
    for seg in [*names, fallback]:
        if not isinstance(seg, str) or not seg.strip():
            raise InputTypeError(f"segment names must be non-empty strings, not {type(seg).__name__} {seg!r}")
    if fallback in codes:
        raise InputError(
            f"fallback {fallback!r} is also the name of a segment; the fallback takes "
            "the cells no segment lists, give it a name of its own"
        )
    owner: dict[tuple[int, int, int], str] = {}
    rules = []
    all_labels = _labels(labels, [*names, fallback])
    taken: set[str] = set()
    for seg in names:
        cells = _cells(seg, codes[seg], levels)
        for cell in cells:
            other = owner.setdefault(cell, seg)
            if other != seg:
                raise InputError(
                    f"code {''.join(map(str, cell))!r} is in segment {other!r} and in "
                    f"segment {seg!r}; a code may be in one segment only"
                )
        code = segment_code(seg, taken)
        taken.add(code)
        for r, f, m in _boxes(set(cells)):
            rules.append({"code": code, "labels": all_labels[seg], "r": list(r), "f": list(f), "m": list(m)})
    return {
        "name": "codes" if name is None else name,
        "scale": levels,
        "rules": rules,
        "fallback": {"code": segment_code(fallback, taken), "labels": all_labels[fallback]},
    }
