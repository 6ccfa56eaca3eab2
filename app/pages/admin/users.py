"""Users and roles: search, create, change, reset a password, disable and enable."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.admin import users as service
from app.errors import DomainError
from app.models import User
from app.pages.admin.common import actor, bp, refused_on
from app.pages.schema_form import Field, label_of
from app.vocabulary import ROLES

PER_PAGE = 50


def role_choices() -> list[tuple[str, str]]:
    return [(code, label_of({"zh": zh, "en": en}, code)) for code, (zh, en) in ROLES.items()]


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"))
    department_id = IntegerField(_l("Department"), validators=[Optional()])
    roles = SelectMultipleField(_l("Roles"), validate_choice=False)
    leader_of = SelectMultipleField(
        _l("Departments a leader oversees"), coerce=int, validate_choice=False
    )


class NewUserForm(ProfileForm):
    username = StringField(_l("Username"))
    password = PasswordField(_l("Initial password"))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"))


def _pickers(form: ProfileForm) -> dict[str, Field]:
    """The department pickers (pages/macros.html) for the form's two department fields."""
    return {
        "department": Field(
            name="department_id",
            label=str(form.department_id.label.text),
            kind="department",
            required=True,
            value=form.department_id.data,
            errors=list(form.department_id.errors),
        ),
        "leader_of": Field(
            name="leader_of",
            label=str(form.leader_of.label.text),
            kind="departments",
            required=False,
            value=form.leader_of.data or [],
            errors=list(form.leader_of.errors),
        ),
    }


@bp.get("/users")
def users():
    q = request.args.get("q", "")[:64]
    role = request.args.get("role") or None
    dept_arg = request.args.get("department_id", "")
    department_id = int(dept_arg) if dept_arg.isdigit() and len(dept_arg) < 10 else None
    page_arg = request.args.get("page", "1")
    page = int(page_arg) if page_arg.isdigit() and len(page_arg) < 6 else 1
    found = service.search(
        q=q,
        department_id=department_id,
        role=role if role in ROLES else None,
        page=max(1, page),
        per_page=PER_PAGE,
    )
    return render_template(
        "pages/admin/users.html",
        found=found,
        q=q,
        role=role,
        department_id=department_id,
        roles=role_choices(),
        pages=max(1, -(-found.total // PER_PAGE)),
    )


def _new_page(form: NewUserForm, form_errors: list[str], status: int = 200):
    form.roles.choices = [SelectChoice(c, label) for c, label in role_choices()]
    return (
        render_template(
            "pages/admin/user_new.html",
            form=form,
            pickers=_pickers(form),
            form_errors=form_errors,
        ),
        status,
    )


@bp.get("/users/new")
def new_user():
    return _new_page(NewUserForm(formdata=None), [])


@bp.post("/users/new")
def create_user():
    form = NewUserForm()
    if not form.validate():
        return _new_page(form, [], 422)
    try:
        user = service.create(
            actor(),
            username=form.username.data,
            display_name=form.display_name.data,
            department_id=form.department_id.data,
            roles=list(form.roles.data or []),
            password=form.password.data,
            leader_of=list(form.leader_of.data or []),
        )
    except DomainError as exc:
        return _new_page(form, refused_on(exc, form._fields), 422)
    flash(_("User %(username)s created.", username=user.username), "success")
    return redirect(url_for(".user", user_id=user.id), code=303)


def _user_page(
    user: User,
    profile: ProfileForm | None = None,
    password: PasswordForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
):
    profile = profile or ProfileForm(
        formdata=None,
        display_name=user.display_name,
        department_id=user.department_id,
        roles=sorted(user.role_codes),
        leader_of=service.leader_scope_ids(user),
    )
    profile.roles.choices = [SelectChoice(c, label) for c, label in role_choices()]
    return (
        render_template(
            "pages/admin/user.html",
            user=user,
            profile=profile,
            pickers=_pickers(profile),
            password=password or PasswordForm(formdata=None),
            errors=errors or {},
        ),
        status,
    )


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    return _user_page(service.get(user_id))


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):
    found = service.get(user_id)
    form = ProfileForm()
    if not form.validate():
        return _user_page(found, profile=form, status=422)
    try:
        service.update(
            actor(),
            user_id,
            display_name=form.display_name.data,
            department_id=form.department_id.data,
            roles=list(form.roles.data or []),
            leader_of=list(form.leader_of.data or []),
        )
    except DomainError as exc:
        errors = {"profile": refused_on(exc, form._fields)}
        return _user_page(found, profile=form, errors=errors, status=exc.status)
    flash(_("Saved."), "success")
    return redirect(url_for(".user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    found = service.get(user_id)
    form = PasswordForm()
    if not form.validate():
        return _user_page(found, password=form, status=422)
    try:
        service.reset_password(actor(), user_id, form.password.data)
    except DomainError as exc:
        errors = {"password": refused_on(exc, form._fields)}
        return _user_page(found, password=form, errors=errors, status=exc.status)
    flash(
        _(
            "Password of %(username)s reset; their signed-in sessions have ended.",
            username=found.username,
        ),
        "success",
    )
    return redirect(url_for(".user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/disable")
def disable_user(user_id: int):
    return _switch(user_id, False)


@bp.post("/users/<int:user_id>/enable")
def enable_user(user_id: int):
    return _switch(user_id, True)


def _switch(user_id: int, active: bool):
    found = service.get(user_id)
    try:
        service.set_active(actor(), user_id, active)
    except DomainError as exc:
        return _user_page(found, errors={"status": refused_on(exc, {})}, status=exc.status)
    flash(_("Enabled.") if active else _("Disabled; their sessions have ended."), "success")
    return redirect(url_for(".user", user_id=user_id), code=303)
