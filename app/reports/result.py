"""A report run: its definition's tables computed for a period, filters and reader, as
DataFrames with their columns described, and its charts as specs (`chart_option` turns one
into an ECharts option)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from app.clock import clock
from app.reports.definitions import ChartDef, ReportDef, TableDef, report
from app.reports.engine import MOM, TOTAL_KEY, YOY, Filters, Org, Query, frame_for, labels
from app.reports.measures import DIMENSIONS, MEASURES, Label
from app.reports.periods import Period

DASH = "—"  # a rate with nothing to divide by, a change with nothing to compare with


@dataclass(frozen=True)
class Column:
    """A column of a table as shown: `kind` is text (a dimension), count, rate, or the
    comparisons change_count (relative) and change_rate (points)."""

    key: str
    label: Label
    kind: str


@dataclass
class TableResult:
    definition: TableDef
    # One row per group (and the total row last): a `<dimension>` column of words and a
    # `<dimension>_key` column of keys (ids, codes, dates) per dimension, then the measures'
    # numbers (NaN: no rate) and their comparisons.
    frame: pd.DataFrame
    columns: list[Column]

    @property
    def title(self) -> Label:
        return self.definition.title


@dataclass(frozen=True)
class ChartSpec:
    key: str
    type: str  # line | bar
    title: Label
    table: str
    dimension: str  # the x axis: the table's dimension column (words)
    measures: list[str]
    labels: dict[str, Label]
    kinds: dict[str, str]


@dataclass
class ReportResult:
    definition: ReportDef
    period: Period
    filters: Filters
    generated_at: datetime
    tables: dict[str, TableResult] = field(default_factory=dict)
    charts: list[ChartSpec] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.definition.name


_CHANGE_LABELS = {MOM: Label("环比", "MoM"), YOY: Label("同比", "YoY")}


def columns_of(dimensions: list[str], measures: list[str], compare: bool) -> list[Column]:
    cols = [Column(d, DIMENSIONS[d].label, "text") for d in dimensions]
    for key in measures:
        m = MEASURES[key]
        cols.append(Column(key, m.label, m.kind))
        if compare:
            for suffix, word in _CHANGE_LABELS.items():
                cols.append(
                    Column(
                        f"{key}__{suffix}",
                        Label(f"{m.label.zh}{word.zh}", f"{m.label.en} {word.en}"),
                        f"change_{m.kind}",
                    )
                )
    return cols


def shape(
    frame: pd.DataFrame,
    dimensions: list[str],
    measures: list[str],
    *,
    org: Org,
    locale: str,
    rank_by: str | None = None,
    compare: bool = True,
) -> tuple[pd.DataFrame, list[Column]]:
    """Words for the keys, the rows in order (time ascending; a ranking by its measure, best
    first; otherwise by the first measure, largest first), the total row last."""
    compare = compare and not any(DIMENSIONS[d].kind == "time" for d in dimensions)
    out = pd.DataFrame(index=frame.index)
    for d in dimensions:
        out[d] = labels(d, frame[f"k_{d}"], org, locale)
        out[f"{d}_key"] = frame[f"k_{d}"]
    for col in columns_of([], measures, compare):
        out[col.key] = frame.get(col.key, math.nan)
    if dimensions:
        is_total = (
            frame[f"k_{dimensions[0]}"]
            .map(lambda k: isinstance(k, str) and k == TOTAL_KEY)
            .astype(bool)
            .to_numpy()
        )
        body, total = out.loc[~is_total], out.loc[is_total]
        if any(DIMENSIONS[d].kind == "time" for d in dimensions):
            body = body.sort_values([f"{d}_key" for d in dimensions])
        else:
            by = rank_by or measures[0]
            body = body.sort_values(
                [by, dimensions[0]], ascending=[False, True], na_position="last"
            )
        if rank_by is not None:
            body = body.copy()
            body.insert(0, "rank", range(1, len(body) + 1))
            total = total.copy()
            total.insert(0, "rank", math.nan)
        out = pd.concat([body, total], ignore_index=True)
    cols = columns_of(dimensions, measures, compare)
    if rank_by is not None:
        cols.insert(0, Column("rank", Label("排名", "Rank"), "count"))
    return out, cols


def run(
    name: str,
    period: Period | str,
    filters: Filters | None = None,
    *,
    scope: list[int] | None = None,
    locale: str = "zh",
    now: datetime | None = None,
) -> ReportResult:
    """The report `name` for the period (a Period or "YYYY-MM"): see the package docstring."""
    return run_definition(report(name), period, filters, scope=scope, locale=locale, now=now)


def run_definition(
    definition: ReportDef,
    period: Period | str,
    filters: Filters | None = None,
    *,
    scope: list[int] | None = None,
    locale: str = "zh",
    now: datetime | None = None,
) -> ReportResult:
    """`run` of a definition read from elsewhere (a custom report's)."""
    period = Period.parse(period) if isinstance(period, str) else period
    filters = filters or Filters()
    now = now or clock.now()
    org = Org.load()
    for t in definition.tables:  # one query per source, grouping and period (Org)
        org.want(t.measures, t.dimensions)
        if t.total:
            org.want(t.measures, [])
    result = ReportResult(definition, period, filters, now)
    for t in definition.tables:
        query = Query(
            measures=t.measures,
            dimensions=t.dimensions,
            filters=filters,
            scope=scope,
            compare=t.compare,
            total=t.total,
            locale=locale,
        )
        frame = frame_for(query, period, now, org)
        shaped, cols = shape(
            frame,
            t.dimensions,
            t.measures,
            org=org,
            locale=locale,
            rank_by=t.rank_by,
            compare=t.compare,
        )
        result.tables[t.key] = TableResult(t, shaped, cols)
    result.charts = [chart_spec(c, definition) for c in definition.charts]
    return result


def chart_spec(chart: ChartDef, definition: ReportDef) -> ChartSpec:
    table = definition.table(chart.table)
    return ChartSpec(
        key=chart.key,
        type=chart.type,
        title=chart.title,
        table=chart.table,
        dimension=table.dimensions[0],
        measures=chart.measures,
        labels={m: MEASURES[m].label for m in chart.measures},
        kinds={m: MEASURES[m].kind for m in chart.measures},
    )
