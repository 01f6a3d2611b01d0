"""The README's example runs as written."""

import re
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def test_readme_example_runs():
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    scope: dict = {}
    exec(compile(code, str(README), "exec"), scope)
    assert list(scope["table"].columns)[:4] == ["customer_id", "recency", "frequency", "monetary"]
    assert (scope["orders"]["frequency"] <= scope["table"]["frequency"]).all()
    assert "重要价值客户" in set(scope["segments"]["segment"])
    assert len(scope["actions"]) == len(scope["table"])


def test_readme_names_the_ci_command():
    text = README.read_text()
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci == "make test"
    assert f"```bash\n{ci}\n```" in text
