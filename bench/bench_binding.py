"""Per-call overhead of the score and segment bindings on small tables (run by hand).

    python bench/bench_binding.py                              # 1,000 customers
    python bench/bench_binding.py --before /path/to/old/_core.so

Cut points and schemes cross into Rust once, as frozen pyclasses
(``CutPoints``, ``CompiledScheme``). With ``--before`` (the ``_core`` extension
built from a commit before that change, which took them as JSON strings
parsed on every call), the same process also times segment(),
Scheme.explain() and RFMScorer.transform() with the old calls swapped in (the
scheme's JSON to ``segment_assign`` and ``scheme_cube``, ``json.dumps`` of
each dimension's edges to ``score_apply``); everything else in them is the
same code. Old and new are timed in alternating batches, so the load of a
shared machine hits both alike.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import time
import warnings
from types import ModuleType
from typing import Any

import numpy as np
import rfmkit


def per_call(fns: dict[str, Any], repeat: int, number: int) -> dict[str, float]:
    """Median seconds per call of each function, batches of `number` calls alternating."""
    runs: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            runs[name].append((time.perf_counter() - t0) / number)
    return {k: statistics.median(v) for k, v in runs.items()}


def load_core(path: str) -> ModuleType:
    """An extension named ``_core`` from a file, beside the installed one."""
    spec = importlib.util.spec_from_file_location("rfmkit_before._core", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class OldScheme:
    """The scheme as the old binding took it: JSON parsed on every call."""

    def __init__(self, core: ModuleType, text: str) -> None:
        self.core, self.text = core, text

    def assign(self, r, f, m, levels):
        return self.core.segment_assign(self.text, r, f, m, levels)

    def cube(self):
        return self.core.scheme_cube(self.text)


class OldCutPoints:
    """Edges as the old binding took them: json.dumps of the dict, parsed on every call."""

    def __init__(self, core: ModuleType, edges: dict) -> None:
        self.core, self.edges = core, edges

    def apply(self, values, dim):
        return self.core.score_apply(values, json.dumps(self.edges), dim)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--customers", type=int, default=1_000)
    p.add_argument("--repeat", type=int, default=21)
    p.add_argument("--number", type=int, default=100)
    p.add_argument("--before", help="the _core extension of a build before the change")
    args = p.parse_args()
    warnings.simplefilter("ignore", rfmkit.RFMWarning)
    tx = rfmkit.datasets.make_transactions(args.customers * 8, args.customers, seed=0)
    table = rfmkit.rfm_table(tx)
    scored = rfmkit.score(table)
    scheme = rfmkit.Scheme.builtin("rfm11")
    scores = [np.ascontiguousarray(scored[c].to_numpy(np.uint8)) for c in ("r_score", "f_score", "m_score")]
    values = np.ascontiguousarray(table["monetary"].to_numpy(np.float64))
    scorer = rfmkit.RFMScorer().fit(table)
    compiled, cut_points = scheme._compiled, scorer._cut_points
    money = cut_points[1]["monetary"]
    fns: dict[str, Any] = {
        "segment(scored, 'rfm11')": lambda: rfmkit.segment(scored, scheme),
        "Scheme.explain(5, 4, 5)": lambda: scheme.explain(5, 4, 5),
        "RFMScorer.transform(table)": lambda: scorer.transform(table),
        "core: CompiledScheme.assign": lambda: compiled.assign(*scores, [5, 5, 5]),
        "core: CutPoints.apply (monetary)": lambda: money.apply(values, "monetary"),
    }
    if args.before:
        old = load_core(args.before)
        old_scheme = OldScheme(old, json.dumps(scheme.spec, ensure_ascii=False))
        old_cuts = (cut_points[0], {d: OldCutPoints(old, e) for d, e in scorer.edges_.items()})

        def old_segment():
            scheme._compiled = old_scheme  # type: ignore[assignment]
            try:
                return rfmkit.segment(scored, scheme)
            finally:
                scheme._compiled = compiled

        def old_explain():
            scheme._compiled = old_scheme  # type: ignore[assignment]
            try:
                return scheme.explain(5, 4, 5)
            finally:
                scheme._compiled = compiled

        def old_transform():
            scorer._cut_points = old_cuts
            try:
                return scorer.transform(table)
            finally:
                scorer._cut_points = cut_points

        assert old_segment().equals(rfmkit.segment(scored, scheme))
        assert (old_transform() == scorer.transform(table)).all()
        assert old_explain() == scheme.explain(5, 4, 5)
        text, edges = old_scheme.text, json.dumps(scorer.edges_["monetary"])
        fns = {
            "segment(scored, 'rfm11')": fns["segment(scored, 'rfm11')"],
            "segment(), old binding": old_segment,
            "Scheme.explain(5, 4, 5)": fns["Scheme.explain(5, 4, 5)"],
            "Scheme.explain(), old binding": old_explain,
            "RFMScorer.transform(table)": fns["RFMScorer.transform(table)"],
            "RFMScorer.transform(), old binding": old_transform,
            "core: CompiledScheme.assign": fns["core: CompiledScheme.assign"],
            "core: segment_assign(JSON, ...), old": lambda: old.segment_assign(text, *scores, [5, 5, 5]),
            "core: CutPoints.apply (monetary)": fns["core: CutPoints.apply (monetary)"],
            "core: score_apply(values, JSON, dim), old": lambda: old.score_apply(values, edges, "monetary"),
        }
    times = per_call(fns, args.repeat, args.number)
    runs = f"median of {args.repeat} batches of {args.number} calls"
    print(f"{len(table):,} customers; rfmkit {rfmkit.__version__}; {runs}\n")
    print("| call | µs per call |")
    print("|---|---|")
    for name, s in times.items():
        print(f"| {name} | {s * 1e6:.1f} |")


if __name__ == "__main__":
    main()
