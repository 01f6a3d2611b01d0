"""Charts as a reader sees them (issue 16): rendered with Agg and inspected on the
Axes. All text in the chosen language, legends naming exactly the segments with
customers, one Axes per group with ``by``, no label outside its Axes or tile,
the same colour for a segment in every chart, and the new charts' numbers
against plain pandas. Every chart is also saved to PNG."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit import InputError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import rfmkit.plot as rplot  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

# Without a CJK font installed matplotlib warns of missing glyphs; the text is still there.
pytestmark = pytest.mark.filterwarnings(r"ignore:Glyph .* missing from font")

# Chinese charts: no Latin letter in any text the chart writes (digits, %, + and punctuation
# are fine). Facet titles ("channel = web") carry the user's own column and values, so the
# Chinese checks draw without facets.
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        return func(*args, **kwargs)


@pytest.fixture(scope="module")
def tx():
    return rfmkit.datasets.make_transactions(8_000, 900, seed=5, channels=True)


@pytest.fixture(scope="module")
def scored(tx):
    return quiet(lambda: rfmkit.score(rfmkit.rfm_table(tx.drop(columns="channel"))))


@pytest.fixture(scope="module")
def segmented(scored):
    return quiet(rfmkit.segment, scored, "rfm11")


@pytest.fixture(scope="module")
def zh(scored):
    return quiet(rfmkit.segment, scored, "rfm11", lang="zh")


@pytest.fixture(scope="module")
def grouped(tx):
    return quiet(lambda: rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, by="channel")), "rfm11"))


@pytest.fixture(scope="module")
def moved(tx):
    seg = lambda day: quiet(  # noqa: E731
        lambda: rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx.drop(columns="channel"), as_of=day)), "rfm11")
    )
    return rfmkit.migration(seg("2024-11-30"), seg("2024-12-31"))


def all_axes(result):
    return list(np.asarray(result, dtype=object).ravel())


def figure_of(result):
    return all_axes(result)[0].figure


def texts_of(fig):
    """Every visible piece of text of a figure: titles, axis and tick labels,
    annotations, legends (their titles too), colour bar labels."""
    out = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    return [t.get_text() for t in out]


def charts(segmented, scored, moved):
    """Every chart of rfmkit.plot, as (name, call)."""
    return {
        "segment_bars": lambda **kw: rplot.segment_bars(segmented, **kw),
        "segment_treemap": lambda **kw: rplot.segment_treemap(segmented, by="revenue", **kw),
        "segment_medians": lambda **kw: rplot.segment_medians(segmented, **kw),
        "rfm_scatter": lambda **kw: rplot.rfm_scatter(segmented, **kw),
        "rf_heatmap": lambda **kw: rplot.rf_heatmap(scored, **kw),
        "monetary_by_rf": lambda **kw: rplot.monetary_by_rf(scored, **kw),
        "rfm_histograms": lambda **kw: rplot.rfm_histograms(scored, **kw),
        "order_distribution": lambda **kw: rplot.order_distribution(scored, **kw),
        "migration_heatmap": lambda **kw: rplot.migration_heatmap(moved, **kw),
    }


NAMES = list(charts(None, None, None))


@pytest.mark.parametrize("name", NAMES)
def test_chinese_chart_has_no_english_left(name, segmented, scored, moved, tmp_path):
    # An English table drawn with lang="zh": the chart's words and the built-in scheme's labels.
    result = charts(segmented, scored, moved)[name](lang="zh")
    fig = figure_of(result)
    fig.savefig(tmp_path / f"{name}_zh.png")
    texts = texts_of(fig)
    assert texts
    english = [t for t in texts if LATIN.search(t)]
    assert not english, f"{name}: English left in a Chinese chart: {english}"


@pytest.mark.parametrize("name", NAMES)
def test_english_chart_has_no_chinese(name, segmented, scored, moved, tmp_path):
    fig = figure_of(charts(segmented, scored, moved)[name]())
    fig.savefig(tmp_path / f"{name}_en.png")
    assert not [t for t in texts_of(fig) if re.search(r"[\u4e00-\u9fff]", t)]


def test_lang_follows_the_table(zh, segmented):
    ax = rplot.segment_bars(zh)  # segmented with lang="zh": a Chinese chart by default
    assert not LATIN.search(ax.get_title() + ax.get_xlabel() + ax.get_ylabel())
    ax = rplot.segment_bars(zh, lang="en")  # and back: labels from the scheme's English
    expected = rfmkit.Scheme.builtin("rfm11").labels("en")
    present = zh["segment_code"].value_counts()
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        expected[c] for c in zh["segment_code"].cat.categories if present[c] > 0
    ]
    with pytest.raises(InputError, match="invalid lang"):
        rplot.segment_bars(segmented, lang="fr")


def test_zh_segment_labels_are_the_schemes(segmented):
    ax = rplot.segment_bars(segmented, lang="zh", show_empty=True)
    labels = rfmkit.Scheme.builtin("rfm11").labels("zh")
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        labels[c] for c in rfmkit.Scheme.builtin("rfm11").codes
    ]


def test_migration_markers_translated(moved):
    ax = rplot.migration_heatmap(moved, lang="zh", show_empty=True)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    assert "(new)" not in rows and "(gone)" not in cols
    assert rows[-1] == "（新增）" and cols[-1] == "（流失）"


# --------------------------------------------------------------------------- legends and colours


def present_segments(table):
    counts = table["segment"].value_counts()
    return [str(c) for c in table["segment"].cat.categories if counts[c] > 0]


def test_scatter_legend_is_the_non_empty_segments(segmented):
    axes = rplot.rfm_scatter(segmented)
    legend = axes[0].figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == present_segments(segmented)
    assert len(present_segments(segmented)) < len(segmented["segment"].cat.categories)
    assert sum(len(c.get_offsets()) for c in axes[0].collections) == len(segmented)  # no one dropped


@pytest.mark.parametrize("size", ["customers", "revenue"])
def test_every_treemap_tile_is_named_once(segmented, size):
    ax = rplot.segment_treemap(segmented, size=size)
    ax.figure.draw_without_rendering()
    if size == "customers":
        values = segmented["segment"].value_counts()
    else:
        values = segmented.groupby("segment", observed=True)["monetary"].sum()
    shown = {str(s) for s in values[values > 0].index}
    inside = {t.get_text().split("\n")[0] for t in ax.texts}
    legend = ax.get_legend()
    beside = set() if legend is None else {t.get_text().rsplit(" ", 1)[0] for t in legend.get_texts()}
    assert inside | beside == shown and not inside & beside
    renderer = ax.figure.canvas.get_renderer()
    tiles = {p.get_label().split("\n")[0]: p for p in ax.patches if isinstance(p, Rectangle)}
    for text in ax.texts:  # a label inside is wholly inside its tile
        box, tile = (
            text.get_window_extent(renderer),
            tiles[text.get_text().split("\n")[0]].get_window_extent(renderer),
        )
        assert tile.x0 <= box.x0 and box.x1 <= tile.x1 and tile.y0 <= box.y0 and box.y1 <= tile.y1


def test_a_segment_has_one_colour_in_every_chart(segmented):
    bars = rplot.segment_bars(segmented, show_empty=True)
    tree = rplot.segment_treemap(segmented)
    labels = [str(c) for c in segmented["segment"].cat.categories]
    bar_colour = {label: bars.patches[i].get_facecolor() for i, label in enumerate(labels)}
    for tile in (p for p in tree.patches if isinstance(p, Rectangle)):
        assert tile.get_facecolor() == pytest.approx(bar_colour[tile.get_label().split("\n")[0]])
    # best blue, worst red, the fallback grey
    best, worst, fallback = bar_colour["Champions"], bar_colour["Lost"], bar_colour["Other"]
    assert best[2] > best[0] and worst[0] > worst[2]
    assert fallback[0] == pytest.approx(fallback[1]) == pytest.approx(fallback[2])
    other = rplot.segment_bars(quiet(rfmkit.segment, segmented, "rfm11", lang="zh"), show_empty=True)
    assert [p.get_facecolor() for p in other.patches[: len(labels)]] == [bar_colour[x] for x in labels]


# --------------------------------------------------------------------------- facets


def test_grouped_table_needs_by(grouped):
    for chart in (rplot.segment_bars, rplot.rf_heatmap, rplot.rfm_scatter, rplot.order_distribution):
        with pytest.raises(InputError, match=r"grouped by \['channel'\].*by='channel'"):
            chart(grouped)


@pytest.mark.parametrize(
    "chart",
    [
        rplot.segment_bars,
        rplot.segment_treemap,
        rplot.rf_heatmap,
        rplot.order_distribution,
        rplot.segment_medians,
        rplot.rfm_scatter,
        rplot.rfm_histograms,
        rplot.monetary_by_rf,
    ],
)
def test_one_axes_per_group(chart, grouped, tmp_path):
    result = chart(grouped, by="channel")
    groups = [key for key, _ in grouped.groupby("channel", observed=True)]  # in the category order
    rows = np.asarray(result, dtype=object)
    assert rows.shape[0] == len(groups)
    for row, group in zip(rows.reshape(len(groups), -1), groups, strict=True):
        assert any(str(group) in ax.get_title() for ax in row)
    first = [ax for ax in rows.reshape(len(groups), -1)[:, 0]]
    if chart is not rplot.segment_treemap:  # shared scales
        assert len({ax.get_xlim() for ax in first}) == 1 and len({ax.get_ylim() for ax in first}) == 1
    figure_of(result).savefig(tmp_path / f"{chart.__name__}_by.png")


def test_pooled_title_says_so(grouped):
    ax = rplot.segment_bars(grouped, by=())
    assert "channel: all groups pooled" in ax.get_title()
    widths = [p.get_width() for p in ax.patches[: len(present_segments(grouped))]]
    counts = grouped["segment"].value_counts()
    assert widths == pytest.approx([100 * counts[s] / len(grouped) for s in present_segments(grouped)])


def test_facet_counts_are_the_groups(grouped):
    axes = rplot.order_distribution(grouped, by="channel", cap=5)
    for ax, (_, rows) in zip(axes, grouped.groupby("channel", observed=True), strict=True):
        expected = rows["frequency"].clip(upper=5).value_counts().sort_index()
        heights = [p.get_height() for p in ax.patches]
        assert heights == expected.reindex(range(1, 6), fill_value=0).tolist()


# --------------------------------------------------------------------------- text inside


def inside(box, frame, slack=1.0):
    return (
        frame.x0 - slack <= box.x0
        and box.x1 <= frame.x1 + slack
        and frame.y0 - slack <= box.y0
        and box.y1 <= frame.y1 + slack
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_leaves_its_axes_or_figure(name, lang, segmented, scored, moved):
    result = charts(segmented, scored, moved)[name](lang=lang)
    fig = figure_of(result)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for ax in all_axes(result):
        frame = ax.get_window_extent(renderer)
        for text in ax.texts:  # annotations stay in their Axes
            assert inside(text.get_window_extent(renderer), frame), (
                f"{name}: {text.get_text()!r} leaves its Axes"
            )
    # everything drawn (titles, ticks, legends) lies within the figure, which savefig keeps
    drawn = fig.get_tightbbox(renderer)
    width, height = fig.get_size_inches()
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01, f"{name}: text cut off at the left or bottom"
    assert drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01, f"{name}: text cut off at the right or top"


def test_cell_labels_readable_on_a_big_heatmap(moved):
    ax = rplot.migration_heatmap(moved, show_empty=True)
    assert min(t.get_fontsize() for t in ax.texts) >= 8  # the figure had 6 pt


# --------------------------------------------------------------------------- the new charts


def test_histogram_gives_one_time_buyers_their_own_bar():
    table = pd.DataFrame(
        {"recency": np.arange(300) % 50, "frequency": np.r_[np.ones(200), np.arange(2, 102)]}
    )
    table["monetary"] = table["frequency"] * 10.0
    axes = rplot.rfm_histograms(table, upper=None)
    first = axes[1].patches[0]
    assert (first.get_x(), first.get_x() + first.get_width()) == pytest.approx((0.5, 1.5))
    assert first.get_height() == (table["frequency"] == 1).sum()
    assert sum(p.get_height() for p in axes[1].patches) == len(table)


def test_order_distribution_bars_and_cap(scored):
    ax = rplot.order_distribution(scored, cap=8)
    expected = scored["frequency"].clip(upper=8).value_counts().sort_index()
    assert [p.get_height() for p in ax.patches] == expected.reindex(range(1, 9), fill_value=0).tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == [*map(str, range(1, 8)), "8+"]
    with pytest.raises(InputError, match="invalid cap"):
        rplot.order_distribution(scored, cap=1)


def test_scatter_samples_with_a_fixed_seed(segmented):
    a = rplot.rfm_scatter(segmented, sample=500)
    points = np.concatenate([c.get_offsets() for c in a[0].collections])
    assert (
        len(points) == 500 and "500" in a[0].figure.get_suptitle() and "seed 0" in a[0].figure.get_suptitle()
    )
    b = rplot.rfm_scatter(segmented, sample=500)
    np.testing.assert_array_equal(points, np.concatenate([c.get_offsets() for c in b[0].collections]))
    # every sampled point is a customer of the table
    known = set(zip(segmented["recency"].astype(float), segmented["monetary"].astype(float), strict=True))
    assert {tuple(p) for p in points} <= known
    assert a[0].get_yscale() in ("log", "symlog") and a[2].get_yscale() == "log"


def test_segment_medians_are_pandas_medians(segmented):
    axes = rplot.segment_medians(segmented)
    present = present_segments(segmented)
    medians = segmented.groupby("segment", observed=True)[["recency", "frequency", "monetary"]].median()
    for ax, col in zip(axes, ["recency", "frequency", "monetary"], strict=True):
        assert [p.get_width() for p in ax.patches] == pytest.approx(medians.loc[present, col].tolist())
    assert [t.get_text() for t in axes[0].get_yticklabels()] == present  # one shared segment axis
    bars = rplot.segment_bars(segmented)  # and the segments' colours
    colours = [p.get_facecolor() for p in bars.patches[: len(present)]]
    assert [p.get_facecolor() for p in axes[0].patches] == colours


def test_monetary_by_rf_is_the_mean_per_cell(scored):
    axes = rplot.monetary_by_rf(scored)
    means = scored.groupby(["f_score", "r_score"])["monetary"].mean()
    assert len(axes) == 5
    for f, ax in enumerate(axes, start=1):
        expected = [means.get((f, r), 0.0) for r in range(1, 6)]
        assert [p.get_height() for p in ax.patches] == pytest.approx(expected)
    assert len({ax.get_ylim() for ax in axes}) == 1  # one scale


def test_migration_of_grouped_tables_by_group(tx):
    seg = lambda day: quiet(  # noqa: E731
        lambda: rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx, as_of=day, by="channel")), "rfm11")
    )
    moves = rfmkit.migration(seg("2024-11-30"), seg("2024-12-31"))
    with pytest.raises(InputError, match="by='channel'"):
        rplot.migration_heatmap(moves)
    axes = rplot.migration_heatmap(moves, by="channel", normalize=False, show_empty=True)
    groups = list(moves.customers.groupby("channel", observed=True))
    assert len(axes) == len(groups)
    for ax, (_, rows) in zip(axes, groups, strict=True):
        expected = pd.crosstab(rows["segment_before"], rows["segment_after"], dropna=False)
        expected = expected.reindex(index=moves.counts.index, columns=moves.counts.columns, fill_value=0)
        np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()), expected.to_numpy())
    pooled = rplot.migration_heatmap(moves, by=(), normalize=False, show_empty=True)
    np.testing.assert_array_equal(np.asarray(pooled.images[0].get_array()), moves.counts.to_numpy())
    assert "channel: all groups pooled" in pooled.get_title()
