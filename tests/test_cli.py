"""The command line, run as a user runs it (``python -m rfmkit``), its files
read back and compared with what the Python API gives for the same data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import rfmkit
import rfmkit.cli.commands as cli
import rfmkit.cli.pipeline as pipeline
import rfmkit.io.files as tx_files

KEY_COLUMNS = [
    "customer_id",
    "recency",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_total",
]


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "rfmkit", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="module")
def tx():
    return rfmkit.datasets.make_transactions(3_000, 500, seed=5)


@pytest.fixture(scope="module")
def files(tx, tmp_path_factory):
    """The same transactions as CSV (dates as text), gzipped CSV and Parquet."""
    d = tmp_path_factory.mktemp("cli")
    tx.to_csv(d / "tx.csv", index=False)
    tx.to_csv(d / "tx.csv.gz", index=False)
    tx.to_parquet(d / "tx.parquet", index=False)
    return d


def expected(tx, scheme="rfm11", lang="en", **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        scored = rfmkit.score(rfmkit.rfm_table(tx, **options))
        return rfmkit.segment(scored, scheme, lang=lang)


def assert_same(got: pd.DataFrame, want: pd.DataFrame):
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(
        got[KEY_COLUMNS].reset_index(drop=True), want[KEY_COLUMNS].reset_index(drop=True), check_dtype=False
    )
    for col in ("rfm_score", "segment_code", "segment"):
        assert got[col].astype(str).tolist() == want[col].astype(str).tolist()


# --------------------------------------------------------------------------- segment


def test_segment_csv_to_csv_matches_the_api(tx, files, tmp_path):
    out = tmp_path / "segments.csv"
    result = run("segment", files / "tx.csv", "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    got = pd.read_csv(out, dtype={"rfm_score": str})
    want = expected(tx)
    assert_same(got, want)
    assert got["last_purchase"].tolist() == want["last_purchase"].astype(str).tolist()


def test_segment_parquet_to_json_records_in_chinese(tx, files, tmp_path):
    out = tmp_path / "segments.json"
    result = run(
        "segment",
        files / "tx.parquet",
        "--scheme",
        "cn8",
        "--lang",
        "zh",
        "--as-of",
        "2024-10-31",
        "-q",
        "-o",
        out,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # --quiet: no notes, no warnings
    records = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(records, list) and isinstance(records[0], dict)
    assert_same(pd.DataFrame(records), expected(tx, "cn8", "zh", as_of="2024-10-31"))
    assert "重要价值客户" in out.read_text(encoding="utf-8")  # not escaped


def test_segment_gzipped_csv_to_parquet(tx, files, tmp_path):
    out = tmp_path / "segments.parquet"
    result = run("segment", files / "tx.csv.gz", "--window", "1Y", "-o", out)
    assert result.returncode == 0, result.stderr
    got = pd.read_parquet(out)
    want = expected(tx, window="1Y")
    assert_same(got, want)
    assert isinstance(got["segment"].dtype, pd.CategoricalDtype)
    assert list(got["segment"].cat.categories) == list(want["segment"].cat.categories)


def test_segment_other_column_names_and_a_date_format(tx, tmp_path):
    raw = pd.DataFrame(
        {
            "client": tx["customer_id"].map("C{:05d}".format),
            "day": tx["date"].dt.strftime("%d/%m/%Y"),
            "paid": tx["amount"],
        }
    )
    raw.to_csv(tmp_path / "raw.csv", index=False)
    result = run(
        "segment",
        tmp_path / "raw.csv",
        "--customer-id",
        "client",
        "--date",
        "day",
        "--amount",
        "paid",
        "--date-format",
        "%d/%m/%Y",
        "--thresholds",
        "30,3,1000",
        "--scheme",
        "cn8",
        "-o",
        tmp_path / "out.csv",
    )
    assert result.returncode == 0, result.stderr
    reference = pd.DataFrame(
        {
            "customer_id": raw["client"],
            "date": pd.to_datetime(raw["day"], format="%d/%m/%Y"),
            "amount": raw["paid"],
        }
    )
    scored = rfmkit.score(
        rfmkit.rfm_table(reference), thresholds={"recency": [30], "frequency": [3], "monetary": [1000]}
    )
    want = rfmkit.segment(scored, "cn8")
    assert_same(pd.read_csv(tmp_path / "out.csv", dtype={"rfm_score": str}), want)


def test_segment_reports_what_it_wrote(files, tmp_path):
    result = run("segment", files / "tx.csv", "-o", tmp_path / "out.csv")
    lines = result.stderr.splitlines()
    assert lines[0] == f"rfmkit: 500 customers as of 2024-12-31 -> {tmp_path / 'out.csv'}"
    # warnings (unused scores on skewed F) are one line each, never a traceback
    assert all(line.startswith("rfmkit: ") for line in lines)


def test_scheme_file(tx, files, tmp_path):
    spec = {
        "name": "two",
        "scale": 2,
        "rules": [{"code": "recent", "labels": {"en": "Recent", "zh": "近期"}, "r": [2, 2]}],
        "fallback": {"code": "lapsed", "labels": {"en": "Lapsed", "zh": "流失"}},
    }
    (tmp_path / "two.json").write_text(json.dumps(spec))
    result = run("segment", files / "tx.csv", "--scheme", tmp_path / "two.json", "-o", tmp_path / "o.csv")
    assert result.returncode == 0, result.stderr
    got = pd.read_csv(tmp_path / "o.csv", dtype={"rfm_score": str})
    assert_same(got, expected(tx, rfmkit.Scheme.from_dict(spec)))


# --------------------------------------------------------------------------- summary, schemes, demo


def test_summary_prints_every_segment(tx, files):
    result = run("summary", files / "tx.parquet", "-q")
    assert result.returncode == 0, result.stderr
    summary = rfmkit.segment_summary(expected(tx))
    lines = result.stdout.splitlines()
    assert lines[0] == "500 customers as of 2024-12-31, scheme rfm11"
    rows = [line for line in lines[2:] if line.strip()][1:]
    assert len(rows) == len(summary)
    for line, (_, row) in zip(rows, summary.iterrows(), strict=True):
        assert line.startswith(str(row["segment"]))
        assert f"{row['customers']:,}" in line.split()
        assert f"{row['revenue']:,.2f}" in line.split()


def test_summary_to_a_file_matches_segment_summary(tx, files, tmp_path):
    result = run("summary", files / "tx.csv", "--scheme", "rf10", "-o", tmp_path / "s.csv")
    assert result.returncode == 0, result.stderr
    got = pd.read_csv(tmp_path / "s.csv")
    want = rfmkit.segment_summary(expected(tx, "rf10"))
    assert got["segment"].tolist() == want["segment"].astype(str).tolist()
    pd.testing.assert_frame_equal(
        got.drop(columns="segment"), want.drop(columns="segment"), check_dtype=False
    )


def test_schemes_lists_every_builtin_scheme_and_rule():
    result = run("schemes", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    for name in ("cn8", "tiers4", "crm4", "rfm11", "rf10"):
        assert f"\n{name}: scale " in "\n" + result.stdout
        for label in rfmkit.Scheme.builtin(name).rules["zh"]:
            assert label in result.stdout
    one = run("schemes", "cn8")
    assert one.stdout.startswith("cn8: scale 2, 8 segments and a fallback")
    assert "Important to retain" in one.stdout and "tiers4" not in one.stdout


def test_demo_still_runs(tmp_path):
    result = run(
        "demo", "--transactions", "2000", "--customers", "300", "--head", "3", "--report", tmp_path / "r.html"
    )
    assert result.returncode == 0, result.stderr
    assert "2,000 generated transactions" in result.stdout


def test_demo_shows_segments_and_what_to_do(tmp_path):
    report = ("--report", tmp_path / "r.html")  # not a new temporary file per run
    result = run("demo", "--transactions", "5000", "--customers", "500", "--head", "2", *report)
    assert result.returncode == 0, result.stderr
    tx = rfmkit.datasets.make_transactions(5000, 500, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rfmkit.RFMWarning)
        seg = rfmkit.segment(rfmkit.score(rfmkit.rfm_table(tx)), "rfm11")
    plays = rfmkit.strategies("rfm11").set_index("segment")
    for name, count in seg["segment"].value_counts().items():
        if count:
            line = next(x for x in result.stdout.splitlines() if x.strip().startswith(str(name) + " "))
            assert f"{count:,}" in line and plays.loc[name, "actions"][0] in line
    zh = run("demo", "--transactions", "5000", "--customers", "500", "--lang", "zh", *report)
    assert zh.returncode == 0, zh.stderr
    zh_labels = rfmkit.strategies("rfm11", "zh")["segment"].tolist()
    assert "客户分群" in zh.stdout and sum(label in zh.stdout for label in zh_labels) >= 3


# --------------------------------------------------------------------------- errors


@pytest.fixture(scope="module")
def bad_files(files):
    (files / "bad_date.csv").write_text(
        "customer_id,date,amount\n1,2024-01-01,10\n2,2024-01-03,5\n3,yesterday,4\n"
    )
    (files / "day_first.csv").write_text("customer_id,date,amount\n1,31/01/2024,10\n")
    (files / "empty.csv").write_text("")
    (files / "broken.parquet").write_bytes(b"not parquet")
    pd.DataFrame({"customer_id": [1, 2], "date": [20240101, 20240105], "amount": [1.0, 2.0]}).to_parquet(
        files / "int_dates.parquet"
    )
    pd.DataFrame(
        {"customer_id": [1, 2, 3], "date": [20240101.0, 20240105.5, np.nan], "amount": [1.0, 2.0, 3.0]}
    ).to_parquet(files / "float_dates.parquet")
    (files / "bad_amount.csv").write_text(
        "customer_id,date,amount\n1,2024-01-01,21.88\n2,2024-01-03,5\n3,2024-01-04,abc\n4,2024-01-05,x\n"
    )
    (files / "comma_amount.csv").write_text(
        'customer_id,date,amount\n1,2024-01-01,21.88\n2,2024-01-03,"1,234.5"\n'
    )
    (files / "offsets.csv").write_text(
        "customer_id,date,amount\n1,2024-01-01T10:00:00+01:00,1\n"
        "2,2024-01-03T10:00:00+01:00,1\n3,2024-01-05T10:00:00+02:00,1\n"
    )
    (files / "offset_and_none.csv").write_text(
        "customer_id,date,amount\n1,2024-01-01T10:00:00+01:00,1\n2,2024-01-05 10:00:00,1\n"
    )
    (files / "iso_then_bad.csv").write_text(
        "customer_id,date,amount\n1,2024-01-01,1\n2,2024-01-02 10:30:00,1\n3,soon,1\n"
    )
    return files


ERRORS = {
    "missing file": (["segment", "nope.csv", "-o", "o.csv"], "'nope.csv' does not exist"),
    "missing column": (["segment", "tx.csv", "--amount", "price", "-o", "o.csv"], "missing column 'price'"),
    "unreadable date": (["segment", "bad_date.csv", "-o", "o.csv"], "'date'.*'yesterday' at row 2"),
    "date format": (
        ["segment", "day_first.csv", "--date-format", "%Y-%m-%d", "-o", "o.csv"],
        "'date'.*'31/01/2024'",
    ),
    "numbers as dates": (
        ["segment", "int_dates.parquet", "-o", "o.csv"],
        "'date' holds numbers such as 20240101.*--date-format",
    ),
    "unknown scheme": (["segment", "tx.csv", "--scheme", "rfm99", "-o", "o.csv"], "unknown scheme 'rfm99'"),
    "bad output extension": (["segment", "tx.csv", "-o", "o.xlsx"], "cannot write 'o.xlsx'"),
    "bad input extension": (["segment", "tx.txt", "-o", "o.csv"], "cannot read 'tx.txt'"),
    "output directory": (["segment", "tx.csv", "-o", "no/such/dir/o.csv"], "does not exist"),
    "empty file": (["segment", "empty.csv", "-o", "o.csv"], "is empty"),
    "broken parquet": (["segment", "broken.parquet", "-o", "o.csv"], "as Parquet"),
    "as-of before the data": (["segment", "tx.csv", "--as-of", "2001-01-01", "-o", "o.csv"], "as_of"),
    "bad thresholds": (["segment", "tx.csv", "--thresholds", "30,3", "-o", "o.csv"], "--thresholds"),
    "bad lang": (["summary", "tx.csv", "--lang", "fr"], "invalid lang 'fr'"),
    "unknown scheme to list": (["schemes", "rfm99"], "unknown scheme"),
    "bad amount": (
        ["segment", "bad_amount.csv", "-o", "o.csv"],
        r"column 'amount' has a value that is not a number: 'abc' at row 2",
    ),
    "thousands separator": (["segment", "comma_amount.csv", "-o", "o.csv"], r"'amount'.*'1,234.5' at row 1"),
    "mixed UTC offsets": (
        ["segment", "offsets.csv", "-o", "o.csv"],
        r"'date' mixes UTC offsets: '2024-01-01T10:00:00\+01:00' at row 0 \(line 2\) "
        r"and '2024-01-05T10:00:00\+02:00' at row 2 \(line 4\).*normalise",
    ),
    "offsets and none": (
        ["segment", "offset_and_none.csv", "-o", "o.csv"],
        r"'date' mixes UTC offsets: '2024-01-01T10:00:00\+01:00' at row 0 \(line 2\) "
        r"and '2024-01-05 10:00:00' at row 1 \(line 3\)",
    ),
    "fractional number dates": (
        ["segment", "float_dates.parquet", "--date-format", "%Y%m%d", "-o", "o.csv"],
        r"'date'.*20240105.5 at row 1",
    ),
    "not ISO either": (["segment", "iso_then_bad.csv", "-o", "o.csv"], r"'date'.*'soon' at row 2.*ISO 8601"),
    "missing argument": (
        ["segment", "tx.csv"],
        r"^rfmkit: error: the following arguments are required: -o/--output",
    ),
    "no command": ([], r"^rfmkit: error: the following arguments are required: command"),
    "bad choice": (["schemes", "--lang", "fr"], r"^rfmkit: error: argument --lang: invalid choice"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_errors_end_with_one_line_and_status_2(bad_files, case):
    args, message = ERRORS[case]
    result = run(*args, cwd=bad_files)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rfmkit: error: ")
    assert "Traceback" not in result.stderr
    assert re.search(message, lines[0]), lines[0]
    assert not (bad_files / "o.csv").exists() and not (bad_files / "o.xlsx").exists()


def test_numbers_as_dates_with_a_format(bad_files, tmp_path):
    result = run(
        "segment", bad_files / "int_dates.parquet", "--date-format", "%Y%m%d", "-q", "-o", tmp_path / "o.csv"
    )
    assert result.returncode == 0, result.stderr
    got = pd.read_csv(tmp_path / "o.csv")
    assert got["recency"].tolist() == [4, 0] and got["last_purchase"].tolist() == ["2024-01-01", "2024-01-05"]


def test_ids_with_leading_zeros_stay_apart(tmp_path):
    (tmp_path / "lz.csv").write_text(
        "customer_id,date,amount\n0123,2024-01-01,10\n123,2024-01-05,5\n0123,2024-01-06,1\n"
    )
    result = run("segment", tmp_path / "lz.csv", "-q", "-o", tmp_path / "o.parquet")
    assert result.returncode == 0, result.stderr
    got = pd.read_parquet(tmp_path / "o.parquet").set_index("customer_id")
    assert sorted(got.index) == ["0123", "123"]
    assert got.loc["0123", "frequency"] == 2 and got.loc["0123", "monetary"] == 11.0
    assert got.loc["123", "frequency"] == 1


@pytest.mark.parametrize(
    ("ids", "kind"),
    [
        (["5", "-12", "0", "9223372036854775807"], "int"),
        (["5", "007"], "text"),
        (["5", "-0"], "text"),
        (["5", "9223372036854775808"], "text"),  # beyond int64
        (["5", "1e3"], "text"),
        (["5", "C1"], "text"),
    ],
)
def test_csv_ids_are_integers_only_when_written_as_integers(tmp_path, ids, kind):
    rows = "".join(f"{i},2024-01-0{n + 1},1\n" for n, i in enumerate(ids))
    (tmp_path / "ids.csv").write_text("customer_id,date,amount\n" + rows)
    got = tx_files.read_transactions(
        str(tmp_path / "ids.csv"),
        ["customer_id", "date", "amount"],
        date="date",
        customer_id="customer_id",
        amount="amount",
        progress=False,
    )
    if kind == "int":
        assert got["customer_id"].dtype == np.int64
        assert got["customer_id"].tolist() == [int(i) for i in ids]
    else:
        assert got["customer_id"].tolist() == ids


def test_parquet_ids_keep_their_type(tmp_path):
    pd.DataFrame(
        {
            "customer_id": ["0123", "123"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [1.0, 2.0],
        }
    ).to_parquet(tmp_path / "s.parquet")
    pd.DataFrame(
        {"customer_id": [7, 8], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "amount": [1.0, 2.0]}
    ).to_parquet(tmp_path / "i.parquet")
    columns = ["customer_id", "date", "amount"]
    text = tx_files.read_transactions(
        str(tmp_path / "s.parquet"), columns, date="date", customer_id="customer_id", progress=False
    )
    ints = tx_files.read_transactions(
        str(tmp_path / "i.parquet"), columns, date="date", customer_id="customer_id", progress=False
    )
    assert text["customer_id"].tolist() == ["0123", "123"]
    assert ints["customer_id"].dtype == np.int64


def test_iso_dates_of_mixed_precision(tmp_path):
    (tmp_path / "iso.csv").write_text(
        "customer_id,date,amount\n1,2024-01-01,10\n2,2024-01-02 10:30:00,5\n2,2024-01-03T08:00,5\n"
    )
    result = run("segment", tmp_path / "iso.csv", "--as-of", "2024-01-10", "-q", "-o", tmp_path / "o.csv")
    assert result.returncode == 0, result.stderr
    got = pd.read_csv(tmp_path / "o.csv")
    assert got["customer_id"].tolist() == [1, 2]
    assert got["recency"].tolist() == [9, 7] and got["frequency"].tolist() == [1, 2]


def test_the_same_offset_everywhere_is_fine(tmp_path):
    (tmp_path / "tz.csv").write_text(
        "customer_id,date,amount\n1,2024-01-01T10:00:00+01:00,10\n2,2024-01-05T23:30:00+01:00,5\n"
    )
    got = tx_files.read_transactions(
        str(tmp_path / "tz.csv"), ["customer_id", "date", "amount"], date="date", progress=False
    )
    assert got["date"].dt.strftime("%Y-%m-%d %H:%M%z").tolist() == [
        "2024-01-01 10:00+0100",
        "2024-01-05 23:30+0100",
    ]


def test_amounts_written_as_text_are_numbers(tmp_path):
    pd.DataFrame(
        {"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "amount": ["1.5", "-2"]}
    ).to_parquet(tmp_path / "a.parquet")
    got = tx_files.read_transactions(
        str(tmp_path / "a.parquet"),
        ["customer_id", "date", "amount"],
        date="date",
        amount="amount",
        progress=False,
    )
    assert got["amount"].tolist() == [1.5, -2.0]


def test_keyboard_interrupt_exits_130(files, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "rfm_table", interrupted)
    assert cli.main(["segment", str(files / "tx.csv"), "-o", str(files / "never.csv"), "-q"]) == 130
    assert not (files / "never.csv").exists()


# --------------------------------------------------------------------------- progress


def test_progress_bar_goes_to_stderr_only_when_asked(files, capsys):
    tx_files.read_transactions(
        str(files / "tx.csv"), ["customer_id", "date", "amount"], date="date", progress=True
    )
    bar = capsys.readouterr()
    assert "reading tx.csv" in bar.err and "B/s" in bar.err and bar.out == ""  # bytes read
    # by default only on a terminal: pytest's captured stderr is not one
    tx_files.read_transactions(str(files / "tx.parquet"), ["customer_id", "date", "amount"], date="date")
    tx_files.read_transactions(str(files / "tx.csv"), ["customer_id", "date", "amount"], date="date")
    assert capsys.readouterr().err == ""


def test_read_transactions_parses_dates_and_keeps_only_the_columns(tx, files):
    for name in ("tx.csv", "tx.csv.gz", "tx.parquet"):
        got = tx_files.read_transactions(
            str(files / name), ["customer_id", "date", "amount"], date="date", progress=False
        )
        assert got["date"].dtype.kind == "M"
        pd.testing.assert_series_equal(got["date"].astype("datetime64[us]"), tx["date"], check_names=False)
        assert list(got.columns) == ["customer_id", "date", "amount"]
