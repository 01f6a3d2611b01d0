"""How results read: counts with plurals, shares as percentages, money with separators, and
small escaped HTML tables. Shared by the ``_repr_html_`` of the result classes, the segment
summary's Styler and :func:`rfmkit.report`."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

__all__ = ["count", "html_table", "money", "number", "percent", "plural"]


def _missing(value: object) -> bool:
    try:
        return value is None or math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 rule``, ``2 rules``, ``1,234 customers`` (``words`` for irregular plurals).

    >>> plural(1, "rule"), plural(2, "rule"), plural(0, "cell"), plural(1_234, "customer")
    ('1 rule', '2 rules', '0 cells', '1,234 customers')
    """
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def count(value: object) -> str:
    """A whole number with thousands separators; ``–`` for a missing one."""
    return "–" if _missing(value) else f"{int(value):,}"  # type: ignore[call-overload]


def percent(value: object, digits: int = 1) -> str:
    """A share (0.2565) as a percentage (``25.7%``); ``–`` for NaN; ``<0.1%`` for a tiny non-zero share.

    >>> percent(0.25650), percent(1.0), percent(0.0), percent(0.00001), percent(float("nan"))
    ('25.7%', '100.0%', '0.0%', '<0.1%', '–')
    """
    if _missing(value):
        return "–"
    share = float(value)  # type: ignore[arg-type]
    smallest = 10.0 ** (-digits) / 100
    if 0 < abs(share) < smallest / 2:
        return f"{'<' if share > 0 else '>-'}{smallest:.{digits}%}"
    return f"{share:.{digits}%}"


def money(value: object) -> str:
    """An amount with thousands separators and cents (``12,345.60``); ``–`` when missing."""
    return "–" if _missing(value) else f"{float(value):,.2f}"  # type: ignore[arg-type]


def number(value: object, digits: int = 1) -> str:
    """A plain statistic (a mean recency) with ``digits`` decimals; ``–`` when missing."""
    return "–" if _missing(value) else f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    numeric: Sequence[bool] | None = None,
    formats: Sequence[Callable[[object], str] | None] | None = None,
    row_header: bool = False,
    css_class: str = "rfmkit",
) -> str:
    """An HTML table: every header and cell escaped, numeric columns right-aligned.

    ``formats`` gives a formatter per column (None: ``str``); with ``row_header`` the first
    cell of each row is a ``<th>``.

    >>> table = html_table(["a <b>", "n"], [["x", 1_000]], numeric=[False, True], formats=[None, count])
    >>> table[table.index("<tbody>") :]
    '<tbody><tr><td>x</td><td class="num">1,000</td></tr></tbody></table>'
    >>> "<th>a &lt;b&gt;</th>" in table
    True
    """
    width = len(header)
    numeric = list(numeric) if numeric is not None else [False] * width
    shown = list(formats) if formats is not None else [None] * width

    def cell(tag: str, i: int, text: str) -> str:
        klass = ' class="num"' if numeric[i] else ""
        return f"<{tag}{klass}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", i, str(h)) for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            fmt = shown[i]
            text = fmt(value) if fmt is not None else ("–" if _missing(value) else str(value))
            cells.append(cell("th" if row_header and i == 0 else "td", i, text))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="{html.escape(css_class)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
