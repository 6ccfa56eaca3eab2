"""Running measures: one GROUP BY per source and period in the database, the sources' rows
merged, rolled up and turned into rates and comparisons by pandas.

No case row reaches Python: each query returns one row per group (a department, a day, a
channel...). Districts are departments rolled up here, from the department tree (a small
table), so that every count of a district is the sum of its departments'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import and_, select, text

from app.errors import Invalid
from app.extensions import db
from app.models import CaseEvent, CaseType, Category, Department, User
from app.models.catalog import CHANNEL_WORDS
from app.models.org import DISTRICT
from app.reports.buckets import BUCKETS
from app.reports.measures import (
    DIMENSIONS,
    MEASURES,
    SOURCES,
    Count,
    Dimension,
    Rate,
    Source,
    counts_needed,
    in_departments,
    join_department,
    supports,
)
from app.reports.periods import Span

MAX_DIMENSIONS = 2  # a table of more is a list, not a report
MOM, YOY = "mom", "yoy"  # 环比, 同比: suffixes of the comparison columns (`measure__mom`)
TOTAL_KEY = "__total__"
_BY_DEPARTMENT = ("department",)  # the grouping keys of a table by department or district


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to besides its period (None: not narrowed)."""

    department_id: int | None = None
    channel: str | None = None
    case_type: int | None = None
    category: int | None = None

    def columns(self) -> dict[str, Any]:
        values = {"channel": self.channel, "case_type": self.case_type, "category": self.category}
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Query:
    measures: list[str]
    dimensions: list[str] = field(default_factory=list)
    filters: Filters = Filters()
    # Department ids the reader may see (None: every one); from app/auth/policy.py.
    scope: list[int] | None = None
    compare: bool = True
    total: bool = False
    locale: str = "zh"


def check(measures: Iterable[str], dimensions: Iterable[str]) -> None:
    """Refuse unknown measures or dimensions, too many dimensions, and a dimension a measure's
    source has no column for (the `field` of the refusal names the bad pick)."""
    measures, dimensions = list(measures), list(dimensions)
    if not measures:
        raise Invalid(
            "no_measure", "请至少选择一个指标", "Pick at least one measure", field="measures"
        )
    for key in measures:
        if key not in MEASURES:
            raise Invalid(
                "unknown_measure", f"未知指标：{key}", f"Unknown measure '{key}'", field="measures"
            )
    for key in dimensions:
        if key not in DIMENSIONS:
            raise Invalid(
                "unknown_dimension",
                f"未知维度：{key}",
                f"Unknown dimension '{key}'",
                field="dimensions",
            )
    if len(dimensions) > MAX_DIMENSIONS:
        raise Invalid(
            "too_many_dimensions",
            f"最多选择 {MAX_DIMENSIONS} 个维度",
            f"Pick at most {MAX_DIMENSIONS} dimensions",
            field="dimensions",
        )
    if len(set(dimensions)) != len(dimensions):
        raise Invalid(
            "repeated_dimension", "维度不能重复", "A dimension is picked twice", field="dimensions"
        )
    for count in counts_needed(measures):
        source = SOURCES[count.source]
        for key in dimensions:
            if not supports(source, DIMENSIONS[key]):
                raise Invalid(
                    "dimension_not_applicable",
                    f"指标“{count.label.zh}”不能按“{DIMENSIONS[key].label.zh}”统计",
                    f"'{count.label.en}' cannot be broken down by {DIMENSIONS[key].label.en}",
                    field="dimensions",
                )


# --- The department tree (small): subtrees, districts, names -------------------------------


@dataclass(frozen=True)
class Org:
    """The department tree, read once per run, and the run's queries: a report's tables
    share their groupings (a ranking by department and a table by district both group
    departments; every total groups nothing), so each source is asked once per grouping and
    period, for every count any table `wants` of that grouping (`want`); and a source whose
    rows each count at one department rolls its totals up from its rows by department, when
    the run asks for those, instead of asking again (the events: a month's steps once)."""

    paths: dict[int, str]
    kinds: dict[int, str]
    names: dict[int, tuple[str, str]]
    wanted: dict[tuple[str, ...], set[str]] = field(default_factory=dict, compare=False)
    frames: dict[tuple[Any, ...], pd.DataFrame] = field(default_factory=dict, compare=False)

    def want(self, measures: list[str], dimensions: list[str]) -> None:
        keys = self.wanted.setdefault(tuple(_group_keys(dimensions)), set())
        keys.update(c.key for c in counts_needed(measures))

    def counts_for(
        self, source: Source, group: tuple[str, ...], counts: list[Count]
    ) -> list[Count]:
        """The counts one query of the source asks for: these and every other the run wants
        of that grouping. A source whose rows each belong to one department or none answers
        its totals from its rows by department (`totals_from_departments`), so that grouping
        asks for the totals' counts too."""
        wanted = set(self.wanted.get(group, set()))
        if group == _BY_DEPARTMENT and not source.joins_department:
            wanted |= self.wanted.get((), set())
        # `wanted` holds counts' keys (counts_needed); in one order: the query's cache key.
        more = [c for c in (MEASURES[k] for k in wanted) if isinstance(c, Count)]
        picked = {c.key: c for c in [*counts, *more] if c.source == source.key}
        return [picked[k] for k in sorted(picked)]

    def totals_from_departments(self, source: Source, group: tuple[str, ...]) -> bool:
        """The source's totals are its rows by department rolled up: each row counts at one
        department or at none (every source but the cases, which count a joint case at each
        of its departments), and the run asks for them by department anyway."""
        return group == () and not source.joins_department and _BY_DEPARTMENT in self.wanted

    @classmethod
    def load(cls) -> Org:
        rows = db.session.execute(
            select(
                Department.id, Department.path, Department.kind, Department.name, Department.name_en
            )
        ).all()
        return cls(
            paths={r.id: r.path for r in rows},
            kinds={r.id: r.kind for r in rows},
            names={r.id: (r.name, r.name_en or r.name) for r in rows},
        )

    def subtree(self, dept_id: int) -> list[int]:
        prefix = self.paths[dept_id]
        return sorted(i for i, p in self.paths.items() if p.startswith(prefix))

    def district_of(self, dept_id: Any) -> int | None:
        """The district centre whose subtree holds the department (None: city level)."""
        if dept_id is None or pd.isna(dept_id) or int(dept_id) not in self.paths:
            return None
        for part in self.paths[int(dept_id)].strip("/").split("/"):
            if part and self.kinds.get(int(part)) == DISTRICT:
                return int(part)
        return None


def _department_ids(query: Query, org: Org) -> list[int] | None:
    """The departments the rows are restricted to: the filter's subtree within the scope."""
    ids = query.scope
    if query.filters.department_id is not None:
        sub = org.subtree(query.filters.department_id)
        ids = sub if ids is None else sorted(set(sub) & set(ids))
    return ids


# --- SQL ----------------------------------------------------------------------------------


def _dimension_expr(source_key: str, dim: Dimension) -> Any:
    source = SOURCES[source_key]
    if dim.kind == "time":
        return BUCKETS[dim.key](source.time)
    if dim.kind == "department":
        return source.department
    return source.columns[dim.column]


def _group_keys(dimensions: list[str]) -> list[str]:
    """The columns a source's query groups by: districts are grouped as departments."""
    keys = []
    for key in dimensions:
        col = "department" if DIMENSIONS[key].kind == "department" else key
        if col not in keys:
            keys.append(col)
    return keys


def _source_frame(
    source_key: str,
    counts: list[Count],
    dimensions: list[str],
    period: Span,
    query: Query,
    dept_ids: list[int] | None,
    now: datetime,
) -> pd.DataFrame:
    source = SOURCES[source_key]
    keys = _group_keys(dimensions)
    joined = source.joins_department and "department" in keys
    columns_read = {DIMENSIONS[k].column for k in keys} | set(query.filters.columns())
    from_ = source.from_(bool(columns_read & source.case_columns))
    if joined:
        from_ = join_department(source, from_)
    group = []
    for key in keys:
        dim = DIMENSIONS[key]
        group.append(_dimension_expr(source_key, dim).label(f"k_{key}"))
    where = [*source.where(), source.in_period(period)]
    actions = sorted({a for c in counts for a in c.actions})
    if actions:
        where.append(CaseEvent.action.in_(actions))
    if dept_ids is not None:
        where.append(in_departments(source, dept_ids, joined))
    for name, value in query.filters.columns().items():
        where.append(source.columns[name] == value)
    stmt = (
        select(*group, *(c.sql(now).label(c.key) for c in counts))
        .select_from(from_)
        .where(and_(*where))
    )
    if group:
        stmt = stmt.group_by(*(g.element for g in group))
    rows = db.session.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=[f"k_{k}" for k in keys] + [c.key for c in counts])
    for c in counts:
        frame[c.key] = pd.to_numeric(frame[c.key]).fillna(0).astype("int64")
    return frame


def _cached_frame(
    source_key: str,
    counts: list[Count],
    dimensions: list[str],
    period: Span,
    query: Query,
    org: Org,
    now: datetime,
) -> pd.DataFrame:
    """The source's query, asked once per run for its grouping, period and counts."""
    group = tuple(_group_keys(dimensions))
    scope = None if query.scope is None else tuple(query.scope)
    cache_key = (source_key, group, period, query.filters, scope, tuple(c.key for c in counts))
    part = org.frames.get(cache_key)
    if part is None:
        dept_ids = _department_ids(query, org)
        part = org.frames[cache_key] = _source_frame(
            source_key, counts, dimensions, period, query, dept_ids, now
        )
    return part.copy()


def counts_frame(
    query: Query, dimensions: list[str], period: Span, org: Org, now: datetime
) -> pd.DataFrame:
    """The counts the query's measures need, one row per group, over every source."""
    counts = counts_needed(query.measures)
    group_keys = tuple(_group_keys(dimensions))
    by_source: dict[str, list[Count]] = {}
    for c in counts:
        by_source.setdefault(c.source, []).append(c)
    keys = [f"k_{k}" for k in group_keys]
    frame: pd.DataFrame | None = None
    for source_key, needed in by_source.items():
        source = SOURCES[source_key]
        if org.totals_from_departments(source, group_keys):
            source_counts = org.counts_for(source, _BY_DEPARTMENT, needed)
            rows = _cached_frame(source_key, source_counts, ["department"], period, query, org, now)
            part = pd.DataFrame([{c.key: rows[c.key].agg(c.rollup) for c in source_counts}])
        else:
            source_counts = org.counts_for(source, group_keys, needed)
            part = _cached_frame(source_key, source_counts, dimensions, period, query, org, now)
        counts = [*counts, *(c for c in source_counts if c not in counts)]
        if frame is None:
            frame = part
        elif keys:
            frame = frame.merge(part, on=keys, how="outer")
        else:
            frame = pd.concat([frame, part], axis=1)
    assert frame is not None
    for c in counts:
        frame[c.key] = frame[c.key].fillna(0).astype("int64")
    if "district" in dimensions:
        frame["k_district"] = frame["k_department"].map(org.district_of)
        group = [f"k_{k}" for k in dimensions]
        frame = frame.groupby(group, dropna=False, as_index=False).agg(
            {c.key: c.rollup for c in counts}
        )
    return frame


def add_rates(frame: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    for key in measures:
        m = MEASURES[key]
        if isinstance(m, Rate):
            denominator = sum(frame[d] for d in m.denominators)
            frame[key] = (frame[m.numerator] / denominator.where(denominator != 0)).astype(
                "float64"
            )
    return frame


def change(kind: str, now: pd.Series, before: pd.Series) -> pd.Series:
    """A comparison: the relative change of a count, the difference of a rate (in points of
    the ratio); NaN when there is nothing to compare with."""
    now, before = now.astype("float64"), before.astype("float64")
    if kind == "rate":
        return now - before
    return (now - before) / before.where(before != 0)


def _no_jit() -> None:
    """PostgreSQL compiles a costly query to machine code first (JIT): ~0.3 s a query here,
    more than these aggregates take to run (a report ran 3x faster without it over 200k
    cases). Off for the rest of the transaction, which only reads."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def frame_for(query: Query, period: Span, now: datetime, org: Org | None = None) -> pd.DataFrame:
    """The measures by the dimensions over the period: key columns `k_<dimension>`, one column
    per measure, and (`compare`, without a time dimension) `<measure>__mom` and `__yoy`."""
    check(query.measures, query.dimensions)
    _no_jit()
    org = org or Org.load()
    dims = list(query.dimensions)
    frame = add_rates(counts_frame(query, dims, period, org, now), query.measures)
    keys = [f"k_{k}" for k in dims]
    if query.total and dims:
        total = add_rates(counts_frame(query, [], period, org, now), query.measures)
        for k in keys:
            total[k] = TOTAL_KEY
        frame = pd.concat([frame, total[frame.columns]], ignore_index=True)
    comparable = not any(DIMENSIONS[k].kind == "time" for k in dims)
    if query.compare and comparable:
        for suffix, other in ((MOM, period.previous()), (YOY, period.year_ago())):
            before = add_rates(counts_frame(query, dims, other, org, now), query.measures)
            if query.total and dims:
                t = add_rates(counts_frame(query, [], other, org, now), query.measures)
                for k in keys:
                    t[k] = TOTAL_KEY
                before = pd.concat([before, t[before.columns]], ignore_index=True)
            joined = frame[keys].merge(before, on=keys, how="left") if keys else before
            for key in query.measures:
                previous = pd.Series(joined[key].to_numpy(), index=frame.index)
                frame[f"{key}__{suffix}"] = change(MEASURES[key].kind, frame[key], previous)
    return frame


# --- Labels -------------------------------------------------------------------------------


def labels(dim: str, keys: pd.Series, org: Org, locale: str) -> pd.Series:
    """The words a dimension's keys are shown with."""
    en = locale.startswith("en")
    total = "Total" if en else "合计"
    words: dict[Any, str]
    if DIMENSIONS[dim].kind == "time":
        return keys.map(lambda k: total if k == TOTAL_KEY else str(k))
    if dim in ("department", "district"):
        none = "City level" if en else "市级"
        words = {i: (n[1] if en else n[0]) for i, n in org.names.items()}
    elif dim == "channel":
        none = "—"
        words = {c: w["en" if en else "zh"] for c, w in CHANNEL_WORDS.items()}
    elif dim == "case_type":
        none = "—"
        types = db.session.execute(select(CaseType.id, CaseType.name, CaseType.name_en)).all()
        words = {r.id: (r.name_en if en else r.name) for r in types}
    elif dim == "category":
        none = "Uncategorised" if en else "未分类"
        cats = db.session.execute(select(Category.id, Category.name, Category.name_en)).all()
        words = {r.id: ((r.name_en or r.name) if en else r.name) for r in cats}
    else:  # agent
        none = "—"
        users = db.session.execute(select(User.id, User.display_name)).all()
        words = {r.id: r.display_name for r in users}

    def word(key: Any) -> str:
        if isinstance(key, str) and key == TOTAL_KEY:
            return total
        if key is None or (not isinstance(key, str) and pd.isna(key)):
            return none
        found = words.get(int(key) if not isinstance(key, str) else key)
        return found if found is not None else str(key)

    return keys.map(word)
