"""Likely repeats (重复诉求): same phone, or similar content at a similar address, in the last 7
days; scope and confidentiality apply."""

from __future__ import annotations

from datetime import datetime

from app.cases import repeats
from app.cases.repeats import address_key, bigrams, likely_repeats, normalise, similarity
from app.clock import clock
from tests.helpers import INTAKE

MON = datetime(2026, 3, 2, 10, 0)
STREETLIGHT = "小区门口路灯不亮已经一周"


def ids(found) -> list[int]:
    return [r["case"]["id"] for r in found]


def test_normalised_text_keeps_letters_and_digits_only():
    assert normalise("东城区 和平路１号，３单元") == "东城区和平路1号3单元"
    assert normalise("No. 5 Main ST.") == "no5mainst"
    assert address_key("  东城区和平路1号 ") == "东城区和平路1号"
    assert len(address_key("路" * 300)) == repeats.ADDRESS_KEY_LENGTH


def test_similar_contents_share_bigrams_in_any_order():
    a = bigrams(STREETLIGHT)
    assert similarity(a, bigrams("我家小区门口的路灯坏了，晚上不亮")) >= repeats.CONTENT_SIMILAR
    assert similarity(a, bigrams("楼下餐馆油烟扰民，晚上十点还在营业")) < repeats.CONTENT_SIMILAR
    assert similarity(a, a) == 1.0
    assert similarity(a, frozenset()) == 0.0


def test_the_same_phone_within_seven_days(api, user):
    clock.freeze(MON)
    old = api.create(content="八天前的诉求")
    clock.freeze(datetime(2026, 3, 3, 10, 0))
    recent = api.create(content="另一件事情，与路灯无关")
    clock.freeze(datetime(2026, 3, 10, 9, 0))  # 8 days after `old`, 7 after `recent`
    found = likely_repeats(user("agent"), phone=INTAKE["citizen_phone"])
    assert ids(found) == [recent["id"]]
    assert found[0]["same_phone"] and not found[0]["similar"]
    # The phone as typed with separators finds it too.
    assert ids(likely_repeats(user("agent"), phone="138-0000-1111")) == [recent["id"]]
    assert old["id"] not in ids(likely_repeats(user("agent"), phone=INTAKE["citizen_phone"]))


def test_a_phone_still_being_typed_finds_nothing(api, user):
    api.create()
    assert likely_repeats(user("agent"), phone="1380") == []


def test_similar_content_at_a_similar_address(api, user):
    clock.freeze(MON)
    same = api.create(
        citizen_phone="13600000001", citizen_address="东城区和平路1号", content=STREETLIGHT
    )
    api.create(  # same address, another matter
        citizen_phone="13600000002",
        citizen_address="东城区和平路3号",
        content="楼下餐馆油烟扰民，晚上十点还在营业",
    )
    api.create(  # the same matter in another street
        citizen_phone="13600000003", citizen_address="西城区长安街8号", content=STREETLIGHT
    )
    clock.advance(hours=5)
    found = likely_repeats(
        user("agent"),
        phone="13700000009",
        address="东城区 和平路１号 3单元",
        content="我家小区门口的路灯坏了，晚上不亮",
    )
    assert ids(found) == [same["id"]]
    assert found[0]["similar"] and not found[0]["same_phone"]
    assert 0.3 <= found[0]["similarity"] < 1


def test_a_case_the_caller_called_about_again_is_found_by_the_callers_phone(
    api, client, auth, user
):
    case = api.create(citizen_phone="13600000001")
    call = {"caller_name": "邻居", "caller_phone": "13911110000", "content": "同一盏路灯"}
    resp = client.post(f"/api/v1/cases/{case['id']}/contacts", json=call, headers=auth("agent"))
    assert resp.status_code == 201
    assert ids(likely_repeats(user("agent"), phone="13911110000")) == [case["id"]]


def test_same_phone_ranks_first_then_similarity(api, user):
    clock.freeze(MON)
    by_phone = api.create(content="完全不同的咨询事项", citizen_address="南湖区湖滨路2号")
    clock.advance(minutes=5)
    by_content = api.create(
        citizen_phone="13600000001", citizen_address="南湖区湖滨路9号", content=STREETLIGHT
    )
    found = likely_repeats(
        user("agent"), phone=INTAKE["citizen_phone"], address="南湖区湖滨路", content=STREETLIGHT
    )
    assert ids(found) == [by_phone["id"], by_content["id"]]


def test_only_cases_in_the_users_scope(api, user, dept):
    at_city = api.create()
    in_east = api.create()
    api.act(in_east["id"], "transfer", "dispatcher", target_department_id=dept("east"))
    assert set(ids(likely_repeats(user("agent"), phone=INTAKE["citizen_phone"]))) == {
        at_city["id"],
        in_east["id"],
    }
    assert ids(likely_repeats(user("east_dispatcher"), phone=INTAKE["citizen_phone"])) == [
        in_east["id"]
    ]
    assert likely_repeats(user("designer"), phone=INTAKE["citizen_phone"]) == []


def test_a_confidential_case_is_not_found_by_its_phone_by_who_may_not_see_it(api, user):
    secret = api.create(confidential=True)
    assert ids(likely_repeats(user("agent"), phone=INTAKE["citizen_phone"])) == [secret["id"]]
    assert likely_repeats(user("admin"), phone=INTAKE["citizen_phone"]) == []
    # By its address and content it may be found, its citizen masked.
    found = likely_repeats(
        user("admin"), address=INTAKE["citizen_address"], content=INTAKE["content"]
    )
    assert ids(found) == [secret["id"]]
    assert found[0]["case"]["citizen_phone"] == "138****1111"


def test_closed_cases_are_listed_as_closed(api, user):
    api.create(answered=True, answer="已当场答复")
    (found,) = likely_repeats(user("agent"), phone=INTAKE["citizen_phone"])
    assert found["closed"]


def test_candidates_are_bounded(api, user, monkeypatch):
    monkeypatch.setattr(repeats, "CANDIDATES", 2)
    clock.freeze(MON)
    made = []
    for _ in range(4):
        clock.advance(minutes=1)
        made.append(api.create()["id"])
    found = likely_repeats(user("agent"), phone=INTAKE["citizen_phone"], shown=10)
    assert ids(found) == made[:-3:-1]  # the newest two
