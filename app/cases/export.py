"""Exports of the case list (综合查询 → 导出): every matching case as CSV or XLSX, written while
the rows are fetched, never the whole result in memory.

- Scope, filters, order and masking are the list's: the rows are `queries.iter_cases`, i.e.
  the list's `summary` of each case, streamed from a server-side cursor in batches.
- At most EXPORT_MAX_ROWS rows (a setting): a larger result is refused before anything is
  written (`export_too_large`, "narrow the filters"), and the stream stops there anyway.
- CSV is UTF-8 with a byte-order mark (Excel in China then reads it as UTF-8, not GBK), one
  header row in the reader's language; a cell that a spreadsheet would take for a formula
  (= + - @, tab, CR first) is written with a leading apostrophe.
- XLSX is written by xlsxwriter in constant_memory mode: each row goes to its temporary
  file as it comes, strings as strings (never formulas). An XLSX is a zip whose directory
  comes last, so its bytes are sent once the sheet is complete, read back from disk in
  chunks.
- Every export is audited in the audit log (app/audit_log.py, the table administration writes
  to): who, which filters, which format, how many rows, whether it ran to its end, the client
  address.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

import xlsxwriter
from sqlalchemy import select

from app import audit_log
from app.cases import list_args, queries
from app.cases.queries import CaseListArgs
from app.clock import clock
from app.errors import Invalid
from app.extensions import db
from app.models import CaseType, Department, User
from app.models.catalog import CHANNEL_WORDS, PRIORITY_WORDS

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# (key, Chinese header, English header), in the order of the sheet's columns.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("number", "工单编号", "Case number"),
    ("created_at", "受理时间", "Accepted at"),
    ("channel", "渠道", "Channel"),
    ("case_type", "诉求类型", "Type"),
    ("priority", "紧急程度", "Priority"),
    ("status", "状态", "Status"),
    ("citizen_name", "诉求人", "Citizen"),
    ("citizen_phone", "联系电话", "Phone"),
    ("department", "当前承办单位", "Current department"),
    ("handle_due_at", "办理时限", "Handling due"),
    ("content", "诉求内容", "Content"),
)

Cell = str | datetime | None
TIME_FORMAT = "%Y-%m-%d %H:%M"
CSV_ROWS_PER_CHUNK = 500  # rows per piece of the response (about 100 KB)
FILE_CHUNK = 64 * 1024
# Excel's widths (characters) of the columns, in COLUMNS' order.
XLSX_WIDTHS = (17, 17, 8, 10, 10, 16, 10, 15, 22, 17, 60)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def too_large(cap: int) -> Invalid:
    return Invalid(
        "export_too_large",
        f"查询结果超过 {cap:,} 条，无法导出；请缩小查询范围（例如加上受理日期）后再导出",
        f"The result has more than {cap:,} cases, more than an export holds; "
        "narrow the filters (a date range, for instance) and export again",
        max_rows=cap,
    )


def header(lang: str) -> list[str]:
    zh = lang.startswith("zh")
    return [label_zh if zh else label_en for _key, label_zh, label_en in COLUMNS]


def _word(words: Mapping[str, Mapping[str, str]], code: str | None, zh: bool) -> str:
    if code is None:
        return ""
    found = words.get(code)
    return code if found is None else found["zh" if zh else "en"]


def rows(user: User, args: CaseListArgs, lang: str) -> Iterator[list[Cell]]:
    """The list's cases as the sheet's rows, in the reader's language."""
    zh = lang.startswith("zh")
    departments = {
        d_id: (name, name_en or name)
        for d_id, name, name_en in db.session.execute(
            select(Department.id, Department.name, Department.name_en)
        )
    }
    types = {
        code: {"zh": name, "en": name_en}
        for code, name, name_en in db.session.execute(
            select(CaseType.code, CaseType.name, CaseType.name_en)
        )
    }
    for item in queries.iter_cases(user, args):
        dept = item["current_department_id"]
        yield [
            item["number"],
            item["created_at"],
            _word(CHANNEL_WORDS, item["channel"], zh),
            _word(types, item["case_type"], zh),
            _word(PRIORITY_WORDS, item["priority"], zh),
            str(item["status"]["zh" if zh else "en"]),
            item["citizen_name"],
            item["citizen_phone"],
            "" if dept is None else departments.get(dept, ("", ""))[0 if zh else 1],
            item["handle_due_at"],
            item["content"],
        ]


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(head: Sequence[str], body: Iterator[Sequence[Cell]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # Excel's dialect: quoted where needed, CRLF
    buffer.write("\ufeff")
    writer.writerow(head)
    for n, row in enumerate(body, 1):
        writer.writerow([_csv_cell(v) for v in row])
        if n % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(
    head: Sequence[str], body: Iterator[Sequence[Cell]], sheet: str = "cases"
) -> Iterator[bytes]:
    with tempfile.TemporaryDirectory(prefix="minqing-export-") as tmp:
        path = os.path.join(tmp, "export.xlsx")
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tmp})
        bold = book.add_format({"bold": True})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        page = book.add_worksheet(sheet[:31])
        for col, width in enumerate(XLSX_WIDTHS):
            page.set_column(col, col, width)
        page.freeze_panes(1, 0)
        for col, label in enumerate(head):
            page.write_string(0, col, label, bold)
        for r, row in enumerate(body, 1):
            for col, value in enumerate(row):
                if isinstance(value, datetime):
                    page.write_datetime(r, col, value, when)
                elif value:  # write_string: text stays text ("=..." is no formula)
                    page.write_string(r, col, value)
        book.close()
        with open(path, "rb") as written:
            while chunk := written.read(FILE_CHUNK):
                yield chunk


@dataclass
class Export:
    """An export about to be streamed: its format and its bytes (audited when they end)."""

    fmt: str
    chunks: Iterator[bytes]


def start(
    user: User, args: CaseListArgs, fmt: str, lang: str, client_ip: str, max_rows: int
) -> Export:
    """Checks the size of the result first (refused past `max_rows`, before any byte), then
    gives the bytes to stream."""
    if fmt not in FORMATS:
        raise Invalid("unknown_format", "不支持的导出格式", "No such export format")
    if queries.count_cases_up_to(user, args, max_rows) > max_rows:
        raise too_large(max_rows)
    counted = _Counter(islice(rows(user, args, lang), max_rows))
    head = header(lang)
    body = csv_chunks(head, counted) if fmt == "csv" else xlsx_chunks(head, counted)
    return Export(fmt, _audited(body, counted, user, args, fmt, client_ip))


class _Counter(Iterator[list[Cell]]):
    """The rows, counting those that went out."""

    def __init__(self, source: Iterator[list[Cell]]) -> None:
        self.source, self.count = source, 0

    def __next__(self) -> list[Cell]:
        row = next(self.source)
        self.count += 1
        return row


def _audited(
    body: Iterator[bytes],
    counted: _Counter,
    user: User,
    args: CaseListArgs,
    fmt: str,
    client_ip: str,
) -> Iterator[bytes]:
    complete = False
    started = clock.now()
    try:
        yield from body
        complete = True
    finally:  # also when the client went away mid-way (the server closes the generator)
        try:
            audit_log.record(
                user,
                client_ip,
                "case.export",
                "cases",
                fmt,
                started=started.isoformat(timespec="seconds"),
                format=fmt,
                filters=list_args.query_string(args),
                rows=counted.count,
                complete=complete,
            )
            db.session.commit()
        except Exception:  # the bytes are out: say it loudly, never break the stream's end
            db.session.rollback()
            log.exception("an export could not be written to the audit log")
