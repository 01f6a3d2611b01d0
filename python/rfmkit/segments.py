"""Segments: which customers are in which segment, by ordered rules on the scores.

A scheme is written on a scale of a few levels per dimension (2 for high /
low, 3, 5). Scores from :func:`rfmkit.score` with k levels are first rescaled
to the scheme's scale (score s goes to ``floor((s - 1) * scale / k) + 1``, so
on a 5-level score "high" on a two-level scheme means 4 or 5, above the
middle). A customer falls into the first rule whose ranges all hold, or into
the scheme's fallback. The built-in schemes, with their full rule tables:
``rfmkit.Scheme.builtin(name).rules``.

- ``"cn8"`` (source document 001): the eight segments of a high / low split;
  made for two-level scores ("threshold", "mean" or "median").
- ``"tiers4"`` (document 000): VIP, new, dormant and ordinary, a total mapping
  over three levels (see ``rfmkit._schemes`` for the rules and why).
- ``"crm4"`` (document 003): high-value, potential, needs wake-up and churn
  risk, a total mapping over five levels.
- ``"rfm11"``: Champions ... Lost on the 25-cell grid of R and FM, where FM is
  the mean of F and M rounded half up.
- ``"rf10"``: the ten-segment R x F grid.
"""

from __future__ import annotations

import html
import json
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._core import scheme_cube, scheme_validate, segment_assign
from ._frames import as_pandas, numeric_column
from ._schemes import BUILTIN, SOURCES
from .errors import InputError, InputTypeError, RFMWarning
from .scoring import _copy_on_write

__all__ = ["Coverage", "Scheme", "segment"]

_NEW = {"code": "new", "labels": {"en": "New", "zh": "新客户"}}


@dataclass(frozen=True, repr=False)
class Coverage:
    """What a scheme does with every cell of its score cube."""

    cells: pd.DataFrame
    """One row per cell: ``r``, ``f``, ``m`` (on the scheme's scale), the
    winning ``rule`` (its position; -1 for the fallback) and ``segment_code``."""
    shadowed: list[int]
    """Rules that never win a cell: earlier rules cover everything they match."""
    fallback: pd.DataFrame
    """The cells no rule matches (they go to the fallback)."""

    @property
    def total(self) -> bool:
        """Whether every cell is matched by a rule."""
        return self.fallback.empty

    def _headline(self) -> str:
        shadowed = f"shadowed rules {self.shadowed}" if self.shadowed else "no shadowed rule"
        fallback = ("every cell matched by a rule" if self.total
                    else f"{len(self.fallback)} cell(s) fall to the fallback")
        return f"Coverage of {len(self.cells)} cells: {fallback}, {shadowed}"

    def _per_segment(self) -> pd.DataFrame:
        """Cells per segment, in rule order (the fallback last)."""
        rule = self.cells["rule"].where(self.cells["rule"] >= 0, len(self.cells))
        per = (self.cells.assign(rule=rule).groupby("segment_code", sort=False, observed=True)
               .agg(cells=("rule", "size"), first_rule=("rule", "min")))
        return per.sort_values("first_rule", kind="stable")[["cells"]].reset_index()

    def __repr__(self) -> str:
        return f"{self._headline()}\n{self._per_segment().to_string(index=False)}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self._headline())}</p>" + self._per_segment().to_html(index=False)


class Scheme:
    """An ordered set of segment rules, parsed and validated by the core.

    Build one with :meth:`builtin`, :meth:`from_dict`, :meth:`from_json` or
    :meth:`from_toml`. A rule has a ``code`` (ASCII), ``labels`` (``en`` and
    ``zh`` at least) and inclusive ranges for the dimensions it constrains,
    among ``r``, ``f``, ``m`` and ``fm``; the scheme has a ``name``, a
    ``scale`` (2 to 10), a ``fallback`` (code and labels) and optionally
    ``strategies`` (see :func:`rfmkit.strategies`). Unknown keys, ranges
    outside the scale, empty ranges and missing labels are errors.

    Examples
    --------
    >>> import rfmkit
    >>> s = rfmkit.Scheme.from_dict({
    ...     "name": "mine", "scale": 2,
    ...     "rules": [{"code": "best", "labels": {"en": "Best", "zh": "最佳"}, "r": [2, 2], "m": [2, 2]}],
    ...     "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其他"}}})
    >>> s.coverage().fallback.shape[0]   # the 6 cells that are not (R high, M high)
    6
    """

    def __init__(self, spec: Mapping[str, Any]):
        if not isinstance(spec, Mapping):
            raise InputTypeError(f"scheme must be a mapping, not {type(spec).__name__}")
        spec = dict(spec)
        table = spec.pop("strategies", None)  # checked here, not by the core
        try:
            text = json.dumps(spec, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise InputTypeError(f"scheme must be JSON-like data: {exc}") from None
        self._json = scheme_validate(text)
        self.spec: dict = json.loads(self._json)
        from .strategy import validate_strategies

        self.strategy_table: dict = {} if table is None else validate_strategies(table, self.codes)

    @classmethod
    def builtin(cls, name: str) -> Scheme:
        """One of the built-in schemes: cn8, tiers4, crm4, rfm11, rf10."""
        if name not in BUILTIN:
            raise InputError(f"unknown scheme {name!r}; built-in schemes: {', '.join(BUILTIN)}")
        return cls(BUILTIN[name])

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Scheme:
        return cls(spec)

    @classmethod
    def from_json(cls, source: str | Path) -> Scheme:
        """From a JSON file, or a JSON text."""
        return cls._load(source, "JSON", json.loads, json.JSONDecodeError)

    @classmethod
    def from_toml(cls, source: str | Path) -> Scheme:
        """From a TOML file, or a TOML text (``[[rules]]`` tables, ``[fallback]``)."""
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        return cls._load(source, "TOML", tomllib.loads, tomllib.TOMLDecodeError)

    @classmethod
    def _load(cls, source: str | Path, kind: str, parse: Any, error: type[Exception]) -> Scheme:
        text = _source_text(source, "." + kind.lower())
        try:
            return cls(parse(text))
        except error as exc:
            raise InputError(f"invalid scheme {kind}: {exc}") from None

    @property
    def name(self) -> str:
        return self.spec["name"]

    @property
    def scale(self) -> int:
        return self.spec["scale"]

    @property
    def codes(self) -> list[str]:
        """The segment codes in the scheme's order, the fallback last."""
        codes = list(dict.fromkeys(r["code"] for r in self.spec["rules"]))
        return codes + [self.spec["fallback"]["code"]]

    def labels(self, lang: str = "en") -> dict[str, str]:
        """Segment code -> label in ``lang`` (codes without one use English)."""
        out = {}
        for item in [*self.spec["rules"], self.spec["fallback"]]:
            out.setdefault(item["code"], item["labels"].get(lang, item["labels"]["en"]))
        return out

    @property
    def rules(self) -> pd.DataFrame:
        """The rule table: one row per rule, ranges as "lo-hi" (blank: any)."""
        rows = []
        for i, rule in enumerate(self.spec["rules"]):
            row = {"rule": i, "segment_code": rule["code"], "en": rule["labels"]["en"],
                   "zh": rule["labels"]["zh"]}
            for dim in ("r", "f", "m", "fm"):
                lo_hi = rule.get(dim)
                row[dim] = "" if lo_hi is None else f"{lo_hi[0]}-{lo_hi[1]}"
            rows.append(row)
        return pd.DataFrame(rows)

    def coverage(self) -> Coverage:
        """Which rule wins every cell of the score cube, which rules never win
        (shadowed), and which cells fall to the fallback."""
        s = self.scale
        winners = np.array(scheme_cube(self._json))
        grid = np.indices((s, s, s)).reshape(3, -1) + 1
        n_rules = len(self.spec["rules"])
        codes = np.array([r["code"] for r in self.spec["rules"]] + [self.spec["fallback"]["code"]])
        cells = pd.DataFrame({
            "r": grid[0], "f": grid[1], "m": grid[2],
            "rule": np.where(winners == n_rules, -1, winners),
            "segment_code": codes[winners],
        })
        shadowed = sorted(set(range(n_rules)) - set(winners.tolist()))
        return Coverage(cells=cells, shadowed=shadowed,
                        fallback=cells[cells["rule"] == -1].reset_index(drop=True))

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.rules.to_html(index=False)

    def __repr__(self) -> str:
        source = SOURCES.get(self.name)
        return (f"Scheme({self.name!r}, scale={self.scale}, {len(self.spec['rules'])} rules, "
                f"{len(self.codes)} segments" + (f"; {source})" if source else ")"))


def _source_text(source: str | bytes | Path, suffix: str) -> str:
    """The text of a scheme file, or ``source`` itself when it is the text."""
    if isinstance(source, (bytes, bytearray)):
        return _decoded(bytes(source), "the scheme text")
    if not isinstance(source, (str, Path)):
        raise InputTypeError(f"a scheme source must be a path or a text, not {type(source).__name__}")
    text = str(source)
    is_file = isinstance(source, Path) or (
        "\n" not in text and (text.lower().endswith(suffix) or _is_file(text))
    )
    if not is_file:
        return text
    try:
        raw = Path(text).read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"cannot read scheme file {text!r}: {reason}") from None
    return _decoded(raw, f"scheme file {text!r}")


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long, a NUL: it is text, not a path
        return False


def _decoded(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text: byte {raw[exc.start]:#04x} at offset "
                         f"{exc.start} cannot be decoded") from None


def _builtin_match(table: pd.DataFrame) -> tuple[str, str, list[str], dict[str, str]] | None:
    """(scheme, lang, codes in order, label per code) of the one built-in scheme
    whose labels (and codes) hold every value of the table, or None."""
    labels = set(table["segment"].dropna().astype(str).unique())
    codes = (set(table["segment_code"].dropna().astype(str).unique())
             if "segment_code" in table.columns else set())
    found = []
    for name in BUILTIN:
        scheme = Scheme.builtin(name)
        for lang in ("en", "zh"):
            by_code, order = scheme.labels(lang), scheme.codes
            for extra in (False, True):  # with new_customer_days: "new" first
                if extra:
                    order = ["new", *order]
                    by_code = {**by_code, "new": _NEW["labels"][lang]}
                if labels <= set(by_code.values()) and codes <= set(by_code):
                    found.append((extra, name, lang, order, by_code))
                    break
    # A scheme that fits without an extra "new" segment beats one that needs it.
    found = [f for f in found if not f[0]] or found
    if len(found) != 1:
        return None
    return found[0][1:]


def _as_scheme(scheme: Any) -> Scheme:
    if isinstance(scheme, Scheme):
        return scheme
    if isinstance(scheme, str):
        return Scheme.builtin(scheme)
    if isinstance(scheme, Mapping):
        return Scheme(scheme)
    raise InputTypeError(f"scheme must be a name, a Scheme or a dict, not {type(scheme).__name__}")


def _levels(scored: pd.DataFrame, levels: Any) -> list[int]:
    if levels is not None:
        if isinstance(levels, (str, bytes, Mapping)) or not (
            np.isscalar(levels) or isinstance(levels, (Sequence, np.ndarray))
        ):
            raise InputTypeError(f"levels must be an integer or three integers (R, F, M), not {levels!r}")
        arr = np.asarray([levels] * 3 if np.isscalar(levels) else levels, dtype=object)
        given = arr.tolist() if arr.ndim == 1 else []
        if len(given) != 3:
            raise InputError(f"levels must be an integer or three integers (R, F, M), got {levels!r}")
        return [_one_level(k) for k in given]
    edges = scored.attrs.get("score_edges")
    if not edges:
        raise InputError("the number of score levels is unknown: pass levels=..., or segment "
                         "the output of rfmkit.score (its attrs record them)")
    try:
        return [_one_level(edges[d]["levels"]) for d in ("recency", "frequency", "monetary")]
    except (KeyError, TypeError):
        raise InputError("attrs['score_edges'] does not record the score levels of recency, "
                         "frequency and monetary; pass levels=...") from None


def _one_level(k: Any) -> int:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise InputError(f"invalid levels: {k!r}; give integers between 2 and 100")
    if not 2 <= int(k) <= 100:
        raise InputError(f"invalid levels: must be between 2 and 100, got {int(k)}")
    return int(k)


def _scores(scored: pd.DataFrame, name: str, k: int) -> np.ndarray:
    """A score column as uint8: whole numbers from 1 to ``k`` (errors name the value and row)."""
    if name not in scored.columns:
        raise InputError(f"missing column {name!r}; segment takes the output of rfmkit.score")
    col = scored[name]
    values = numeric_column(col, name, "segments")
    bad = (values != np.floor(values)) | (values < 1) | (values > k)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        v = col.iloc[row]
        why = ("scores are whole numbers" if values[row] != np.floor(values[row])
               else f"scores must be between 1 and {k}")
        raise InputError(f"column {name!r} has an invalid value {_plain(v)} at row {row}: {why}")
    return np.ascontiguousarray(values.astype(np.uint8))


def _plain(v: Any) -> str:
    """A value as written (2.5, not np.float64(2.5))."""
    return repr(v.item() if isinstance(v, np.generic) else v)


def segment(
    scored: Any,
    scheme: str | Scheme | Mapping[str, Any] = "rfm11",
    *,
    lang: str | Mapping[str, str] = "en",
    new_customer_days: int | None = None,
    levels: int | tuple[int, int, int] | None = None,
) -> pd.DataFrame:
    """Adds ``segment_code`` and ``segment`` to a table from :func:`rfmkit.score`.

    Parameters
    ----------
    scored : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        With ``r_score``, ``f_score`` and ``m_score``: whole numbers from 1
        to the number of levels (anything else is an error naming the
        column, the value and its row).
    scheme : str, Scheme or dict
        A built-in scheme name (``"rfm11"``, ``"rf10"``, ``"cn8"``,
        ``"tiers4"``, ``"crm4"``) or a custom scheme.
    lang : "en", "zh" or mapping
        The language of ``segment``, or your own label per segment code.
    new_customer_days : int, optional
        Customers whose first purchase is at most this many days before the
        as-of date go to a ``"new"`` segment whatever their scores (they have
        no history yet). Needs ``first_purchase`` and the as-of date in
        ``attrs`` (as :func:`rfmkit.rfm_table` leaves them).
    levels : int or triple, optional
        Score levels of R, F, M; by default read from ``attrs``.

    Returns
    -------
    pandas.DataFrame
        A copy with ``segment_code`` and ``segment`` (the label), both
        ordered categoricals in the scheme's order, the fallback last. Customers in
        the fallback trigger an :class:`~rfmkit.RFMWarning`. ``attrs["scheme"]``
        and ``attrs["lang"]`` record the scheme's name and the language
        (``"custom"`` for a mapping), which :func:`rfmkit.action_list` reads.
    """
    scored = as_pandas(scored, "scored")
    s = _as_scheme(scheme)
    k = _levels(scored, levels)
    cols = [_scores(scored, name, kk) for name, kk in zip(("r_score", "f_score", "m_score"), k, strict=True)]
    winners = segment_assign(s._json, cols[0], cols[1], cols[2], k)
    order = s.codes
    if new_customer_days is not None:
        order = ["new", *[c for c in order if c != "new"]]
    # Positions in `order`: of each rule's segment, then of each customer
    # (a dict, not order.index: schemes may have thousands of rules).
    where = {code: i for i, code in enumerate(order)}
    rule_pos = np.array([where[r["code"]] for r in s.spec["rules"]]
                        + [where[s.spec["fallback"]["code"]]], dtype=np.int64)
    pos = rule_pos[winners]
    if new_customer_days is not None:
        pos[_new_customers(scored, new_customer_days)] = 0
    labels = _labels(s, lang, order)
    fallback = s.spec["fallback"]["code"]
    n_fallback = int((winners == len(s.spec["rules"])).sum())
    if n_fallback:
        warnings.warn(f"{n_fallback} customer(s) match no rule of scheme {s.name!r} and fall to "
                      f"{fallback!r}; see Scheme.coverage()", RFMWarning, stacklevel=2)
    out = scored.copy(deep=not _copy_on_write())
    out["segment_code"] = pd.Categorical.from_codes(pos, categories=order, ordered=True)
    first = {}
    for label in labels:  # two codes may share a label
        first.setdefault(label, len(first))
    label_pos = np.array([first[label] for label in labels], dtype=np.int64)
    out["segment"] = pd.Categorical.from_codes(label_pos[pos], categories=list(first), ordered=True)
    out.attrs["scheme"] = s.name
    out.attrs["lang"] = lang if isinstance(lang, str) else "custom"
    return out


def _labels(s: Scheme, lang: Any, order: list[str]) -> list[str]:
    """The label of every code of ``order`` in ``lang``."""
    if isinstance(lang, str):
        if lang not in ("en", "zh"):
            raise InputError(f"invalid lang {lang!r}: 'en', 'zh' or a mapping of code to label")
        known = {**{_NEW["code"]: _NEW["labels"][lang]}, **s.labels(lang)}
    elif isinstance(lang, Mapping):
        known = dict(lang)
    else:
        raise InputTypeError(f"lang must be 'en', 'zh' or a mapping, not {type(lang).__name__}")
    missing = [c for c in order if not known.get(c)]
    if missing:
        raise InputError(f"lang has no label for segment code(s) {missing}")
    return [str(known[c]) for c in order]


def _new_customers(scored: pd.DataFrame, days: int) -> np.ndarray:
    """Which customers made their first purchase at most ``days`` days ago."""
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 0:
        raise InputError(f"new_customer_days must be a non-negative integer, got {days!r}")
    as_of = scored.attrs.get("as_of")
    if as_of is None or "first_purchase" not in scored.columns:
        raise InputError("new_customer_days needs first_purchase and attrs['as_of'] "
                         "(the output of rfm_table, scored)")
    first = pd.Series(scored["first_purchase"])
    if isinstance(first.dtype, pd.DatetimeTZDtype):
        first = first.dt.tz_localize(None)
    age = (pd.Timestamp(as_of) - first.dt.normalize()).dt.days.to_numpy()
    return age <= days
