"""The escalation ladder (督办阶梯): its rules (app/oversight/rules.py) as stored, and `run`,
the scheduler's job that takes the steps due on every open case, once each.

A step counts from the case's handling deadline (办理时限, `handle_due_at`) while it runs
(open, clock not paused: app/deadlines/overdue.py): an automatic urge so long before it, a
notice (催办通知书, a PDF from app/oversight/notice.py) and the notice list (通报) so long after
it, in working time of the city's calendar. Each step is taken once per case, step and
deadline: the `ladder_step` row's unique key is the claim, so a second run, or a second
scheduler process, takes nothing twice; a new deadline (a new round, an extension) is a new
ladder. Steps missed while no scheduler ran are taken late, each stamped with the time it was
due (its event's time, the notification's time and the row's `due_at`). An urge whose time
fell before the handling clock started (a limit shorter than the offset) is not taken.

Each step notifies the department's liaison, taken to be the handlers (承办人) of the
departments holding the case's open tasks: the urge through `urge` (their desk staff), the
notice and the list with kind "escalation".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.audit_log import record
from app.auth import policy
from app.clock import clock
from app.deadlines import overdue, standing
from app.deadlines import service as deadlines
from app.deadlines.calendar import WorkCalendar
from app.errors import Invalid
from app.extensions import db
from app.models import Case, CaseEvent, LadderRule, LadderStep, User
from app.notifications.service import notify
from app.oversight import cases, urges
from app.oversight.rules import STEP_WORDS, Rule, parse

NOTICE_EVENT = "notice"
LIST_EVENT = "notice_list"
LIAISON_ROLES = frozenset({"handler"})
BATCH = 500  # cases read per query


# --- the rules, as stored --------------------------------------------------------------------


def rules() -> list[Rule]:
    return [
        Rule(r.step, r.amount, r.unit, r.direction, r.text)  # type: ignore[arg-type]
        for r in db.session.scalars(select(LadderRule).order_by(LadderRule.id))
    ]


def save(lines: list[str], *, by: User, client_ip: str = "") -> list[Rule]:
    """Replace the ladder with these rules, or refuse them all (422 `ladder_invalid`, each
    refusal with its line in `details.errors`): nothing is saved then."""
    policy.check_oversee(by)
    parsed, errors = parse(lines, standing.day_seconds(deadlines.work_calendar()))
    if errors:
        raise Invalid(
            "ladder_invalid",
            "督办阶梯规则有误，未保存",
            "The ladder's rules are refused; nothing was saved",
            field="rules",
            errors=[{"line": e.line, "code": e.code, "zh": e.zh, "en": e.en} for e in errors],
        )
    now = clock.now()
    try:
        db.session.execute(delete(LadderRule))
        for rule in parsed:
            db.session.add(
                LadderRule(
                    step=rule.step,
                    amount=rule.amount,
                    unit=rule.unit,
                    direction=rule.direction,
                    text=rule.text,
                    updated_at=now,
                    updated_by_id=by.id,
                )
            )
        record(by, client_ip, "ladder_saved", "ladder_rule", "all", rules=[r.text for r in parsed])
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return parsed


# --- when a step is due ---------------------------------------------------------------------


def step_due(rule: Rule, deadline: datetime, cal: WorkCalendar) -> datetime:
    seconds = rule.seconds(standing.day_seconds(cal))
    if rule.direction == "before":
        return cal.latest_before(deadline, seconds)
    return cal.add_working_seconds(deadline, seconds)


# --- the job ---------------------------------------------------------------------------------


def _claim(case_id: int, rule: Rule, deadline: datetime, due: datetime, now: datetime) -> bool:
    """Insert the step's row unless it exists: True when this run took the step. The insert
    is the transaction's first statement: on SQLite it takes the write lock (waiting its
    turn) before anything is read, so a second process never acts on a stale read."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = db.session.execute(
        insert(LadderStep)
        .values(case_id=case_id, step=rule.step, deadline_at=deadline, due_at=due, taken_at=now)
        .on_conflict_do_nothing(index_elements=["case_id", "step", "deadline_at"])
        .returning(LadderStep.id)
    )
    step_id = result.scalar()
    if step_id is None:
        return False
    holders = cases.holders(case_id)
    if holders:
        db.session.execute(
            update(LadderStep).where(LadderStep.id == step_id).values(department_id=holders[0])
        )
    return True


def _take(case_id: int, rule: Rule, deadline: datetime, due: datetime) -> None:
    when = f"{deadline:%Y-%m-%d %H:%M}"
    if rule.step == "urge":
        urges.urge(
            [case_id],
            f"自动催办：办理时限为 {when}，请抓紧办理。",
            by=None,
            at=due,
            auto=True,
            commit=False,
        )
        return
    action = NOTICE_EVENT if rule.step == "notice" else LIST_EVENT
    zh = STEP_WORDS[rule.step][0]
    holders = cases.holders(case_id)
    text = f"{zh}：办理时限 {when} 已过（{rule.text}）。"
    db.session.add(
        CaseEvent(
            case_id=case_id,
            at=due,
            user_id=None,
            action=action,
            to_department_id=holders[0] if holders else None,
            comment=text,
            data={"rule": rule.text, "deadline_at": deadline.isoformat(), "auto": True},
        )
    )
    notify(
        "escalation",
        departments=holders,
        roles=LIAISON_ROLES,
        case_id=case_id,
        body=text,
        data={"step": rule.step, "deadline_at": deadline.isoformat()},
        at=due,
    )


def _candidates(rule: Rule, bound: datetime, after: tuple[datetime, int] | None):
    query = select(Case.id, Case.handle_due_at, Case.handle_started_at).where(
        overdue.runs_clause(),
        Case.handle_due_at.is_not(None),
        Case.handle_due_at <= bound,
        ~exists().where(
            LadderStep.case_id == Case.id,
            LadderStep.step == rule.step,
            LadderStep.deadline_at == Case.handle_due_at,
        ),
    )
    if after is not None:
        query = query.where(
            (Case.handle_due_at > after[0])
            | ((Case.handle_due_at == after[0]) & (Case.id > after[1]))
        )
    return db.session.execute(query.order_by(Case.handle_due_at, Case.id).limit(BATCH)).all()


def run(app_or_now: object = None) -> int:
    """The scheduler's job: take every ladder step due at `now` (a datetime; otherwise, e.g.
    the app the scheduler passes, the clock's time) not taken yet; returns how many."""
    now = app_or_now if isinstance(app_or_now, datetime) else clock.now()
    cal = deadlines.work_calendar()
    day = standing.day_seconds(cal)
    taken = 0
    for rule in rules():
        seconds = rule.seconds(day)
        # The latest deadline whose step is due by now (checked exactly per case below).
        if rule.direction == "before":
            bound = cal.add_working_seconds(now, seconds)
        else:
            bound = cal.latest_before(now, seconds)
        after: tuple[datetime, int] | None = None
        while rows := _candidates(rule, bound, after):
            db.session.commit()  # ends the read: each claim below is its own transaction
            after = (rows[-1].handle_due_at, rows[-1].id)
            for case_id, deadline, started in rows:
                due = step_due(rule, deadline, cal)
                if due > now or (rule.direction == "before" and started and due < started):
                    continue
                try:
                    if _claim(case_id, rule, deadline, due, now):
                        _take(case_id, rule, deadline, due)
                        taken += 1
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
    return taken
