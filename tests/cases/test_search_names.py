"""`q` finds a case by a fragment of the citizen's name, beside its number, phone and content,
and only within the searching user's scope."""

from __future__ import annotations

import pytest


@pytest.fixture
def cases(api, dept):
    """Three citizens: one case still at the city centre, one sent to east_urban, one to
    west_urban."""
    made = {}
    for key, name, target in (
        ("city", "欧阳明", None),
        ("east", "张伟", "east_urban"),
        ("west", "张伟强", "west_urban"),
    ):
        case = api.create(citizen_name=name, content="小区门口路灯不亮已经一周")
        if target:
            api.act(case["id"], "transfer", "dispatcher", target_department_id=dept(target))
        made[key] = case["id"]
    return made


def found(client, auth, user: str, q: str) -> set[int]:
    resp = client.get("/api/v1/cases", query_string={"q": q}, headers=auth(user))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def test_q_finds_a_citizen_by_a_fragment_of_the_name(cases, client, auth):
    assert found(client, auth, "dispatcher", "欧阳") == {cases["city"]}
    assert found(client, auth, "dispatcher", "阳明") == {cases["city"]}
    assert found(client, auth, "dispatcher", "张伟") == {cases["east"], cases["west"]}
    assert found(client, auth, "dispatcher", "伟强") == {cases["west"]}
    assert found(client, auth, "dispatcher", "李四") == set()


@pytest.mark.parametrize(
    "user, expected",
    [
        ("east_dispatcher", {"east"}),  # a district centre: its district's cases
        ("east_urban_handler", {"east"}),  # a department: the cases sent to it
        ("west_urban_handler", {"west"}),
        ("housing_handler", set()),
    ],
)
def test_a_scoped_user_finds_names_in_their_scope_only(cases, client, auth, user, expected):
    assert found(client, auth, user, "张伟") == {cases[k] for k in expected}
