"""A year's official holidays and make-up working days as a CSV file: the format the seed
ships (app/seed/holidays/YYYY.csv) and the administration imports.

    date,kind,name
    2026-10-01,holiday,国庆节
    2026-10-10,workday,国庆节

One header line, then one line per day: `date` YYYY-MM-DD inside the year, `kind` `holiday`
(a day off) or `workday` (a make-up working day, 调休上班: a Saturday or Sunday worked), `name`
1 to 64 characters. Every line is checked and every bad one reported with its line number;
the caller imports nothing when any is bad (`parse` returns the days or raises `CsvRefused`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from app.models.catalog import HOLIDAY, MAKEUP_WORKDAY

HEADER = ("date", "kind", "name")
KINDS = (HOLIDAY, MAKEUP_WORKDAY)
NAME_MAX = 64  # Holiday.name
MAX_BYTES = 64 * 1024  # a year is ~40 lines of ~30 bytes
MAX_LINES = 400


@dataclass(frozen=True)
class Day:
    day: date
    kind: str
    name: str


@dataclass(frozen=True)
class LineError:
    line: int  # 1-based, the header is line 1 (0: the file as a whole)
    zh: str
    en: str


class CsvRefused(Exception):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("; ".join(f"line {e.line}: {e.en}" for e in errors))
        self.errors = errors


def decode(data: bytes) -> str:
    """UTF-8 (a BOM allowed), else GB18030 (Excel's CSV on a Chinese Windows)."""
    if len(data) > MAX_BYTES:
        raise CsvRefused(
            [
                LineError(
                    0,
                    f"文件过大（{len(data):,}字节），上限为{MAX_BYTES:,}字节",
                    f"The file is {len(data):,} bytes; the limit is {MAX_BYTES:,}",
                )
            ]
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvRefused(
        [LineError(0, "文件不是UTF-8编码的文本", "The file is not UTF-8 text (save as CSV UTF-8)")]
    )


def parse(text: str, year: int) -> list[Day]:
    """The days of `text`, each checked; CsvRefused with every bad line's reason."""
    errors: list[LineError] = []
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise CsvRefused(
            [
                LineError(
                    0,
                    f"文件行数过多（{len(lines)}行），上限为{MAX_LINES}行",
                    f"The file has {len(lines)} lines; the limit is {MAX_LINES}",
                )
            ]
        )
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:  # a NUL byte, a quote left open at the end
        raise CsvRefused(
            [LineError(reader.line_num, "此行无法按CSV读取", f"not readable as CSV: {exc}")]
        ) from exc
    if not rows or tuple(c.strip().lower() for c in rows[0]) != HEADER:
        raise CsvRefused(
            [
                LineError(
                    1,
                    "第一行须为表头 date,kind,name",
                    "The first line must be the header date,kind,name",
                )
            ]
        )
    days: list[Day] = []
    seen: dict[date, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        found = _row(number, row, year, seen)
        if isinstance(found, LineError):
            errors.append(found)
        else:
            seen[found.day] = number
            days.append(found)
    if errors:
        raise CsvRefused(errors)
    if not days:
        raise CsvRefused([LineError(0, "文件中没有日期", "The file lists no days")])
    return days


def _row(number: int, row: list[str], year: int, seen: dict[date, int]) -> Day | LineError:
    if len(row) != 3:
        return LineError(
            number,
            f"应有3列（date,kind,name），此行有{len(row)}列",
            f"expected 3 columns (date,kind,name), found {len(row)}",
        )
    raw_day, kind, name = (cell.strip() for cell in row)
    try:
        if len(raw_day) != 10:
            raise ValueError
        day = date.fromisoformat(raw_day)
    except ValueError:
        return LineError(
            number,
            f"日期“{raw_day[:20]}”无效，格式为YYYY-MM-DD",
            f"'{raw_day[:20]}' is not a date (YYYY-MM-DD)",
        )
    if day.year != year:
        return LineError(
            number, f"{day} 不在{year}年内", f"{day} is not in {year}, the year being imported"
        )
    if day in seen:
        return LineError(
            number,
            f"{day} 重复（第{seen[day]}行已列出）",
            f"{day} is listed twice (line {seen[day]} already)",
        )
    if kind not in KINDS:
        return LineError(
            number,
            f"类型“{kind[:20]}”无效：应为 holiday（放假）或 workday（调休上班）",
            f"kind '{kind[:20]}' must be holiday or workday",
        )
    if kind == MAKEUP_WORKDAY and day.weekday() < 5:
        return LineError(
            number,
            f"{day} 是工作日，调休上班日只能是周六或周日",
            f"{day} is a weekday: a make-up working day is a Saturday or Sunday",
        )
    problem = name_problem(name)
    if problem:
        return LineError(number, *problem)
    return Day(day, kind, name)


def name_problem(name: str) -> tuple[str, str] | None:
    """Why a holiday's name is refused (zh, en), or None."""
    if not name:
        return "缺少节日名称", "the holiday's name is missing"
    if len(name) > NAME_MAX:
        return f"名称最多{NAME_MAX}个字符", f"the name has more than {NAME_MAX} characters"
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        return "名称含有控制字符", "the name contains control characters"
    return None
