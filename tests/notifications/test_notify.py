"""`notify`: one row per recipient, in the caller's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Department, Notification, User
from app.notifications.service import notify


def test_a_department_is_its_active_desk_staff_once_each():
    dept = db.session.scalars(select(Department).join(User).limit(1)).first()
    staff = (
        db.session.scalars(select(User).where(User.department_id == dept.id, User.active))
        .unique()
        .all()
    )
    extra = db.session.scalars(select(User).where(User.department_id != dept.id)).first()
    notify("urge", departments=[dept.id], users=[extra.id, staff[0].id], body="快办", case_id=None)
    rows = db.session.scalars(select(Notification)).all()
    got = sorted(r.user_id for r in rows)
    desk = {u.id for u in staff if u.role_codes & {"agent", "dispatcher", "handler", "revisit"}}
    assert got == sorted(desk | {extra.id})
    assert {r.kind for r in rows} == {"urge"} and {r.body for r in rows} == {"快办"}


def test_an_unknown_kind_is_refused_and_writes_nothing():
    with pytest.raises(ValueError):
        notify("gossip", users=[1])
    assert db.session.scalars(select(Notification)).all() == []


def test_nothing_commits_without_the_caller():
    user = db.session.scalars(select(User)).first()
    notify("announcement", users=[user.id], body="停电通知")
    db.session.rollback()
    assert db.session.scalars(select(Notification)).all() == []
