"""The README's example runs as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


def test_readme_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    scope: dict = {}
    exec(compile(blocks[0], str(README), "exec"), scope)
    assert list(scope["table"].columns)[:4] == ["customer_id", "recency", "frequency", "monetary"]
    assert (scope["orders"]["frequency"] <= scope["table"]["frequency"]).all()
    assert "重要价值客户" in set(scope["segments"]["segment"])
    assert len(scope["actions"]) == len(scope["table"])


def test_readme_names_the_ci_command():
    text = README.read_text()
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci == "make ci"
    assert f"```bash\n{ci}\n```" in text


@pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")  # quantile ties on frequency, documented
def test_readme_later_examples_run(tmp_path, monkeypatch):
    """Every later Python block, in order, in one scope (charts on the Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 4
    scope: dict = {}
    for code in blocks[1:]:
        exec(compile(code, str(README), "exec"), scope)
    plt.close("all")
    assert scope["summary"]["customers"].sum() == len(scope["after"])
    assert scope["moves"].counts.to_numpy().sum() > 0
    assert list(scope["clv"].columns) == ["customer_id", "frequency", "recency", "T", "monetary_value"]
    assert "test_T" in scope["split"].columns and scope["ltv"].notna().all()
