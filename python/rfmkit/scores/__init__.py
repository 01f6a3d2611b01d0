"""Scores: R, F and M scores with explicit rules (:func:`score`) and scorers
fitted once and reused (:class:`RFMScorer`, which needs scikit-learn and is
imported on first use)."""

from __future__ import annotations

from typing import Any

from .plan import DIMENSIONS, METHODS
from .score import score

__all__ = ["DIMENSIONS", "METHODS", "RFMScorer", "score"]  # noqa: F822 (RFMScorer: see __getattr__)


def __getattr__(name: str) -> Any:
    # RFMScorer subclasses scikit-learn's estimators: importing it (and so
    # scikit-learn, about 0.7 s) waits until someone asks for it.
    if name == "RFMScorer":
        from .scorer import RFMScorer

        return RFMScorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
