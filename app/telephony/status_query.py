"""A case's status by keypad (按键查询): the case number's digits and its query password, as
the caller pressed them. A wrong number and a wrong password answer alike (404
`case_not_found`), so the keypad tells nobody which numbers exist; after
TELEPHONY_STATUS_QUERY_FAILURES failures from one calling number within the window every
further query from it is refused (429 `too_many_attempts`), right or wrong. The failures are
rows in the database, so every worker counts the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from app.auth import policy
from app.cases import query_password
from app.clock import clock
from app.deadlines.service import status_words
from app.errors import DomainError, case_not_found
from app.extensions import db
from app.models import Case, StatusQueryFailure, User
from app.telephony import settings
from app.telephony.transaction import atomic


@dataclass(frozen=True)
class Answer:
    number: str
    status: str
    overdue: bool
    zh: str
    en: str


def normalised(number: str) -> str:
    """20261201000123 or 20261201-000123 -> 20261201-000123 (the stored form)."""
    digits = number.replace("-", "")
    return f"{digits[:8]}-{digits[8:]}"


def too_many() -> DomainError:
    return DomainError(
        "too_many_attempts",
        "查询失败次数过多，请稍后再试",
        "Too many failed queries from this number; try again later",
        status=429,
    )


@atomic
def query(number: str, password: str, caller: str, by: User) -> Answer:
    """The case's status words, or a refusal (a failure is recorded, committed)."""
    policy.check_bridge(by)
    now = clock.now()
    window = timedelta(seconds=int(settings.setting("TELEPHONY_STATUS_QUERY_WINDOW_SECONDS")))
    limit = int(settings.setting("TELEPHONY_STATUS_QUERY_FAILURES"))
    failures = db.session.scalar(
        select(func.count())
        .select_from(StatusQueryFailure)
        .where(StatusQueryFailure.caller == caller, StatusQueryFailure.at > now - window)
    )
    if (failures or 0) >= limit:
        raise too_many()
    wanted = normalised(number)
    found = db.session.execute(
        select(Case.id, Case.query_password_hash).where(Case.number == wanted)
    ).first()
    if found is None or not query_password.check_password(wanted, password, found[1] or ""):
        db.session.execute(
            delete(StatusQueryFailure).where(
                StatusQueryFailure.caller == caller, StatusQueryFailure.at <= now - window
            )
        )
        db.session.add(StatusQueryFailure(caller=caller, at=now))
        db.session.commit()
        raise case_not_found()
    case = db.session.get(Case, found[0])
    assert case is not None
    words = status_words(case, now)
    db.session.commit()
    return Answer(case.number, words["status"], words["overdue"], words["zh"], words["en"])
