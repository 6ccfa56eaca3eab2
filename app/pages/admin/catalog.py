"""Case types with their time limits per priority, and the category tree."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import Optional

from app.admin import catalog as service
from app.errors import DomainError
from app.models.catalog import PRIORITIES, PRIORITY_WORDS
from app.pages.admin.common import actor, bp, refused_on
from app.pages.listing import word
from app.reference import catalog as reference

LIMIT_LABELS = {
    "sign_hours": _l("Sign for within (working hours)"),
    "handle_days": _l("Handle within (working days)"),
    "revisit_days": _l("Revisit within (working days)"),
    "decision_hours": _l("Decide a request within (working hours)"),
    "warn_hours": _l("Warn this many hours before a due time"),
}


@bp.get("/case-types")
def case_types():
    return render_template(
        "pages/admin/case_types.html",
        types=reference.case_types(),
        priorities={p: word(PRIORITY_WORDS, p) for p in PRIORITIES},
        limit_labels=LIMIT_LABELS,
    )


def _case_type_page(type_id: int, values: dict, errors: dict, form_errors: list, status: int):
    row = next((t for t in reference.case_types() if t.id == type_id), None)
    if row is None:
        service.get_case_type(type_id)  # 404
    return (
        render_template(
            "pages/admin/case_type.html",
            case_type=row,
            values=values,
            errors=errors,
            form_errors=form_errors,
            priorities={p: word(PRIORITY_WORDS, p) for p in PRIORITIES},
            limit_labels=LIMIT_LABELS,
        ),
        status,
    )


@bp.get("/case-types/<int:type_id>")
def case_type(type_id: int):
    service.get_case_type(type_id)
    row = next(t for t in reference.case_types() if t.id == type_id)
    values: dict[str, object] = {"name": row.name, "name_en": row.name_en}
    for limit in row.limits:
        for key in service.LIMIT_BOUNDS:
            values[f"{limit.priority}-{key}"] = _shown(getattr(limit, key))
    return _case_type_page(type_id, values, {}, [], 200)


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@bp.post("/case-types/<int:type_id>")
def update_case_type(type_id: int):
    service.get_case_type(type_id)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    errors: dict[str, list[str]] = {}
    limits: dict[str, dict[str, float | int | None]] = {}
    for priority in PRIORITIES:
        limits[priority] = {}
        for key in service.LIMIT_BOUNDS:
            name = f"{priority}-{key}"
            raw = (request.form.get(name) or "").strip()
            try:
                limits[priority][key] = float(raw) if raw else None
            except ValueError:
                errors[name] = [_("Enter a number.")]
    if errors:
        return _case_type_page(type_id, values, errors, [], 422)
    try:
        service.update_case_type(
            actor(),
            type_id,
            name=request.form.get("name"),
            name_en=request.form.get("name_en"),
            limits=limits,
        )
    except DomainError as exc:
        name = (exc.details or {}).get("field", "")
        errors[name] = []
        form_errors = refused_on(exc, errors)
        return _case_type_page(type_id, values, errors, form_errors, 422)
    flash(_("Saved. New limits apply to deadlines set from now on."), "success")
    return redirect(url_for(".case_types"), code=303)


class CategoryForm(FlaskForm):
    parent_id = IntegerField(_l("Parent category"), validators=[Optional()])
    code = StringField(_l("Code"))
    name = StringField(_l("Name"))
    name_en = StringField(_l("English name"))


class CategoryRenameForm(FlaskForm):
    name = StringField(_l("Name"))
    name_en = StringField(_l("English name"))


def _categories_page(form: CategoryForm, form_errors: list[str], status: int = 200):
    return (
        render_template(
            "pages/admin/categories.html",
            categories=reference.categories(),
            form=form,
            form_errors=form_errors,
        ),
        status,
    )


@bp.get("/categories")
def categories():
    return _categories_page(CategoryForm(formdata=None), [])


@bp.post("/categories")
def add_category():
    form = CategoryForm()
    if not form.validate():
        return _categories_page(form, [], 422)
    try:
        category = service.add_category(
            actor(),
            code=form.code.data,
            name=form.name.data,
            name_en=form.name_en.data,
            parent_id=form.parent_id.data,
        )
    except DomainError as exc:
        return _categories_page(form, refused_on(exc, form._fields), 422)
    flash(_("Category %(name)s added.", name=category.name), "success")
    return redirect(url_for(".categories"), code=303)


def _category_page(category_id: int, form: CategoryRenameForm | None, errors, status=200):
    category = service.get_category(category_id)
    form = form or CategoryRenameForm(formdata=None, name=category.name, name_en=category.name_en)
    return (
        render_template(
            "pages/admin/category.html", category=category, form=form, form_errors=errors
        ),
        status,
    )


@bp.get("/categories/<int:category_id>")
def category(category_id: int):
    return _category_page(category_id, None, [])


@bp.post("/categories/<int:category_id>")
def rename_category(category_id: int):
    service.get_category(category_id)
    form = CategoryRenameForm()
    if not form.validate():
        return _category_page(category_id, form, [], 422)
    try:
        service.rename_category(
            actor(), category_id, name=form.name.data, name_en=form.name_en.data
        )
    except DomainError as exc:
        return _category_page(category_id, form, refused_on(exc, form._fields), 422)
    flash(_("Renamed."), "success")
    return redirect(url_for(".categories"), code=303)
