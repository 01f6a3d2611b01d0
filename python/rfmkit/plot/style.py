"""Fonts and text colours of the charts: a CJK font for Chinese labels when one is installed,
and a readable text colour on any fill."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import Any

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
