"""report(): one HTML file to share, with the overview, the segment summary, the charts, the
playbook, the migration and churn alerts and the scheme's rules, in English or Chinese."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from .._core import __version__
from .._typing import TableLike
from ..analysis import CHURN_SEGMENTS, churn_alerts, migration
from ..analysis.common import STATS, require, segment_input, segments_of
from ..errors import InputError, InputTypeError
from ..io.frames import as_pandas
from ..segments import Scheme
from ..segments.builtin import builtin_names
from ..segments.scheme import NEW_SEGMENT
from .charts import Chart, chart_html, draw, monthly_chart
from .page import page
from .text import check_lang, words

__all__ = ["report"]

# The charts of rfmkit.plot that may be there (newer versions), in the order of the page.
_OPTIONAL_CHARTS = ("order_distribution", "segment_medians", "rfm_scatter", "monetary_by_rf")


def _segmented(table: TableLike, what: str) -> pd.DataFrame:
    out = segment_input(table, what)
    require(out, ["segment", "segment_code", *STATS], what)
    segments_of(out, what)
    if not isinstance(out["segment_code"].dtype, pd.CategoricalDtype):
        raise InputTypeError(f"column 'segment_code' of {what} must be the categorical of rfmkit.segment")
    return out


def _in_lang(segmented: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table with its ``segment`` labels in ``lang``, and code -> label.

    A built-in scheme's table segmented in the other language gets the scheme's labels in
    ``lang``; custom labels (``segment(..., lang={...})``) stay as they are."""
    codes = [str(c) for c in segmented["segment_code"].cat.categories]
    labels = [str(c) for c in segmented["segment"].cat.categories]
    if len(codes) == len(labels):  # one label per code, in the same order (rfmkit.segment)
        of_code = dict(zip(codes, labels, strict=True))
    else:  # two codes share a label: the pairs seen
        pairs = segmented[["segment_code", "segment"]].astype(str).drop_duplicates("segment_code")
        of_code = {**{c: c for c in codes}, **dict(zip(pairs["segment_code"], pairs["segment"], strict=True))}
    name, table_lang = segmented.attrs.get("scheme"), segmented.attrs.get("lang")
    if table_lang is None and isinstance(name, str) and name in builtin_names():  # polars, Arrow
        scheme = Scheme.builtin(name)
        table_lang = next(
            (
                lang
                for lang in ("en", "zh")
                if set(labels) <= {NEW_SEGMENT["labels"][lang], *scheme.labels(lang).values()}
            ),
            None,
        )
    if not (
        isinstance(name, str)
        and name in builtin_names()
        and table_lang in ("en", "zh")
        and table_lang != lang
    ):
        return segmented, of_code
    known = {NEW_SEGMENT["code"]: NEW_SEGMENT["labels"][lang], **Scheme.builtin(name).labels(lang)}
    shown = {c: known.get(c, of_code[c]) for c in codes}
    renamed = {of_code[c]: shown[c] for c in reversed(codes)}
    new_labels = [renamed.get(label, label) for label in labels]
    if len(set(new_labels)) != len(new_labels):
        return segmented, of_code
    out = segmented.copy()
    out["segment"] = out["segment"].cat.rename_categories(new_labels)
    out.attrs = {**segmented.attrs, "lang": lang}
    return out, shown


def _transactions(transactions: TableLike | None) -> pd.DataFrame | None:
    if transactions is None:
        return None
    tx = as_pandas(transactions, "transactions")
    missing = [c for c in ("date", "amount") if c not in tx.columns]
    if missing:
        raise InputError(
            f"transactions misses column(s) {missing}; report reads the columns 'date' and 'amount' "
            "(rename yours, as rfm_table's defaults)"
        )
    try:
        pd.to_datetime(tx["date"])
    except (ValueError, TypeError) as exc:
        raise InputError(f"column 'date' of transactions cannot be read as dates: {exc}") from None
    return tx


def _charts(
    segmented: pd.DataFrame, moves: object, tx: pd.DataFrame | None, lang: str, w: dict
) -> list[Chart]:
    """The charts of the charts section, then (with ``moves``) the migration heatmap."""
    from .. import plot  # charts only when a report is made

    if segmented.attrs.get("by"):  # one chart over all groups, and the captions say so
        segmented = segmented.copy(deep=False)
        segmented.attrs = {k: v for k, v in segmented.attrs.items() if k != "by"}
        w = {k: f"{v} ({w['pooled_short']})" if k.startswith("chart_") else v for k, v in w.items()}

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        charts = [
            draw(plot.segment_bars, segmented, w["chart_segment_bars"], lang),
            draw(plot.segment_treemap, segmented, w["chart_treemap_customers"], lang, by="customers"),
            draw(plot.segment_treemap, segmented, w["chart_treemap_revenue"], lang, by="revenue"),
            draw(plot.rf_heatmap, segmented, w["chart_rf_heatmap"], lang),
            draw(plot.rfm_histograms, segmented, w["chart_histograms"], lang),
        ]
        for name in _OPTIONAL_CHARTS:
            func = getattr(plot, name, None)
            if func is not None:
                charts.append(draw(func, segmented, w[f"chart_{name}"], lang))
        if tx is not None and len(tx):
            charts.append(monthly_chart(tx, w["chart_monthly"], w))
        if moves is not None:
            charts.append(draw(plot.migration_heatmap, moves, w["chart_migration"], lang, wide=True))
    return charts


def report(
    segmented: TableLike,
    path: str | os.PathLike[str] = "rfm_report.html",
    *,
    lang: str = "en",
    title: str | None = None,
    transactions: TableLike | None = None,
    before: TableLike | None = None,
) -> Path:
    """Write one self-contained HTML report of a segmentation, to share with people who do not code.

    The file holds everything: its style sheet is inline, its charts are PNG images inside
    the page (drawn with matplotlib's Agg renderer, without touching pyplot's state), and it
    has no script and no link to anything outside it. Open it in any browser, attach it to an
    e-mail or print it. It needs matplotlib (``pip install "rfmkit[plot]"``).

    Sections: the overview (customers, revenue, as-of date, share who bought once, the options
    recorded by :func:`rfm_table`, :func:`score` and :func:`segment`), the segment summary
    (:func:`segment_summary`: customers, revenue, shares and medians), the charts of
    :mod:`rfmkit.plot`, the strategy playbook of every segment with customers
    (:func:`strategies`), with ``before`` the migration (:func:`migration`) and the churn
    alerts (:func:`churn_alerts`, the 50 biggest spenders listed), and the rules of the scheme.

    Parameters
    ----------
    segmented : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The output of :func:`rfmkit.segment`.
    path : str or path-like
        Where to write the report (UTF-8); an existing file is replaced.
    lang : "en" or "zh"
        The language of every heading and label. Segment labels of a built-in scheme are the
        scheme's labels in that language, whatever language the table was segmented in;
        custom labels (``segment(..., lang={...})``) are shown as they are.
    title : str, optional
        The heading of the page (default: "RFM customer report" / "RFM 客户分析报告").
    transactions : pandas.DataFrame, polars.DataFrame or pyarrow.Table, optional
        The transactions ``segmented`` was computed from, with the columns ``date`` and
        ``amount``. Adds the period covered, the number and amount of the transactions to the
        overview and a chart of revenue and purchases per month.
    before : pandas.DataFrame, optional
        An earlier segmentation with the same scheme (for example ``as_of`` a month before).
        Adds the migration section (counts and row shares, and its heatmap) and the churn
        alerts (for schemes with default churn segments, ``rfmkit.analysis.CHURN_SEGMENTS``).

    Returns
    -------
    pathlib.Path
        The path of the file written.

    Raises
    ------
    InputError
        A table that is not segmented (missing ``segment`` / ``segment_code`` or R, F, M, named),
        an invalid ``lang``, transactions without ``date`` or ``amount``, a ``before`` table
        of another scheme or grouped another way.
    InputTypeError
        A ``segment`` column that is not the categorical of :func:`rfmkit.segment`.

    Examples
    --------
    >>> import tempfile, pathlib, rfmkit
    >>> tx = rfmkit.datasets.make_transactions(3_000, 400, seed=1)
    >>> seg = lambda as_of: rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=as_of)), "rfm11")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = rfmkit.report(seg("2024-12-31"), folder / "report.html", before=seg("2024-09-30"))
    >>> path.name, "<script" in path.read_text(encoding="utf-8")
    ('report.html', False)
    >>> zh = rfmkit.report(seg("2024-12-31"), folder / "zh.html", lang="zh")
    >>> "冠军客户" in zh.read_text(encoding="utf-8")
    True
    """
    lang = check_lang(lang)
    if title is not None and not isinstance(title, str):
        raise InputTypeError(f"title must be a string, not {type(title).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"path must be a file path, not {type(path).__name__}")
    table, by_code = _in_lang(_segmented(segmented, "segmented"), lang)
    tx = _transactions(transactions)
    earlier = None if before is None else _in_lang(_segmented(before, "before"), lang)[0]
    w = words(lang)
    from .sections import churn_body, migration_body, overview_body, playbook_body, rules_body, summary_body

    scheme = table.attrs.get("scheme")
    moves = alerts = None
    if earlier is not None:
        moves = migration(earlier, table)
        if isinstance(scheme, str) and scheme in CHURN_SEGMENTS and scheme in builtin_names():
            alerts = churn_alerts(earlier, table)
    charts = _charts(table, moves, tx, lang, w)
    heatmap = chart_html(charts.pop()) if moves is not None else ""
    sections = [
        ("overview", w["overview"], overview_body(table, lang, w, tx)),
        ("summary", w["summary"], summary_body(table, w)),
        ("charts", w["charts"], '<div class="charts">' + "".join(map(chart_html, charts)) + "</div>"),
        ("playbook", w["playbook"], playbook_body(table, by_code, lang, w)),
    ]
    if moves is not None and earlier is not None:
        dates = (str(earlier.attrs.get("as_of", w["before"])), str(table.attrs.get("as_of", w["after"])))
        sections.append(("migration", w["migration"], migration_body(moves, w, dates) + heatmap))
        sections.append(("churn", w["churn"], churn_body(alerts, scheme, w)))
    sections.append(("rules", w["rules"], rules_body(table, by_code, lang, w)))
    heading = title if title is not None else w["title"]
    document = page(heading, lang, w["made_by"].format(version=__version__), w["contents"], sections)
    out = Path(path)
    try:
        out.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the report to {str(out)!r}: {exc.strerror or exc}") from None
    return out
