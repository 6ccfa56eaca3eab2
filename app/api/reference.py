"""Reference data for API clients: the department tree, case types with their time limits,
categories, the limits alone, and a year's holiday calendar — so that a client need not know
ids by heart. Readable with a bearer token, whatever the role. Unknown query parameters are
refused (422), so a misspelt filter is never silently ignored."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from app import fields as f
from app.api.blueprint import Blueprint
from app.api.schemas import Out
from app.auth.tokens import current_user
from app.clock import clock
from app.models.catalog import CASE_TYPES, PRIORITIES
from app.reference import calendar, catalog, departments
from app.reference.calendar import FIRST_YEAR, LAST_YEAR

blp = Blueprint(
    "reference",
    __name__,
    url_prefix="/api/v1/reference",
    description="Reference data: departments, case types, categories, limits, the calendar",
)
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class NoArgsSchema(Schema):
    pass


class DepartmentArgsSchema(Schema):
    include_inactive = f.QueryBoolean(
        load_default=False, metadata={"description": "also list deactivated departments"}
    )


class DepartmentSchema(Out):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    kind = fields.String(metadata={"description": "city, district or department"})
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer(metadata={"description": "0 for the city centre"})
    district = fields.String(
        metadata={"description": "the district centre above it, '' at the city level"}
    )
    initials = fields.String(metadata={"description": "pinyin initials of the name: 东城区 dcq"})
    active = fields.Boolean()


class DepartmentListSchema(Out):
    items = fields.List(fields.Nested(DepartmentSchema))


class LimitSchema(Out):
    case_type = fields.String()
    priority = fields.String()
    sign_hours = fields.Float(metadata={"description": "sign-for limit, working hours"})
    handle_days = fields.Integer(metadata={"description": "handling limit, working days"})
    revisit_days = fields.Integer(metadata={"description": "revisit limit, working days"})
    decision_hours = fields.Float(metadata={"description": "decision on a request, working hours"})
    warn_hours = fields.Float(metadata={"description": "deadline warning, hours before"})


class LimitListSchema(Out):
    items = fields.List(fields.Nested(LimitSchema))


class LimitArgsSchema(Schema):
    case_type = fields.String(validate=validate.OneOf(list(CASE_TYPES)))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))


class CaseTypeSchema(Out):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    limits = fields.List(fields.Nested(LimitSchema))


class CaseTypeListSchema(Out):
    items = fields.List(fields.Nested(CaseTypeSchema))
    priorities = fields.List(fields.String())


class CategorySchema(Out):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()


class CategoryListSchema(Out):
    items = fields.List(fields.Nested(CategorySchema))


class CalendarArgsSchema(Schema):
    year = f.Integer(
        minimum=FIRST_YEAR,
        maximum=LAST_YEAR,
        metadata={"description": "default: the current year"},
    )


class CalendarDaySchema(Out):
    date = fields.Date(attribute="day")
    kind = fields.String(
        metadata={"description": "holiday (a day off) or workday (a make-up working day, 调休)"}
    )
    name = fields.String()


class CalendarSchema(Out):
    year = fields.Integer()
    workday_start = fields.String(metadata={"description": "working hours on a working day"})
    workday_end = fields.String()
    rule = fields.String()
    days = fields.List(fields.Nested(CalendarDaySchema))


@blp.route("/departments")
class Departments(MethodView):
    @blp.arguments(DepartmentArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, DepartmentListSchema)
    @blp.doc(security=SECURITY)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The department tree in tree order (a parent before its children), with kinds,
        parents, districts and pinyin initials."""
        current_user()
        return {"items": departments.tree(include_inactive=args["include_inactive"])}


@blp.route("/case-types")
class CaseTypes(MethodView):
    @blp.arguments(NoArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, CaseTypeListSchema)
    @blp.doc(security=SECURITY)
    def get(self, _args: dict[str, Any]) -> dict[str, Any]:
        """Case types (诉求类型), each with its time limits per priority."""
        current_user()
        return {"items": catalog.case_types(), "priorities": list(PRIORITIES)}


@blp.route("/categories")
class Categories(MethodView):
    @blp.arguments(NoArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, CategoryListSchema)
    @blp.doc(security=SECURITY)
    def get(self, _args: dict[str, Any]) -> dict[str, Any]:
        """The category tree (intake's `category` is a code of it), in tree order."""
        current_user()
        return {"items": catalog.categories()}


@blp.route("/limits")
class Limits(MethodView):
    @blp.arguments(LimitArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, LimitListSchema)
    @blp.doc(security=SECURITY)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Time limits per case type and priority (optionally of one type or priority)."""
        current_user()
        items = [
            limit
            for limit in catalog.limits()
            if args.get("case_type") in (None, limit.case_type)
            and args.get("priority") in (None, limit.priority)
        ]
        return {"items": items}


@blp.route("/calendar")
class Calendar(MethodView):
    @blp.arguments(CalendarArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, CalendarSchema)
    @blp.doc(security=SECURITY)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A year's official days off and make-up working days (调休). Every other Monday to
        Friday is a working day; every other Saturday and Sunday is not."""
        current_user()
        year = args.get("year") or clock.now().year
        config = current_app.config
        return {
            "year": year,
            "workday_start": config["WORKDAY_START"],
            "workday_end": config["WORKDAY_END"],
            "rule": "a date listed as workday is a working day; else one listed as holiday is "
            "not; else Monday to Friday are working days",
            "days": calendar.year_days(year),
        }
