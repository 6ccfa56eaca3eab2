"""A report as a PDF (WeasyPrint): its headings and tables in Chinese with the CJK font embedded
(fonts-noto-cjk), its charts drawn on the server as SVG by ECharts from the same options the
page draws (`chart_option`, then svg.py), so the PDF needs no browser and shows what the page
shows. Nothing here computes a number: every cell is the result's, written by `format_cell`.

Layout for A4 portrait: a table without dimensions (the summary) is printed turned, one row per
measure with 本期 / 环比 / 同比 columns; a table with dimensions prints its measures, and its
comparisons only while it stays narrow enough to read (the page and the exports have them all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import render_template

from app.errors import DomainError
from app.extensions import db
from app.models import Department
from app.reports import svg
from app.reports.charts import chart_option
from app.reports.formatting import format_cell
from app.reports.result import Column, ReportResult, TableResult

CHART_WIDTH, CHART_HEIGHT = 720, 320
WIDE = 12  # columns beyond which a table's comparisons are left out of the PDF
_COMPARE = (("mom", "环比", "MoM"), ("yoy", "同比", "YoY"))


@dataclass(frozen=True)
class Cell:
    text: str
    num: bool = False  # right-aligned


@dataclass
class Section:
    heading: str
    columns: list[str]
    rows: list[list[Cell]]
    charts: list[dict[str, Any]] = field(default_factory=list)  # ECharts options
    note: str = ""


@dataclass
class Document:
    title: str
    meta: list[str]
    sections: list[Section]
    note: str = ""


def _word(label: Any, en: bool) -> str:
    return label.en if en else label.zh


def _turned(table: TableResult, en: bool) -> Section:
    """A one-row table (no dimensions) as one row per measure: value, 环比, 同比."""
    keys = {c.key for c in table.columns}
    measures = [c for c in table.columns if c.kind in ("count", "rate")]
    compared = [s for s in _COMPARE if any(f"{m.key}__{s[0]}" in keys for m in measures)]
    row = table.frame.iloc[0] if len(table.frame) else None
    rows = []
    for m in measures:
        cells = [Cell(_word(m.label, en))]
        value = row[m.key] if row is not None else None
        cells.append(Cell(format_cell(m.kind, value), num=True))
        for suffix, _zh, _en in compared:
            key = f"{m.key}__{suffix}"
            change = row[key] if row is not None and key in keys else None
            cells.append(Cell(format_cell(f"change_{m.kind}", change), num=True))
        rows.append(cells)
    heads = ["Measure" if en else "指标", "This month" if en else "本期"]
    heads += [e if en else z for _s, z, e in compared]
    return Section(_word(table.title, en), heads, rows)


def _columns_shown(table: TableResult) -> list[Column]:
    if len(table.columns) <= WIDE:
        return table.columns
    return [c for c in table.columns if not c.kind.startswith("change_")]


def _table(table: TableResult, en: bool) -> Section:
    if not table.definition.dimensions:
        return _turned(table, en)
    shown = _columns_shown(table)
    rows = [
        [Cell(format_cell(c.kind, rec[c.key]), num=c.kind != "text") for c in shown]
        for rec in table.frame.to_dict("records")
    ]
    note = ""
    if len(shown) < len(table.columns):
        note = (
            "Comparisons (MoM, YoY) are in the page and the CSV/XLSX exports."
            if en
            else "环比、同比见报表页面及 CSV/XLSX 导出。"
        )
    return Section(_word(table.title, en), [_word(c.label, en) for c in shown], rows, note=note)


def document(
    result: ReportResult, *, locale: str = "zh", subject: str = "", meta: list[str] | None = None
) -> Document:
    """The report's result laid out: one section per table, its charts before it. `subject`
    names whom the report is about (a department), put in the title."""
    en = locale.startswith("en")
    sections = [_table(t, en) for t in result.tables.values()]
    by_table = {key: sections[i] for i, key in enumerate(result.tables)}
    for spec in result.charts:
        frame = result.tables[spec.table].frame
        by_table[spec.table].charts.append(chart_option(spec, frame, locale=locale))
    title = _word(result.definition.title, en)
    if subject:
        title = f"{subject} {title}" if en else f"{subject}{title}"
    period = f"{result.period.year}-{result.period.month:02d}"
    lines = [
        f"Period: {period}" if en else f"统计期：{result.period.year}年{result.period.month}月",
        f"Generated {result.generated_at:%Y-%m-%d %H:%M}"
        if en
        else f"生成时间：{result.generated_at:%Y-%m-%d %H:%M}",
        *(meta or []),
    ]
    note = _word(result.definition.description, en)
    return Document(title, lines, sections, note)


def render(doc: Document) -> bytes:
    """The document as PDF bytes; all its charts drawn by one Node process."""
    from weasyprint import HTML  # imported when used: it loads Pango and fonts

    options = [o for s in doc.sections for o in s.charts]
    drawn = iter(svg.render(options, CHART_WIDTH, CHART_HEIGHT))
    sections = [
        {
            "heading": s.heading,
            "columns": s.columns,
            "rows": s.rows,
            "note": s.note,
            "charts": [next(drawn) for _ in s.charts],
        }
        for s in doc.sections
    ]
    html = render_template(
        "reports/pdf.html",
        doc={"title": doc.title, "meta": doc.meta, "sections": sections, "note": doc.note},
    )
    return HTML(string=html).write_pdf()


def subject_of(result: ReportResult, locale: str = "zh") -> str:
    """The department a report is narrowed to, by name ("" for all)."""
    dept_id = result.filters.department_id
    dept = db.session.get(Department, dept_id) if dept_id is not None else None
    if dept is None:
        return ""
    return (dept.name_en or dept.name) if locale.startswith("en") else dept.name


def report_pdf(
    result: ReportResult, *, locale: str = "zh", subject: str = "", meta: list[str] | None = None
) -> bytes:
    """`render(document(...))`: the one call the page, the CLI and the monthly job make. A
    chart renderer that cannot run (no Node, no echarts) is said as such, never a 500."""
    try:
        return render(document(result, locale=locale, subject=subject, meta=meta))
    except svg.ChartRenderError as exc:
        raise DomainError(
            "pdf_unavailable",
            "暂时无法生成 PDF（图表渲染失败），请稍后再试或导出 XLSX",
            f"The PDF cannot be made now (charts: {exc}); try again later or export XLSX",
            status=503,
        ) from exc
