"""Checks of strategy tables (a custom scheme's playbook), shared by the
scheme loader and the strategy lookups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InputError, InputTypeError

__all__ = ["CHANNELS", "FIELDS", "validate_strategies"]

CHANNELS = ("email", "sms", "phone", "social", "in_app", "ads")
"""The contact channels a strategy may name."""

FIELDS = ("description", "goal", "actions", "channels", "cadence", "offer", "message", "kpi")


_LISTS = ("actions", "channels")


def validate_strategies(table: Any, codes: list[str]) -> dict:
    """Checks a custom scheme's strategy table: {code: {lang: {field: value}}}.

    Every segment named must be one of ``codes`` (or ``"new"``) and have an
    ``"en"`` and a ``"zh"`` entry; each entry has exactly the fields of
    :data:`FIELDS`: ``actions`` and ``channels`` non-empty lists of non-empty
    strings (channels among :data:`CHANNELS`), the others non-empty strings.
    Returns a copy with the lists as lists.
    """
    if not isinstance(table, Mapping):
        raise InputTypeError(
            "strategies must map segment codes to {'en': {...}, 'zh': {...}}, "
            f"not {type(table).__name__}"
        )
    known = set(codes) | {"new"}
    unknown = sorted(str(c) for c in table if c not in known)
    if unknown:
        raise InputError(f"strategies name unknown segment code(s) {unknown}")
    out: dict = {}
    for code, langs in table.items():
        if not isinstance(langs, Mapping):
            raise InputTypeError(
                f"strategy of segment {code!r} must map 'en' and 'zh' to their entries, "
                f"not {type(langs).__name__}"
            )
        out[code] = {}
        for lang, entry in langs.items():
            if lang not in ("en", "zh"):
                raise InputError(
                    f"strategy of segment {code!r} has an unknown language {lang!r}; write 'en' and 'zh'"
                )
            out[code][lang] = _checked_entry(entry, f"strategy of segment {code!r} ({lang})")
        for lang in ("en", "zh"):
            if lang not in langs:
                raise InputError(f"strategy of segment {code!r} has no {lang!r} entry")
    return out


def _checked_entry(entry: Any, where: str) -> dict:
    if not isinstance(entry, Mapping):
        raise InputTypeError(f"{where} must be a mapping of {', '.join(FIELDS)}, not {type(entry).__name__}")
    extra = sorted(str(f) for f in entry if f not in FIELDS)
    if extra:
        raise InputError(f"{where} has unknown field(s) {extra}; the fields are {', '.join(FIELDS)}")
    missing = [
        f for f in FIELDS if f not in entry or (isinstance(entry[f], (str, list, tuple)) and not entry[f])
    ]
    if missing:
        raise InputError(f"{where} misses {missing}")
    out = {}
    for field in FIELDS:
        value = entry[field]
        if field in _LISTS:
            if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
                raise InputTypeError(
                    f"{where}: {field!r} must be a list of strings, not {type(value).__name__} {value!r}"
                )
            items = list(value)
            if not items:
                raise InputError(f"{where}: {field!r} is empty; give at least one")
            bad = [x for x in items if not isinstance(x, str) or not x.strip()]
            if bad:
                raise InputTypeError(f"{where}: {field!r} must hold non-empty strings, got {bad[0]!r}")
            value = items
        elif not isinstance(value, str):
            raise InputTypeError(f"{where}: {field!r} must be a string, not {type(value).__name__} {value!r}")
        elif not value.strip():
            raise InputError(f"{where}: {field!r} is empty")
        out[field] = value
    unknown = sorted(set(out["channels"]) - set(CHANNELS))
    if unknown:
        raise InputError(f"{where} has unknown channel(s) {unknown}; channels are {', '.join(CHANNELS)}")
    return out
