"""Confidential cases (保密): the citizen's name and phone are masked for every role but agents
and dispatchers — in lists, details, inboxes, contacts and the pages — and such a case is not
found by them in a search by those who may not see them."""

from __future__ import annotations

import pytest

from app.cases.masking import mask_name, mask_phone
from tests.conftest import PASSWORD
from tests.helpers import INTAKE
from tests.pages.conftest import csrf_of

SECRET = {"citizen_name": "张伟", "citizen_phone": "13800001111", "confidential": True}
PLAIN = {"citizen_name": "王芳", "citizen_phone": "13700002222", "content": "公交站牌倒了"}
# Everyone who sees the east urban bureau's cases, and whether they read the citizen.
SEES_CITIZEN = {
    "agent": True,
    "dispatcher": True,
    "east_dispatcher": True,  # a district centre's dispatcher
    "east_urban_handler": False,
    "leader": False,
    "oversight": False,
    "revisit": False,
    "admin": False,
}


def test_masks():
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张") == "*"
    assert mask_phone("13800001111") == "138****1111"
    assert mask_phone("+8613800001111") == "+86*******1111"
    assert mask_phone("12345678") == "12****78"
    assert mask_phone("12345") == "*****"


@pytest.fixture
def cases(api, dept):
    """A confidential case and a plain one, both being handled by the east urban bureau."""
    made = {}
    for label, fields in (("secret", SECRET), ("plain", PLAIN)):
        case = api.create(**fields)
        api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("east"))
        api.act(case["id"], "sign", "east_dispatcher")
        api.act(case["id"], "transfer", "east_dispatcher", target_department_id=dept("east_urban"))
        api.act(case["id"], "sign", "east_urban_handler")
        made[label] = case
    return made


def get(client, auth, url: str, username: str, **query):
    resp = client.get(url, query_string=query, headers=auth(username))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json(), resp.get_data(as_text=True)


def page_sign_in(client, username: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    form = {"username": username, "password": PASSWORD, "csrf_token": csrf_of(html)}
    assert client.post("/login", data=form).status_code in (302, 303)


def citizen(item: dict) -> tuple[str, str]:
    return item["citizen_name"], item["citizen_phone"]


@pytest.mark.parametrize("username", list(SEES_CITIZEN))
def test_the_api_masks_the_citizen_for_every_role_but_agents_and_dispatchers(
    cases, client, auth, username
):
    sees = SEES_CITIZEN[username]
    want = ("张伟", "13800001111") if sees else ("张*", "138****1111")
    secret_id = cases["secret"]["id"]
    listed, text = get(client, auth, "/api/v1/cases", username)
    by_id = {i["id"]: i for i in listed["items"]}
    assert citizen(by_id[secret_id]) == want and by_id[secret_id]["confidential"] is True
    assert citizen(by_id[cases["plain"]["id"]]) == ("王芳", "13700002222")
    detail, detail_text = get(client, auth, f"/api/v1/cases/{secret_id}", username)
    assert citizen(detail) == want
    if not sees:  # nowhere in the answers: not in a timeline's data, not in a nested field
        for body in (text, detail_text):
            assert "张伟" not in body and "13800001111" not in body


def test_the_inbox_masks_the_citizen(cases, client, auth):
    inbox, text = get(client, auth, "/api/v1/inbox", "east_urban_handler")
    by_case = {i["case"]["id"]: i["case"] for i in inbox["items"]}
    assert citizen(by_case[cases["secret"]["id"]]) == ("张*", "138****1111")
    assert "13800001111" not in text
    inbox, _text = get(client, auth, "/api/v1/inbox", "east_dispatcher")
    assert all(i["case"]["id"] != cases["secret"]["id"] for i in inbox["items"])  # not its task


@pytest.mark.parametrize("username", list(SEES_CITIZEN))
def test_a_search_by_phone_or_name_finds_the_case_only_for_who_sees_them(
    cases, client, auth, username
):
    sees = SEES_CITIZEN[username]
    secret = cases["secret"]
    for q in ("13800001111", "0001111", "张伟"):
        found, text = get(client, auth, "/api/v1/cases", username, q=q)
        assert [i["id"] for i in found["items"]] == ([secret["id"]] if sees else []), q
        assert found["total"] == (1 if sees else 0)
    # By its number and its content it is found, masked.
    for q in (secret["number"], INTAKE["content"][:4]):
        found, text = get(client, auth, "/api/v1/cases", username, q=q)
        assert [i["id"] for i in found["items"]] == [secret["id"]], q
        if not sees:
            assert "13800001111" not in text
    # The plain case is found by its citizen by everyone.
    found, _text = get(client, auth, "/api/v1/cases", username, q="王芳")
    assert [i["id"] for i in found["items"]] == [cases["plain"]["id"]]


def test_callers_on_a_confidential_case_are_masked_too(cases, client, auth):
    secret_id = cases["secret"]["id"]
    call = {"caller_name": "张伟", "caller_phone": "13800001111", "content": "再次催问进度"}
    resp = client.post(f"/api/v1/cases/{secret_id}/contacts", json=call, headers=auth("agent"))
    assert resp.status_code == 201 and resp.get_json()["caller_phone"] == "13800001111"
    url = f"/api/v1/cases/{secret_id}/contacts"
    (item,) = get(client, auth, url, "dispatcher")[0]["items"]
    assert (item["caller_name"], item["caller_phone"]) == ("张伟", "13800001111")
    body, text = get(client, auth, url, "east_urban_handler")
    assert (body["items"][0]["caller_name"], body["items"][0]["caller_phone"]) == (
        "张*",
        "138****1111",
    )
    detail, text = get(client, auth, f"/api/v1/cases/{secret_id}", "east_urban_handler")
    assert "13800001111" not in text and detail["timeline"][-1]["action"] == "contact"


def test_the_intake_page_masks_and_hides_for_a_user_who_may_not_see(cases, client):
    """An administrator may register cases but is not one who reads confidential citizens: the
    intake page neither finds the case by its phone nor shows its citizen."""
    page_sign_in(client, "admin")
    html = client.get("/intake?phone=13800001111").get_data(as_text=True)
    assert cases["secret"]["number"] not in html
    token = csrf_of(client.get("/intake").get_data(as_text=True))
    fragment = client.post(
        "/intake/repeats",
        data={"citizen_address": INTAKE["citizen_address"], "content": INTAKE["content"]},
        headers={"X-CSRFToken": token},
    ).get_data(as_text=True)
    assert cases["secret"]["number"] in fragment
    assert "138****1111" in fragment and "张*" in fragment
    assert "13800001111" not in fragment and "张伟" not in fragment


def test_the_intake_page_shows_the_citizen_to_the_agent(cases, client):
    page_sign_in(client, "agent")
    html = client.get("/intake?phone=13800001111").get_data(as_text=True)
    assert cases["secret"]["number"] in html and "13800001111" in html and "张伟" in html
