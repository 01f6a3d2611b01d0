"""make_transactions: deterministic and shaped like retail data."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit.datasets import make_transactions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_deterministic_for_a_seed():
    a = make_transactions(5_000, 800, seed=4, order_ids=True, channels=True, string_ids=True)
    b = make_transactions(5_000, 800, seed=4, order_ids=True, channels=True, string_ids=True)
    pd.testing.assert_frame_equal(a, b)
    assert not make_transactions(5_000, 800, seed=5).equals(make_transactions(5_000, 800, seed=4))


def test_shape_of_the_data():
    tx = make_transactions(100_000, 20_000, seed=0)
    assert len(tx) == 100_000
    assert tx["date"].is_monotonic_increasing
    assert tx["date"].min() >= pd.Timestamp("2022-01-01")
    assert tx["date"].max() <= pd.Timestamp("2024-12-31 23:59:59.999999")
    per_customer = tx.groupby("customer_id").size()
    assert 0.5 < (per_customer == 1).mean() < 0.6  # most customers buy once
    assert per_customer.max() > 20 * per_customer.median()  # heavy tail
    returns = (tx["amount"] < 0).mean()
    assert 0.01 < returns < 0.05
    positive = tx.loc[tx["amount"] > 0, "amount"]
    assert 30 < positive.median() < 50
    assert np.allclose(tx["amount"] * 100, np.round(tx["amount"] * 100))  # whole cents
    first = tx.groupby("customer_id")["amount"].first()
    assert (first > 0).all()  # nobody starts with a return


def test_optional_columns():
    tx = make_transactions(
        20_000, 2_000, seed=1, order_ids=True, channels=True, string_ids=True, tz="Europe/Madrid"
    )
    assert tx["customer_id"].str.match(r"^C\d{7}$").all()
    assert str(tx["date"].dtype) == "datetime64[us, Europe/Madrid]"
    lines = tx.groupby("order_id").agg(
        n=("customer_id", "size"), c=("customer_id", "nunique"), t=("date", "nunique")
    )
    assert (lines["c"] == 1).all() and (lines["t"] == 1).all()
    assert 0.1 < (lines["n"] > 1).mean() < 0.4
    assert set(tx["channel"].cat.categories) == {"web", "store", "app", "marketplace"}


def test_fewer_transactions_than_customers():
    tx = make_transactions(50, 1_000, seed=2)
    assert len(tx) == 50 and tx["customer_id"].nunique() == 50
    assert len(make_transactions(0, 10)) == 0


def test_invalid_arguments():
    with pytest.raises(ValueError):
        make_transactions(-1, 10)
    with pytest.raises(ValueError):
        make_transactions(10, 10, return_rate=1.5)


def test_demo_command_prints_table_and_summary():
    out = subprocess.run(
        [sys.executable, "-m", "rfmkit", "demo", "--transactions", "5000", "--customers", "800"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "customer_id" in out.stdout and "recency" in out.stdout
    assert "summary" in out.stdout and "bought once" in out.stdout
    assert out.stderr == ""


def test_cli_reports_errors_in_one_line():
    out = subprocess.run(
        [sys.executable, "-m", "rfmkit", "demo", "--customers", "0"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert out.stderr.strip().startswith("rfmkit: error:") and len(out.stderr.splitlines()) == 1


def test_version_is_the_one_of_the_package_metadata():
    """``__version__`` (compiled in from Cargo.toml) is the version of pyproject.toml, of
    Cargo.toml and of the installed distribution, and the CLI prints it."""
    root = Path(__file__).parent.parent
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    cargo = tomllib.loads((root / "Cargo.toml").read_text())["package"]["version"]
    installed = importlib.metadata.version("rfmkit")
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", pyproject), pyproject
    assert rfmkit.__version__ == pyproject == cargo == installed, (
        rfmkit.__version__,
        pyproject,
        cargo,
        installed,
    )
    out = subprocess.run(
        [sys.executable, "-m", "rfmkit", "--version"], check=True, capture_output=True, text=True
    )
    assert out.stdout.strip() == f"rfmkit {pyproject}"
