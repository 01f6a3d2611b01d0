"""What to do about each segment, and the per-customer action list for a CRM."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._strategies import CHANNELS, PLAYBOOKS, SEGMENTS
from .errors import InputError
from .segments import Scheme, _as_scheme

__all__ = ["action_list", "strategies"]

FIELDS = ("description", "goal", "actions", "channels", "cadence", "offer", "message", "kpi")


def validate_strategies(table: Any, codes: list[str]) -> dict:
    """Checks a custom scheme's strategy table: {code: {lang: {field: value}}}."""
    if not isinstance(table, dict):
        raise InputError("strategies must map segment codes to {'en': {...}, 'zh': {...}}")
    unknown = sorted(set(table) - set(codes) - {"new"})
    if unknown:
        raise InputError(f"strategies name unknown segment code(s) {unknown}")
    for code, langs in table.items():
        for lang in ("en", "zh"):
            entry = langs.get(lang) if isinstance(langs, dict) else None
            if not isinstance(entry, dict):
                raise InputError(f"strategy of segment {code!r} has no {lang!r} entry")
            missing = [f for f in FIELDS if not entry.get(f)]
            if missing:
                raise InputError(f"strategy of segment {code!r} ({lang}) misses {missing}")
            bad = sorted(set(entry["channels"]) - set(CHANNELS))
            if bad:
                raise InputError(f"strategy of segment {code!r} ({lang}) has unknown channel(s) "
                                 f"{bad}; channels are {', '.join(CHANNELS)}")
    return table


def _entry(scheme: Scheme, code: str, lang: str) -> dict:
    custom = scheme.strategy_table.get(code)
    if custom is not None:
        return custom[lang]
    if code not in SEGMENTS:
        raise InputError(f"segment {code!r} of scheme {scheme.name!r} has no strategy; give the "
                         "scheme a 'strategies' table")
    playbook, en, zh = SEGMENTS[code]
    return {"description": en if lang == "en" else zh, **PLAYBOOKS[playbook][lang]}


def strategies(scheme: str | Scheme | dict = "rfm11", lang: str = "en") -> pd.DataFrame:
    """One row per segment of ``scheme``: what it is and what to do about it.

    Columns: ``segment_code``, ``segment``, ``description``, ``goal``,
    ``actions`` (list), ``channels`` (list, from email, sms, phone, social,
    in_app, ads), ``cadence``, ``offer``, ``message`` (a template for customer
    service) and ``kpi``. Written for every built-in scheme in English and
    Chinese; a custom scheme can carry its own table under ``"strategies"``.

    Examples
    --------
    >>> import rfmkit
    >>> s = rfmkit.strategies("cn8", lang="zh")
    >>> s.loc[s.segment_code == "important_retain", "offer"].item()
    '特别激活折扣'
    """
    if lang not in ("en", "zh"):
        raise InputError(f"invalid lang {lang!r}: strategies are written in 'en' and 'zh'")
    s = _as_scheme(scheme)
    labels = s.labels(lang)
    rows = []
    for code in s.codes:
        entry = _entry(s, code, lang)
        rows.append({"segment_code": code, "segment": labels[code],
                     **{f: list(entry[f]) if f in ("actions", "channels") else entry[f]
                        for f in FIELDS}})
    return pd.DataFrame(rows, columns=["segment_code", "segment", *FIELDS])


def action_list(segmented: pd.DataFrame, scheme: str | Scheme | dict = "rfm11",
                lang: str = "en") -> pd.DataFrame:
    """One row per customer, ready for a CRM or a campaign tool.

    Columns: ``customer_id``, ``segment_code``, ``segment``, ``next_action``
    (the first action of the segment's strategy), ``channel`` (its first
    channel), ``offer`` and ``message``. Export with ``to_csv`` or
    ``to_json(orient="records", force_ascii=False)``.
    """
    for col in ("customer_id", "segment_code"):
        if col not in segmented.columns:
            raise InputError(f"missing column {col!r}; action_list takes the output of rfmkit.segment")
    s = _as_scheme(scheme)
    table = strategies(s, lang).set_index("segment_code")
    codes = segmented["segment_code"].astype(str)
    if "new" in set(codes) and "new" not in table.index:
        table.loc["new"] = {"segment": s.labels(lang).get("new", "New" if lang == "en" else "新客户"),
                            **{f: v for f, v in _entry(s, "new", lang).items()}}
    unknown = sorted(set(codes) - set(table.index))
    if unknown:
        raise InputError(f"segment code(s) {unknown} are not in scheme {s.name!r}")
    per_code = pd.DataFrame({
        "segment": table["segment"],
        "next_action": table["actions"].str[0],
        "channel": table["channels"].str[0],
        "offer": table["offer"],
        "message": table["message"],
    })
    out = per_code.reindex(codes.to_numpy()).reset_index(drop=True)
    out.insert(0, "segment_code", codes.to_numpy())
    out.insert(0, "customer_id", segmented["customer_id"].to_numpy())
    return out
