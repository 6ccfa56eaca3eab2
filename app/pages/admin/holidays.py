"""The holiday calendar: a year's days off and make-up working days, add or remove a day,
import a year from a CSV file (the format: app/reference/holidays_csv.py)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FileField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.admin import calendar as service
from app.clock import clock
from app.errors import DomainError
from app.models.catalog import HOLIDAY, MAKEUP_WORKDAY
from app.pages.admin.common import actor, bp, message, refused_on
from app.pages.schema_form import label_of
from app.reference import calendar as reference
from app.reference import holidays_csv

KIND_LABELS = {HOLIDAY: _l("Day off"), MAKEUP_WORKDAY: _l("Make-up working day")}


class DayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[Optional()])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()],
        validate_choice=False,
    )
    name = StringField(_l("Holiday"))


class ImportForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[Optional()])
    file = FileField(_l("CSV file"))


def _year() -> int:
    raw = request.args.get("year", "")
    if raw.isdigit() and len(raw) == 4:
        year = int(raw)
        if reference.FIRST_YEAR <= year <= reference.LAST_YEAR:
            return year
    return clock.now().year


def _page(
    year: int,
    day_form: DayForm | None = None,
    import_form: ImportForm | None = None,
    errors: dict[str, list[str]] | None = None,
    lines: list[str] | None = None,
    status: int = 200,
):
    days = reference.year_days(year)
    return (
        render_template(
            "pages/admin/holidays.html",
            year=year,
            years=sorted(set(reference.years()) | {year, clock.now().year}, reverse=True),
            days=days,
            off=sum(1 for d in days if d.kind == HOLIDAY),
            worked=sum(1 for d in days if d.kind == MAKEUP_WORKDAY),
            kinds=KIND_LABELS,
            day_form=day_form or DayForm(formdata=None, day=None, kind=HOLIDAY),
            import_form=import_form or ImportForm(formdata=None, year=year),
            errors=errors or {},
            lines=lines or [],
            header=",".join(holidays_csv.HEADER),
        ),
        status,
    )


@bp.get("/holidays")
def holidays():
    return _page(_year())


@bp.post("/holidays/days")
def add_holiday():
    form = DayForm()
    year = _year()
    if not form.validate():
        return _page(year, day_form=form, status=422)
    try:
        row = service.add_day(actor(), day=form.day.data, kind=form.kind.data, name=form.name.data)
    except DomainError as exc:
        errors = {"day": refused_on(exc, form._fields)}
        return _page(year, day_form=form, errors=errors, status=422)
    flash(_("%(day)s added to the calendar.", day=row.day.isoformat()), "success")
    return redirect(url_for(".holidays", year=row.day.year), code=303)


@bp.post("/holidays/days/<day>/remove")
def remove_holiday(day: str):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        when = None
    if when is None or len(day) != 10:
        return _page(_year(), errors={"list": [_("Not a date.")]}, status=404)
    try:
        service.remove_day(actor(), when)
    except DomainError as exc:
        return _page(when.year, errors={"list": [message(exc)]}, status=exc.status)
    flash(_("%(day)s removed from the calendar.", day=day), "success")
    return redirect(url_for(".holidays", year=when.year), code=303)


@bp.post("/holidays/import")
def import_holidays():
    form = ImportForm()
    if not form.validate():
        return _page(_year(), import_form=form, status=422)
    upload = request.files.get("file")
    data = upload.stream.read(holidays_csv.MAX_BYTES + 1) if upload and upload.filename else b""
    try:
        done = service.import_year(actor(), form.year.data, data)
    except DomainError as exc:
        errors = {"import": refused_on(exc, form._fields)}
        lines = [
            (
                _("Line %(line)d: %(reason)s", line=item["line"], reason=label_of(item, ""))
                if item["line"]
                else label_of(item, "")
            )
            for item in (exc.details or {}).get("lines", [])
        ]
        year = form.year.data
        if not (year and reference.FIRST_YEAR <= year <= reference.LAST_YEAR):
            year = _year()
        return _page(year, import_form=form, errors=errors, lines=lines, status=422)
    flash(
        _(
            "%(year)d imported: %(holidays)d days off, %(workdays)d make-up working days "
            "(%(removed)d days replaced).",
            year=done.year,
            holidays=done.holidays,
            workdays=done.workdays,
            removed=done.removed,
        ),
        "success",
    )
    return redirect(url_for(".holidays", year=done.year), code=303)
