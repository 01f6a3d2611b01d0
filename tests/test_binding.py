"""The binding of scores and segments: cut points and schemes cross into Rust
once, as frozen pyclasses (``_core.CutPoints``, ``_core.CompiledScheme``), and
the results, the saved formats and pickling are what they were with JSON
strings. References are plain NumPy / pandas computations in this file."""

from __future__ import annotations

import json
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import rfmkit
from rfmkit import InputError, RFMScorer, RFMWarning, Scheme
from rfmkit._core import CompiledScheme, CutPoints, score_fit

DIMS = ("recency", "frequency", "monetary")
EDGE_KEYS = ["method", "cuts", "levels", "direction", "inclusive"]


def quantile_scores(x: np.ndarray, k: int, descending: bool) -> np.ndarray:
    """1 + the number of k-quantile cut points a value passes strictly."""
    cuts = np.quantile(x, np.arange(1, k) / k)
    passed = (x[:, None] < cuts[None, :]).sum(1) if descending else (x[:, None] > cuts[None, :]).sum(1)
    return 1 + passed


def reference_winners(spec: dict, r, f, m, levels) -> np.ndarray:
    """The first rule whose ranges hold, scores rescaled to the scale (len(rules): fallback)."""
    s = spec["scale"]
    cells = [(np.asarray(v, dtype=np.int64) - 1) * s // k + 1 for v, k in zip((r, f, m), levels, strict=True)]
    dims = {"r": cells[0], "f": cells[1], "m": cells[2], "fm": (cells[1] + cells[2] + 1) // 2}
    out = np.full(len(cells[0]), len(spec["rules"]))
    for i, rule in reversed(list(enumerate(spec["rules"]))):
        hit = np.ones(len(out), dtype=bool)
        for d, v in dims.items():
            if d in rule:
                lo, hi = rule[d]
                hit &= (v >= lo) & (v <= hi)
        out[hit] = i
    return out


def random_spec(rng: np.random.Generator, scale: int, n_rules: int) -> dict:
    rules = []
    for i in range(n_rules):
        rule: dict = {"code": f"s{i % 4}", "labels": {"en": f"S{i % 4}", "zh": f"段{i % 4}"}}
        for d in rng.choice(["r", "f", "m", "fm"], size=rng.integers(1, 3), replace=False):
            lo = int(rng.integers(1, scale + 1))
            rule[str(d)] = [lo, int(rng.integers(lo, scale + 1))]
        rules.append(rule)
    return {
        "name": "random",
        "scale": scale,
        "rules": rules,
        "fallback": {"code": "rest", "labels": {"en": "Rest", "zh": "其他"}},
    }


@pytest.mark.parametrize("seed", range(6))
def test_segment_matches_first_match_reference(seed):
    rng = np.random.default_rng(seed)
    scale = int(rng.integers(2, 6))
    spec = random_spec(rng, scale, int(rng.integers(1, 8)))
    levels = [int(k) for k in rng.integers(2, 8, 3)]
    n = 1_000
    scores = {
        c: rng.integers(1, k + 1, n) for c, k in zip(("r_score", "f_score", "m_score"), levels, strict=True)
    }
    scheme = Scheme(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # some customers fall back
        got = rfmkit.segment(pd.DataFrame(scores), scheme, levels=levels)
    winners = reference_winners(spec, *scores.values(), levels)
    codes = np.array([r["code"] for r in spec["rules"]] + ["rest"], dtype=object)
    np.testing.assert_array_equal(got["segment_code"].to_numpy(dtype=object), codes[winners])
    # The compiled scheme gives the same winners and the same cube.
    direct = scheme._compiled.assign(*(np.asarray(v, np.uint8) for v in scores.values()), levels)
    np.testing.assert_array_equal(direct, winners)
    grid = np.indices((scale,) * 3).reshape(3, -1) + 1
    np.testing.assert_array_equal(scheme._compiled.cube(), reference_winners(spec, *grid, [scale] * 3))


def test_scheme_pickles_and_keeps_its_spec():
    tx = rfmkit.datasets.make_transactions(3_000, 400, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RFMWarning)  # coinciding cut points of F
        scored = rfmkit.score(rfmkit.rfm_table(tx))
    for scheme in (
        Scheme.builtin("rfm11"),
        Scheme.from_codes({"Premium": ["444", "443"], "Lapsed": ["111"]}),
    ):
        back = pickle.loads(pickle.dumps(scheme))
        assert back.spec == scheme.spec and back.strategy_table == scheme.strategy_table
        assert back._from_codes == scheme._from_codes
        assert back._compiled == scheme._compiled
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RFMWarning)
            want = rfmkit.segment(scored, scheme, levels=5)
            got = rfmkit.segment(scored, back, levels=5)
        pd.testing.assert_frame_equal(got, want)
        assert back.explain(1, 1, 1) == scheme.explain(1, 1, 1)


def test_scheme_json_and_toml_saving_is_unchanged():
    spec = random_spec(np.random.default_rng(1), 3, 4)
    scheme = Scheme(spec)
    assert Scheme.from_json(json.dumps(scheme.spec)).spec == scheme.spec
    assert json.loads(scheme._compiled.to_json()) == scheme.spec
    assert CompiledScheme.from_json(scheme._compiled.to_json()) == scheme._compiled


def test_score_matches_numpy_and_attrs_keep_their_format():
    rng = np.random.default_rng(3)
    n = 1_000
    table = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "recency": rng.integers(0, 400, n),
            "frequency": rng.integers(1, 40, n),
            "monetary": rng.gamma(2.0, 100.0, n).round(2),
        }
    )
    out = rfmkit.score(table, bins=4)
    for d, col in zip(DIMS, ("r_score", "f_score", "m_score"), strict=True):
        x = table[d].to_numpy(np.float64)
        np.testing.assert_array_equal(out[col], quantile_scores(x, 4, d == "recency"))
        edges = out.attrs["score_edges"][d]
        assert list(edges) == EDGE_KEYS
        assert edges["method"] == "quantile" and edges["levels"] == 4 and edges["inclusive"] is False
        assert edges["direction"] == ("descending" if d == "recency" else "ascending")
        assert edges["cuts"] == np.quantile(x, [0.25, 0.5, 0.75]).tolist()
        assert all(type(c) is float for c in edges["cuts"])


def test_scorer_pickles_saves_and_recompiles_changed_edges():
    rng = np.random.default_rng(4)
    train = pd.DataFrame({d: rng.gamma(2.0, 50.0, 500) for d in DIMS})
    test = pd.DataFrame({d: rng.gamma(2.0, 50.0, 300) for d in DIMS})
    scorer = RFMScorer(bins=5).fit(train)
    want = np.column_stack(
        [
            1
            + (
                (test[d].to_numpy()[:, None] < np.quantile(train[d], np.arange(1, 5) / 5)).sum(1)
                if d == "recency"
                else (test[d].to_numpy()[:, None] > np.quantile(train[d], np.arange(1, 5) / 5)).sum(1)
            )
            for d in DIMS
        ]
    )
    np.testing.assert_array_equal(scorer.transform(test), want)
    assert all(list(e) == EDGE_KEYS for e in scorer.edges_.values())
    json.dumps(scorer.edges_)  # plain JSON values
    for back in (pickle.loads(pickle.dumps(scorer)), RFMScorer.from_json(scorer.to_json())):
        assert back.edges_ == scorer.edges_
        np.testing.assert_array_equal(back.transform(test), want)
        pd.testing.assert_frame_equal(back.score_table(test), scorer.score_table(test))
    # edges_ changed by hand: the new cut points are used (and validated).
    scorer.edges_["monetary"] = {**scorer.edges_["monetary"], "cuts": [1e9, 2e9, 3e9, 4e9]}
    assert (scorer.transform(test)[:, 2] == 1).all()
    scorer.edges_["monetary"] = {**scorer.edges_["monetary"], "cuts": [3.0, 1.0, 2.0, 4.0]}
    with pytest.raises(InputError, match="monetary"):
        scorer.transform(test)


def test_cut_points_are_frozen_validated_and_pickle():
    x = np.array([5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 9.0, 2.0])
    cp = score_fit(x, "quantile", 4, False, None, "frequency")
    assert (cp.method, cp.levels, cp.direction, cp.inclusive) == ("quantile", 4, "ascending", False)
    assert cp.cuts == np.quantile(x, [0.25, 0.5, 0.75]).tolist()
    assert cp.unused() == [2]  # 1.0 and 1.0 coincide
    np.testing.assert_array_equal(cp.apply(x, "frequency"), quantile_scores(x, 4, False))
    assert pickle.loads(pickle.dumps(cp)) == cp
    assert CutPoints.from_json(cp.to_json(), "frequency") == cp
    with pytest.raises(AttributeError):
        cp.levels = 3  # type: ignore[misc]
    with pytest.raises(InputError, match="frequency"):
        CutPoints.from_json(
            '{"method": "quantile", "cuts": [2, 1], "levels": 3, '
            '"direction": "ascending", "inclusive": false}',
            "frequency",
        )
    with pytest.raises(InputError, match="frequency"):
        cp.apply(np.array([1.0, np.nan]), "frequency")


def test_one_compiled_scheme_shared_by_threads():
    rng = np.random.default_rng(8)
    scheme = Scheme.builtin("rfm11")
    parts = [[rng.integers(1, 6, 50_000).astype(np.uint8) for _ in range(3)] for _ in range(8)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda p: scheme._compiled.assign(*p, [5, 5, 5]), parts))
    for p, g in zip(parts, got, strict=True):
        np.testing.assert_array_equal(g, reference_winners(scheme.spec, *p, [5, 5, 5]))
