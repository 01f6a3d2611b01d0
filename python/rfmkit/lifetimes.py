"""Drop-ins for the ``lifetimes`` package's summary functions.

Lifetimes users change one import::

    from rfmkit.lifetimes import calibration_and_holdout_data, summary_data_from_transaction_data

The functions live in :mod:`rfmkit.clv.lifetimes`.
"""

from .clv.lifetimes import calibration_and_holdout_data, summary_data_from_transaction_data

__all__ = ["calibration_and_holdout_data", "summary_data_from_transaction_data"]
