# One place for the project's commands.
#
# `make ci` is the README's test command and exactly what CI runs (.ci/run): one release
# build of the wheel, installed with the test extra (which brings the lint tools) into this
# Python; then `make lint` against that installed build (stubtest needs the compiled module),
# the core's cargo tests, and the whole pytest suite (tests/ and notebooks/) under the latest
# pandas (with Dask and Spark: their tests must run there) and, in a venv, under pandas 2.2
# (without them). It installs Chromium and Java from Debian when missing. Each stage prints
# how long it took.
# `make test` is the same without the lint. Any failure, pytest's exit code 5 ("no tests
# collected") included, fails the target.
#
# `make dev` is the edit-run loop: an editable debug build (Python edits are live, rerun it
# after changing Rust), separate from the one release build above.

PYTHON ?= python
DIST := target/wheels-ci
VENV22 := target/venv-pandas22
STUBTEST_ALLOWLIST := python/rfmkit/_core.stubtest-allowlist
export CI_TIMINGS ?= $(CURDIR)/target/ci-timings.tsv

# $(call stage,NAME,TARGET): run `make TARGET` as one timed stage.
stage = @.ci/timed "$(1)" $(MAKE) --no-print-directory $(2)

.PHONY: ci test dev wheel install chromium java test-core test-latest test-pandas22 lint rust-tools timings
.NOTPARALLEL:

# The browser test of the HTML report needs Chromium: `make ci` installs it (.ci/chromium) and
# makes that test fail, not skip, without it.
ci: export RFMKIT_REQUIRE_CHROMIUM = 1
ci:
	@rm -f $(CI_TIMINGS)
	$(call stage,chromium (browser tests),chromium)
	$(call stage,java (Spark tests),java)
	$(call stage,wheel build (release),wheel)
	$(call stage,installs: wheel + test extra,install)
	$(call stage,lint,lint)
	$(call stage,cargo tests,test-core)
	$(call stage,pytest (latest pandas),test-latest)
	$(call stage,pandas 2.2 venv + pytest,test-pandas22)
	@$(MAKE) --no-print-directory timings

test:
	@rm -f $(CI_TIMINGS)
	$(call stage,wheel build (release),wheel)
	$(call stage,installs: wheel + test extra,install)
	$(call stage,cargo tests,test-core)
	$(call stage,pytest (latest pandas),test-latest)
	$(call stage,pandas 2.2 venv + pytest,test-pandas22)
	@$(MAKE) --no-print-directory timings

timings:
	@echo "stage times (seconds):"
	@awk -F'\t' '{ printf "  %-32s %6d  %s\n", $$1, $$2, $$3; t += $$2 } END { printf "  %-32s %6d\n", "total", t }' $(CI_TIMINGS)

chromium:
	.ci/chromium

java:
	.ci/java

dev:
	MATURIN_PEP517_ARGS="--profile dev" $(PYTHON) -m pip install --no-deps -e .

wheel:
	rm -rf $(DIST)
	$(PYTHON) -m pip wheel . --no-deps -w $(DIST)

install:
	$(PYTHON) -m pip install --force-reinstall --no-deps $(DIST)/rfmkit-*.whl
	$(PYTHON) -m pip install "$$(ls $(DIST)/rfmkit-*.whl)[test,dask,spark]"

test-core:
	cargo test --no-default-features

# Two workers (the machine has two cores), one test file per worker at a time, so a module's
# fixtures (the Spark session, the Dask cluster) start once. The latest environment has Dask and
# Spark and must run their tests (RFMKIT_REQUIRE_SCALE); the pandas 2.2 venv has neither.
PYTEST_WORKERS := -n 2 --dist loadfile

test-latest:
	RFMKIT_REQUIRE_SCALE=1 $(PYTHON) -m pytest $(PYTEST_WORKERS)

test-pandas22:
	$(PYTHON) -m venv --clear $(VENV22)
	$(VENV22)/bin/python -m pip install -q "pandas>=2.2,<2.3" "$$(ls $(DIST)/rfmkit-*.whl)[test]"
	$(VENV22)/bin/python -c "import pandas; assert pandas.__version__.startswith(\"2.2\"), pandas.__version__"
	$(VENV22)/bin/python -m pytest $(PYTEST_WORKERS) --ignore=notebooks/dask.ipynb --ignore=notebooks/spark.ipynb

# Python checks first (the installed build for stubtest: run `make install` or `make dev`
# before), then the Rust ones with and without the bindings.
lint: rust-tools
	$(PYTHON) -m ruff check python tests bench
	$(PYTHON) -m ruff format --check python tests bench
	$(PYTHON) -m mypy
	$(PYTHON) -m mypy.stubtest rfmkit._core $(if $(wildcard $(STUBTEST_ALLOWLIST)),--allowlist $(STUBTEST_ALLOWLIST))
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --no-default-features -- -D warnings

rust-tools:
	@cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
	@cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
