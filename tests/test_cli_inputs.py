"""The command line against malformed files and absurd option values: every one ends in one
``rfmkit: error:`` line and status 2, never a traceback, and names the line (CSV) or the row
(from 0, both formats) of what is wrong. Run as a user runs it, ``python -m rfmkit``."""

from __future__ import annotations

import csv
import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import rfmkit

# The subprocess runs the rfmkit this test imported (the installed wheel in CI).
PYTHON = str(Path(rfmkit.__file__).resolve().parents[1])
HEADER = "customer_id,date,amount\n"
GOOD = ["1,2024-01-01,10", "2,2024-01-03,5", "1,2024-01-05,2.5", "3,2024-01-06,4"]


def run(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": PYTHON + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "rfmkit", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
        env=env,
    )


def one_error(result) -> str:
    """The one error line of a failed run."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rfmkit: error: "), lines[0]
    return lines[0]


def csv_file(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_bytes((header + "".join(f"{line}\n" for line in lines)).encode("utf-8"))
    return path


# --------------------------------------------------------------------------- malformed CSV


@pytest.mark.parametrize(
    ("at", "bad"),
    [
        (0, "9,2024-01-07,5,7"),
        (4, "9,2024-01-07,5,7"),
        (2, "9,2024-01-07"),
        (4, "9"),
        (1, "9,2024-01-07,5,,"),
        (3, '9,"2024-01-07",5,"1,2"'),
    ],
)  # the bad line goes before data row ``at``
def test_a_row_with_more_or_fewer_fields_names_its_line(tmp_path, at, bad):
    lines = GOOD[:at] + [bad] + GOOD[at:]
    path = csv_file(tmp_path / "ragged.csv", lines)
    fields = len(next(csv.reader([bad])))
    message = one_error(run("segment", path, "-o", tmp_path / "o.csv"))
    assert f"line {at + 2} " in message  # the header is line 1
    assert f"has {fields} fields but the header has 3" in message
    assert not (tmp_path / "o.csv").exists()


def test_a_ragged_row_after_blank_lines_and_a_quoted_newline(tmp_path):
    # line 1 header, 2 a row, 3 blank, 4-5 one row (a newline in quotes), 6 the ragged row
    path = csv_file(tmp_path / "r.csv", ["1,2024-01-01,10", "", '"a\nb",2024-01-02,3', "2,2024-01-03"])
    assert "line 6 " in one_error(run("segment", path, "-o", tmp_path / "o.csv"))


def test_a_gzipped_ragged_row(tmp_path):
    raw = (HEADER + "1,2024-01-01,10\n2,2024-01-03,5,1\n").encode()
    (tmp_path / "r.csv.gz").write_bytes(gzip.compress(raw))
    assert "line 3 " in one_error(run("segment", tmp_path / "r.csv.gz", "-o", tmp_path / "o.csv"))


MALFORMED = {
    "unterminated quote": (
        HEADER + '1,2024-01-01,10\n2,"2024-01-03,5\n3,2024-01-04,1\n',
        r"quote that is never closed, opened on line 3",
    ),
    "junk after a closing quote": (HEADER + '1,2024-01-01,10\n2,"2024"-01-03,5,1\n', r"line 3 "),
    "empty file": ("", r"is empty"),
    "only blank lines": ("\n\n  \n", r"is empty"),
    "header only": (HEADER, r"has no rows, only a header"),
    "header and blank lines": (HEADER + "\n\n", r"has no rows"),
    "repeated column": (
        "customer_id,date,amount,amount\n1,2024-01-01,10,3\n",
        r"column 'amount' appears twice .*columns 3 and 4",
    ),
    "repeated unused column": (
        "customer_id,date,amount,x,x\n1,2024-01-01,10,3,4\n",
        r"column 'x' appears twice",
    ),
    "missing column": ("customer_id,day,amount\n1,2024-01-01,10\n", r"missing column 'date'"),
    "not UTF-8": (None, r"line 3 of .* is not UTF-8 text \(byte 0xe9\)"),
    "not gzip": (None, r"cannot read .*\.csv\.gz"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_csv_files(tmp_path, case):
    text, message = MALFORMED[case]
    path = tmp_path / ("f.csv.gz" if case == "not gzip" else "f.csv")
    if case == "not UTF-8":
        path.write_bytes((HEADER + "1,2024-01-01,10\n").encode() + "é,2024-01-02,1\n".encode("latin-1"))
    elif case == "not gzip":
        path.write_bytes(HEADER.encode())
    else:
        path.write_text(text, encoding="utf-8")
    line = one_error(run("segment", path, "-o", tmp_path / "o.csv"))
    assert re.search(message, line), line
    assert not (tmp_path / "o.csv").exists()


def test_blank_lines_and_a_byte_order_mark_are_fine(tmp_path):
    (tmp_path / "ok.csv").write_bytes(
        b"\xef\xbb\xbf" + (HEADER + "1,2024-01-01,10\r\n\r\n   \r\n2,2024-01-03,5\r\n").encode()
    )
    result = run("segment", tmp_path / "ok.csv", "-q", "--as-of", "2024-01-10", "-o", tmp_path / "o.csv")
    assert result.returncode == 0, result.stderr
    got = pd.read_csv(tmp_path / "o.csv")
    assert got["customer_id"].tolist() == [1, 2] and got["recency"].tolist() == [9, 7]


# --------------------------------------------------------------------------- values, by row


def parquet_file(path: Path, column: str, row: int, value) -> Path:
    data = {
        "customer_id": ["1", "2", "1", "3", "2"],
        "date": ["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-06", "2024-01-07"],
        "amount": ["10", "5", "2.5", "4", "1"],
    }
    data[column][row] = value
    pd.DataFrame(data).to_parquet(path)
    return path


BAD_VALUES = {  # column, value in the file, what the message says
    "amount text": ("amount", "abc", r"'amount' has a value that is not a number: 'abc'"),
    "amount with a currency": ("amount", "$4", r"'amount' has a value that is not a number: '\$4'"),
    "missing amount": ("amount", None, r"'amount' has a missing amount"),
    "date text": ("date", "yesterday", r"'date' has a value that is not a date.*'yesterday'"),
    "missing date": ("date", None, r"'date' has a missing date"),
    "missing id": ("customer_id", None, r"'customer_id' has a missing id"),
    "blank id": ("customer_id", "  ", r"'customer_id' has an empty id '  '"),
}


@pytest.mark.parametrize("row", [3])
@pytest.mark.parametrize("case", BAD_VALUES)
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_bad_value_is_named_with_its_row(tmp_path, kind, case, row):
    column, value, message = BAD_VALUES[case]
    if kind == "parquet":
        path = parquet_file(tmp_path / "t.parquet", column, row, value)
        where = rf" at row {row}\b(?! \(line)"
    else:
        frame = pd.read_parquet(parquet_file(tmp_path / "t.parquet", column, row, value))
        lines = [",".join("" if pd.isna(v) else v for v in r) for r in frame.itertuples(index=False)]
        path = csv_file(tmp_path / "t.csv", lines)
        where = rf" at row {row} \(line {row + 2}\)"
    line = one_error(run("segment", path, "-o", tmp_path / "o.csv"))
    assert re.search(message, line), line
    assert re.search(where, line), line


def test_rows_and_lines_differ_after_blank_lines(tmp_path):
    path = csv_file(tmp_path / "t.csv", ["1,2024-01-01,10", "", "", "2,2024-01-03,x"])
    assert "'x' at row 1 (line 5)" in one_error(run("segment", path, "-o", tmp_path / "o.csv"))


def test_one_column_in_two_roles(tmp_path):
    path = csv_file(tmp_path / "t.csv", GOOD)
    line = one_error(run("segment", path, "--amount", "customer_id", "-o", tmp_path / "o.csv"))
    assert "three different columns" in line


# --------------------------------------------------------------------------- --as-of


DATES = ["2024-11-01", "2024-11-15", "2024-11-20", "2024-10-03"]


def recency(day: str) -> dict[int, int]:
    """Plain pandas: days from the last purchase of each customer to ``day``."""
    dates = pd.Series(pd.to_datetime(DATES), index=[i % 3 for i in range(len(DATES))])
    return (pd.Timestamp(day) - dates.groupby(level=0).max()).dt.days.to_dict()


@pytest.fixture
def day_first(tmp_path):
    written = pd.to_datetime(DATES).strftime("%d/%m/%Y")
    return csv_file(tmp_path / "dmy.csv", [f"{i % 3},{d},1" for i, d in enumerate(written)])


@pytest.mark.parametrize(
    ("as_of", "day"),
    [
        ("01/12/2024", "2024-12-01"),
        ("12/01/2025", "2025-01-12"),
        ("05/12/2024", "2024-12-05"),
        ("2024-12-01", "2024-12-01"),  # ISO 8601 is read as such
    ],
)
def test_as_of_is_read_with_the_date_format(day_first, tmp_path, as_of, day):
    result = run(
        "segment", day_first, "--as-of", as_of, "--date-format", "%d/%m/%Y", "-q", "-o", tmp_path / "o.csv"
    )
    assert result.returncode == 0, result.stderr
    assert pd.read_csv(tmp_path / "o.csv").set_index("customer_id")["recency"].to_dict() == recency(day)


@pytest.mark.parametrize(
    ("as_of", "day"),
    [
        ("2024-12-01", "2024-12-01"),
        ("2024-12-01 10:30:00", "2024-12-01"),
        ("2024-12-01T23:59", "2024-12-01"),
        ("2024-12-1", "2024-12-01"),
        ("13/12/2024", "2024-12-13"),
        ("12/13/2024", "2024-12-13"),  # a day 13: one reading only
        ("1 December 2024", "2024-12-01"),
        ("Dec 1, 2024", "2024-12-01"),
    ],
)
def test_as_of_without_a_format(tmp_path, as_of, day):
    path = csv_file(tmp_path / "iso.csv", [f"{i % 3},{d},1" for i, d in enumerate(DATES)])
    result = run("segment", path, "--as-of", as_of, "-q", "-o", tmp_path / "o.csv")
    assert result.returncode == 0, result.stderr
    assert pd.read_csv(tmp_path / "o.csv").set_index("customer_id")["recency"].to_dict() == recency(day)


def test_as_of_with_a_number_format(tmp_path):
    path = csv_file(tmp_path / "n.csv", ["1,20241101,1", "2,20241120,1"])
    result = run(
        "segment", path, "--date-format", "%Y%m%d", "--as-of", "20241201", "-q", "-o", tmp_path / "o.csv"
    )
    assert result.returncode == 0, result.stderr
    assert pd.read_csv(tmp_path / "o.csv")["recency"].tolist() == [30, 11]


@pytest.mark.parametrize("as_of", ["01/12/2024", "12/01/2024", "1/2/2024", "02.03.2024", "05-06-2024"])
def test_an_ambiguous_as_of_without_a_format_is_refused(tmp_path, as_of):
    path = csv_file(tmp_path / "t.csv", GOOD)
    line = one_error(run("segment", path, "--as-of", as_of, "-o", tmp_path / "o.csv"))
    assert f"ambiguous --as-of {as_of!r}" in line and "--date-format" in line


@pytest.mark.parametrize(
    "as_of",
    [
        "Dec 2024",
        "2024",
        "soon",
        "",
        "99999-01-01",
        "2024-13-01",
        "2024-02-30",
        "0000-01-01",
        "1e400",
        "13/13/2024",
    ],
)
def test_an_as_of_that_is_not_a_date_is_refused(tmp_path, as_of):
    path = csv_file(tmp_path / "t.csv", GOOD)
    assert "--as-of" in one_error(run("segment", path, "--as-of", as_of, "-o", tmp_path / "o.csv"))


def test_as_of_not_matching_the_date_format(day_first, tmp_path):
    line = one_error(
        run(
            "segment",
            day_first,
            "--date-format",
            "%d/%m/%Y",
            "--as-of",
            "Dec 1 2024",
            "-o",
            tmp_path / "o.csv",
        )
    )
    assert "does not match the format '%d/%m/%Y'" in line


# --------------------------------------------------------------------------- every option


HUGE = "9" * 20
BAD_OPTIONS = {
    "--bins": ["-1", "0", "99999999999", HUGE, "abc"],
    "--window": ["=-5D", "0", HUGE + "D", "99999999999M", "5X"],
    "--new-customer-days": ["=-1", HUGE, "x"],
    "--thresholds": ["1,2", "nan,1,1", "1e400,1,1"],
    "--as-of": ["99999-01-01", "01/12/2024", "soon"],
    "--date-format": ["", "%Q"],
    "--customer-id": ["", "nope"],
    "--date": ["nope", "amount"],
    "--amount": ["nope", "date"],
    "--scheme": [
        "rfm99",
        "missing.json",
        "bad.json",
        "latin.json",
        "empty.json",
        "list.json",
        "bad.toml",
        "dir.json",
    ],
    "--lang": ["fr"],
    "-o": ["dir.json", "no/such/dir/o.csv", "o.xlsx"],
}
DEMO_OPTIONS = {
    "--transactions": ["-1", HUGE],
    "--customers": ["0", HUGE],
    "--seed": ["-1", HUGE],
    "--head": ["-1", HUGE],
}
CASES = [("segment", opt, v) for opt, values in BAD_OPTIONS.items() for v in values]
CASES += [("demo", opt, v) for opt, values in DEMO_OPTIONS.items() for v in values]
CASES += [
    ("summary", "--bins", "-1"),
    ("summary", "--window", HUGE + "D"),
    ("summary", "--as-of", "1/2/2024"),
    ("summary", "-o", "dir.json"),
    ("schemes", "--lang", "fr"),
    ("schemes", "name", "rfm99"),
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("options")
    csv_file(d / "tx.csv", GOOD)
    (d / "bad.json").write_text("nope")
    (d / "latin.json").write_bytes('{"name": "é"}'.encode("latin-1"))
    (d / "empty.json").write_text("{}")
    (d / "list.json").write_text("[1, 2]")
    (d / "bad.toml").write_text("x = ")
    (d / "dir.json").mkdir()
    return d


@pytest.mark.parametrize(("command", "option", "value"), CASES, ids=[f"{c} {o} {v!r}" for c, o, v in CASES])
def test_no_option_value_gives_a_traceback(workdir, command, option, value):
    if command == "schemes":
        args = ["schemes", value] if option == "name" else ["schemes", option, value]
    else:
        given = [f"{option}{value}"] if value.startswith("=") else [option, value]
        args = [command] + (["tx.csv"] if command != "demo" else []) + given
        if command == "segment" and option != "-o":
            args += ["-o", "o.csv"]
    one_error(run(*args, cwd=workdir))
    assert not (workdir / "o.csv").exists()


@pytest.mark.parametrize(("window", "days"), [("90", 90), ("90D", 90), ("2W", 14), ("2 weeks", 14)])
def test_windows_in_days(tmp_path, window, days):
    path = csv_file(tmp_path / "t.csv", ["1,2023-12-15,10", "1,2024-03-20,5", "2,2024-03-25,1"])
    result = run("segment", path, "--window", window, "--as-of", "2024-03-31", "-q", "-o", tmp_path / "o.csv")
    assert result.returncode == 0, result.stderr
    got = pd.read_csv(tmp_path / "o.csv").set_index("customer_id")
    tx = pd.DataFrame(
        {
            "c": [1, 1, 2],
            "d": pd.to_datetime(["2023-12-15", "2024-03-20", "2024-03-25"]),
            "a": [10.0, 5.0, 1.0],
        }
    )
    inside = tx[tx["d"] > pd.Timestamp("2024-03-31") - pd.Timedelta(days=days)]
    assert got["frequency"].to_dict() == inside.groupby("c").size().to_dict()
    assert got["monetary"].to_dict() == inside.groupby("c")["a"].sum().to_dict()


# --------------------------------------------------------------------------- text dates in the file


@pytest.mark.parametrize(
    ("dates", "fmt"),
    [
        (["01/12/2024", "13/11/2024"], "%d/%m/%Y"),  # a day 13 settles it: day first
        (["01/12/2024", "11/13/2024"], "%m/%d/%Y"),  # a day 13 in second place: month first
        (["01.12.2024", "25.11.2024"], "%d.%m.%Y"),
    ],
)
def test_dates_in_the_file_read_the_one_way_that_fits_all(tmp_path, dates, fmt):
    path = csv_file(tmp_path / "d.csv", [f"{i},{d},1" for i, d in enumerate(dates)])
    result = run("segment", path, "--as-of", "2024-12-31", "-q", "-o", tmp_path / "o.csv")
    assert result.returncode == 0, result.stderr
    want = (pd.Timestamp("2024-12-31") - pd.to_datetime(pd.Series(dates), format=fmt)).dt.days
    assert pd.read_csv(tmp_path / "o.csv")["recency"].tolist() == want.tolist()


@pytest.mark.parametrize(
    "dates",
    [["01/12/2024", "05/11/2024"], ["1/2/2024", "3/4/2024"], ["01/12/2024 10:30", "02/12/2024 11:00"]],
)
def test_dates_in_the_file_that_read_both_ways_are_refused(tmp_path, dates):
    path = csv_file(tmp_path / "d.csv", [f"{i},{d},1" for i, d in enumerate(dates)])
    line = one_error(run("segment", path, "-o", tmp_path / "o.csv"))
    assert f"day first or month first, such as {dates[0]!r} at row 0 (line 2)" in line
    assert "--date-format" in line
