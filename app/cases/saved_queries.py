"""Saved queries: a user names the filters of the combined query page and runs them again.

A user sees, runs and deletes only their own: another user's id answers as a missing one does
(404). Names are unique per user (1 to NAME_MAX characters once trimmed); the filters are
checked with the list's schema when saved, and kept as the link's query string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases import list_args
from app.clock import clock
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import SavedQuery, User
from app.models.saved_query import NAME_MAX


def mine(user: User) -> Sequence[SavedQuery]:
    return db.session.scalars(
        select(SavedQuery).where(SavedQuery.user_id == user.id).order_by(SavedQuery.name)
    ).all()


def get_mine(user: User, query_id: int) -> SavedQuery:
    found = db.session.get(SavedQuery, query_id)
    if found is None or found.user_id != user.id:
        raise NotFound("saved_query_not_found", "没有这个已保存的查询", "No such saved query")
    return found


def _name_refused(zh: str, en: str, code: str = "invalid_name") -> Invalid:
    return Invalid(code, zh, en, errors=[{"field": "name", "message": {"zh": zh, "en": en}}])


def save(user: User, name: str, filters: Mapping[str, str]) -> SavedQuery:
    """Saves the filters (a query string's arguments) under the name; refuses an empty or
    overlong name, a name the user already uses, and filters the list would refuse."""
    name = name.strip()
    if not name:
        raise _name_refused("请填写查询名称", "Give the query a name")
    if len(name) > NAME_MAX:
        raise _name_refused(
            f"查询名称最多 {NAME_MAX} 个字", f"A query's name has at most {NAME_MAX} characters"
        )
    args, errors = list_args.load(filters)
    if args is None:
        raise Invalid(
            "invalid_filters",
            "查询条件有误，请先改正再保存",
            "The filters are not valid; correct them before saving",
            errors=[{"field": k, "message": v} for k, v in errors.items()],
        )
    taken = db.session.scalar(
        select(SavedQuery.id).where(SavedQuery.user_id == user.id, SavedQuery.name == name)
    )
    duplicate = Conflict(
        "duplicate_name",
        "您已有同名的查询，请换一个名称",
        "You already have a query of that name; choose another",
        errors=[{"field": "name", "message": {"zh": "名称重复", "en": "Name already used"}}],
    )
    if taken is not None:
        raise duplicate
    saved = SavedQuery(
        user_id=user.id, name=name, query=list_args.query_string(args), created_at=clock.now()
    )
    db.session.add(saved)
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved at the same moment (another tab)
        db.session.rollback()
        raise duplicate from None
    return saved


def delete(user: User, query_id: int) -> None:
    db.session.delete(get_mine(user, query_id))
    db.session.commit()
