"""Likely repeats (重复诉求): the cases of the last days a caller may be calling about again,
shown to the agent before a new case is opened, to merge the call into instead
(app/cases/contacts.py).

A case accepted within `WINDOW` (7 days) is a likely repeat when
- **same phone**: its citizen's phone is the caller's, or the caller called about it already
  (a contact of the window, app/models/contact.py); or
- **similar content at a similar address**: the two addresses, normalised (`address_key`:
  NFKC, lower case, letters and digits only — "东城区 和平路１号" is "东城区和平路1号"), share
  their first `ADDRESS_PREFIX` characters (district and street in a Chinese address; a shorter
  new address must be a prefix of the other's), and the two contents are similar: the Dice
  coefficient of their sets of character bigrams is at least `CONTENT_SIMILAR`. Bigrams, not
  words: Chinese has no spaces, and "路灯不亮" shares its bigrams with "门口的路灯一直不亮"
  in any order; difflib's ratio is order-bound and quadratic on long texts.

The database picks the candidates by its indexes only, each arm with the window's bound: the
case phone index, the contacts' phone index, the address key's prefix (ix_case_address_key_
created); at most `CANDIDATES` per arm, newest first. Python scores those. Scope applies (a
user is warned only of cases they may see), and so does confidentiality: a confidential case is
not found by its phone by a user who may not see its citizen (app/auth/policy.py).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, select

from app.auth import policy
from app.cases import contacts, queries
from app.clock import clock
from app.extensions import db
from app.models import Case, CaseContact, User
from app.vocabulary import CLOSED

WINDOW = timedelta(days=7)
ADDRESS_PREFIX = 6
MIN_ADDRESS = 4  # a new address shorter than this (normalised) is compared with none
ADDRESS_KEY_LENGTH = 64  # the column's length
CONTENT_SIMILAR = 0.3
MIN_CONTENT = 4  # normalised characters of content before it is compared
COMPARED_CONTENT = 1000  # normalised characters of each content scored
CANDIDATES = 200
SHOWN = 5


class Repeat(TypedDict):
    case: queries.CaseSummary
    same_phone: bool  # the first reason: the caller's phone
    similar: bool  # the second: similar content at a similar address
    similarity: float  # of the contents, 0..1 (0 when there was no content to compare)
    closed: bool  # a closed case takes no more calls: a new case, then


def normalise(text: str) -> str:
    """Letters and digits only, full-width folded (NFKC) and lower case."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def address_key(address: str) -> str:
    """The address as the check compares it (stored on the case at intake)."""
    return normalise(address)[:ADDRESS_KEY_LENGTH]


def bigrams(text: str) -> frozenset[str]:
    norm = normalise(text)[:COMPARED_CONTENT]
    if len(norm) < 2:
        return frozenset({norm}) if norm else frozenset()
    return frozenset(norm[i : i + 2] for i in range(len(norm) - 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice: twice the shared bigrams over the bigrams of both."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def likely_repeats(
    user: User, phone: str = "", address: str = "", content: str = "", shown: int = SHOWN
) -> list[Repeat]:
    """The likeliest repeats among the cases the user may see, likeliest first: same phone
    before the rest, then by content similarity, then the newest."""
    dept_ids = policy.scope_department_ids(user)
    if dept_ids == []:
        return []
    now = clock.now()
    since = now - WINDOW
    scope = [c for c in (policy.visible_cases_clause(user, dept_ids),) if c is not None]
    by_phone = _by_phone(user, phone, since, scope)
    by_address = _by_address(address, since, scope)
    words = bigrams(content) if len(normalise(content)) >= MIN_CONTENT else frozenset()
    found: list[tuple[bool, float, datetime, Repeat]] = []
    types = None
    for case_id, case in {**by_address, **by_phone}.items():
        score = similarity(words, bigrams(case.content)) if words else 0.0
        same_phone = case_id in by_phone
        similar = case_id in by_address and score >= CONTENT_SIMILAR
        if not (same_phone or similar):
            continue
        types = types if types is not None else contacts.type_codes()
        repeat: Repeat = {
            "case": queries.summary(case, types, now, user),
            "same_phone": same_phone,
            "similar": similar,
            "similarity": round(score, 2),
            "closed": case.status == CLOSED,
        }
        found.append((same_phone, score, case.created_at, repeat))
    found.sort(key=lambda item: item[:3], reverse=True)
    return [item[3] for item in found[:shown]]


def _by_phone(
    user: User, phone: str, since: datetime, scope: list[ColumnElement[bool]]
) -> dict[int, Case]:
    phones = contacts.phone_variants(phone)
    if not phones:
        return {}
    limits = list(scope)
    searchable = policy.citizen_searchable_clause(user)
    if searchable is not None:
        limits.append(searchable)
    called = select(CaseContact.case_id).where(
        CaseContact.caller_phone.in_(phones), CaseContact.at >= since
    )
    out = _cases(Case.citizen_phone.in_(phones), Case.created_at >= since, *limits)
    out.update(_cases(Case.id.in_(called), *limits))
    return out


def _by_address(address: str, since: datetime, scope: list[ColumnElement[bool]]) -> dict[int, Case]:
    key = address_key(address)
    if len(key) < MIN_ADDRESS:
        return {}
    prefix = key[:ADDRESS_PREFIX]  # letters and digits only: nothing LIKE would read
    return _cases(Case.address_key.like(prefix + "%"), Case.created_at >= since, *scope)


def _cases(*conds: Any) -> dict[int, Case]:
    rows = db.session.scalars(
        select(Case).where(*conds).order_by(Case.created_at.desc()).limit(CANDIDATES)
    ).all()
    return {c.id: c for c in rows}
