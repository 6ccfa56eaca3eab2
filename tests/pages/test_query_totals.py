"""The combined query's total for a department's keyword search: exact up to the cap (1,000),
"more than 1,000" past it, whichever side the count reads from: the scope's cases when the
planner expects fewer of them than the word's matches (PostgreSQL), else the word's matches
(queries.count_from_scope)."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import func, select, text, update

from app.cases import queries
from app.clock import clock
from app.extensions import db
from app.models import Case, User
from app.seed.bulk import clone_cases, load_templates
from tests.cases.test_paths import MON, Hotline

WORD = "井盖缺失"
ARGS = {"page": 1, "per_page": 20, "sort": "-created_at", "q": WORD}


def clones(hl: Hotline, dept: str, count: int, seed: int) -> list[int]:
    """`count` open cases handled at `dept`, cloned from one sent there through the API."""
    template = hl.new()
    hl.to_handling(template, dept)
    first = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
    clone_cases(load_templates([template]), count, random.Random(seed), 1.0, echo=lambda _: None)
    db.session.commit()
    return [template, *db.session.scalars(select(Case.id).where(Case.id >= first))]


def with_the_word(case_ids: list[int]) -> None:
    db.session.execute(
        update(Case).where(Case.id.in_(case_ids)).values(content=WORD + Case.content)
    )
    db.session.commit()


def shown_total(client) -> str:
    html = client.get("/query", query_string={"q": WORD}).get_data(as_text=True)
    found = re.search(r'data-testid="query-total">\s*([^<]+?)\s*</div>', html)
    assert found, html
    return found.group(1)


def handler() -> User:
    return db.session.scalars(select(User).filter_by(username="urban_handler")).unique().one()


@pytest.fixture
def city(api, dept):
    """1,001 cases at the urban bureau (the word in 1,000 of them) and 1,500 at the water
    bureau, all with the word: the urban handler's scope is the smaller side."""
    clock.freeze(MON)
    hl = Hotline(api, dept)
    urban = clones(hl, "urban", 1000, 1)
    water = clones(hl, "water", 1499, 2)
    with_the_word(urban[1:] + water)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE hotline_case"))
        db.session.execute(text("ANALYZE case_department"))
        db.session.commit()
    return urban


def test_the_total_is_exact_at_the_cap_and_capped_past_it(city, client, page_login):
    page_login("urban_handler")
    assert shown_total(client) == "共 1,000 条"
    with_the_word(city[:1])  # the 1,001st
    assert shown_total(client) == "超过 1,000 条"


def test_both_sides_count_the_same(city):
    user, now = handler(), clock.now()
    dept_ids = [user.department_id]
    if db.engine.dialect.name == "postgresql":  # the planner has estimates: the smaller side
        assert queries.count_from_scope(user, ARGS, dept_ids, now)
    for expected in (1000, 1001):
        if expected == 1001:
            with_the_word(city[:1])
        for side in ("exists", "id_list"):
            found = queries._filtered(user, ARGS, dept_ids, now, scope=side)
            assert queries.capped_total(found) == expected, side


def test_a_rare_word_and_an_unscoped_user_are_counted_as_before(city):
    """A rare word is counted from its few matches; the city's dispatcher sees every case
    (no scope to count from)."""
    user, now = handler(), clock.now()
    rare = {**ARGS, "q": "没有这个词"}
    assert not queries.count_from_scope(user, rare, [user.department_id], now)
    dispatcher = db.session.scalars(select(User).filter_by(username="dispatcher")).unique().one()
    assert not queries.count_from_scope(dispatcher, ARGS, None, now)
    assert queries.list_cases(user, rare)["total"] == 0
