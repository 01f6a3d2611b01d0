"""Exceptions and warnings raised by rfmkit.

Every exception subclasses a built-in one, so ``except ValueError`` and
``except TypeError`` keep working; messages name the column and show an
offending value and its row.
"""

from __future__ import annotations

__all__ = ["InputError", "InputTypeError", "RFMWarning"]


class InputError(ValueError):
    """A value or option rfmkit cannot use: a missing id, a NaT date, a NaN
    amount, an unknown option, columns of different lengths, ..."""


class InputTypeError(TypeError):
    """A column of a kind rfmkit does not take: float ids, ids of mixed
    types, non-numeric amounts, dates stored as text, ..."""


class RFMWarning(UserWarning):
    """Something in the data that changes the result and that you should know
    about, such as customers left out because they only returned goods."""
