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


def test_many_at_once_reach_whom_one_at_a_time_would():
    from datetime import datetime

    from app.models import Delivery
    from app.notifications.service import Notice, notify_many

    depts = db.session.scalars(select(Department).join(User).distinct().limit(2)).all()
    users = db.session.scalars(select(User)).unique().all()
    chooser = next(u for u in users if u.department_id == depts[0].id and u.active)
    chooser.email, chooser.notify_by_email = "chooser@example.org", True
    extra = next(u for u in users if u.department_id not in {d.id for d in depts})
    at = datetime(2026, 3, 2, 9, 0)
    notices = [
        Notice(None, departments=[depts[0].id], users=[chooser.id], body="甲", at=at),
        Notice(None, departments=[depts[0].id, depts[1].id], users=[extra.id], body="乙"),
        Notice(None, body="无人"),
    ]
    for n in notices:  # one at a time first, as the reference
        notify("warning", departments=n.departments, users=n.users, body=n.body, at=n.at)
    one_by_one = sorted((r.user_id, r.body) for r in db.session.scalars(select(Notification)))
    mails = sorted((d.user_id, d.body) for d in db.session.scalars(select(Delivery)))
    db.session.rollback()
    chooser = db.session.get(User, chooser.id)
    chooser.email, chooser.notify_by_email = "chooser@example.org", True
    notify_many("warning", notices)
    got = db.session.scalars(select(Notification)).all()
    assert sorted((r.user_id, r.body) for r in got) == one_by_one
    assert (chooser.id, "甲") in one_by_one and len({r.user_id for r in got}) > 2
    assert {r.kind for r in got} == {"warning"}
    assert {r.created_at for r in got if r.body == "甲"} == {at}
    assert sorted((d.user_id, d.body) for d in db.session.scalars(select(Delivery))) == mails
    assert (chooser.id, "甲") in mails and (chooser.id, "乙") in mails
