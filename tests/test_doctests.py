"""The examples in the docstrings run and print what they say: every module
of the package, and every public function has one (tests/test_layout.py)."""

import doctest
import importlib
import pkgutil
import warnings

import pytest
import rfmkit

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(rfmkit.__path__, "rfmkit.") if m.name not in ("rfmkit.__main__",)
)


@pytest.mark.parametrize("name", ["rfmkit", *MODULES])
def test_docstring_examples(name):
    if name.startswith("rfmkit.plot"):
        pytest.importorskip("matplotlib").use("Agg")
    if name == "rfmkit.scores.scorer":
        pytest.importorskip("sklearn")
    if name.startswith("rfmkit.dask"):
        pytest.importorskip("dask.dataframe")  # the optional extra (tests/test_dask.py requires it in CI)
    if name.startswith("rfmkit.spark"):
        pytest.importorskip("pyspark")  # an optional extra (the examples start no session)
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        # Quantile scores on small samples leave scores unused; the examples say nothing of it.
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    if name.startswith("rfmkit.plot"):
        importlib.import_module("matplotlib.pyplot").close("all")
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed"
