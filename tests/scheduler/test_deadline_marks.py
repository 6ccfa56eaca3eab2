"""Deadline warnings, overdue and escalation: events in the timeline and notifications, each
exactly once and stamped with the time it fell due (help/normal: sign-for 4 working hours,
handling 5 working days, decision 8 working hours, revisit 3 working days; warnings in the
last quarter of a limit, at most 8 working hours; escalation 1 working day past a sign-for or
decision deadline, 2 past a handling one)."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.clock import clock
from app.extensions import db
from app.models import Case, CaseEvent, DeadlineMark, Notification, User
from app.scheduler import jobs

MARK_ACTIONS = ("deadline_warning", "deadline_overdue", "escalated")


def _marks(case_id: int | None = None) -> list[tuple]:
    db.session.expire_all()
    q = select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at, CaseEvent.data["clock"])
    q = q.where(CaseEvent.action.in_(MARK_ACTIONS)).order_by(CaseEvent.id)
    if case_id is not None:
        q = q.where(CaseEvent.case_id == case_id)
    return [(c, a, at, str(k).strip('"')) for c, a, at, k in db.session.execute(q)]


def _notified(username: str) -> list[tuple]:
    """The user's notifications but the flow's own (a new task, a decision: tests/notifications)."""
    uid = db.session.scalar(select(User.id).filter_by(username=username))
    return list(
        db.session.execute(
            select(Notification.kind, Notification.case_id, Notification.created_at)
            .where(Notification.user_id == uid, Notification.kind.not_in(("task", "decision")))
            .order_by(Notification.id)
        )
    )


def _counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(CaseEvent)),
        db.session.scalar(select(func.count()).select_from(Notification)),
        db.session.scalar(select(func.count()).select_from(DeadlineMark)),
    )


def test_sign_for_deadline_warns_goes_overdue_and_escalates_once(app, api, dept):
    clock.freeze(datetime(2026, 3, 2, 9, 0))  # Monday; sign-for due 13:00
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))

    clock.freeze(datetime(2026, 3, 2, 11, 59))
    assert jobs.mark_deadlines(app) == {"warning": 0, "overdue": 0, "escalated": 0}

    clock.freeze(datetime(2026, 3, 2, 12, 30))
    assert jobs.mark_deadlines(app)["warning"] == 1
    assert jobs.mark_deadlines(app) == {"warning": 0, "overdue": 0, "escalated": 0}
    assert _marks(case_id) == [(case_id, "deadline_warning", datetime(2026, 3, 2, 12, 0), "sign")]
    assert _notified("urban_handler") == [("warning", case_id, datetime(2026, 3, 2, 12, 0))]

    clock.freeze(datetime(2026, 3, 3, 14, 0))  # a working day and an hour past due
    assert jobs.mark_deadlines(app) == {"warning": 0, "overdue": 1, "escalated": 1}
    before = _counts()
    jobs.mark_deadlines(app)
    assert _counts() == before
    assert _marks(case_id) == [
        (case_id, "deadline_warning", datetime(2026, 3, 2, 12, 0), "sign"),
        (case_id, "deadline_overdue", datetime(2026, 3, 2, 13, 0), "sign"),
        (case_id, "escalated", datetime(2026, 3, 3, 13, 0), "sign"),
    ]
    assert [k for k, *_ in _notified("urban_handler")] == [
        "warning",
        "overdue",
        "escalation",
        "urge",  # the automatic urge's, to the handling department
    ]
    # The upper level (the city centre, parent of the bureau) and the oversight office.
    assert ("escalation", case_id, datetime(2026, 3, 3, 13, 0)) in _notified("dispatcher")
    assert _notified("oversight") == [("escalation", case_id, datetime(2026, 3, 3, 13, 0))]
    assert db.session.get(Case, case_id).escalated is True
    # Urged automatically, by nobody, when it escalated.
    urges = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "urge")
    ).all()
    assert [(u.user_id, u.at) for u in urges] == [(None, datetime(2026, 3, 3, 13, 0))]
    # Shown in the case's timeline.
    actions = [e["action"] for e in api.get(case_id)["timeline"]]
    assert [a for a in actions if a in MARK_ACTIONS] == list(MARK_ACTIONS)


def test_redispatch_gives_each_sign_task_its_own_deadline(app, api, dept):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    clock.freeze(datetime(2026, 3, 2, 14, 0))  # urban's sign-for passed at 13:00
    assert jobs.mark_deadlines(app)["overdue"] == 1
    api.act(case_id, "recall", "dispatcher", reason="派错单位")
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("housing"))
    clock.freeze(datetime(2026, 3, 3, 10, 30))  # housing's: due Tue 10:00
    jobs.mark_deadlines(app)
    overdue = [m for m in _marks(case_id) if m[1] == "deadline_overdue"]
    assert overdue == [
        (case_id, "deadline_overdue", datetime(2026, 3, 2, 13, 0), "sign"),
        (case_id, "deadline_overdue", datetime(2026, 3, 3, 10, 0), "sign"),
    ]


def test_catch_up_after_a_weekend_stamps_what_was_due_once(app, api, dept):
    """The scheduler was stopped from Thursday to Monday: started, it writes what it would
    have written, stamped with when each was due; run again, nothing."""
    urban = dept("urban")
    clock.freeze(datetime(2026, 3, 2, 10, 0))  # Mon: handling due Mon 9 March 10:00
    handled = api.create()["id"]
    api.act(handled, "transfer", "dispatcher", target_department_id=urban)
    api.act(handled, "sign", "urban_handler")
    clock.freeze(datetime(2026, 3, 5, 10, 0))  # Thu: an extension request, decision due Fri 10:00
    paused = api.create()["id"]
    api.act(paused, "transfer", "dispatcher", target_department_id=urban)
    api.act(paused, "sign", "urban_handler")
    api.act(paused, "extension_request", "urban_handler", days=3, reason="需要时间")
    clock.freeze(datetime(2026, 3, 6, 15, 0))  # Fri: sign-for due Mon 11:00
    unsigned = api.create()["id"]
    api.act(unsigned, "transfer", "dispatcher", target_department_id=urban)

    clock.freeze(datetime(2026, 3, 9, 16, 0))  # Monday afternoon
    jobs.run_all(app)
    assert sorted(_marks()) == sorted(
        [
            (handled, "deadline_warning", datetime(2026, 3, 6, 10, 0), "handle"),
            (handled, "deadline_overdue", datetime(2026, 3, 9, 10, 0), "handle"),
            (paused, "deadline_warning", datetime(2026, 3, 5, 16, 0), "decision"),
            (paused, "deadline_overdue", datetime(2026, 3, 6, 10, 0), "decision"),
            (paused, "escalated", datetime(2026, 3, 9, 10, 0), "decision"),
            (unsigned, "deadline_warning", datetime(2026, 3, 9, 10, 0), "sign"),
            (unsigned, "deadline_overdue", datetime(2026, 3, 9, 11, 0), "sign"),
        ]
    )
    # The decision waited too long: its own deadline; the paused handling clock did not run.
    assert db.session.get(Case, paused).escalated is True
    assert db.session.get(Case, paused).overdue is False  # app/deadlines/overdue.py's flag
    assert db.session.get(Case, handled).overdue is True
    # The dispatcher (who decides) heard of the decision's deadline, stamped when due.
    assert ("overdue", paused, datetime(2026, 3, 6, 10, 0)) in _notified("dispatcher")
    before = _counts()
    jobs.run_all(app)
    assert _counts() == before


def test_a_crash_midway_leaves_nothing_half_done(app, api, dept, monkeypatch):
    from app.scheduler import deadline_scan

    clock.freeze(datetime(2026, 3, 2, 9, 0))
    ids = [api.create()["id"] for _ in range(3)]
    for case_id in ids:
        api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    clock.freeze(datetime(2026, 3, 2, 13, 30))
    app.config["SCHEDULER_CHUNK"] = 2
    real_notify = deadline_scan.notify_many
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second chunk's (one batch a chunk here)
            raise RuntimeError("crash")
        return real_notify(*args, **kwargs)

    monkeypatch.setattr(deadline_scan, "notify_many", failing)
    with pytest.raises(RuntimeError):
        jobs.mark_deadlines(app)
    assert len([m for m in _marks() if m[1] == "deadline_warning"]) == 2  # the first chunk
    monkeypatch.setattr(deadline_scan, "notify_many", real_notify)
    jobs.mark_deadlines(app)
    warned = [m[0] for m in _marks() if m[1] == "deadline_warning"]
    assert sorted(warned) == sorted(ids)
    assert len([n for n in _notified("urban_handler") if n[0] == "warning"]) == 3


def test_revisit_reminders_go_to_the_revisit_staff(app, api, dept):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case_id, "sign", "urban_handler")
    api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
    clock.freeze(datetime(2026, 3, 5, 10, 0))  # revisit due Thu 09:00
    jobs.mark_deadlines(app)
    kinds = [k for k, c, _ in _notified("revisit") if c == case_id]
    assert kinds == ["revisit_reminder", "revisit_reminder"]  # near, then past its due time
    assert [a for _, a, _, k in _marks(case_id)] == ["deadline_warning", "deadline_overdue"]
    assert not [n for n in _notified("urban_handler") if n[0] in ("warning", "overdue")]


def test_daily_digest_once_per_day(app, api, dept):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    for _ in range(2):
        case_id = api.create()["id"]
        api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    clock.freeze(datetime(2026, 3, 3, 8, 0))
    assert jobs.send_digests(app) == 0  # before 08:30
    jobs.mark_deadlines(app)
    clock.freeze(datetime(2026, 3, 3, 8, 45))
    assert jobs.send_digests(app) >= 1
    assert jobs.send_digests(app) == 0
    uid = db.session.scalar(select(User.id).filter_by(username="urban_handler"))
    digests = db.session.scalars(
        select(Notification).where(Notification.user_id == uid, Notification.kind == "digest")
    ).all()
    assert len(digests) == 1
    assert digests[0].data == {"pending": 2, "warning": 0, "overdue": 2}
    assert digests[0].created_at == datetime(2026, 3, 3, 8, 30)
    clock.freeze(datetime(2026, 3, 4, 9, 0))
    assert jobs.send_digests(app) >= 1  # the next day's
