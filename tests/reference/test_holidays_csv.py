"""The holiday CSV format: every line checked, each bad line reported with its number; the
2026 file the repository ships is the State Council's schedule (国办发明电, 2025-11-04)."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.catalog import HOLIDAY, MAKEUP_WORKDAY
from app.reference import holidays_csv
from app.reference.holidays_csv import CsvRefused
from app.seed.reference import HOLIDAYS_DIR


def parse(text: str, year: int = 2026):
    return holidays_csv.parse(text, year)


def refusals(text: str, year: int = 2026) -> list[tuple[int, str]]:
    with pytest.raises(CsvRefused) as caught:
        parse(text, year)
    return [(e.line, e.en) for e in caught.value.errors]


def test_the_shipped_2026_schedule():
    days = parse(holidays_csv.decode((HOLIDAYS_DIR / "2026.csv").read_bytes()))
    off = {d.day for d in days if d.kind == HOLIDAY}
    worked = sorted(d.day for d in days if d.kind == MAKEUP_WORKDAY)
    assert worked == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    breaks = {  # first, last, days: as the notice lists them
        "元旦": (date(2026, 1, 1), date(2026, 1, 3), 3),
        "春节": (date(2026, 2, 15), date(2026, 2, 23), 9),
        "清明节": (date(2026, 4, 4), date(2026, 4, 6), 3),
        "劳动节": (date(2026, 5, 1), date(2026, 5, 5), 5),
        "端午节": (date(2026, 6, 19), date(2026, 6, 21), 3),
        "中秋节": (date(2026, 9, 25), date(2026, 9, 27), 3),
        "国庆节": (date(2026, 10, 1), date(2026, 10, 7), 7),
    }
    for name, (first, last, count) in breaks.items():
        named = sorted(d.day for d in days if d.kind == HOLIDAY and d.name == name)
        assert (named[0], named[-1], len(named)) == (first, last, count), name
        assert (last - first).days + 1 == count  # every day of the break is listed
    assert len(off) == 33
    assert all(d.weekday() >= 5 for d in worked)


def test_a_good_file_with_a_bom_blank_lines_and_spaces():
    text = (
        "\ufeffdate,kind,name\r\n2026-10-01, holiday ,国庆节\r\n\r\n2026-10-10,workday,国庆节\r\n"
    )
    assert parse(text) == [
        holidays_csv.Day(date(2026, 10, 1), HOLIDAY, "国庆节"),
        holidays_csv.Day(date(2026, 10, 10), MAKEUP_WORKDAY, "国庆节"),
    ]


def test_every_bad_line_is_reported_with_its_number():
    text = "\n".join(
        [
            "date,kind,name",
            "2026-10-01,holiday,国庆节",  # 2: good
            "2026-13-01,holiday,国庆节",  # 3: no such date
            "2025-10-01,holiday,国庆节",  # 4: another year
            "2026-10-01,holiday,国庆节",  # 5: twice
            "2026-10-02,rest,国庆节",  # 6: unknown kind
            "2026-10-09,workday,国庆节",  # 7: a Friday
            "2026-10-03,holiday,",  # 8: no name
            "2026-10-04,holiday",  # 9: two columns
            "20261005,holiday,国庆节",  # 10: not YYYY-MM-DD
            "2026-10-06,holiday," + "节" * 65,  # 11: name too long
        ]
    )
    found = refusals(text)
    assert [line for line, _ in found] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    reasons = dict(found)
    assert "not a date" in reasons[3] and "not in 2026" in reasons[4]
    assert "line 2 already" in reasons[5] and "holiday or workday" in reasons[6]
    assert "weekday" in reasons[7] and "missing" in reasons[8]
    assert "3 columns" in reasons[9] and "not a date" in reasons[10]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "header"),
        ("day,type,title\n2026-10-01,holiday,国庆节", 1, "header"),
        ("date,kind,name\n", 0, "no days"),
        ('date,kind,name\n2026-10-01,holiday,"国庆节', 2, "CSV"),
        ("date,kind,name\n2026-10-01,holiday,国庆\x00节", 2, ""),
        ("date,kind,name\n2026-10-01,holiday,国庆\x07节", 2, "control"),
    ],
)
def test_files_that_are_not_a_calendar(text, line, words):
    found = refusals(text)
    assert found[0][0] == line and words in found[0][1]


def test_decoding():
    assert holidays_csv.decode(b"date,kind,name") == "date,kind,name"
    gbk = "date,kind,name\n2026-10-01,holiday,国庆节\n".encode("gb18030")
    assert "国庆节" in holidays_csv.decode(gbk)
    with pytest.raises(CsvRefused, match="limit"):
        holidays_csv.decode(b"x" * (holidays_csv.MAX_BYTES + 1))
    with pytest.raises(CsvRefused, match="not UTF-8"):
        holidays_csv.decode(b"\xff\xfe\x00\x81\x30\xff")
    with pytest.raises(CsvRefused, match="limit"):
        parse("date,kind,name\n" + "\n" * holidays_csv.MAX_LINES)
