# One place for the project's commands. `make test` is the README's test command and
# exactly what CI runs (.ci/run): one release build of the wheel, installed with the
# test dependencies into this Python (latest pandas) and into a venv with pandas 2.2;
# then the core's cargo tests and the whole pytest suite (tests/ and notebooks/) in both.
# Any failure, pytest's exit code 5 ("no tests collected") included, fails the target.

PYTHON ?= python
DIST := target/wheels-ci
VENV22 := target/venv-pandas22

.PHONY: test wheel test-core test-latest test-pandas22 lint

test: wheel test-core test-latest test-pandas22

wheel:
	rm -rf $(DIST)
	$(PYTHON) -m pip wheel . --no-deps -w $(DIST)

test-core:
	cargo test --no-default-features

test-latest:
	$(PYTHON) -m pip install --force-reinstall --no-deps $(DIST)/rfmkit-*.whl
	$(PYTHON) -m pip install "$$(ls $(DIST)/rfmkit-*.whl)[test]"
	$(PYTHON) -m pytest

test-pandas22:
	$(PYTHON) -m venv --clear $(VENV22)
	$(VENV22)/bin/python -m pip install -q "pandas>=2.2,<2.3" "$$(ls $(DIST)/rfmkit-*.whl)[test]"
	$(VENV22)/bin/python -c "import pandas; assert pandas.__version__.startswith(\"2.2\"), pandas.__version__"
	$(VENV22)/bin/python -m pytest

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --no-default-features -- -D warnings
	$(PYTHON) -m ruff check python tests bench
