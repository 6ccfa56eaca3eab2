"""CSV and XLSX of a report's tables: the columns the page shows, in its order and words.

CSV: one table per file, UTF-8 with a byte-order mark (Excel opens Chinese CSV by it), every
cell written as the page writes it (`format_cell`). XLSX: one sheet per table, numbers kept as
numbers (rates with a percent format), "—" where the page shows it.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import xlsxwriter

from app.cases.export import FORMULA_START
from app.reports.formatting import DASH, format_cell, missing
from app.reports.result import Column, ReportResult, TableResult

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _label(col: Column, locale: str) -> str:
    return col.label.en if locale.startswith("en") else col.label.zh


def header(table: TableResult, locale: str) -> list[str]:
    return [_label(c, locale) for c in table.columns]


def rows(table: TableResult) -> list[list[Any]]:
    """The table's cells as values (None: no number)."""
    out = []
    for record in table.frame.to_dict("records"):
        out.append(
            [None if missing(record.get(c.key)) else record.get(c.key) for c in table.columns]
        )
    return out


def _csv_cell(kind: str, value: Any) -> str:
    text = format_cell(kind, value)
    # A name a spreadsheet would take for a formula stays text (the combined query's rule);
    # numbers are ours ("-14.3pp") and stay as the page shows them.
    if kind == "text" and text.startswith(FORMULA_START):
        return "'" + text
    return text


def to_csv(table: TableResult, locale: str = "zh") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header(table, locale))
    for values in rows(table):
        writer.writerow([_csv_cell(c.kind, v) for c, v in zip(table.columns, values, strict=True)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def filename(result: ReportResult, ext: str, table: str | None = None) -> str:
    part = f"-{table}" if table else ""
    return f"{result.name}-{result.period}{part}.{ext}"


def to_xlsx(result: ReportResult, locale: str = "zh") -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#e8eef6", "border": 1})
    formats = {
        "count": book.add_format({"num_format": "0"}),
        "rate": book.add_format({"num_format": "0.0%"}),
        "seconds": book.add_format({"num_format": "0.0"}),
        "change_seconds": book.add_format({"num_format": "+0.0%;-0.0%;0.0%"}),
        "change_count": book.add_format({"num_format": "+0.0%;-0.0%;0.0%"}),
        "change_rate": book.add_format({"num_format": '+0.0"pp";-0.0"pp";0.0"pp"'}),
    }
    dash = book.add_format({"align": "center"})
    title = book.add_format({"bold": True, "font_size": 14})
    en = locale.startswith("en")
    report_title = result.definition.title.en if en else result.definition.title.zh
    used: set[str] = set()
    for key, table in result.tables.items():
        name = _SHEET_BAD.sub("", table.title.en if en else table.title.zh)[:31] or key
        while name in used:
            name = (name[:28] + f"_{len(used)}")[:31]
        used.add(name)
        sheet = book.add_worksheet(name)
        sheet.write(0, 0, f"{report_title} {result.period}", title)
        for col, text in enumerate(header(table, locale)):
            sheet.write(2, col, text, bold)
            sheet.set_column(col, col, max(10, len(text) * 2))
        for r, values in enumerate(rows(table), start=3):
            for col, (spec, value) in enumerate(zip(table.columns, values, strict=True)):
                if value is None:
                    sheet.write_string(r, col, DASH, dash)
                elif spec.kind == "text":
                    sheet.write_string(r, col, str(value))
                elif spec.kind == "change_rate":  # points: the difference of two ratios
                    sheet.write_number(r, col, float(value) * 100, formats[spec.kind])
                else:
                    sheet.write_number(r, col, float(value), formats[spec.kind])
    book.close()
    return buf.getvalue()
