"""The examples in the docstrings run and print what they say."""

import doctest
import importlib
import warnings

import pytest

MODULES = ["rfmkit", "rfmkit.table", "rfmkit.scoring", "rfmkit._scorer", "rfmkit.segments",
           "rfmkit.strategy", "rfmkit.datasets", "rfmkit.clv", "rfmkit.lifetimes",
           "rfmkit.analysis", "rfmkit.campaign", "rfmkit.plot"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name == "rfmkit.plot":
        pytest.importorskip("matplotlib").use("Agg")
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        # Quantile scores on small samples leave scores unused; the examples say nothing of it.
        warnings.simplefilter("ignore", importlib.import_module("rfmkit").RFMWarning)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    if name == "rfmkit.plot":
        importlib.import_module("matplotlib.pyplot").close("all")
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed"
