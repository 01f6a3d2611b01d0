"""The bodies of the report's sections, as escaped HTML: the overview, the segment summary,
the playbook, the migration, the churn alerts and the scheme's rules."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._display import count, html_table, money, number, percent, plural
from ..analysis import Migration, segment_summary
from ..segments import Scheme, strategies
from ..segments.builtin import builtin_names, builtin_source
from .page import definition_list
from .text import CHANNELS, LANGS, OPTIONS

__all__ = ["churn_body", "migration_body", "overview_body", "playbook_body", "rules_body", "summary_body"]

Labels = Mapping[str, str]  # label of the table -> label shown


def _revenue(segmented: pd.DataFrame) -> float:
    return math.fsum(segmented["monetary"].to_numpy(dtype=np.float64).tolist())


def _option(value: object, lang: str) -> str:
    known = OPTIONS.get(str(value))
    return str(value) if known is None else known[LANGS.index(lang)]


def overview_body(
    segmented: pd.DataFrame, lang: str, w: Mapping[str, str], transactions: pd.DataFrame | None
) -> str:
    attrs = segmented.attrs
    seg = segmented["segment"]
    used = int((seg.value_counts() > 0).sum())
    name = attrs.get("scheme")
    items = [
        (w["customers"], count(len(segmented))),
        (w["revenue"], money(_revenue(segmented))),
        (w["as_of"], str(attrs.get("as_of", "–"))),
        (w["scheme"], "–" if name is None else str(name)),
        (w["segments_used"], f"{used} / {len(seg.cat.categories)}"),
        (
            w["bought_once"],
            percent(float((segmented["frequency"] == 1).mean()) if len(segmented) else math.nan),
        ),
    ]
    if "window" in attrs:
        items.append((w["window"], w["window_all"] if attrs["window"] is None else str(attrs["window"])))
    for key, label in (("frequency", "frequency_counts"), ("returns", "returns")):
        if key in attrs:
            items.append((w[label], _option(attrs[key], lang)))
    edges = attrs.get("score_edges") or {}
    scores = [
        w["score_of"].format(
            dim=w[d], method=_option(e.get("method", "?"), lang), levels=e.get("levels", "?")
        )
        for d in ("recency", "frequency", "monetary")
        if isinstance(e := edges.get(d), Mapping)
    ]
    if scores:
        items.append((w["scores"], "; ".join(scores)))
    if attrs.get("by"):
        items.append((w["grouped_by"], ", ".join(map(str, attrs["by"]))))
    if transactions is not None:
        dates = pd.to_datetime(transactions["date"])
        first, last = (str(d.date()) for d in (dates.min(), dates.max())) if len(dates) else ("–", "–")
        amounts = transactions["amount"].to_numpy(dtype=np.float64).tolist()
        items += [
            (w["period"], w["period_to"].format(first=first, last=last)),
            (w["transactions"], count(len(transactions))),
            (w["transaction_amount"], money(math.fsum(amounts))),
        ]
    return definition_list(items)


_SUMMARY = (
    ("customers", count, True),
    ("customer_share", percent, True),
    ("revenue", money, True),
    ("revenue_share", percent, True),
    ("avg_order_value", money, True),
    ("recency_median", number, True),
    ("frequency_median", number, True),
    ("monetary_median", money, True),
)


def _summary_table(summary: pd.DataFrame, w: Mapping[str, str], groups: list[str]) -> str:
    header = [*groups, w["segment"], *(w[c] for c, _, _ in _SUMMARY)]
    rows = [
        [*(r[g] for g in groups), str(r["segment"]), *(r[c] for c, _, _ in _SUMMARY)]
        for _, r in summary.iterrows()
    ]
    if not groups:
        totals = [w["total"], summary["customers"].sum(), 1.0 if len(summary) else math.nan]
        totals += [math.fsum(summary["revenue"].tolist()), 1.0, math.nan, math.nan, math.nan, math.nan]
        rows.append(totals)
    table = html_table(
        header,
        rows,
        numeric=[False] * (len(groups) + 1) + [True] * len(_SUMMARY),
        formats=[None] * (len(groups) + 1) + [f for _, f, _ in _SUMMARY],
    )
    if not groups:  # the totals row, marked for its style
        head, _, last = table.rpartition("<tr>")
        table = f'{head}<tr class="total">{last}'
    return f'<div class="scroll">{table}</div>'


def summary_body(segmented: pd.DataFrame, w: Mapping[str, str]) -> str:
    body = _summary_table(segment_summary(segmented), w, [])
    groups = list(segmented.attrs.get("by") or [])
    if groups:
        per_group = segment_summary(segmented, by=groups)
        per_group = per_group[per_group["customers"] > 0]
        body = f'<p class="note">{html.escape(w["pooled"])}</p>{body}'
        body += f"<h3>{html.escape(w['per_group'])}</h3>" + _summary_table(per_group, w, groups)
    return body


def _playbook(name: str, lang: str) -> pd.DataFrame:
    """The strategies of a built-in scheme, with those of segments it borrows ("new")."""
    table = strategies(name, lang).set_index("segment_code")
    for other in builtin_names():
        extra = strategies(other, lang).set_index("segment_code")
        table = pd.concat([table, extra[~extra.index.isin(table.index)]])
    return table


def playbook_body(segmented: pd.DataFrame, codes: Labels, lang: str, w: Mapping[str, str]) -> str:
    """One card per segment with customers: who they are, the goal, actions, channels, ..."""
    name = segmented.attrs.get("scheme")
    if not isinstance(name, str) or name not in builtin_names():
        return f'<p class="note">{html.escape(w["no_playbook"].format(scheme=name))}</p>'
    plays = _playbook(name, lang)
    sizes = segmented["segment_code"].astype(str).value_counts()
    cards = []
    for code in [str(c) for c in segmented["segment_code"].cat.categories]:
        if sizes.get(code, 0) == 0 or code not in plays.index:
            continue
        play = plays.loc[code]
        fields = []
        for field in ("description", "goal", "actions", "channels", "cadence", "offer", "message", "kpi"):
            value = play[field]
            if field == "actions":
                shown = "<ul>" + "".join(f"<li>{html.escape(str(a))}</li>" for a in value) + "</ul>"
            elif field == "channels":
                shown = html.escape(", ".join(CHANNELS.get(c, {}).get(lang, str(c)) for c in value))
            else:
                shown = html.escape(str(value))
            fields.append(f"<dt>{html.escape(w[field])}</dt><dd>{shown}</dd>")
        size = plural(int(sizes[code]), "customer") if lang == "en" else f"{int(sizes[code]):,} 位客户"
        cards.append(
            f'<div class="card"><h3>{html.escape(codes.get(code, code))} <small>{html.escape(size)}</small>'
            f"</h3><dl>{''.join(fields)}</dl></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def migration_body(moves: Migration, w: Mapping[str, str], dates: tuple[str, str]) -> str:
    """The counts and row shares of the migration, two lines a cell; empty rows and columns out."""
    counts, shares = moves.counts, moves.shares
    n = counts.to_numpy()
    intro = w["migration_intro"].format(
        before=dates[0],
        after=dates[1],
        stayed=f"{moves.stayed:,}",
        total=f"{len(moves.customers):,}",
        new=f"{int(n[-1, :].sum()):,}",
        gone=f"{int(n[:-1, -1].sum()):,}",
    )
    show = {"(new)": w["new"], "(gone)": w["gone"]}
    rows, cols = np.flatnonzero(n.sum(axis=1) > 0), np.flatnonzero(n.sum(axis=0) > 0)
    left_out = [str(counts.index[i]) for i in range(n.shape[0]) if i not in rows]
    left_out += [
        str(counts.columns[j])
        for j in range(n.shape[1])
        if j not in cols and str(counts.columns[j]) not in left_out
    ]
    head = "".join(
        f'<th class="num">{html.escape(show.get(str(counts.columns[j]), str(counts.columns[j])))}</th>'
        for j in cols
    )
    body = []
    for i in rows:
        cells = []
        for j in cols:
            if n[i, j] == 0:
                cells.append('<td class="num zero">0</td>')
            else:
                share = html.escape(percent(shares.iat[i, j]))
                cells.append(f'<td class="num">{n[i, j]:,}<br><small>{share}</small></td>')
        label = html.escape(show.get(str(counts.index[i]), str(counts.index[i])))
        body.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    corner = html.escape(f"{w['before']} \\ {w['after']}")
    table = (
        f'<table class="rfmkit migration"><thead><tr><th>{corner}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    note = w["cell_note"]
    if left_out:
        names = w["list_sep"].join(show.get(name, name) for name in left_out)
        note += " " + w["empty_left_out"].format(names=names)
    return (
        f'<p>{html.escape(intro)}</p><p class="note">{html.escape(note)}</p><div class="scroll">{table}</div>'
    )


def churn_body(alerts: pd.DataFrame | None, scheme: object, w: Mapping[str, str]) -> str:
    if alerts is None:
        return f'<p class="note">{html.escape(w["no_churn_sets"].format(scheme=scheme))}</p>'
    shown = alerts.head(50)
    keys = [
        c
        for c in alerts.columns
        if c not in ("segment_before", "segment_after") and not c.endswith(("_before", "_after", "_change"))
    ]
    cols = [*keys, "segment_before", "segment_after", "monetary_before", "monetary_after", "recency_after"]
    header = [w.get(c, c) for c in cols]
    rows = [
        [
            *(r[k] for k in keys),
            str(r["segment_before"]),
            str(r["segment_after"]),
            r["monetary_before"],
            r["monetary_after"],
            r["recency_after"],
        ]
        for _, r in shown.iterrows()
    ]
    body = f"<p>{html.escape(w['churn_intro'].format(n=f'{len(alerts):,}'))}</p>"
    if len(alerts) > len(shown):
        listed = w["churn_shown"].format(shown=len(shown), n=f"{len(alerts):,}")
        body += f'<p class="note">{html.escape(listed)}</p>'
    if rows:
        table = html_table(
            header,
            rows,
            numeric=[False] * (len(keys) + 2) + [True] * 3,
            formats=[None] * (len(keys) + 2) + [money, money, count],
        )
        body += f'<div class="scroll">{table}</div>'
    return body


def rules_body(segmented: pd.DataFrame, codes: Labels, lang: str, w: Mapping[str, str]) -> str:
    """The rules of a built-in scheme, in order, with the "new" segment and the fallback."""
    scheme = segmented.attrs.get("scheme")
    if not isinstance(scheme, str) or scheme not in builtin_names():
        return f'<p class="note">{html.escape(w["no_rules"].format(scheme=scheme))}</p>'
    s = Scheme.builtin(scheme)
    rules = s.rules
    dims = [d for d in ("r", "f", "m", "fm") if (rules[d] != "").any()]
    header = [w["rule"], w["segment"], w["code"], *(d.upper() for d in dims)]

    def shown(text: str) -> str:
        if not text:
            return w["any"]
        lo, hi = text.split("-")
        return lo if lo == hi else f"{lo}–{hi}"

    def label(code: str) -> str:
        return codes.get(code, s.labels(lang).get(code, code))

    rows = [[w["rule_first"], label("new"), "new", *(["–"] * len(dims))]] if "new" in codes else []
    rows += [
        [r["rule"] + 1, label(r["segment_code"]), r["segment_code"], *(shown(r[d]) for d in dims)]
        for _, r in rules.iterrows()
    ]
    fallback = s.spec["fallback"]["code"]
    rows.append([w["rule_otherwise"], label(fallback), fallback, *(["–"] * len(dims))])
    notes = [w["rules_intro"].format(name=scheme, source=builtin_source(scheme), scale=s.scale)]
    if "new" in codes:
        notes.append(w["new_rule"].format(label=label("new")))
    notes.append(w["fallback"].format(label=label(fallback)))
    table = html_table(header, rows, numeric=[True, False, False, *([False] * len(dims))])
    return "".join(f"<p>{html.escape(t)}</p>" for t in notes) + table
