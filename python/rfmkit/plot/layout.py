"""Squarified treemap layout (Bruls, Huizing and van Wijk, 2000), in plain NumPy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def squarify(
    values: Sequence[float], x: float = 0.0, y: float = 0.0, width: float = 1.0, height: float = 1.0
) -> list[tuple[float, float, float, float]]:
    """Rectangles ``(x, y, w, h)`` tiling the box, one per value in order,
    with areas proportional to the values (positive, largest first).

    Bruls, Huizing and van Wijk's squarified layout: values are laid in rows
    along the shorter side of the space left, and a row takes one more value
    only while that does not worsen its most elongated rectangle.
    """
    sizes = np.asarray(values, dtype=np.float64)
    if not len(sizes):
        return []
    areas = sizes * (width * height / sizes.sum())
    rects: list[tuple[float, float, float, float]] = []
    i = 0
    while i < len(areas):
        side = min(width, height)
        j = i + 1
        while j < len(areas) and worst(areas[i : j + 1], side) <= worst(areas[i:j], side):
            j += 1
        row = areas[i:j]
        # The last row takes all the space left, so rounding leaves no sliver.
        thickness = max(width, height) if j == len(areas) else row.sum() / side
        offsets = np.concatenate([[0.0], np.cumsum(row)]) * (side / row.sum())
        offsets[-1] = side
        lengths = np.diff(offsets)
        if width >= height:  # a column on the left, stacked upwards
            rects += [(x, y + o, thickness, s) for o, s in zip(offsets[:-1], lengths, strict=True)]
            x, width = x + thickness, width - thickness
        else:  # a row at the bottom, left to right
            rects += [(x + o, y, s, thickness) for o, s in zip(offsets[:-1], lengths, strict=True)]
            y, height = y + thickness, height - thickness
        i = j
    return rects


def worst(row: np.ndarray, side: float) -> float:
    """The largest aspect ratio of a row of areas laid along ``side``."""
    s = row.sum()
    return float(max(side * side * row.max() / (s * s), s * s / (side * side * row.min())))
