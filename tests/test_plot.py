"""Charts: what each function draws, checked on the returned Axes against
plain pandas numbers, and that they leave matplotlib's global state alone."""

from __future__ import annotations

import itertools
import subprocess
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import rfmkit.plot.charts as rplot  # noqa: E402
import rfmkit.plot.layout as rlayout  # noqa: E402
import rfmkit.plot.style as rstyle  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

# Drawing Chinese labels without a CJK font installed makes matplotlib warn.
NO_GLYPH = r"Glyph .* missing from font"


@pytest.fixture(autouse=True)
def close_new_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


@pytest.fixture(scope="module")
def scored():
    tx = rfmkit.datasets.make_transactions(6_000, 900, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        return rfmkit.score(rfmkit.rfm_table(tx))


@pytest.fixture(scope="module")
def segmented(scored):
    return rfmkit.segment(scored, "rfm11")


def draw(ax):
    """Renders the figure, as saving or showing it would."""
    ax.figure.canvas.draw()


def rects(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


# --------------------------------------------------------------------------- rf_heatmap


def test_rf_heatmap_cells_are_mean_monetary_per_r_and_f(scored):
    ax = rplot.rf_heatmap(scored)
    draw(ax)
    grid = ax.images[0].get_array()
    assert grid.shape == (5, 5)  # F rows, R columns
    expected = scored.groupby(["f_score", "r_score"])["monetary"].mean()
    for f, r in itertools.product(range(1, 6), range(1, 6)):
        if (f, r) in expected.index:
            assert grid[f - 1, r - 1] == pytest.approx(expected[(f, r)])
        else:
            assert np.ma.is_masked(grid[f - 1, r - 1])
    # one annotation per customer-holding cell, with its count
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == len(expected)
    counts = scored.groupby(["f_score", "r_score"]).size()
    assert sorted(int(t.split("(")[1].rstrip(")").replace(",", "")) for t in texts) == sorted(counts)
    assert ax.get_title() and "R score" in ax.get_xlabel() and "F score" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]


def test_rf_heatmap_shape_follows_the_score_levels(scored):
    table = scored[["customer_id", "recency", "frequency", "monetary"]]
    three = rfmkit.score(table, bins=3, method="ntile")
    ax = rplot.rf_heatmap(three, colorbar=False)
    assert ax.images[0].get_array().shape == (3, 3)
    assert len(ax.figure.axes) == 1  # no colour bar


def test_rf_heatmap_draws_into_the_axes_given(scored):
    fig, ax = plt.subplots()
    figures = plt.get_fignums()
    assert rplot.rf_heatmap(scored, ax=ax) is ax
    assert plt.get_fignums() == figures
    assert len(fig.axes) == 2  # the Axes and its colour bar


def test_rf_heatmap_needs_scores(scored):
    with pytest.raises(InputError, match="missing column 'r_score'"):
        rplot.rf_heatmap(scored.drop(columns="r_score"))


# --------------------------------------------------------------------------- segment_bars


def test_segment_bars_are_customer_and_revenue_shares(segmented):
    ax = rplot.segment_bars(segmented, show_empty=True)
    draw(ax)
    labels = list(segmented["segment"].cat.categories)
    assert len(ax.patches) == 2 * len(labels)  # show_empty keeps the empty segments' bars
    customers = segmented["segment"].value_counts(sort=False).reindex(labels)
    revenue = segmented.groupby("segment", observed=False)["monetary"].sum().reindex(labels)
    widths = np.array([p.get_width() for p in ax.patches])
    np.testing.assert_allclose(widths[: len(labels)], 100 * customers / customers.sum())
    np.testing.assert_allclose(widths[len(labels) :], 100 * revenue / revenue.sum())
    assert [t.get_text() for t in ax.get_yticklabels()] == labels
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["customers", "revenue"]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_segment_bars_hide_empty_segments_by_default(segmented):
    ax = rplot.segment_bars(segmented)
    counts = segmented["segment"].value_counts(sort=False)
    present = [str(c) for c in segmented["segment"].cat.categories if counts[c] > 0]
    assert len(present) < len(segmented["segment"].cat.categories)  # the fallback is empty here
    assert [t.get_text() for t in ax.get_yticklabels()] == present
    assert len(ax.patches) == 2 * len(present)


def test_segment_bars_with_chinese_labels(scored):
    zh = rfmkit.segment(
        rfmkit.score(scored[["customer_id", "recency", "frequency", "monetary"]], bins=2, method="median"),
        "cn8",
        lang="zh",
    )
    ax = rplot.segment_bars(zh)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=NO_GLYPH, category=UserWarning)
        draw(ax)
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "重要价值客户"


def test_chinese_labels_use_an_installed_cjk_font(segmented, monkeypatch):
    monkeypatch.setattr(rstyle, "cjk_family", lambda: "Noto Sans CJK SC")
    zh = segmented.assign(segment=segmented["segment"].cat.rename_categories(lambda c: c + "客户"))
    ax = rplot.segment_bars(zh)
    assert ax.get_yticklabels()[0].get_fontfamily()[0] == "Noto Sans CJK SC"
    ax = rplot.segment_bars(segmented)  # English labels keep the default font
    assert ax.get_yticklabels()[0].get_fontfamily() == matplotlib.rcParams["font.family"]


# --------------------------------------------------------------------------- treemap


def assert_tiles_unit_square(boxes, shares):
    boxes = np.array(boxes)
    x, y, w, h = boxes.T
    assert (w > 0).all() and (h > 0).all()
    assert x.min() >= -1e-9 and y.min() >= -1e-9
    assert (x + w).max() <= 1 + 1e-9 and (y + h).max() <= 1 + 1e-9
    np.testing.assert_allclose(w * h, shares, rtol=1e-9, atol=1e-12)
    assert (w * h).sum() == pytest.approx(1.0)
    for a, b in itertools.combinations(boxes, 2):  # no two tiles overlap
        dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
        dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
        assert dx <= 1e-9 or dy <= 1e-9


@pytest.mark.parametrize("by", ["customers", "revenue"])
def test_treemap_areas_are_shares_and_tile_the_unit_square(segmented, by):
    ax = rplot.segment_treemap(segmented, by=by)
    draw(ax)
    if by == "customers":
        values = segmented["segment"].value_counts()
    else:
        values = segmented.groupby("segment", observed=False)["monetary"].sum()
    values = values[values > 0].sort_values(ascending=False, kind="stable")
    tiles = rects(ax)
    assert len(tiles) == len(values) < len(segmented["segment"].cat.categories)
    boxes = [(t.get_x(), t.get_y(), t.get_width(), t.get_height()) for t in tiles]
    assert_tiles_unit_square(boxes, (values / values.sum()).to_numpy())
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)
    assert by in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    # the largest segment is labelled with its share
    top = values.index[0]
    assert any(t.get_text() == f"{top}\n{values.iloc[0] / values.sum():.1%}" for t in ax.texts)


def test_squarified_layout_of_the_paper():
    # Bruls, Huizing and van Wijk (2000), figure 2: 6, 6, 4, 3, 2, 2, 1 in a 6 x 4
    # rectangle, worked out by hand: a column of the two 6s, a row of 4 and 3,
    # then columns of 2, 2 and 1.
    got = rlayout.squarify([6, 6, 4, 3, 2, 2, 1], 0, 0, 6, 4)
    expected = [
        (0, 0, 3, 2),
        (0, 2, 3, 2),
        (3, 0, 12 / 7, 7 / 3),
        (3 + 12 / 7, 0, 9 / 7, 7 / 3),
        (3, 7 / 3, 1.2, 5 / 3),
        (4.2, 7 / 3, 1.2, 5 / 3),
        (5.4, 7 / 3, 0.6, 5 / 3),
    ]
    np.testing.assert_allclose(got, expected, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(1e-3, 1e6), min_size=1, max_size=25))
def test_squarify_tiles_the_square_in_proportion(values):
    values = sorted(values, reverse=True)
    boxes = rlayout.squarify(values)
    assert len(boxes) == len(values)
    assert_tiles_unit_square(boxes, np.array(values) / sum(values))


def test_treemap_rejects_unknown_measure(segmented):
    with pytest.raises(InputError, match="invalid by"):
        rplot.segment_treemap(segmented, by="orders")


# --------------------------------------------------------------------------- histograms


def test_histograms_count_every_customer(scored):
    axes = rplot.rfm_histograms(scored)
    assert isinstance(axes, np.ndarray) and axes.shape == (3,)
    assert [ax.get_title() for ax in axes] == ["Recency", "Frequency", "Monetary"]
    for ax in axes:
        assert sum(p.get_height() for p in ax.patches) == len(scored)
        assert ax.get_xlabel() and ax.get_ylabel() == "customers"
    assert len({ax.figure for ax in axes}) == 1
    # the tail of F and M is piled into the last bar, and the label says from where
    assert "or more" in axes[2].get_xlabel()
    full = rplot.rfm_histograms(scored, upper=None)
    assert "or more" not in full[2].get_xlabel()
    assert full[2].patches[-1].get_x() + full[2].patches[-1].get_width() >= scored["monetary"].max()


def test_histograms_draw_into_the_axes_given(scored):
    fig, axes = plt.subplots(3, 1)
    out = rplot.rfm_histograms(scored, axes=axes)
    assert list(out) == list(axes)
    with pytest.raises(InputError, match="three Axes"):
        rplot.rfm_histograms(scored, axes=axes[:2])


# --------------------------------------------------------------------------- migration


@pytest.fixture(scope="module")
def counts():
    before = ["Champions", "Loyal", "Lost", "(new)"]
    after = ["Champions", "Loyal", "Lost", "(gone)"]
    values = [[50, 10, 0, 2], [5, 30, 5, 0], [0, 0, 0, 0], [7, 1, 0, 0]]
    return pd.DataFrame(values, index=before, columns=after)


def test_migration_heatmap_shares_of_each_row(counts):
    ax = rplot.migration_heatmap(SimpleNamespace(counts=counts, shares=None))
    draw(ax)
    grid = np.asarray(ax.images[0].get_array())
    assert grid.shape == counts.shape
    n = counts.to_numpy()
    expected = np.divide(
        n, n.sum(axis=1, keepdims=True), out=np.zeros(n.shape), where=n.sum(axis=1, keepdims=True) > 0
    )
    np.testing.assert_allclose(grid, expected)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(counts.index)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(counts.columns)
    assert len(ax.texts) == (n > 0).sum()  # empty cells stay blank
    assert "81%" in [t.get_text() for t in ax.texts]  # 50 of 62
    assert ax.get_xlabel() == "segment after" and ax.get_ylabel() == "segment before"


def test_migration_heatmap_counts(counts):
    fig, ax = plt.subplots()
    assert rplot.migration_heatmap(counts, ax=ax, normalize=False) is ax
    np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()), counts.to_numpy())
    assert "customers" in ax.get_title()


def test_migration_heatmap_of_rfmkit_migration():
    tx = rfmkit.datasets.make_transactions(6_000, 900, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        before, after = (
            rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=d)), "rfm11")
            for d in ("2024-11-30", "2024-12-31")
        )
    moved = rfmkit.migration(before, after)
    ax = rplot.migration_heatmap(moved, show_empty=True)
    assert ax.images[0].get_array().shape == moved.counts.shape
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(c) for c in moved.counts.index]
    # by default: no row or column of a segment empty before and after, nor empty (new) / (gone)
    ax = rplot.migration_heatmap(moved)
    n = moved.counts
    rows_used, cols_used = n.sum(axis=1) > 0, n.sum(axis=0) > 0
    labels = [c for c in n.index[:-1] if rows_used[c] or cols_used[c]]
    expect_rows = labels + (["(new)"] if rows_used["(new)"] else [])
    expect_cols = labels + (["(gone)"] if cols_used["(gone)"] else [])
    assert [t.get_text() for t in ax.get_yticklabels()] == expect_rows
    assert [t.get_text() for t in ax.get_xticklabels()] == expect_cols
    assert "Other" not in expect_rows and "(gone)" not in expect_cols  # both empty in this data


def test_migration_heatmap_rejects_other_input():
    with pytest.raises(InputError, match="rfmkit.migration"):
        rplot.migration_heatmap([[1, 2], [3, 4]])


# --------------------------------------------------------------------------- global state


def test_calls_leave_rcparams_and_figures_alone(scored, segmented, counts):
    params = dict(matplotlib.rcParams)
    fig, axes = plt.subplots(2, 3)
    figures = plt.get_fignums()
    rplot.rf_heatmap(scored, ax=axes[0, 0])
    rplot.segment_bars(segmented, ax=axes[0, 1])
    rplot.segment_treemap(segmented, ax=axes[0, 2])
    rplot.migration_heatmap(counts, ax=axes[1, 0])
    assert plt.get_fignums() == figures  # nothing new when Axes are given
    rplot.rfm_histograms(scored)
    assert len(plt.get_fignums()) == len(figures) + 1  # exactly one new figure
    assert dict(matplotlib.rcParams) == params


def test_import_rfmkit_does_not_import_matplotlib():
    code = "import sys, rfmkit, rfmkit.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_matplotlib_says_how_to_install(segmented, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'rfmkit\[plot\]'"):
        rplot.segment_bars(segmented)
