"""Exceptions and warnings raised by rfmkit.

Every exception subclasses a built-in one, so ``except ValueError`` and
``except TypeError`` keep working; messages name the column and show an
offending value and its row.
"""

from __future__ import annotations

__all__ = ["InputError", "InputTypeError", "RFMWarning"]


class InputError(ValueError):
    """A value or option rfmkit cannot use: a missing id, a NaT date, a NaN
    amount, an unknown option, columns of different lengths, ...

    A ``ValueError``, so ``except ValueError`` catches it too.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(100, 20, seed=0)
    >>> try:
    ...     rfmkit.rfm_table(tx, as_of="not a date")
    ... except ValueError as exc:
    ...     print(type(exc).__name__, "-", str(exc).split(";")[0])
    InputError - invalid as_of 'not a date': not a date
    """


class InputTypeError(TypeError):
    """A column of a kind rfmkit does not take: float ids, ids of mixed
    types, non-numeric amounts, dates stored as text, ...

    A ``TypeError``, so ``except TypeError`` catches it too.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(100, 20, seed=0)
    >>> tx["date"] = tx["date"].astype(str)  # dates as text
    >>> try:
    ...     rfmkit.rfm_table(tx)
    ... except TypeError as exc:
    ...     print(type(exc).__name__, "-", str(exc).split(" such as")[0])
    InputTypeError - column 'date' holds text
    """


class RFMWarning(UserWarning):
    """Something in the data that changes the result and that you should know
    about, such as customers left out because they only returned goods.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd, rfmkit
    >>> tx = pd.DataFrame({"customer_id": [1, 2], "amount": [10.0, -3.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", rfmkit.RFMWarning)
    ...     table = rfmkit.rfm_table(tx)  # customer 2 only returned goods
    >>> table["customer_id"].tolist(), [w.category.__name__ for w in caught]
    ([1], ['RFMWarning'])
    """
