"""The shareable HTML report of a segmentation: :func:`rfmkit.report`."""

from .build import report

__all__ = ["report"]
