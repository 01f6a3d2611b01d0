"""The peers' own test suites, run against rfmkit's drop-ins.

pymc-marketing 1.3.0's ``tests/clv/test_utils.py`` (from its source
distribution, fetched and extracted at test time by ``peers.pymc_test_suite``;
none of it is kept in this repository) runs in a pytest subprocess with
``peer_suite_plugin``, which redirects ``rfm_summary`` and
``rfm_train_test_split`` to rfmkit's and leaves the tests unchanged. Each of
its tests of those two functions is then one test here, which fails unless it
passed (or, for the listed expected differences, failed as expected).

lifetimes 0.11.3: its source distribution on PyPI ships no tests (they are in
its GitHub repository only, which CI cannot reach), so rfmkit.lifetimes is
checked against lifetimes' code instead (tests/test_clv.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from peer_suite_plugin import EXPECTED_DIFFERENCES, RUN, SEGMENTS
from peers import pymc_test_suite

HERE = Path(__file__).resolve().parent

# Our settings, not the repository's (no --nbmake) nor pymc-marketing's (coverage):
# warnings are errors, as in this project's own runs, but for the peer's fixture style.
INI = """[pytest]
addopts =
filterwarnings =
    error
    ignore:Class-scoped fixtures defined as instance methods:pytest.PytestDeprecationWarning
"""


@pytest.fixture(scope="module")
def pymc_results(tmp_path_factory) -> dict[str, list[str]]:
    """Each test of the peer's file (``Class::function``, parameters dropped)
    -> the outcomes of its instances: passed, failed, skipped, xfailed."""
    suite = pymc_test_suite()
    out = tmp_path_factory.mktemp("pymc_suite")
    ini = out / "pytest.ini"
    ini.write_text(INI)
    report = out / "report.xml"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/clv/test_utils.py",
            "-c",
            str(ini),
            "--rootdir",
            str(suite),
            "-p",
            "peer_suite_plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rfE",
            f"--junitxml={report}",
        ],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if not report.exists():
        pytest.fail(f"the peer suite did not run:\n{run.stdout}\n{run.stderr}")
    results: dict[str, list[str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        cls = case.get("classname", "").rsplit(".", 1)[-1]
        name = case.get("name", "").split("[")[0]
        key = f"{cls}::{name}" if cls.startswith("Test") else name
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
        results.setdefault(key, []).append(outcome)
    results["<output>"] = [run.stdout[-5000:]]
    return results


@pytest.mark.parametrize("name", [n for n in RUN if n not in EXPECTED_DIFFERENCES])
def test_pymc_marketing_suite(pymc_results, name):
    outcomes = pymc_results.get(name)
    assert outcomes, f"{name} was not collected:\n{pymc_results['<output>'][0]}"
    assert set(outcomes) == {"passed"}, f"{name}: {outcomes}\n{pymc_results['<output>'][0]}"


@pytest.mark.parametrize("name", sorted(EXPECTED_DIFFERENCES))
def test_pymc_marketing_suite_expected_differences(pymc_results, name):
    # The peer's test fails where rfmkit deliberately differs (the reasons are in
    # peer_suite_plugin.EXPECTED_DIFFERENCES); strict: passing would be a failure too.
    outcomes = pymc_results.get(name)
    assert outcomes, f"{name} was not collected"
    assert set(outcomes) == {"xfailed"}, f"{name}: {outcomes}\n{pymc_results['<output>'][0]}"


def test_pymc_marketing_suite_counts(pymc_results):
    ran = [o for n in RUN for o in pymc_results.get(n, [])]
    assert len(ran) == 26  # the tests of rfm_summary and rfm_train_test_split, parameters counted
    assert ran.count("passed") == 26 - 2 and ran.count("xfailed") == 2
    segments = [o for n in SEGMENTS for o in pymc_results.get(n, [])]
    assert segments == ["passed"] * 4  # rfm_segments and its quartile labels


@pytest.mark.parametrize("name", SEGMENTS)
def test_pymc_marketing_suite_rfm_segments(pymc_results, name):
    outcomes = pymc_results.get(name)
    assert outcomes, f"{name} was not collected:\n{pymc_results['<output>'][0]}"
    assert set(outcomes) == {"passed"}, f"{name}: {outcomes}\n{pymc_results['<output>'][0]}"
