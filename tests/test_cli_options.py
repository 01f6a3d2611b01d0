"""The command line's options of issue 13 against the API on the same data (as pandas reads the
file), standard input and output, separators and encodings, and a bad value of every new option:
one ``rfmkit: error:`` line, status 2. Run as a user runs it, ``python -m rfmkit``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rfmkit

PYTHON = str(Path(rfmkit.__file__).resolve().parents[1])


def run(*args, stdin: bytes | None = None, cwd=None):
    env = {**os.environ, "PYTHONPATH": PYTHON + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "rfmkit", *map(str, args)],
        capture_output=True,
        input=stdin,
        cwd=cwd,
        timeout=120,
        env=env,
    )


def one_error(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    err = result.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rfmkit: error: "), lines[0]
    return lines[0]


def ok(result) -> str:
    assert result.returncode == 0, result.stderr.decode("utf-8")
    return result.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 600
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, 80, n),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h"),
            "amount": np.round(rng.uniform(-20, 200, n), 2),
            "order": rng.integers(1, 200, n).astype(str),
            "channel": rng.choice(["web", "store"], n),
        }
    )


@pytest.fixture(scope="module")
def tx_csv(tx, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("opts") / "tx.csv"
    tx.to_csv(path, index=False)
    return path


def api(tx: pd.DataFrame, *, table=None, scores=None, seg=None) -> pd.DataFrame:
    """The API's result, computed directly with pandas data (the reference is the API itself
    on the frame the file was written from; the CLI must add nothing and drop nothing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        t = rfmkit.rfm_table(tx, **(table or {}))
        s = rfmkit.score(t, **(scores or {}))
        return rfmkit.segment(s, **(seg or {}))


def compare(got: pd.DataFrame, want: pd.DataFrame) -> None:
    cols = [
        c
        for c in (
            "channel",
            "customer_id",
            "recency",
            "frequency",
            "monetary",
            "r_score",
            "f_score",
            "m_score",
            "rfm_total",
            "segment_code",
        )
        if c in want.columns
    ]
    assert list(got.columns[: len(want.columns)]) == list(want.columns)
    got = got[cols].reset_index(drop=True)
    want = want[cols].reset_index(drop=True)
    want["segment_code"] = want["segment_code"].astype(str)
    got["segment_code"] = got["segment_code"].astype(str)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_categorical=False)


def from_stdout(out: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(out), dtype={"channel": str})


# --------------------------------------------------------------------------- options vs API


CASES = {
    "frequency days": (["--frequency", "days"], {"table": {"frequency": "days"}}),
    "frequency orders": (
        ["--frequency", "orders", "--order-id", "order"],
        {"table": {"frequency": "orders", "order_id": "order"}},
    ),
    "returns exclude": (["--returns", "exclude"], {"table": {"returns": "exclude"}}),
    "window 3M": (["--window", "3M"], {"table": {"window": "3M"}}),
    "window 1Q": (["--window", "1Q"], {"table": {"window": "1Q"}}),
    "by channel": (["--by", "channel"], {"table": {"by": "channel"}}),
    "method ntile": (["--method", "ntile"], {"scores": {"method": "ntile"}}),
    "method mean, 3 bins": (["--method", "mean", "--bins", "3"], {"scores": {"method": "mean", "bins": 3}}),
    "method median": (["--method", "median"], {"scores": {"method": "median"}}),
    "weights": (["--weights", "1,0.5,2"], {"scores": {"weights": [1, 0.5, 2]}}),
    "new customers": (["--new-customer-days", "30"], {"seg": {"new_customer_days": 30}}),
    "scheme rf10": (["--scheme", "rf10"], {"seg": {"scheme": "rf10"}}),
}


@pytest.mark.parametrize("case", CASES)
def test_each_option_gives_the_api_result(tx, tx_csv, case):
    args, how = CASES[case]
    got = from_stdout(ok(run("segment", tx_csv, *args, "-q", "-o", "-")))
    compare(got, api(tx, **how))


def test_tz_matches_the_api(tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "date": pd.to_datetime(
                [
                    "2024-03-01T23:30:00+00:00",
                    "2024-03-09T01:00:00+00:00",
                    "2024-03-09T20:00:00+00:00",
                    "2024-02-02T12:00:00+00:00",
                ]
            ),
            "amount": [10.0, 5.0, 7.0, 3.0],
        }
    )
    frame.to_csv(tmp_path / "tz.csv", index=False)
    got = from_stdout(ok(run("segment", tmp_path / "tz.csv", "--tz", "Asia/Shanghai", "-q", "-o", "-")))
    want = api(frame, table={"tz": "Asia/Shanghai"})
    # 2024-03-09T20:00Z is 10 March in Shanghai: recency counts from that day
    assert want["recency"].tolist() != api(frame)["recency"].tolist()
    compare(got, want)


def test_returns_error_stops(tx_csv):
    assert "negative" in one_error(run("segment", tx_csv, "--returns", "error", "-o", "-")).lower()


def test_summary_by_group_matches_the_api(tx, tx_csv, tmp_path):
    ok(run("summary", tx_csv, "--by", "channel", "-q", "-o", tmp_path / "s.csv"))
    got = pd.read_csv(tmp_path / "s.csv")
    want = rfmkit.segment_summary(api(tx, table={"by": "channel"}), by="channel")
    assert got["customers"].tolist() == want["customers"].tolist()
    assert np.allclose(got["revenue"], want["revenue"])


# --------------------------------------------------------------------------- new subcommands


def test_actions_is_the_action_list(tx, tx_csv):
    got = from_stdout(ok(run("actions", tx_csv, "--scheme", "cn8", "--lang", "zh", "-q")))
    want = rfmkit.action_list(api(tx, seg={"scheme": "cn8", "lang": "zh"}))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_actions_json_to_a_file(tx, tx_csv, tmp_path):
    ok(run("actions", tx_csv, "-q", "-o", tmp_path / "a.json"))
    got = pd.DataFrame(json.loads((tmp_path / "a.json").read_text(encoding="utf-8")))
    want = rfmkit.action_list(api(tx))
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert got["next_action"].tolist() == want["next_action"].tolist()


@pytest.mark.parametrize(("scheme", "lang"), [("rfm11", "en"), ("cn8", "zh"), ("tiers4", "en")])
def test_strategies_print_and_write(tmp_path, scheme, lang):
    want = rfmkit.strategies(scheme, lang)
    out = ok(run("strategies", scheme, "--lang", lang))
    for row in want.itertuples():
        assert f"{row.segment} ({row.segment_code})" in out
        assert row.offer in out
    ok(run("strategies", scheme, "--lang", lang, "-o", tmp_path / "s.json"))
    got = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert [r["actions"] for r in got] == [list(a) for a in want["actions"]]
    ok(run("strategies", scheme, "--lang", lang, "-o", tmp_path / "s.csv"))
    got_csv = pd.read_csv(tmp_path / "s.csv")
    assert got_csv["goal"].tolist() == want["goal"].tolist()
    assert got_csv["channels"].tolist() == ["; ".join(c) for c in want["channels"]]


def test_migration_counts_and_alerts(tx, tx_csv, tmp_path):
    def seg(as_of):
        return api(tx, table={"as_of": as_of})

    before, after = seg("2024-06-30"), seg("2024-12-31")
    moves, alerts = rfmkit.migration(before, after), rfmkit.churn_alerts(before, after)
    out = ok(
        run(
            "migration",
            tx_csv,
            "--before",
            "2024-06-30",
            "--after",
            "2024-12-31",
            "-o",
            tmp_path / "alerts.csv",
            "-q",
        )
    )
    assert f"{moves.stayed:,} of {len(moves.customers):,} customers stayed" in out
    first = moves.counts.index[0]
    line = next(x for x in out.splitlines() if x.startswith(first + " "))
    assert [int(v) for v in line[len(first) :].split()] == moves.counts.loc[first].tolist()
    got = pd.read_csv(tmp_path / "alerts.csv")
    assert got["customer_id"].tolist() == alerts["customer_id"].tolist()
    printed = ok(run("migration", tx_csv, "--before", "2024-06-30", "--after", "2024-12-31", "-q"))
    assert f"{len(alerts):,} churn alert(s)" in printed


# --------------------------------------------------------------------------- stdin, stdout, files


def test_stdin_and_stdout(tx, tx_csv):
    got = from_stdout(ok(run("segment", "-", "-q", "-o", "-", stdin=tx_csv.read_bytes())))
    compare(got, api(tx))
    records = json.loads(
        ok(run("segment", "-", "-q", "-o", "-", "--format", "json", stdin=tx_csv.read_bytes()))
    )
    assert [r["customer_id"] for r in records] == api(tx)["customer_id"].tolist()


def test_stdin_errors_name_stdin():
    message = one_error(run("segment", "-", "-o", "-", stdin=b"customer_id,date,amount\n1,soon,3\n"))
    assert "'soon'" in message and "row 0 (line 2)" in message


def test_stdin_parquet(tx, tmp_path):
    tx.to_parquet(tmp_path / "t.parquet")
    got = from_stdout(ok(run("segment", "-", "-q", "-o", "-", stdin=(tmp_path / "t.parquet").read_bytes())))
    compare(got, api(tx))


@pytest.mark.parametrize(("given", "sep"), [(";", ";"), ("tab", "\t"), ("\\t", "\t"), ("|", "|")])
def test_separators(tx, tmp_path, given, sep):
    tx.to_csv(tmp_path / "t.csv", index=False, sep=sep)
    got = from_stdout(ok(run("segment", tmp_path / "t.csv", "--sep", given, "-q", "-o", "-")))
    compare(got, api(tx))


def test_semicolon_file_without_sep_is_an_error(tx, tmp_path):
    tx.to_csv(tmp_path / "t.csv", index=False, sep=";")
    assert "missing column" in one_error(run("segment", tmp_path / "t.csv", "-o", "-"))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-16"])
def test_encodings(tmp_path, encoding):
    frame = pd.DataFrame(
        {
            "customer_id": ["张三", "李四", "张三"],
            "date": ["2024-01-01", "2024-02-01", "2024-03-01"],
            "amount": [1.5, 2.0, 3.0],
        }
    )
    frame.to_csv(tmp_path / "t.csv", index=False, encoding=encoding)
    ok(
        run(
            "segment",
            tmp_path / "t.csv",
            "--encoding",
            encoding,
            "--lang",
            "zh",
            "-q",
            "-o",
            tmp_path / "o.csv",
        )
    )
    got = pd.read_csv(tmp_path / "o.csv", encoding=encoding)
    want = api(frame.assign(date=pd.to_datetime(frame["date"])), seg={"lang": "zh"})
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert got["segment"].tolist() == want["segment"].astype(str).tolist()
    if encoding == "utf-8-sig":  # the byte order mark Excel needs
        assert (tmp_path / "o.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_gb18030_without_encoding_names_the_line(tmp_path):
    (tmp_path / "t.csv").write_bytes("customer_id,date,amount\n张三,2024-01-01,1\n".encode("gb18030"))
    message = one_error(run("segment", tmp_path / "t.csv", "-o", "-"))
    assert "line 2" in message and "--encoding" in message


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize(
    "command", ["segment", "summary", "actions", "strategies", "migration", "schemes", "demo"]
)
def test_help_has_a_description_every_option_and_an_example(command):
    out = ok(run(command, "--help"))
    assert "example" in out and f"rfmkit {command}" in out.split("example", 1)[1]
    assert "utf-8-sig" in out or command in ("strategies", "schemes", "demo")
    options = out.split("options:", 1)[1].split("example", 1)[0]
    for line in options.splitlines():  # an option alone on a line has its help on the next
        if line.startswith("  -") and "  " not in line.strip():
            nxt = options.splitlines()[options.splitlines().index(line) + 1]
            assert nxt.startswith(" " * 10), (command, line)


# --------------------------------------------------------------------------- bad values


BAD = {
    "--frequency": ["weeks", ""],
    "--returns": ["drop"],
    "--method": ["kmeans"],
    "--tz": ["Mars/Olympus", ""],
    "--by": ["", "a,,b", "channel,channel", "nope", "customer_id"],
    "--weights": ["1,2", "1,x,2", "-1,1,1", "0,0,0", "nan,1,1", "inf,1,1"],
    "--new-customer-days": ["-1", "x"],
    "--sep": ["", ";;", "a", '"'],
    "--encoding": ["nope-8", "rot13", "hex"],
    "--format": ["xml"],
    "--order-id": ["", "nope"],
    "--window": ["0", "5X", "-3M"],
}
CASES_BAD = [(opt, v) for opt, vs in BAD.items() for v in vs]


@pytest.mark.parametrize(("option", "value"), CASES_BAD, ids=[f"{o} {v!r}" for o, v in CASES_BAD])
def test_bad_values_give_one_error_line(tx_csv, option, value):
    extra = ["--frequency", "orders"] if option == "--order-id" else []
    one_error(run("segment", tx_csv, *extra, f"{option}={value}", "-o", "-"))


@pytest.mark.parametrize(
    "args",
    [
        ["--before", "2024-12-31", "--after", "2024-06-30"],
        ["--before", "01/12/2024", "--after", "2024-12-31"],
        ["--before", "soon", "--after", "2024-12-31"],
        ["--after", "2024-12-31"],
        ["--before", "2024-06-30", "--after", "2024-12-31", "--as-of", "2024-12-31"],
    ],
)
def test_bad_migration_dates(tx_csv, args):
    one_error(run("migration", tx_csv, *args))


@pytest.mark.parametrize(
    "args",
    [
        ["strategies", "rfm99"],
        ["strategies", "--lang", "fr"],
        ["actions", "-", "-o", "x.xlsx"],
        ["segment", "-", "-o", "a.csv", "--format", "json"],
        ["segment", "-", "--order-id", "order", "-o", "-"],
    ],
)
def test_bad_subcommand_values(tx_csv, args):
    one_error(run(*args, stdin=tx_csv.read_bytes()))
