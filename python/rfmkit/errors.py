"""Exceptions and warnings raised by rfmkit.

Every exception subclasses a built-in one, so ``except ValueError`` and
``except TypeError`` keep working; messages name the column and show an
offending value and its row.
"""

from __future__ import annotations

import ast
import re

__all__ = ["InputError", "InputTypeError", "RFMWarning"]

# How messages name a column (its repr) and a row; see _Located.
_COLUMN = re.compile(r"""column ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
_ROW = re.compile(r"\bat row (\d+)\b")


class _Located:
    """Where an error is: ``column``, ``row`` and ``value`` attributes.

    Each is given by the code that raises, or else read from the message
    (which names the column as ``column 'name'`` and the row as ``at row
    n``); ``None`` when the error is not about one column, row or value.
    """

    column: str | None
    row: int | None
    value: object

    def _locate(self, message: object, column: str | None, row: int | None, value: object) -> None:
        text = str(message)
        if column is None and (m := _COLUMN.search(text)):
            try:
                column = str(ast.literal_eval(m.group(1)))
            except (ValueError, SyntaxError):
                column = None
        if row is None and (r := _ROW.search(text)):
            row = int(r.group(1))
        if type(value).__module__ == "numpy" and hasattr(value, "item"):
            value = value.item()  # np.float64(nan) -> nan
        self.column, self.row, self.value = column, row, value


class InputError(_Located, ValueError):
    """A value or option rfmkit cannot use: a missing id, a NaT date, a NaN
    amount, an unknown option, columns of different lengths, ...

    A ``ValueError``, so ``except ValueError`` catches it too. ``.column``,
    ``.row`` and ``.value`` say where: the column's name, the row (counted
    from 0 in the table given) and the offending value, each ``None`` when
    the error is not about one (an option, a length mismatch).

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(100, 20, seed=0)
    >>> try:
    ...     rfmkit.rfm_table(tx, as_of="not a date")
    ... except ValueError as exc:
    ...     print(type(exc).__name__, "-", str(exc).split(";")[0])
    InputError - invalid as_of 'not a date': not a date
    >>> tx.loc[3, "amount"] = float("nan")
    >>> try:
    ...     rfmkit.rfm_table(tx)
    ... except rfmkit.InputError as exc:
    ...     print(exc.column, exc.row, exc.value)
    amount 3 nan
    """

    def __init__(
        self, message: object = "", *, column: str | None = None, row: int | None = None, value: object = None
    ) -> None:
        super().__init__(message)
        self._locate(message, column, row, value)


class InputTypeError(_Located, TypeError):
    """A column of a kind rfmkit does not take: float ids, ids of mixed
    types, non-numeric amounts, dates stored as text, ...

    A ``TypeError``, so ``except TypeError`` catches it too. ``.column``,
    ``.row`` and ``.value`` as for :class:`InputError`.

    Examples
    --------
    >>> import rfmkit
    >>> tx = rfmkit.datasets.make_transactions(100, 20, seed=0)
    >>> tx["date"] = tx["date"].astype(str)  # dates as text
    >>> try:
    ...     rfmkit.rfm_table(tx)
    ... except TypeError as exc:
    ...     print(type(exc).__name__, "-", str(exc).split(" such as")[0], "-", exc.column)
    InputTypeError - column 'date' holds text - date
    """

    def __init__(
        self, message: object = "", *, column: str | None = None, row: int | None = None, value: object = None
    ) -> None:
        super().__init__(message)
        self._locate(message, column, row, value)


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
