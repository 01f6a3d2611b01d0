"""A pytest plugin that runs pymc-marketing 1.3.0's own tests of rfm_summary,
rfm_train_test_split and rfm_segments (its ``tests/clv/test_utils.py``) against
rfmkit's drop-ins.

``tests/test_peer_suites.py`` starts pytest on the extracted file with ``-p
peer_suite_plugin``. pymc-marketing itself cannot be imported here (it needs
Python 3.12 and PyMC), so this plugin puts stand-ins for the modules the test
file imports into ``sys.modules`` before it is collected:

- ``pymc_marketing.clv.utils`` is pymc-marketing's real ``utils.py`` (loaded
  from its wheel, as ``peers.py`` does) with ``rfm_summary``,
  ``rfm_train_test_split``, ``rfm_segments`` (and its ``_rfm_quartile_labels``)
  replaced by rfmkit's: the function under test is redirected, the test code
  and its assertions are unchanged;
- ``pymc``, ``pymc_extras.prior``, ``pymc_marketing.clv`` (the models) and
  ``tests.clv.conftest`` are empty placeholders, used only by the tests that
  are not run.

Only the tests listed in :data:`RUN` and :data:`SEGMENTS` run; every other
test of the file (to_xarray, CLV models, pymc-marketing's private helpers) is
deselected: they test none of rfmkit's functions.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
import rfmkit
from peers import pymc_clv_utils
from rfmkit.clv.segments import quartile_labels

# The tests that exercise rfm_summary / rfm_train_test_split: 20 functions, 26
# tests with their parameters. They must all run and pass (test_peer_suites.py
# checks each outcome).
RUN = [
    "TestRFM::test_rfm_summary_returns_correct_results",
    "TestRFM::test_rfm_summary_works_with_string_customer_ids",
    "TestRFM::test_rfm_summary_works_with_int_customer_ids_and_doesnt_coerce_to_float",
    "TestRFM::test_rfm_summary_with_specific_datetime_format",
    "TestRFM::test_rfm_summary_string_dates_match_preconverted_datetimes",
    "TestRFM::test_rfm_summary_non_daily_frequency",
    "TestRFM::test_rfm_summary_monetary_values_and_first_transactions",
    "TestRFM::test_rfm_summary_will_choose_the_correct_first_order_to_drop_in_monetary_transactions",
    "TestRFM::test_rfm_summary_statistics_identical_to_hardie_paper",
    "TestRFM::test_rfm_summary_squashes_period_purchases_to_one_purchase",
    "TestRFM::test_rfm_train_test_split",
    "TestRFM::test_rfm_train_test_split_string_dates_match_preconverted_datetimes",
    "TestRFM::test_rfm_train_test_split_throws_better_error_if_test_period_end_is_too_early",
    "TestRFM::test_rfm_train_test_split_works_with_specific_frequency",
    "TestRFM::test_rfm_train_test_split_gives_correct_date_boundaries",
    "TestRFM::test_rfm_train_test_split_with_monetary_value",
    "test_rfm_summary_hourly_time_unit",
    "test_rfm_summary_time_unit",
    "test_rfm_train_test_split_monthly_time_unit",
]

# Where rfmkit deliberately differs, so that the peer's unchanged assertion fails:
# test name -> the reason. Run as xfail(strict=True): should rfmkit ever pass one,
# the entry has to go.
EXPECTED_DIFFERENCES: dict[str, str] = {
    "TestRFM::test_rfm_train_test_split_throws_better_error_if_test_period_end_is_too_early": (
        "the message: rfmkit raises a ValueError (InputError) as pymc-marketing does, but says "
        "which argument is wrong and why ('train_period_end 2015-02-08 must be before "
        "test_period_end 2014-02-07', or no transactions before it and the first date) instead "
        "of pymc-marketing's fixed two-line 'No data available. Check `test_transactions` ...' "
        "that the test matches verbatim, line break and indentation included"
    ),
}

# The tests of rfm_segments (and of its quartile labels): 3 functions, 4 tests
# with their parameters; they run against rfmkit.rfm_segments and must pass.
SEGMENTS = [
    "TestRFM::test_rfm_segmentation_config",
    "TestRFM::test_rfm_segmentation_warning",
    "TestRFM::test_rfm_quartile_labels",
]


class _Placeholder:
    """Stands for a PyMC / pymc-marketing object in a test that is not run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("pymc-marketing's models are not available here")


def _module(name: str, **attrs: Any) -> ModuleType:
    module = ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def _install() -> None:
    real = pymc_clv_utils()
    utils = _module("pymc_marketing.clv.utils")
    utils.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
    # The functions under test: rfmkit's drop-ins.
    utils.rfm_summary = rfmkit.rfm_summary
    utils.rfm_train_test_split = rfmkit.rfm_train_test_split
    utils.rfm_segments = rfmkit.rfm_segments
    utils._rfm_quartile_labels = quartile_labels
    clv = _module(
        "pymc_marketing.clv", utils=utils, GammaGammaModel=_Placeholder, ParetoNBDModel=_Placeholder
    )
    _module("pymc_marketing", clv=clv, __version__="1.3.0")
    _module("pymc")
    prior = _module("pymc_extras.prior", Prior=_Placeholder)
    _module("pymc_extras", prior=prior)
    conftest = _module("tests.clv.conftest", set_model_fit=_Placeholder)
    tests_clv = _module("tests.clv", conftest=conftest)
    _module("tests", clv=tests_clv)


_install()


@pytest.fixture(scope="module")
def cdnow_trans() -> pd.DataFrame:
    """pymc-marketing's fixture (tests/clv/conftest.py), read from the same file."""
    return pd.read_csv("data/cdnow_transactions.csv")


def _name(item: pytest.Item) -> str:
    """``Class::function`` or ``function``, without parameters."""
    parts = item.nodeid.split("::")[1:]
    parts[-1] = parts[-1].split("[")[0]
    return "::".join(parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        name = _name(item)
        if name in RUN:
            if name in EXPECTED_DIFFERENCES:
                item.add_marker(pytest.mark.xfail(reason=EXPECTED_DIFFERENCES[name], strict=True))
            keep.append(item)
        elif name in SEGMENTS:
            keep.append(item)
        else:
            drop.append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)
