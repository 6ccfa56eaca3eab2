"""`flask reports list` and `flask reports render`: the page's numbers in a file."""

from __future__ import annotations

import csv
import io
import zipfile

from app.clock import clock
from tests.reports.conftest import RUN_AT


def flask(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_list_names_every_report(app):
    result = flask(app, "reports", "list")
    assert result.exit_code == 0, result.output
    names = [line.split("\t")[0] for line in result.output.splitlines()]
    assert {"volume", "department", "hotline", "telephony"} <= set(names)
    assert "承办单位绩效考核" in result.output


def test_render_csv_of_one_table_and_of_all(app, month, tmp_path, dept):
    clock.freeze(RUN_AT)
    out = tmp_path / "ranking.csv"
    result = flask(
        app, "reports", "render", "department", "--month", "2026-11", "--format", "csv",
        "--table", "ranking", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0][1] == "承办单位" and rows[1][1] == "市住建局" and rows[-1][1] == "合计"
    on_time = rows[0].index("按期办结率")
    assert [r[on_time] for r in rows[1:3]] == ["100.0%", "66.7%"]
    # Every table, each under its title; narrowed to the east district's subtree.
    out = tmp_path / "east.csv"
    result = flask(
        app, "reports", "render", "volume", "--month", "2026-11", "--format", "csv",
        "--department", "east", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8-sig")
    assert text.count("\ufeff") == 0
    assert "本月概况" in text and "按渠道" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["本月概况"] and rows[2][0] == "1"  # one case sent into the east


def test_render_xlsx(app, month, tmp_path):
    clock.freeze(RUN_AT)
    out = tmp_path / "d.xlsx"
    result = flask(
        app, "reports", "render", "department", "--month", "2026-11", "--format", "xlsx",
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as book:
        assert "xl/worksheets/sheet3.xml" in book.namelist()
        assert "承办单位排名" in book.read("xl/workbook.xml").decode()


def test_bad_arguments_say_which_and_write_nothing(app, tmp_path):
    out = tmp_path / "x.csv"
    for args, word in (
        (["nope", "--month", "2026-11", "--format", "csv"], "NAME"),
        (["volume", "--month", "2026-13", "--format", "csv"], "--month"),
        (["volume", "--month", "2026-11", "--format", "doc"], "--format"),
        (["volume", "--month", "2026-11", "--format", "csv", "--table", "nope"], "--table"),
        (
            ["volume", "--month", "2026-11", "--format", "csv", "--department", "nope"],
            "--department",
        ),
    ):
        result = flask(app, "reports", "render", *args, "--out", str(out))
        assert result.exit_code == 2, result.output
        assert word in result.output
        assert not out.exists()
