"""The peers' own code, for parity tests and the benchmarks.

pymc-marketing 1.3.0 needs Python 3.12 or later, so on older Pythons it
cannot be installed. Its wheel is pure Python, and ``pymc_marketing/clv/utils.py``
needs only NumPy, pandas and xarray: the wheel is fetched from PyPI with
``pip download`` (into ``target/peers``, once) and that one module is loaded
from it. Nothing of it is kept in this repository.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
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
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--python-version", "3.12", "--dest", str(PEERS),
             f"pymc-marketing=={PYMC_VERSION}"],
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
