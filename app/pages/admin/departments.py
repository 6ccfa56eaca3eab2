"""Departments: the tree, add, and per department rename, move, deactivate, reactivate."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.admin import departments as service
from app.errors import DomainError
from app.models import Department
from app.models.org import CITY, DEPARTMENT, DISTRICT
from app.pages.admin.common import actor, bp, refused_on
from app.reference import departments as reference

KIND_LABELS = {
    CITY: _l("City centre"),
    DISTRICT: _l("District centre"),
    DEPARTMENT: _l("Handling department"),
}


class AddForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(DEPARTMENT, KIND_LABELS[DEPARTMENT]),
            SelectChoice(DISTRICT, KIND_LABELS[DISTRICT]),
        ],
        validate_choice=False,
    )
    parent_id = IntegerField(_l("Parent"), validators=[Optional()])
    code = StringField(_l("Code"))
    name = StringField(_l("Name"))
    name_en = StringField(_l("English name"))


class RenameForm(FlaskForm):
    name = StringField(_l("Name"))
    name_en = StringField(_l("English name"))


class MoveForm(FlaskForm):
    parent_id = IntegerField(_l("New parent"), validators=[Optional()])


def _tree_page(form: AddForm, form_errors: list[str], status: int = 200):
    nodes = reference.tree(include_inactive=True)
    return (
        render_template(
            "pages/admin/departments.html",
            nodes=nodes,
            users=service.active_users(),
            centres=service.centres(),
            kinds=KIND_LABELS,
            form=form,
            form_errors=form_errors,
        ),
        status,
    )


@bp.get("/departments")
def departments():
    return _tree_page(AddForm(formdata=None), [])


@bp.post("/departments")
def add_department():
    form = AddForm()
    if not form.validate():
        return _tree_page(form, [], 422)
    try:
        dept = service.add(
            actor(),
            code=form.code.data,
            name=form.name.data,
            name_en=form.name_en.data,
            kind=form.kind.data,
            parent_id=form.parent_id.data,
        )
    except DomainError as exc:
        return _tree_page(form, refused_on(exc, form._fields), 422)
    flash(_("Department %(name)s added.", name=dept.name), "success")
    return redirect(url_for(".department", dept_id=dept.id), code=303)


def _edit_page(
    dept: Department,
    rename: RenameForm | None = None,
    move: MoveForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
):
    rename = rename or RenameForm(formdata=None, name=dept.name, name_en=dept.name_en)
    move = move or MoveForm(formdata=None, parent_id=dept.parent_id)
    ancestors: list[Department] = []
    node = dept.parent
    while node is not None:
        ancestors.insert(0, node)
        node = node.parent
    below_ids = {d.id for d in service.below(dept)}
    below = [n for n in reference.tree(include_inactive=True) if n.id in below_ids]
    return (
        render_template(
            "pages/admin/department.html",
            dept=dept,
            ancestors=ancestors,
            below=below,
            kinds=KIND_LABELS,
            rename=rename,
            move=move,
            centres=[c for c in service.centres() if not c.path.startswith(dept.path)],
            open_work=service.open_work(dept.id),
            users=service.active_users(dept.id).get(dept.id, 0),
            errors=errors or {},
        ),
        status,
    )


@bp.get("/departments/<int:dept_id>")
def department(dept_id: int):
    return _edit_page(service.get(dept_id))


@bp.post("/departments/<int:dept_id>/rename")
def rename_department(dept_id: int):
    dept = service.get(dept_id)
    form = RenameForm()
    if not form.validate():
        return _edit_page(dept, rename=form, status=422)
    try:
        service.rename(actor(), dept_id, name=form.name.data, name_en=form.name_en.data)
    except DomainError as exc:
        errors = {"rename": refused_on(exc, form._fields)}
        return _edit_page(dept, rename=form, errors=errors, status=exc.status)
    flash(_("Renamed."), "success")
    return redirect(url_for(".department", dept_id=dept_id), code=303)


@bp.post("/departments/<int:dept_id>/move")
def move_department(dept_id: int):
    dept = service.get(dept_id)
    form = MoveForm()
    if not form.validate():
        return _edit_page(dept, move=form, status=422)
    try:
        service.move(actor(), dept_id, parent_id=form.parent_id.data)
    except DomainError as exc:
        errors = {"move": refused_on(exc, form._fields)}
        return _edit_page(dept, move=form, errors=errors, status=exc.status)
    flash(_("Moved; the departments below it moved with it."), "success")
    return redirect(url_for(".department", dept_id=dept_id), code=303)


@bp.post("/departments/<int:dept_id>/deactivate")
def deactivate_department(dept_id: int):
    return _switch(dept_id, service.deactivate, _("Deactivated."))


@bp.post("/departments/<int:dept_id>/activate")
def activate_department(dept_id: int):
    return _switch(dept_id, service.activate, _("Reactivated."))


def _switch(dept_id: int, change, done: str):
    dept = service.get(dept_id)
    try:
        change(actor(), dept_id)
    except DomainError as exc:
        return _edit_page(dept, errors={"status": refused_on(exc, {})}, status=exc.status)
    flash(done, "success")
    return redirect(url_for(".department", dept_id=dept_id), code=303)
