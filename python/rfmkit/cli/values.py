"""Checks of option values (argparse types): a bad value is one ``rfmkit: error:`` line, status 2.

Windows are read by :func:`rfmkit.io.windows.window_arg`, the reader of the API's ``window=``,
so that ``--window`` takes what ``rfm_table(window=...)`` takes.
"""

from __future__ import annotations

import argparse
import codecs
import math
import re
from collections.abc import Callable

from ..errors import InputError
from ..io.windows import window_arg

# Days from 0001-01-01 to 9999-12-31: no span of dates is longer.
MAX_DAYS = 3_652_058


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def check(text: str) -> int:
        value = text.strip()
        if not re.fullmatch(r"[+-]?\d+", value, flags=re.ASCII):
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {text!r}")
        return number

    return check


def window(text: str) -> int | str:
    """An argparse type: ``--window`` as the API reads ``window=`` (90, 90D, 12W, 3M, 1Q, 1Y,
    "90 days"); the text is handed to the API as it is, a plain number as days."""
    try:
        window_arg(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    value = text.strip()
    return int(value) if value.isdigit() else value


def text(what: str) -> Callable[[str], str]:
    """An argparse type: text that is not empty."""

    def check(value: str) -> str:
        if not value.strip():
            raise argparse.ArgumentTypeError(f"{what} must not be empty")
        return value

    return check


def columns(value: str) -> list[str]:
    """An argparse type: ``COL[,COL...]``, column names that are not empty nor repeated."""
    names = [name.strip() for name in value.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(
            f"invalid column list {value!r}: give names such as channel or channel,region"
        )
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"invalid column list {value!r}: a column is named twice")
    return names


def weights(value: str) -> list[float]:
    """An argparse type: ``R,F,M``, three finite numbers, not negative, not all zero."""
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != 3 or not all(math.isfinite(w) and w >= 0 for w in numbers):
        raise argparse.ArgumentTypeError(
            f"invalid weights {value!r}: give three numbers R,F,M, not negative, such as 1,1,2"
        )
    if not any(numbers):
        raise argparse.ArgumentTypeError(f"invalid weights {value!r}: they must not all be zero")
    return numbers


def zone(value: str) -> str:
    """An argparse type: a time zone pandas knows, such as Asia/Shanghai or UTC."""
    import pandas as pd

    try:
        pd.Timestamp("2000-01-01", tz=value.strip())
    except (ValueError, TypeError, KeyError, LookupError, OSError):
        raise argparse.ArgumentTypeError(
            f"unknown time zone {value!r}: give a name such as Asia/Shanghai, Europe/Paris or UTC"
        ) from None
    return value.strip()


_SEPARATORS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def separator(value: str) -> str:
    """An argparse type: one character between fields; ``tab`` or ``\\t`` for a tab."""
    sep = _SEPARATORS.get(value.lower(), value)
    if len(sep) != 1 or sep in '\r\n"' or sep.isalnum():
        raise argparse.ArgumentTypeError(
            f"invalid separator {value!r}: give one character such as ';' or '|', or tab"
        )
    return sep


def encoding(value: str) -> str:
    """An argparse type: a text encoding Python knows, such as utf-8-sig or gb18030."""
    try:
        info = codecs.lookup(value.strip())
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown encoding {value!r}: give one such as utf-8, utf-8-sig, gb18030 or cp1252"
        ) from None
    try:
        "a,b\n".encode(info.name).decode(info.name)
    except (UnicodeError, LookupError, TypeError):
        raise argparse.ArgumentTypeError(f"encoding {value!r} is not a text encoding") from None
    return value.strip()
