"""Report definitions: the TOML files of reports/ (REPORTS_DIR), one per report, read into
`ReportDef`. A definition names its tables (dimensions, measures, whether a total row and a
ranking) and its charts (a table's measures as lines or bars); it holds no numbers and no SQL,
so a page, a PDF and an export of one report are the same tables.

Every name a definition uses is checked when it is read (a test reads them all): a report
with an unknown measure never reaches a reader.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flask import current_app

from app.errors import NotFound
from app.reports.engine import check
from app.reports.measures import MEASURES, Label

CHART_TYPES = ("line", "bar")


@dataclass(frozen=True)
class TableDef:
    key: str
    title: Label
    dimensions: list[str]
    measures: list[str]
    total: bool = False
    rank_by: str | None = None  # a ranking table: sorted by this measure, best first
    compare: bool = True


@dataclass(frozen=True)
class ChartDef:
    key: str
    type: str
    table: str
    title: Label
    measures: list[str]


@dataclass(frozen=True)
class ReportDef:
    name: str
    title: Label
    description: Label
    tables: list[TableDef] = field(default_factory=list)
    charts: list[ChartDef] = field(default_factory=list)

    def table(self, key: str) -> TableDef:
        return next(t for t in self.tables if t.key == key)


class DefinitionError(ValueError):
    pass


def _label(raw: object, where: str) -> Label:
    if not isinstance(raw, dict) or not {"zh", "en"} <= raw.keys():
        raise DefinitionError(f"{where}: a title needs zh and en")
    return Label(str(raw["zh"]), str(raw["en"]))


def parse(name: str, text: str) -> ReportDef:
    raw = tomllib.loads(text)
    tables = []
    for t in raw.get("tables", []):
        where = f"{name}.{t.get('key')}"
        try:
            check(t["measures"], t.get("dimensions", []))
        except Exception as exc:
            raise DefinitionError(f"{where}: {exc}") from exc
        rank_by = t.get("rank_by")
        if rank_by is not None and rank_by not in t["measures"]:
            raise DefinitionError(f"{where}: rank_by {rank_by} is not one of its measures")
        tables.append(
            TableDef(
                key=t["key"],
                title=_label(t.get("title"), where),
                dimensions=list(t.get("dimensions", [])),
                measures=list(t["measures"]),
                total=bool(t.get("total", False)),
                rank_by=rank_by,
                compare=bool(t.get("compare", True)),
            )
        )
    keys = {t.key for t in tables}
    charts = []
    for c in raw.get("charts", []):
        where = f"{name}.{c.get('key')}"
        if c.get("type") not in CHART_TYPES:
            raise DefinitionError(f"{where}: type must be one of {CHART_TYPES}")
        if c.get("table") not in keys:
            raise DefinitionError(f"{where}: no table {c.get('table')}")
        table = next(t for t in tables if t.key == c["table"])
        if len(table.dimensions) != 1:
            raise DefinitionError(f"{where}: a chart draws a table of one dimension")
        unknown = [m for m in c["measures"] if m not in table.measures or m not in MEASURES]
        if unknown:
            raise DefinitionError(f"{where}: {unknown} are not measures of {table.key}")
        charts.append(
            ChartDef(c["key"], c["type"], c["table"], _label(c.get("title"), where), c["measures"])
        )
    return ReportDef(
        name=name,
        title=_label(raw.get("title"), name),
        description=_label(raw.get("description", {"zh": "", "en": ""}), name),
        tables=tables,
        charts=charts,
    )


@cache
def _load(directory: str) -> dict[str, ReportDef]:
    out = {}
    for path in sorted(Path(directory).glob("*.toml")):
        out[path.stem] = parse(path.stem, path.read_text(encoding="utf-8"))
    return out


def all_reports() -> dict[str, ReportDef]:
    return _load(current_app.config["REPORTS_DIR"])


def report(name: str) -> ReportDef:
    found = all_reports().get(name)
    if found is None:
        raise NotFound("unknown_report", f"报表不存在：{name}", f"No report named '{name}'")
    return found
