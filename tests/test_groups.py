"""RFM per group (rfm_table(by=...)) and scores within groups, against running
rfm_table and score on each group's rows alone."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import rfmkit
from hypothesis import given, settings
from hypothesis import strategies as st
from rfmkit import InputError, RFMWarning


def tiny() -> pd.DataFrame:
    """Customer 1 buys on the web and in the store, customer 2 only in the store."""
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2],
            "date": pd.to_datetime(["2024-03-01", "2024-03-10", "2024-02-20", "2024-03-05", "2024-03-31"]),
            "amount": [10.0, 5.0, 100.0, 7.5, 2.5],
            "channel": ["web", "web", "store", "store", "store"],
        }
    )


def test_tiny_by_channel_by_hand():
    t = rfmkit.rfm_table(tiny(), by="channel")
    assert list(t.columns) == [
        "channel",
        "customer_id",
        "recency",
        "frequency",
        "monetary",
        "first_purchase",
        "last_purchase",
    ]
    # Sorted by channel ("store" < "web"), then id; as_of = 2024-03-31 for every group.
    assert t["channel"].tolist() == ["store", "store", "web"]
    assert t["customer_id"].tolist() == [1, 2, 1]
    assert t["recency"].tolist() == [40, 0, 21]
    assert t["frequency"].tolist() == [1, 2, 2]
    assert t["monetary"].tolist() == [100.0, 10.0, 15.0]
    assert t["last_purchase"].tolist() == [
        pd.Timestamp(d) for d in ("2024-02-20", "2024-03-31", "2024-03-10")
    ]
    assert t.attrs["by"] == ["channel"]
    assert t.attrs["as_of"] == "2024-03-31"


def test_as_of_is_the_same_for_every_group():
    t = rfmkit.rfm_table(tiny(), by="channel")
    web = rfmkit.rfm_table(tiny().query("channel == 'web'"))
    assert web["recency"].tolist() == [0]  # alone, the web group's own last day
    assert t.loc[t["channel"] == "web", "recency"].tolist() == [21]  # grouped: the global one


def test_two_group_columns_and_explicit_as_of():
    tx = tiny().assign(region=["n", "s", "s", "n", "n"])
    t = rfmkit.rfm_table(tx, by=["channel", "region"], as_of="2024-03-15")
    assert t[["channel", "region", "customer_id"]].values.tolist() == [
        ["store", "n", 2],
        ["store", "s", 1],
        ["web", "n", 1],
        ["web", "s", 1],
    ]
    assert t["recency"].tolist() == [10, 24, 14, 5]
    assert t["monetary"].tolist() == [7.5, 100.0, 10.0, 5.0]
    assert t.attrs["by"] == ["channel", "region"]


def random_tx(seed: int, string_ids: bool = False, tz: str | None = None) -> pd.DataFrame:
    tx = rfmkit.datasets.make_transactions(
        3_000, 400, seed=seed, string_ids=string_ids, tz=tz, order_ids=True
    )
    rng = np.random.default_rng(seed)
    # A channel per row, so most customers appear in several groups.
    tx["channel"] = pd.Categorical(rng.choice(["web", "store", "app"], len(tx), p=[0.5, 0.3, 0.2]))
    tx["region"] = rng.choice(["north", "south"], len(tx))
    return tx


def per_group(tx: pd.DataFrame, by: list[str], **kw) -> pd.DataFrame:
    """The reference: rfm_table on each group's rows alone, with the global as-of date."""
    as_of = kw.pop("as_of", None) or rfmkit.rfm_table(tx, **kw).attrs["as_of"]
    parts = []
    for key, rows in tx.groupby(by, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RFMWarning)
            try:
                part = rfmkit.rfm_table(rows, as_of=as_of, **kw)
            except InputError as exc:  # the group starts after as_of: no rows for it
                assert "before the first transaction" in str(exc)
                continue
        for name, value in reversed(list(zip(by, key, strict=True))):
            part.insert(0, name, value)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def assert_same_grouped(got: pd.DataFrame, want: pd.DataFrame, by: list[str]) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for name in by:
        assert got[name].astype(str).tolist() == want[name].astype(str).tolist(), name
    rest = [c for c in got.columns if c not in by]
    pd.testing.assert_frame_equal(got[rest].reset_index(drop=True), want[rest].reset_index(drop=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("by", [["channel"], ["region"], ["channel", "region"]])
def test_equals_each_group_alone(seed, by):
    tx = random_tx(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        got = rfmkit.rfm_table(tx, by=by)
    assert_same_grouped(got, per_group(tx, by), by)
    assert got["customer_id"].duplicated().any()  # customers in several groups


@pytest.mark.parametrize(
    "kw",
    [
        {"string_ids": True},
        {"tz": "Europe/Paris"},
    ],
)
def test_equals_each_group_alone_strings_and_zones(kw):
    tx = random_tx(5, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        got = rfmkit.rfm_table(tx, by="channel", window="6M", frequency="orders", order_id="order_id")
    want = per_group(tx, ["channel"], window="6M", frequency="orders", order_id="order_id")
    assert_same_grouped(got, want, ["channel"])


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(-3, 3), st.integers(0, 40), st.integers(-50, 200), st.sampled_from("abc")),
        min_size=1,
        max_size=40,
    ),
    as_of=st.one_of(st.none(), st.integers(20, 45)),
    big=st.booleans(),
)
def test_property_equals_each_group_alone(rows, as_of, big):
    ids, days, cents, groups = zip(*rows, strict=True)
    scale = 2**61 if big else 1  # a span too wide for offsets: ids are ranked instead
    tx = pd.DataFrame(
        {
            "customer_id": np.array(ids, dtype=np.int64) * scale,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": np.array(cents) / 100,
            "group": groups,
        }
    )
    when = None if as_of is None else pd.Timestamp("2024-01-01") + pd.Timedelta(days=as_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        try:
            got = rfmkit.rfm_table(tx, by="group", as_of=when)
        except InputError as exc:
            assert "before" in str(exc)  # as_of before all data
            return
        want = per_group(tx, ["group"], as_of=when) if when is not None else per_group(tx, ["group"])
    if len(want) == 0:
        assert len(got) == 0
        return
    assert_same_grouped(got, want, ["group"])


@pytest.mark.filterwarnings("ignore::rfmkit.RFMWarning")
def test_input_kinds():
    tx = random_tx(3)
    want = rfmkit.rfm_table(tx, by="channel")
    arrow = rfmkit.rfm_table(pa.Table.from_pandas(tx), by="channel")
    mapping = rfmkit.rfm_table({c: tx[c].to_numpy() for c in tx.columns}, by="channel")
    for got in (arrow, mapping):
        assert got["channel"].astype(str).tolist() == want["channel"].astype(str).tolist()
        pd.testing.assert_frame_equal(got.drop(columns="channel"), want.drop(columns="channel"))
    cat = rfmkit.rfm_table(tx.assign(customer_id=tx["customer_id"].astype("category")), by="channel")
    assert cat["customer_id"].astype(np.int64).tolist() == want["customer_id"].tolist()
    u64 = rfmkit.rfm_table(tx.assign(customer_id=tx["customer_id"].astype(np.uint64)), by="channel")
    assert u64["customer_id"].dtype == np.uint64
    assert u64["customer_id"].astype(np.int64).tolist() == want["customer_id"].tolist()


def test_empty_input():
    tx = tiny().iloc[:0]
    t = rfmkit.rfm_table(tx, by="channel", as_of="2024-01-01")
    assert len(t) == 0 and list(t.columns)[:2] == ["channel", "customer_id"]


def test_null_group_is_named():
    tx = tiny()
    tx.loc[3, "channel"] = None
    with pytest.raises(InputError, match=r"column 'channel' has a missing value .* at row 3"):
        rfmkit.rfm_table(tx, by="channel")


def test_bad_by():
    with pytest.raises(InputError, match="missing column 'nope'"):
        rfmkit.rfm_table(tiny(), by="nope")
    with pytest.raises(InputError, match="'customer_id' clashes"):
        rfmkit.rfm_table(tiny(), by="customer_id")
    with pytest.raises(InputError, match="by must be"):
        rfmkit.rfm_table(tiny(), by=[])
    with pytest.raises(InputError, match="different lengths: 'channel' has 1 rows, 'customer_id' has"):
        rfmkit.rfm_table(
            {**{c: tiny()[c].to_numpy() for c in tiny().columns}, "channel": ["a"]}, by="channel"
        )


def test_errors_keep_input_rows():
    tx = tiny()
    tx.loc[4, "amount"] = np.nan
    with pytest.raises(InputError, match="row 4"):
        rfmkit.rfm_table(tx, by="channel")


def test_returns_only_warning_names_group_and_customer():
    tx = tiny().assign(amount=[10.0, 5.0, -3.0, 7.5, 2.5])  # customer 1 only returns in the store
    with pytest.warns(RFMWarning, match=r"customer 1 in channel='store'"):
        t = rfmkit.rfm_table(tx, by="channel")
    assert t[["channel", "customer_id"]].values.tolist() == [["store", 2], ["web", 1]]


# --------------------------------------------------------------------------- scores


def grouped(seed: int = 0) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        return rfmkit.rfm_table(random_tx(seed), by="channel")


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"method": "ntile"},
        {"bins": 3, "method": {"recency": "median"}},
        {"thresholds": {"recency": [30, 90], "frequency": [2, 5], "monetary": [100, 500]}},
    ],
)
def test_scores_equal_each_group_alone(kw):
    table = grouped()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        got = rfmkit.score(table, **kw)
        assert set(got.attrs["score_edges_by_group"]) == {"app", "store", "web"}
        for channel in ["app", "store", "web"]:
            alone = table[table["channel"] == channel].drop(columns="channel").reset_index(drop=True)
            alone.attrs = {}
            want = rfmkit.score(alone, **kw)
            part = got[got["channel"] == channel].reset_index(drop=True)
            for col in ("r_score", "f_score", "m_score", "rfm_total"):
                np.testing.assert_array_equal(part[col].to_numpy(), want[col].to_numpy(), err_msg=col)
            assert part["rfm_score"].astype(str).tolist() == want["rfm_score"].astype(str).tolist()
            assert got.attrs["score_edges_by_group"][channel] == want.attrs["score_edges"]


def test_quantile_edges_differ_between_groups():
    tx = tiny().query("channel == 'store'")
    tx = pd.concat([tx, tx.assign(channel="big", amount=tx["amount"] * 100)], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        s = rfmkit.score(rfmkit.rfm_table(tx, by="channel"), bins=2)
    edges = s.attrs["score_edges_by_group"]
    assert edges["big"]["monetary"]["cuts"] == [100 * c for c in edges["store"]["monetary"]["cuts"]]
    assert s.attrs["score_edges"]["monetary"] == {"method": "quantile", "levels": 2, "by": ["channel"]}


def test_unused_scores_warning_names_the_group():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rfmkit.score(rfmkit.rfm_table(tiny(), by="channel"))
    messages = [str(w.message) for w in caught if w.category is RFMWarning]
    assert any(
        m.startswith("recency in group channel='web': scores [2, 3, 4] are unused") for m in messages
    ), messages


def test_score_needs_the_group_columns():
    table = grouped().drop(columns="channel")
    with pytest.raises(InputError, match=r"misses column\(s\) \['channel'\]"):
        rfmkit.score(table)


def test_segment_works_per_row_on_grouped_scores():
    table = grouped(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        seg = rfmkit.segment(rfmkit.score(table), "rfm11")
        for channel in ["app", "store", "web"]:
            alone = table[table["channel"] == channel].drop(columns="channel").reset_index(drop=True)
            alone.attrs = {}
            want = rfmkit.segment(rfmkit.score(alone), "rfm11")
            got = seg[seg["channel"] == channel]
            assert got["segment"].astype(str).tolist() == want["segment"].astype(str).tolist()
    assert seg.attrs["by"] == ["channel"]
    summary = rfmkit.segment_summary(seg, by="channel")
    assert summary.groupby("channel", observed=True)["customers"].sum().to_dict() == (
        seg.groupby("channel", observed=True).size().to_dict()
    )


@pytest.mark.parametrize("kind", ["two columns", "history"])
def test_grouped_score_attrs_are_json_and_survive_polars_and_parquet(kind, tmp_path):
    import json

    tx = rfmkit.datasets.make_transactions(3_000, 300, seed=4, channels=True)
    tx["region"] = np.where(tx["customer_id"] % 2 == 0, "north", "south")
    if kind == "history":
        table = rfmkit.rfm_history(tx, snapshots="Q", by="channel")
    else:
        table = rfmkit.rfm_table(tx, by=["channel", "region"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)
        scored = rfmkit.score(table)
        as_polars = rfmkit.score(pl.from_pandas(table) if kind == "two columns" else table, output="polars")
    edges = scored.attrs["score_edges_by_group"]
    json.dumps(scored.attrs)  # JSON values only
    keys = [json.loads(k) for k in edges]
    if kind == "history":
        assert {k[0] for k in keys} == set(scored.attrs["snapshots"])  # ISO dates
    else:
        assert {tuple(k) for k in keys} == set(
            map(tuple, table[["channel", "region"]].drop_duplicates().to_numpy())
        )
    assert len(as_polars) == len(scored)
    scored.to_parquet(tmp_path / "scored.parquet")
    assert pd.read_parquet(tmp_path / "scored.parquet").attrs["score_edges_by_group"] == edges
