"""rfmkit.report: one self-contained HTML file, every section and segment in it, in English and
Chinese, escaped; rendered by a real browser (headless Chromium); and the demo's report.

The expected headings are written out here, not taken from rfmkit; the numbers the page must
show are computed with plain pandas."""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import rfmkit
from rfmkit.errors import InputError

pytest.importorskip("matplotlib")

HEADINGS = {
    "en": ["Overview", "Segment summary", "Charts", "Strategy playbook", "Segment rules"],
    "zh": ["概览", "客户分群汇总", "图表", "分群策略手册", "分群规则"],
}
WITH_BEFORE = {"en": ["Migration", "Churn alerts"], "zh": ["客户迁移", "流失预警"]}

PYTHON = str(Path(rfmkit.__file__).resolve().parents[1])


class Page(HTMLParser):
    """The parts of a page the tests look at: h2 headings, visible text, tags and attributes."""

    def __init__(self, text: str):
        super().__init__()
        self.h2: list[str] = []
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._in: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if self._in and self._in[-1] in ("style", "title"):
            return
        if self._in and self._in[-1] == "h2":
            self.h2.append(data.strip())
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def segmented_at(tx: pd.DataFrame, as_of: str, lang="en", **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        return rfmkit.segment(
            rfmkit.score(rfmkit.rfm_table(tx, as_of=as_of, **kw)), "rfm11", lang=lang, new_customer_days=30
        )


def pairs(segmented: pd.DataFrame) -> list[tuple[str, str]]:
    """(code, label) of every segment of the table, empty ones included."""
    codes, labels = segmented["segment_code"].cat.categories, segmented["segment"].cat.categories
    return list(zip(map(str, codes), map(str, labels), strict=True))


@pytest.fixture(scope="module")
def tx():
    return rfmkit.datasets.make_transactions(12_000, 1_500, seed=5, channels=True)


@pytest.fixture(scope="module")
def after(tx):
    return segmented_at(tx, "2024-12-31")


@pytest.fixture(scope="module")
def before(tx):
    return segmented_at(tx, "2024-09-30")


@pytest.fixture(scope="module")
def written(tmp_path_factory, tx, after, before):
    """The report in both languages, with and without ``before``."""
    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"report_{lang}")
        out[lang] = rfmkit.report(after, folder / "r.html", lang=lang, transactions=tx, before=before)
        out[lang + "_plain"] = rfmkit.report(after, folder / "plain.html", lang=lang)
    return out


def test_one_file_without_anything_external(written):
    path = written["en"]
    assert isinstance(path, Path) and path.name == "r.html"
    assert sorted(p.name for p in path.parent.iterdir()) == ["plain.html", "r.html"]  # nothing beside it
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    page = Page(text)
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed"}
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "poster", "data"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, name, value[:80])
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)  # no inline handlers
    assert not re.search(r"https?://", text)
    assert not re.search(r"url\(\s*['\"]?(?!#)", text) and "@import" not in text
    images = [a["src"] for t, a in page.tags if t == "img"]
    assert len(images) >= 5
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_section_and_every_segment(written, after, before, lang):
    page = Page(written[lang].read_text(encoding="utf-8"))
    assert page.h2 == [*HEADINGS[lang][:4], *WITH_BEFORE[lang], HEADINGS[lang][4]]
    plain = Page(written[lang + "_plain"].read_text(encoding="utf-8"))
    assert plain.h2 == HEADINGS[lang]  # no migration without before
    text = page.all_text
    scheme = rfmkit.Scheme.builtin("rfm11")
    zh = {**scheme.labels("zh"), "new": "新客户"}
    for code, label in pairs(after):
        assert (zh[code] if lang == "zh" else label) in text
    if lang == "zh":
        assert "Champions" not in text and "冠军客户" in text
    # the summary's numbers, from plain pandas
    counts = after["segment"].value_counts()
    champions = (after["segment_code"] == "champions").sum()
    name = zh["champions"] if lang == "zh" else "Champions"
    row = re.search(re.escape(name) + r" ([\d,]+) ([\d.]+)%", text)
    assert row is not None and row.group(1) == f"{champions:,}"
    assert row.group(2) == f"{100 * champions / len(after):.1f}"
    assert counts.sum() == len(after)
    revenue = after["monetary"].sum()
    assert f"{revenue:,.2f}" in text
    # the migration: who stayed, from a pandas merge
    both = before[["customer_id", "segment_code"]].merge(
        after[["customer_id", "segment_code"]], on="customer_id", how="outer"
    )
    stayed = int((both["segment_code_x"].astype(object) == both["segment_code_y"].astype(object)).sum())
    assert f"{stayed:,}" in text and f"{len(both):,}" in text
    # the playbook: the first action of every segment with customers
    plays = rfmkit.strategies("rfm11", lang).set_index("segment_code")
    for code in set(after["segment_code"].astype(str)) - {"new"}:
        assert html.unescape(plays.loc[code, "actions"][0]) in text


def test_before_adds_migration_and_churn(tmp_path, after, before):
    path = rfmkit.report(after, tmp_path / "m.html", before=before)
    text = Page(path.read_text(encoding="utf-8")).all_text
    alerts = rfmkit.churn_alerts(before, after)
    assert f"{len(alerts):,} valuable customers moved" in text
    if len(alerts):
        assert str(alerts["customer_id"].iloc[0]) in text


def test_text_is_escaped(tmp_path, tx):
    labels = {code: f"<b>{code}</b> & co" for code in rfmkit.Scheme.builtin("rfm11").codes}
    labels["new"] = "<i>new</i>"
    seg = segmented_at(tx, "2024-12-31", lang=labels)
    path = rfmkit.report(seg, tmp_path / "e.html", title="<script>alert(1)</script>")
    text = path.read_text(encoding="utf-8")
    assert "<b>" not in text and "<i>" not in text and "<script" not in text
    assert "&lt;b&gt;champions&lt;/b&gt; &amp; co" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_a_table_segmented_in_chinese_reported_in_english(tmp_path, tx):
    seg = segmented_at(tx, "2024-12-31", lang="zh")
    text = Page(rfmkit.report(seg, tmp_path / "en.html").read_text(encoding="utf-8")).all_text
    assert "Champions" in text and "冠军客户" not in text


def test_grouped_table(tmp_path, tx):
    seg = segmented_at(tx, "2024-12-31", by="channel")
    text = Page(rfmkit.report(seg, tmp_path / "g.html").read_text(encoding="utf-8")).all_text
    assert "Per group" in text and "All groups pooled." in text and "(all groups pooled)" in text
    for channel in tx["channel"].unique():
        assert str(channel) in text


def test_polars_table(tmp_path, after):
    pl = pytest.importorskip("polars")
    text = Page(rfmkit.report(pl.from_pandas(after), tmp_path / "p.html", lang="zh").read_text("utf-8"))
    assert "冠军客户" in text.all_text and "Champions" not in text.all_text
    assert text.h2 == HEADINGS["zh"]


@pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")
def test_bad_input(tmp_path, tx, after):
    with pytest.raises(InputError, match=r"segmented misses column\(s\) \['segment', 'segment_code'"):
        rfmkit.report(rfmkit.score(rfmkit.rfm_table(tx)), tmp_path / "x.html")
    with pytest.raises(InputError, match="invalid lang 'fr'"):
        rfmkit.report(after, tmp_path / "x.html", lang="fr")
    with pytest.raises(InputError, match=r"transactions misses column\(s\) \['date'\]"):
        rfmkit.report(after, tmp_path / "x.html", transactions=tx.rename(columns={"date": "day"}))
    with pytest.raises(InputError, match="cannot write the report"):
        rfmkit.report(after, tmp_path / "no" / "such" / "x.html")
    assert not (tmp_path / "x.html").exists()


# --------------------------------------------------------------------------- a real browser


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("RFMKIT_REQUIRE_CHROMIUM") == "1":
            pytest.fail(
                "chromium is not installed and RFMKIT_REQUIRE_CHROMIUM=1 (make ci installs it: .ci/chromium)"
            )
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def browse(binary: str, page: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [binary, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", *args, page.as_uri()],
        capture_output=True,
        timeout=180,
        cwd=page.parent,
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_in_a_browser(written, after, lang, tmp_path):
    binary = chromium()
    page = written[lang]
    dom = browse(binary, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    shown = Page(dom.stdout.decode("utf-8"))
    assert shown.h2 == [*HEADINGS[lang][:4], *WITH_BEFORE[lang], HEADINGS[lang][4]]
    zh = {**rfmkit.Scheme.builtin("rfm11").labels("zh"), "new": "新客户"}
    for code, label in pairs(after):
        assert (zh[code] if lang == "zh" else label) in shown.all_text
    png = tmp_path / f"{lang}.png"
    shot = browse(binary, page, f"--screenshot={png}", "--window-size=1280,4000")
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    from PIL import Image

    with Image.open(png) as image:
        assert image.size == (1280, 4000)
        colours = image.convert("L").resize((64, 200)).getextrema()
    assert colours[1] - colours[0] > 100  # text and charts, not a blank page


# --------------------------------------------------------------------------- the demo


def demo(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": PYTHON + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "rfmkit", "demo", "--transactions", "4000", "--customers", "400", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=180,
        env=env,
    )


def test_demo_writes_the_report_where_asked(tmp_path):
    result = demo("--report", "mine.html", "--lang", "zh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "mine.html"
    assert f"HTML 报告: {path.resolve()}" in result.stdout
    assert "客户分群" in result.stdout  # the segment summary of the demo is still there
    page = Page(path.read_text(encoding="utf-8"))
    assert page.h2 == [*HEADINGS["zh"][:4], *WITH_BEFORE["zh"], HEADINGS["zh"][4]]


def test_demo_writes_a_temporary_report_by_default(tmp_path):
    result = demo("--head", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = re.search(r"^HTML report: (.+\.html)$", result.stdout, re.M)
    assert found is not None, result.stdout
    path = Path(found.group(1))
    try:
        assert path.is_absolute() and path.is_file() and not path.is_relative_to(tmp_path)
        assert "segments (rfm11) and what to do" in result.stdout
        assert Page(path.read_text(encoding="utf-8")).h2[0] == "Overview"
    finally:
        path.unlink(missing_ok=True)
    failed = demo("--report", str(tmp_path / "missing" / "r.html"), cwd=tmp_path)
    assert failed.returncode == 2 and "rfmkit: error: cannot write the report" in failed.stderr
