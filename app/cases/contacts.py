"""Repeat contacts (重复诉求归并): a call about a case that is already open is recorded on that
case (who called, when, by which channel, what they said, the agent) instead of opening a new
one, with a `contact` event on its timeline; and a caller's history (their earlier cases and
contacts), which the agent's intake page shows first.

The API (`POST /api/v1/cases/<id>/contacts`) and the intake page call `add_contact`; both load
its input with `ContactSchema` (the page through the OpenAPI document's copy, as the intake).
Names and phones of callers on a confidential case are masked as the case's own citizen is
(app/cases/masking.py), and such a case is not found by a caller's phone by a user who may not
see it (app/auth/policy.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app import fields as f
from app.auth import policy
from app.cases import masking, queries
from app.cases.intake_schema import CHANNEL_LABELS, phone_field
from app.clock import clock
from app.errors import Conflict
from app.extensions import db
from app.models import Case, CaseContact, CaseEvent, CaseType, User
from app.models.catalog import CHANNELS
from app.vocabulary import CLOSED

HISTORY_LIMIT = 20  # earlier cases (and contacts) of a caller shown at intake
CONTACT_EVENT = "contact"  # the timeline's action for a merged call


class ContactSchema(Schema):
    """A call (or message) merged into an existing case."""

    channel = fields.String(
        load_default="phone",
        validate=validate.OneOf(CHANNELS),
        metadata={"title": "来源渠道 Channel", "x-labels": CHANNEL_LABELS},
    )
    caller_name = f.Line(100, min_length=1, required=True, metadata={"title": "来电人 Caller"})
    caller_phone = phone_field(required=True, metadata={"title": "联系电话 Phone"})
    content = f.Text(
        10000, min_length=2, required=True, metadata={"title": "来电内容 What the caller said"}
    )


@dataclass(frozen=True)
class Contact:
    channel: str
    caller_name: str
    caller_phone: str
    content: str


class ContactItem(TypedDict):
    id: int
    case_id: int
    case_number: str
    at: datetime
    channel: str
    caller_name: str  # masked as the case's citizen is (confidential cases)
    caller_phone: str
    content: str
    user: str | None  # who recorded it


def add_contact(
    case_id: int, contact: Contact, user: User, client_ip: str = ""
) -> tuple[Case, ContactItem]:
    """Record the call on the case, with its timeline event, in one transaction. Refused for a
    user who may not register calls (403), a case outside their scope (404) and a closed case
    (409 `case_closed`: a call about it again is a new case)."""
    policy.check_add_contact(user)
    case = queries.get_visible_case(user, str(case_id))
    if case.status == CLOSED:
        raise Conflict(
            "case_closed",
            "该工单已办结，不能归并来电；请作为新工单受理",
            "The case is closed: accept the call as a new case",
        )
    now = clock.now()
    row = CaseContact(
        case_id=case.id,
        at=now,
        day=now.date(),
        channel=contact.channel,
        caller_name=contact.caller_name,
        caller_phone=contact.caller_phone,
        content=contact.content,
        user_id=user.id,
        department_id=case.current_department_id,
        client_ip=client_ip,
    )
    try:
        db.session.add(row)
        db.session.flush()  # its id, for the event
        # The event names the contact, not the caller: the timeline is shown unmasked.
        db.session.add(
            CaseEvent(
                case_id=case.id,
                at=now,
                user_id=user.id,
                action=CONTACT_EVENT,
                from_department_id=user.department_id,
                comment=contact.content,
                data={"contact_id": row.id, "channel": contact.channel},
                client_ip=client_ip,
            )
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return case, _item(user, case, row, user.display_name)


def contacts_of(user: User, case: Case) -> list[ContactItem]:
    """The case's repeat contacts, oldest first (the case must be one the user may see)."""
    rows = db.session.execute(
        select(CaseContact, User.display_name)
        .outerjoin(User, User.id == CaseContact.user_id)
        .where(CaseContact.case_id == case.id)
        .order_by(CaseContact.at, CaseContact.id)
    ).all()
    return [_item(user, case, row, name) for row, name in rows]


def _item(viewer: User, case: Case, row: CaseContact, by: str | None) -> ContactItem:
    name, phone = masking.citizen_of(viewer, case, row.caller_name, row.caller_phone)
    return {
        "id": row.id,
        "case_id": case.id,
        "case_number": case.number,
        "at": row.at,
        "channel": row.channel,
        "caller_name": name,
        "caller_phone": phone,
        "content": row.content,
        "user": by,
    }


# --- A caller's history --------------------------------------------------------------------


class CallerHistory(TypedDict):
    cases: list[queries.CaseSummary]  # their cases, newest first
    contacts: list[ContactItem]  # their calls merged into cases, newest first


def phone_variants(phone: str) -> list[str]:
    """The phone as typed and with its separators dropped (138-0000-1111, 13800001111): the
    forms a stored number may have. None for fewer than 5 digits (a number being typed)."""
    typed = phone.strip()
    bare = re.sub(r"[^0-9+]", "", typed)
    if len(re.sub(r"\D", "", bare)) < 5:
        return []
    return sorted({typed, bare})


def caller_history(user: User, phone: str, limit: int = HISTORY_LIMIT) -> CallerHistory:
    """The caller's earlier cases and contacts that the user may see (scope), and may find by
    phone (a confidential case only for those who see its citizen)."""
    phones = phone_variants(phone)
    dept_ids = policy.scope_department_ids(user)
    if not phones or dept_ids == []:
        return {"cases": [], "contacts": []}
    limits = [c for c in (policy.visible_cases_clause(user, dept_ids),) if c is not None]
    searchable = policy.citizen_searchable_clause(user)
    if searchable is not None:
        limits.append(searchable)
    cases = db.session.scalars(
        select(Case)
        .where(Case.citizen_phone.in_(phones), *limits)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    ).all()
    contact_rows = db.session.execute(
        select(CaseContact, Case, User.display_name)
        .join(Case, Case.id == CaseContact.case_id)
        .outerjoin(User, User.id == CaseContact.user_id)
        .where(CaseContact.caller_phone.in_(phones), *limits)
        .order_by(CaseContact.at.desc(), CaseContact.id.desc())
        .limit(limit)
    ).all()
    now, types = clock.now(), type_codes()
    return {
        "cases": [queries.summary(c, types, now, user) for c in cases],
        "contacts": [_item(user, case, row, name) for row, case, name in contact_rows],
    }


def type_codes() -> queries.Names:
    """Case type codes by id, as summaries name the type."""
    return {
        type_id: code for type_id, code in db.session.execute(select(CaseType.id, CaseType.code))
    }
