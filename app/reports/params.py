"""A report's parameters as a URL (or the command line) carries them: ``month``,
``department_id``, ``channel``, ``case_type`` (a code), ``category`` (an id), and for the custom
report ``measures`` and ``dimensions``. Read into a Period and Filters, every refusal marked
by the field it concerns, so a page marks the field and a command names it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import select

from app.auth import policy
from app.clock import clock
from app.errors import DomainError, Invalid
from app.extensions import db
from app.ids import parse_id
from app.models import CaseType, Category, User
from app.models.catalog import CHANNELS
from app.reports.engine import Filters, check
from app.reports.periods import Period

FILTER_KEYS = ("month", "department_id", "channel", "case_type", "category")


@dataclass
class Params:
    period: Period
    filters: Filters
    measures: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # field -> message, in the locale

    @property
    def ok(self) -> bool:
        return not self.errors


def _message(error: DomainError, locale: str) -> str:
    return error.en if locale.startswith("en") else error.zh


def read(
    args: Mapping[str, str],
    user: User | None,
    locale: str = "zh",
    *,
    custom: bool = False,
) -> Params:
    """The parameters, with a refusal per bad field (the month falls back to the current
    one, a bad filter to none). A department outside the user's scope is not refused here:
    `policy.check_report_department` answers it as not found (404)."""
    get = args.get
    errors: dict[str, str] = {}
    month = (get("month") or "").strip()
    period = Period.containing(clock.now())
    if month:
        try:
            period = Period.parse(month)
        except Invalid as exc:
            errors["month"] = _message(exc, locale)
    dept_id = None
    raw = (get("department_id") or "").strip()
    if raw:
        dept_id = parse_id(raw)
        if dept_id is None:
            errors["department_id"] = (
                "单位编号应为数字"
                if not locale.startswith("en")
                else ("A department is given by its number")
            )
        elif user is not None:
            policy.check_report_department(user, dept_id)
    channel = (get("channel") or "").strip() or None
    if channel is not None and channel not in CHANNELS:
        errors["channel"] = "未知渠道" if not locale.startswith("en") else "Unknown channel"
        channel = None
    case_type = None
    code = (get("case_type") or "").strip()
    if code:
        case_type = db.session.scalar(select(CaseType.id).where(CaseType.code == code))
        if case_type is None:
            errors["case_type"] = (
                "未知诉求类型" if not locale.startswith("en") else "Unknown case type"
            )
    category = None
    raw = (get("category") or "").strip()
    if raw:
        category = parse_id(raw)
        if category is None or db.session.get(Category, category) is None:
            errors["category"] = "未知分类" if not locale.startswith("en") else "Unknown category"
            category = None
    params = Params(period, Filters(dept_id, channel, case_type, category), errors=errors)
    if custom:
        getlist = getattr(args, "getlist", None)
        pick = (lambda k: [v for v in getlist(k) if v]) if getlist else (lambda k: [])
        params.measures = pick("measures")
        params.dimensions = pick("dimensions")
        try:
            check(params.measures, params.dimensions)
        except Invalid as exc:
            errors[str(exc.details.get("field", "measures"))] = _message(exc, locale)
    return params


def query_string(params: Params, **extra: object) -> str:
    """The link's query string of these parameters (what a page's filters link to)."""
    f = params.filters
    code = None
    if f.case_type is not None:
        code = db.session.scalar(select(CaseType.code).where(CaseType.id == f.case_type))
    pairs: list[tuple[str, object]] = [("month", str(params.period))]
    pairs += [
        (k, v)
        for k, v in (
            ("department_id", f.department_id),
            ("channel", f.channel),
            ("case_type", code),
            ("category", f.category),
        )
        if v is not None
    ]
    pairs += [("measures", m) for m in params.measures]
    pairs += [("dimensions", d) for d in params.dimensions]
    pairs += [(k, v) for k, v in extra.items() if v is not None]
    return urlencode(pairs)
