"""The page around the sections: one HTML document with its style sheet inline, no script, no
link, no font or image fetched from anywhere."""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["CSS", "definition_list", "page", "section"]

CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #f4f5f7; color: #1f2933;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
  "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
header h1 { margin: 0 0 4px; font-size: 28px; }
header p { margin: 0; color: #616e7c; }
nav { margin: 18px 0 8px; padding: 10px 14px; background: #f0f4f8; border-radius: 6px; }
nav strong { margin-right: 8px; }
nav a { margin-right: 14px; color: #1f5f99; text-decoration: none; white-space: nowrap; }
section { margin-top: 32px; }
h2 { font-size: 21px; border-bottom: 2px solid #d9e2ec; padding-bottom: 4px; }
h3 { font-size: 17px; margin: 18px 0 6px; }
p.note { color: #52606d; font-size: 14px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
dl.facts dt { color: #52606d; }
dl.facts dd { margin: 0; font-weight: 600; }
.scroll { overflow-x: auto; }
table.rfmkit { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
table.rfmkit th, table.rfmkit td { padding: 4px 10px; border-bottom: 1px solid #e4e7eb;
  text-align: left; vertical-align: top; }
table.rfmkit thead th { background: #f0f4f8; border-bottom: 2px solid #bcccdc; }
table.rfmkit td:first-child, table.rfmkit th:first-child { white-space: nowrap; }
table.rfmkit .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.migration { font-size: 13px; }
table.migration td, table.migration th { padding: 3px 7px; }
table.migration td small { color: #52606d; }
table.migration td.zero { color: #bcccdc; }
table.rfmkit tbody tr:nth-child(even) { background: #fafbfc; }
table.rfmkit tfoot td, table.rfmkit tr.total td { font-weight: 700; border-top: 2px solid #bcccdc; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(470px, 1fr)); gap: 18px; }
.charts figure.wide { grid-column: 1 / -1; }
figure { margin: 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e7eb; }
figcaption { color: #52606d; font-size: 14px; margin-top: 4px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 14px; }
.card { border: 1px solid #d9e2ec; border-radius: 8px; padding: 10px 14px; }
.card h3 { margin-top: 4px; }
.card h3 small { color: #616e7c; font-weight: 400; }
.card dl { margin: 0; }
.card dt { color: #52606d; font-size: 13px; margin-top: 6px; }
.card dd { margin: 0; }
.card ul { margin: 0; padding-left: 20px; }
"""


def section(ident: str, heading: str, body: str) -> str:
    return f'<section id="{html.escape(ident)}"><h2>{html.escape(heading)}</h2>{body}</section>'


def definition_list(items: Sequence[tuple[str, str]], css_class: str = "facts") -> str:
    """Escaped ``<dt>``/``<dd>`` pairs."""
    body = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items)
    return f'<dl class="{css_class}">{body}</dl>'


def page(
    title: str, lang: str, subtitle: str, contents: str, sections: Sequence[tuple[str, str, str]]
) -> str:
    """The document: a header, a table of contents (links inside the page) and the sections."""
    links = "".join(f'<a href="#{html.escape(i)}">{html.escape(h)}</a>' for i, h, _ in sections)
    body = "".join(section(i, h, b) for i, h, b in sections)
    code = "zh-Hans" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{code}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>\n"
        f"<nav><strong>{html.escape(contents)}</strong>{links}</nav>\n{body}\n</main>\n</body>\n</html>\n"
    )
