"""Fonts, colours and text sizes of the charts: a CJK font for Chinese labels when one is
installed, a readable text colour on any fill, one palette per scheme that runs from the most
to the least valuable segment, and font sizes that grow with the figure."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

# Fonts with CJK glyphs, in order of preference (Linux, Windows, macOS).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Arial Unicode MS",
)


@functools.cache
def cjk_family() -> str | None:
    """The first installed font family with CJK glyphs, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def font(labels: Any) -> dict[str, Any]:
    """Text properties for labels: a CJK font first when they need one and
    the configured font (``rcParams``) lacks their glyphs."""
    wide = next(
        (ch for label in labels for ch in str(label) if unicodedata.east_asian_width(ch) in "WF"), None
    )
    if wide is None:
        return {}
    from matplotlib import font_manager, rcParams

    if has_glyph(font_manager.findfont(font_manager.FontProperties()), wide):
        return {}
    family = cjk_family()
    return {} if family is None else {"fontfamily": [family, *rcParams["font.family"]]}


@functools.lru_cache(maxsize=64)
def has_glyph(path: str, char: str) -> bool:
    from matplotlib.ft2font import FT2Font

    return FT2Font(path).get_char_index(ord(char)) != 0


def text_color(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on a background colour."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


# --------------------------------------------------------------------------- segment colours

# A diverging ColorBrewer map (colour-blind safe): blue for the best segments, red for the
# worst, the pale middle left out so that no bar fades into a white background.
SEGMENT_CMAP = "RdYlBu"
FALLBACK_COLOR = (0.62, 0.62, 0.62, 1.0)  # the fallback ("Other"): neutral grey
NEW_COLOR = (0.6, 0.31, 0.64, 1.0)  # new customers (``new_customer_days``): purple, off the map


def segment_palette(table: pd.DataFrame) -> dict[str, tuple[float, float, float, float]]:
    """One colour per segment label of a segmented table, the same in every chart.

    The order of the ``segment`` categories is the scheme's order of its
    segment codes. The built-in schemes list their rules from the most to the
    least valuable segment (a first-match order: the best customers are
    claimed first), so that order is taken as the ranking: the first segment
    gets the blue end of the map and the last rule's segment the red end. The
    fallback (the last code of ``segment_code``) is grey and the segment of
    ``new_customer_days`` ("new", the first code when present) purple. A
    segment's colour depends only on its position in the scheme, so it is
    the same in every chart of the same scheme.
    """
    seg = table["segment"]
    labels = [str(c) for c in seg.cat.categories] if isinstance(seg.dtype, pd.CategoricalDtype) else []
    if not labels:
        labels = [str(c) for c in pd.unique(seg)]
    codes = table["segment_code"] if "segment_code" in table.columns else None
    coded = codes is not None and isinstance(codes.dtype, pd.CategoricalDtype)
    fixed: dict[str, tuple[float, float, float, float]] = {}
    if codes is not None and coded and len(labels) > 1:
        fixed[labels[-1]] = FALLBACK_COLOR
        if "new" in [str(c) for c in codes.cat.categories[:1]]:
            fixed[labels[0]] = NEW_COLOR
    ranked = [label for label in labels if label not in fixed]
    return {**dict(zip(ranked, ramp(len(ranked)), strict=True)), **fixed}


def ramp(n: int) -> list[tuple[float, float, float, float]]:
    """``n`` colours from the best (blue) to the worst (red) end of the map."""
    from matplotlib import colormaps

    u = np.linspace(1.0, 0.0, n) if n > 1 else np.array([1.0])
    # [0, 1] onto [0, 0.32] and [0.68, 1]: the pale centre is skipped
    u = np.where(u >= 0.5, 0.68 + (u - 0.5) * 0.64, 0.32 - (0.5 - u) * 0.64)
    cmap = colormaps[SEGMENT_CMAP]
    return [tuple(float(c) for c in cmap(float(x))) for x in u]  # type: ignore[misc]


# --------------------------------------------------------------------------- text sizes

BASE_SIZES = {"title": 12.0, "label": 10.5, "tick": 9.5, "small": 9.0}


def sizes(figure: Any) -> dict[str, float]:
    """Font sizes (points) for a figure: about matplotlib's defaults on a
    figure of 6.4 inches or less, growing with the square root of the width
    beyond (up to 1.5 times), so that text stays readable when a notebook
    shrinks a wide figure to its column."""
    width = float(figure.get_figwidth()) if figure is not None else 6.4
    scale = float(np.clip(np.sqrt(width / 6.4), 1.0, 1.5))
    return {k: round(v * scale, 1) for k, v in BASE_SIZES.items()}


def dress(ax: Any, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None) -> None:
    """Title, axis labels and tick labels of an Axes at the figure's sizes."""
    size = sizes(ax.figure)
    fonts = font([title or "", xlabel or "", ylabel or ""])
    if title is not None:
        ax.set_title(title, fontsize=size["title"], **fonts)
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=size["label"], **fonts)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=size["label"], **fonts)
    ax.tick_params(labelsize=size["tick"])


def headline(figure: Any, title: str) -> None:
    """The figure's title (over facets or panels) at the figure's size."""
    figure.suptitle(title, fontsize=sizes(figure)["title"], **font([title]))
