"""The peers' own code, for parity tests and the benchmarks.

pymc-marketing 1.3.0 needs Python 3.12 or later, so on older Pythons it
cannot be installed. Its wheel is pure Python, and ``pymc_marketing/clv/utils.py``
needs only NumPy, pandas and xarray: the wheel is fetched from PyPI with
``pip download`` (into ``target/peers``, once) and that one module is loaded
from it. Nothing of it is kept in this repository.

Its test suite is not in the wheel but in the source distribution:
:func:`pymc_test_suite` fetches that (also with ``pip download``, once) and
extracts ``tests/clv/test_utils.py`` and ``data/cdnow_transactions.csv``,
which ``tests/test_peer_suites.py`` runs against rfmkit's drop-ins.
lifetimes' source distribution on PyPI has no tests (its tests live only in
its GitHub repository).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

PYMC_VERSION = "1.3.0"
PEERS = Path(__file__).resolve().parent.parent / "target" / "peers"


def pymc_clv_utils() -> ModuleType:
    """``pymc_marketing.clv.utils`` of pymc-marketing 1.3.0."""
    try:
        import pymc_marketing
        import pymc_marketing.clv.utils as utils

        if pymc_marketing.__version__ == PYMC_VERSION:
            return utils
    except ImportError:
        pass
    name = f"pymc_marketing-{PYMC_VERSION}-py3-none-any.whl"
    wheel = PEERS / name
    if not wheel.exists():
        PEERS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                "3.12",
                "--dest",
                str(PEERS),
                f"pymc-marketing=={PYMC_VERSION}",
            ],
            check=True,
        )
    source = PEERS / f"pymc_marketing_{PYMC_VERSION.replace('.', '_')}_clv_utils.py"
    if not source.exists():
        with zipfile.ZipFile(wheel) as zf:
            source.write_bytes(zf.read("pymc_marketing/clv/utils.py"))
    spec = importlib.util.spec_from_file_location("pymc_marketing_clv_utils", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SUITE_FILES = ("tests/clv/test_utils.py", "data/cdnow_transactions.csv")


def pymc_test_suite() -> Path:
    """A folder holding pymc-marketing 1.3.0's ``tests/clv/test_utils.py`` and
    ``data/cdnow_transactions.csv``, from its source distribution (fetched
    into ``target/peers`` once; later calls reuse it)."""
    folder = PEERS / f"pymc_marketing-{PYMC_VERSION}-suite"
    if all((folder / name).exists() for name in SUITE_FILES):
        return folder
    sdist = PEERS / f"pymc_marketing-{PYMC_VERSION}.tar.gz"
    if not sdist.exists():
        PEERS.mkdir(parents=True, exist_ok=True)
        # --no-binary: the sdist, not the wheel. pip prepares its metadata, which
        # installs hatchling into a throwaway build environment (seconds once cached).
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary=:all:",
                "--python-version",
                "3.12",
                "--dest",
                str(PEERS),
                f"pymc-marketing=={PYMC_VERSION}",
            ],
            check=True,
        )
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    root = f"pymc_marketing-{PYMC_VERSION}"
    with tarfile.open(sdist) as tf:
        for name in SUITE_FILES:
            member = tf.extractfile(f"{root}/{name}")
            assert member is not None, name
            target = partial / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder
