"""The score levels recorded in ``rfm_score`` itself.

:func:`rfmkit.score` makes ``rfm_score`` an ordered categorical whose
categories are the codes in use plus, always, the lowest code first and the
top code last (``"111"`` ... ``"545"``; with 10 or more levels in some
dimension ``"1-1-1"`` ... ``"10-3-12"``), sorted by the (R, F, M) scores. The
last category is the number of levels of each dimension. ``attrs`` do not
survive a merge with another frame, and polars frames have none; a
categorical's categories survive both (a polars ``Enum`` keeps them, and
comes back to pandas as an ordered categorical or an Arrow dictionary).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InputTypeError

__all__ = ["code_levels", "given_levels", "one_level"]

_DIGITS = re.compile(r"[1-9]{3}")
_DASHED = re.compile(r"([1-9][0-9]{0,2})-([1-9][0-9]{0,2})-([1-9][0-9]{0,2})")


def given_levels(levels: Any) -> list[int]:
    """The ``levels=`` of :func:`rfmkit.segment` and :meth:`rfmkit.Scheme.explain`:
    an integer, or three (R, F, M), each from 2 to 100."""
    if isinstance(levels, (str, bytes, Mapping)) or not (
        np.isscalar(levels) or isinstance(levels, (Sequence, np.ndarray))
    ):
        raise InputTypeError(f"levels must be an integer or three integers (R, F, M), not {levels!r}")
    arr = np.asarray([levels] * 3 if np.isscalar(levels) else levels, dtype=object)
    given = arr.tolist() if arr.ndim == 1 else []
    if len(given) != 3:
        raise InputError(f"levels must be an integer or three integers (R, F, M), got {levels!r}")
    return [one_level(k) for k in given]


def one_level(k: Any) -> int:
    """A number of score levels: an integer from 2 to 100."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise InputError(f"invalid levels: {k!r}; give integers between 2 and 100")
    if not 2 <= int(k) <= 100:
        raise InputError(f"invalid levels: must be between 2 and 100, got {int(k)}")
    return int(k)


def code_levels(scored: pd.DataFrame) -> list[int] | None:
    """The levels of R, F and M that the categories of ``rfm_score`` record.

    Parameters
    ----------
    scored : pandas.DataFrame
        A scored table, perhaps merged with another frame or back from polars
        or Parquet, whose ``attrs`` are gone.

    Returns
    -------
    list of int or None
        The three levels; None when there is no ``rfm_score`` column or it is
        not a categorical (plain text records nothing).

    Raises
    ------
    InputError
        An ``rfm_score`` categorical that does not follow the convention: not
        ordered (a polars ``Categorical`` keeps only the codes present), a
        first category other than the lowest code, a last one that is not a
        code of levels 2 to 100.

    Examples
    --------
    >>> import pandas as pd
    >>> codes = pd.Categorical(["121"], categories=["111", "121", "535"], ordered=True)
    >>> code_levels(pd.DataFrame({"rfm_score": codes}))
    [5, 3, 5]
    """
    if "rfm_score" not in scored.columns:
        return None
    found = _categories(scored["rfm_score"])
    if found is None:
        return None
    categories, ordered = found
    if not ordered:
        raise InputError(
            "the number of score levels is unknown: rfm_score is a categorical without an order "
            "(a polars Categorical keeps only the codes present, so the top code may be lost); "
            "pass levels=..., or keep rfm_score as rfmkit.score makes it (an ordered categorical, "
            "a polars Enum)"
        )
    if not categories:
        raise InputError(
            "the number of score levels is unknown: rfm_score has no categories; pass levels=..."
        )
    first, last = str(categories[0]), str(categories[-1])
    top = _parse(last)
    dashed = "-" in last
    if top is None or not all(2 <= k <= 100 for k in top) or dashed != (max(top) >= 10):
        raise InputError(
            f"rfm_score's last category {last!r} is not the top score code (such as '555', or "
            "'10-3-12' with 10 or more levels) that rfmkit.score puts there; pass levels=..."
        )
    lowest = "1-1-1" if dashed else "111"
    if first != lowest:
        raise InputError(
            f"rfm_score's first category is {first!r}, not the lowest code {lowest!r} that "
            "rfmkit.score puts there, so its last one may not record the levels; pass levels=..."
        )
    return top


def _categories(col: pd.Series) -> tuple[list[Any], bool] | None:
    """(categories, ordered) of a pandas categorical or an Arrow dictionary column."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return list(dtype.categories), bool(dtype.ordered)
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype):
        chunks = col.array.__arrow_array__()  # a polars Enum: one dictionary for every chunk
        if isinstance(chunks, pa.Array):
            chunks = pa.chunked_array([chunks])
        values = chunks.chunk(0).dictionary.to_pylist() if chunks.num_chunks else []
        return values, bool(dtype.pyarrow_dtype.ordered)
    return None


def _parse(code: str) -> list[int] | None:
    if _DIGITS.fullmatch(code):
        return [int(c) for c in code]
    match = _DASHED.fullmatch(code)
    return [int(g) for g in match.groups()] if match else None
