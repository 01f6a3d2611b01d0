"""The built-in schemes and their playbooks as data: python/rfmkit/segments/data/*.toml.

Each file must hold the scheme and the strategies rfmkit has always served (compared with the
Python literals while rfmkit._schemes / rfmkit._strategies exist, and with the published grids
of REFERENCE.md), validate through the core's scheme loader, read well as data, and ship in the
wheel.
"""

from __future__ import annotations

import doctest
import fnmatch
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import rfmkit
from rfmkit import Scheme
from rfmkit.errors import InputError, InputTypeError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SEGMENTS_DIR = ROOT / "python" / "rfmkit" / "segments"
DATA = SEGMENTS_DIR / "data"
# The documented built-in schemes, in the documented order (README, Scheme.builtin).
NAMES = ["cn8", "tiers4", "crm4", "rfm11", "rf10", "pymc5"]
FIELDS = ["description", "goal", "actions", "channels", "cadence", "offer", "message", "kpi"]


def _load_builtin_module() -> ModuleType:
    """rfmkit.segments.builtin; while rfmkit.segments is still a module (segments.py) and not
    yet a package, builtin.py is loaded from its path as a package of its own, so that its
    relative import (..errors) and importlib.resources (its folder) resolve as they will."""
    segments = importlib.import_module("rfmkit.segments")
    if hasattr(segments, "__path__"):
        return importlib.import_module("rfmkit.segments.builtin")
    name = "rfmkit._segments_builtin_under_test"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, SEGMENTS_DIR / "builtin.py", submodule_search_locations=[str(SEGMENTS_DIR)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


builtin = _load_builtin_module()


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ------------------------------------------------------------------ the files and the loader


def test_one_file_per_documented_scheme_in_the_documented_order():
    assert sorted(p.stem for p in DATA.glob("*.toml")) == sorted(NAMES)
    assert builtin.builtin_names() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_load_builtin_is_the_parsed_file_and_a_fresh_copy(name):
    with (DATA / f"{name}.toml").open("rb") as fh:
        want = tomllib.load(fh)
    got = builtin.load_builtin(name)
    assert got == want
    got["rules"].clear()
    got["strategies"].clear()
    assert builtin.load_builtin(name) == want


@pytest.mark.parametrize("bad", ["nope", "CN8", "", "../segments/data/cn8", "cn8.toml"])
def test_unknown_names_are_refused_with_the_known_ones(bad):
    known = "built-in schemes: cn8, tiers4, crm4, rfm11, rf10, pymc5"
    with pytest.raises(InputError, match=rf"unknown scheme .*{known}"):
        builtin.load_builtin(bad)
    with pytest.raises(InputError, match="unknown scheme"):
        builtin.builtin_source(bad)


@pytest.mark.parametrize("bad", [None, 8, ["cn8"], {"cn8": 1}, b"cn8"])
def test_names_that_are_not_strings_are_a_type_error(bad):
    with pytest.raises(InputTypeError, match="a scheme name must be a string"):
        builtin.load_builtin(bad)


# --------------------------------------------------------- the same data as the Python literals


# The TOML files were checked equal to the Python literals they replaced (rfmkit._schemes,
# rfmkit._strategies) in the commit that removed those; the tests below check the data itself.


@pytest.mark.parametrize("name", NAMES)
def test_the_api_serves_the_toml_data(name):
    """Holds today (Python literals) and after Scheme.builtin reads the files."""
    spec = builtin.load_builtin(name)
    served, loaded = Scheme.builtin(name), Scheme.from_dict(spec)
    assert served.spec == loaded.spec  # name, scale, rules with their labels and ranges, fallback
    for lang in ("en", "zh"):
        assert served.labels(lang) == loaded.labels(lang)
        table = rfmkit.strategies(name, lang=lang)
        assert table["segment_code"].tolist() == loaded.codes
        for row in table.to_dict("records"):
            assert {f: row[f] for f in FIELDS} == spec["strategies"][row["segment_code"]][lang]


# ------------------------------------------------------ validated by the core's scheme loader


@pytest.mark.parametrize("name", NAMES)
def test_every_file_validates_through_the_scheme_loader(name):
    path = DATA / f"{name}.toml"
    spec = builtin.load_builtin(name)
    for scheme in (
        Scheme.from_toml(path),
        Scheme.from_toml(path.read_text(encoding="utf-8")),
        Scheme.from_dict(spec),
    ):
        assert scheme.name == name
        assert scheme.strategy_table == spec["strategies"]
        coverage = scheme.coverage()
        # Each file's comment says its rules map every cell (pymc5: all but pymc-marketing's
        # 18 unlisted codes, its "Other") and none is dead.
        assert len(coverage.fallback) == (18 if name == "pymc5" else 0), coverage.fallback
        assert coverage.shadowed == []


def test_a_broken_copy_of_a_file_is_refused_by_the_loader(tmp_path):
    text = (DATA / "cn8.toml").read_text(encoding="utf-8")
    for broken, message in [
        (text.replace("r = [2, 2]", "r = [2, 3]", 1), "outside the scale"),
        (text.replace('zh = "重要价值客户"', 'zh = ""', 1), 'has no "zh" label'),
        (text.replace('channels = ["phone", "email", "in_app"]', 'channels = ["fax"]', 1), "unknown channel"),
        (text.replace("scale = 2", 'scale = 2\nsource = "x"'), "unknown field"),
    ]:
        assert broken != text
        (tmp_path / "cn8.toml").write_text(broken, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            Scheme.from_toml(tmp_path / "cn8.toml")


# ----------------------------------------------- against the published grids (REFERENCE.md)


def _cells(spec: dict) -> dict[tuple[int, int], str]:
    """(R, FM or F) -> segment code by first match, evaluated here in plain Python."""
    second = "fm" if any("fm" in r for r in spec["rules"]) else "f"
    out = {}
    for r in range(1, 6):
        for x in range(1, 6):
            for rule in spec["rules"]:
                lo_r, hi_r = rule.get("r", [1, 5])
                lo_x, hi_x = rule.get(second, [1, 5])
                if lo_r <= r <= hi_r and lo_x <= x <= hi_x:
                    out[r, x] = rule["code"]
                    break
    return out


def _grid(published: dict[str, str]) -> dict[tuple[int, int], str]:
    return {(int(cell[0]), int(cell[1])): code for code, cells in published.items() for cell in cells.split()}


def test_rfm11_is_the_published_r_fm_grid():
    published = {  # cell = R digit, FM digit
        "champions": "55 54 45",
        "loyal": "53 44 35 34",
        "potential_loyalist": "52 43 42 33",
        "recent": "51",
        "promising": "41 31",
        "need_attention": "32 23 22",
        "about_to_sleep": "21",
        "at_risk": "25 24 13",
        "cant_lose": "15 14",
        "hibernating": "12",
        "lost": "11",
    }
    assert _cells(builtin.load_builtin("rfm11")) == _grid(published)


def test_rf10_is_the_published_r_f_grid():
    published = {  # cell = R digit, F digit
        "hibernating": "11 12 21 22",
        "at_risk": "13 14 23 24",
        "cant_lose": "15 25",
        "about_to_sleep": "31 32",
        "need_attention": "33",
        "loyal": "34 35 44 45",
        "promising": "41",
        "new": "51",
        "potential_loyalist": "42 43 52 53",
        "champions": "54 55",
    }
    assert _cells(builtin.load_builtin("rf10")) == _grid(published)


def test_cn8_is_the_published_high_low_table():
    # R, F, M: high (2) or low (1); "R high" means recent.
    published = {
        "important_value": (2, 2, 2),
        "important_keep": (1, 2, 2),
        "important_develop": (2, 1, 2),
        "important_retain": (1, 1, 2),
        "general_value": (2, 2, 1),
        "general_keep": (1, 2, 1),
        "general_develop": (2, 1, 1),
        "general_retain": (1, 1, 1),
    }
    rules = builtin.load_builtin("cn8")["rules"]
    assert {r["code"]: (r["r"][0], r["f"][0], r["m"][0]) for r in rules} == published
    assert all(r[d][0] == r[d][1] for r in rules for d in "rfm")


# ---------------------------------------------------------------------- reads well as data


@pytest.mark.parametrize("name", NAMES)
def test_files_read_as_data(name):
    text = (DATA / f"{name}.toml").read_bytes().decode("utf-8")  # UTF-8, no BOM
    assert not text.startswith("\ufeff") and "\ufffd" not in text and "\r" not in text
    lines = text.splitlines()
    assert lines[0].startswith(f"# {name}: ")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.rstrip() for line in lines)
    # Speaks to users: no internal document numbers.
    assert "document 0" not in text.lower()
    assert builtin.builtin_source(name) and "document" not in builtin.builtin_source(name).lower()
    # One rule per [[rules]] block.
    spec = builtin.load_builtin(name)
    assert sum(line.startswith("[[rules]]") for line in lines) == len(spec["rules"])
    # The Chinese text is intact: every zh label and every zh strategy field is Chinese.
    for item in [*spec["rules"], spec["fallback"]]:
        assert _cjk(item["labels"]["zh"]) and not _cjk(item["labels"]["en"])
    for code, langs in spec["strategies"].items():
        for field in ("description", "goal", "cadence", "offer", "message", "kpi"):
            assert _cjk(langs["zh"][field]) or field == "description", (code, field)
            assert not _cjk(langs["en"][field]), (code, field)
        assert all(_cjk(a) for a in langs["zh"]["actions"])


def test_the_source_notes():
    assert builtin.builtin_source("rf10") == "the 10-segment grid on R and F"
    assert "Chinese" in builtin.builtin_source("cn8")
    assert "Putler" in builtin.builtin_source("rfm11")


def test_docstring_examples(monkeypatch):
    # The examples import rfmkit.segments.builtin; point that name at the module under test.
    monkeypatch.setitem(sys.modules, "rfmkit.segments.builtin", builtin)
    result = doctest.testmod(builtin, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


# ------------------------------------------------------------------------- in the wheel


def test_the_data_files_ship_in_the_wheel():
    """maturin puts every file under python-source that git does not ignore into the wheel
    (maturin guide, "Project Layout": additional files in the Python source dir, but not in
    .gitignore, are included); [tool.maturin] exclude would drop them."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        maturin = tomllib.load(fh)["tool"]["maturin"]
    source = ROOT / maturin["python-source"]
    files = sorted(DATA.glob("*.toml"))
    assert files and all(source in f.parents for f in files)
    assert (source / "rfmkit").is_dir()
    excluded = maturin.get("exclude", [])
    patterns = [e if isinstance(e, str) else e.get("path", "") for e in excluded]
    for f in files:
        rel = f.relative_to(ROOT).as_posix()
        assert not any(fnmatch.fnmatch(rel, p) for p in patterns), (rel, patterns)
    try:
        ignored = subprocess.run(
            ["git", "-C", str(ROOT), "check-ignore", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("git is not available to check .gitignore")
    if ignored.returncode == 128:
        pytest.skip("not a git checkout")
    assert ignored.returncode == 1 and not ignored.stdout, ignored.stdout
