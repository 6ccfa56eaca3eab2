"""The oversight API: urges one and many (from the combined query's filters), supervision
orders and answers, leader instructions and their reading, the ladder, the overview — and
every refusal in our error shape, with nothing changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Case, CaseEvent, Instruction, InstructionRead, Notification, SupervisionOrder
from app.oversight import supervision
from tests.conftest import snapshot
from tests.oversight.conftest import flow_of


def post(client, auth, path, user, json, expect):
    resp = client.post(f"/api/v1{path}", json=json, headers=auth(user))
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def refused(client, auth, path, user, json, expect, code):
    before = snapshot()
    body = post(client, auth, path, user, json, expect)
    assert body["code"] == code and body["message"]["zh"] and body["message"]["en"]
    assert snapshot() == before
    return body


# --- urges -----------------------------------------------------------------------------------


def test_urge_one_case(client, auth, at_department):
    case_id = at_department("urban")
    body = post(client, auth, f"/cases/{case_id}/urge", "oversight", {"message": "请加快"}, 200)
    assert body == {"urged": [case_id], "refused": []}
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth("urban_handler")).get_json()
    assert [e["action"] for e in detail["timeline"]][-1] == "urge"


def test_urge_bad_input_changes_nothing(client, auth, at_department, closed_case):
    case_id, done = at_department("urban"), closed_case()
    refused(client, auth, f"/cases/{done}/urge", "oversight", {"message": "催"}, 409, "case_closed")
    refused(
        client, auth, f"/cases/{case_id}/urge", "oversight", {"message": ""}, 422, "invalid_request"
    )
    refused(
        client,
        auth,
        f"/cases/{case_id}/urge",
        "oversight",
        {"message": "长" * 1001},
        422,
        "invalid_request",
    )
    refused(
        client,
        auth,
        f"/cases/{case_id}/urge",
        "oversight",
        {"message": "   "},
        422,
        "message_empty",
    )
    refused(
        client,
        auth,
        f"/cases/{case_id}/urge",
        "urban_handler",
        {"message": "催"},
        403,
        "role_not_allowed",
    )
    west = at_department("west_urban")
    refused(client, auth, f"/cases/{west}/urge", "leader", {"message": "催"}, 404, "case_not_found")


def test_urge_every_overdue_case_of_a_department(client, auth, at_department, closed_case, dept):
    late = [at_department("urban") for _ in range(2)]
    clock.freeze(datetime(2026, 3, 3, 10, 0))
    fresh = at_department("urban")  # due a day later than the others
    other = at_department("housing")
    clock.freeze(datetime(2026, 3, 9, 12, 0))  # the two first are past their 5 days
    query = f"?department_id={dept('urban')}&overdue=true"
    listed = client.get(f"/api/v1/cases{query}", headers=auth("oversight")).get_json()
    assert sorted(c["id"] for c in listed["items"]) == sorted(late)
    body = post(client, auth, f"/oversight/urges{query}", "oversight", {"message": "逾期请办"}, 200)
    assert sorted(body["urged"]) == sorted(late) and body["refused"] == []
    assert (
        db.session.get(Case, fresh).urge_count == 0 and db.session.get(Case, other).urge_count == 0
    )
    # Named cases: the closed one is refused with its reason, the others urged.
    done = closed_case()
    body = post(
        client,
        auth,
        "/oversight/urges",
        "oversight",
        {"message": "催", "case_ids": [fresh, done]},
        200,
    )
    assert body["urged"] == [fresh]
    assert body["refused"] == [{"case_id": done, "code": "case_closed", **_words("case_closed")}]
    refused(
        client,
        auth,
        "/oversight/urges?overdue=maybe",
        "oversight",
        {"message": "催"},
        422,
        "invalid_request",
    )


def _words(code):
    from app.oversight.urges import REFUSALS

    return {"zh": REFUSALS[code][0], "en": REFUSALS[code][1]}


# --- supervision -----------------------------------------------------------------------------


def test_an_order_is_answered_by_its_department_and_the_flow_stays(
    client, auth, at_department, user
):
    case_id = at_department("urban")
    before = flow_of(case_id)
    order = post(
        client,
        auth,
        f"/cases/{case_id}/supervision",
        "oversight",
        {"message": "请三日内反馈办理进度", "feedback_days": 3},
        201,
    )
    assert order["state"] == "open" and order["department"] == "市城管局"
    assert order["feedback_due_at"].startswith("2026-03-05T17:00")
    assert flow_of(case_id) == before
    notes = db.session.scalars(select(Notification).where(Notification.kind == "supervision")).all()
    assert {n.user_id for n in notes} == {user("urban_handler").id}
    path = f"/cases/{case_id}/supervision/{order['id']}/answer"
    answered = post(client, auth, path, "urban_handler", {"answer": "已派员现场处理"}, 200)
    assert answered["state"] == "answered" and answered["answer"] == "已派员现场处理"
    assert flow_of(case_id) == before
    listed = client.get("/api/v1/oversight/supervision?state=answered", headers=auth("oversight"))
    assert [o["id"] for o in listed.get_json()["items"]] == [order["id"]]
    refused(client, auth, path, "urban_handler", {"answer": "再答"}, 422, "order_answered")


def test_order_bad_input_changes_nothing(client, auth, at_department, closed_case, dept):
    case_id = at_department("east_urban")
    path = f"/cases/{case_id}/supervision"
    refused(
        client,
        auth,
        path,
        "oversight",
        {"message": "催", "feedback_date": "2026-02-27"},
        422,
        "feedback_date_past",
    )
    refused(
        client,
        auth,
        path,
        "oversight",
        {"message": "催", "feedback_date": "2026-03-07"},
        422,
        "feedback_date_not_working_day",
    )
    refused(client, auth, path, "oversight", {"message": "催"}, 422, "feedback_date_required")
    refused(
        client, auth, path, "oversight", {"message": "", "feedback_days": 2}, 422, "invalid_request"
    )
    refused(
        client, auth, path, "leader", {"message": "催", "feedback_days": 2}, 403, "role_not_allowed"
    )
    done = closed_case()
    refused(
        client,
        auth,
        f"/cases/{done}/supervision",
        "oversight",
        {"message": "催", "feedback_days": 2},
        409,
        "case_closed",
    )
    order = post(
        client, auth, path, "oversight", {"message": "请反馈", "feedback_date": "2026-03-04"}, 201
    )
    answer = f"{path}/{order['id']}/answer"
    # Another department: its staff do not see the case (404); the district's dispatcher does,
    # but is not the department ordered (403).
    refused(client, auth, answer, "west_urban_handler", {"answer": "答"}, 404, "case_not_found")
    body = refused(
        client, auth, answer, "east_dispatcher", {"answer": "答"}, 403, "department_not_allowed"
    )
    assert "另" in body["message"]["zh"] or "单位" in body["message"]["zh"]
    refused(client, auth, answer, "east_urban_handler", {"answer": ""}, 422, "invalid_request")
    refused(
        client,
        auth,
        f"{path}/999999/answer",
        "east_urban_handler",
        {"answer": "答"},
        404,
        "order_not_found",
    )


def test_an_unanswered_order_turns_overdue_once(client, auth, at_department):
    case_id = at_department("urban")
    order = post(
        client,
        auth,
        f"/cases/{case_id}/supervision",
        "oversight",
        {"message": "请反馈", "feedback_date": "2026-03-03"},
        201,
    )
    before = flow_of(case_id)
    clock.freeze(datetime(2026, 3, 3, 17, 0))
    assert supervision.mark_overdue() == 0  # at the deadline itself it has not passed
    clock.freeze(datetime(2026, 3, 4, 9, 0))
    assert supervision.mark_overdue() == 1
    assert supervision.mark_overdue() == 0
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.action == "supervision_overdue")
    ).one()
    assert event.at == datetime(2026, 3, 3, 17, 0)
    listed = client.get("/api/v1/oversight/supervision?state=overdue", headers=auth("oversight"))
    assert [(o["id"], o["state"]) for o in listed.get_json()["items"]] == [(order["id"], "overdue")]
    assert flow_of(case_id) == before
    assert db.session.get(SupervisionOrder, order["id"]).overdue_at == datetime(2026, 3, 3, 17, 0)


# --- instructions ----------------------------------------------------------------------------


def test_a_leaders_instruction_is_notified_read_and_the_flow_stays(
    client, auth, at_department, user
):
    case_id = at_department("east_urban")
    before = flow_of(case_id)
    made = post(
        client,
        auth,
        f"/cases/{case_id}/instructions",
        "leader",
        {"text": "请高度重视，限期解决"},
        201,
    )
    assert made["readers"] == [] and made["department"] == "东城区城管局"
    assert flow_of(case_id) == before
    notes = db.session.scalars(select(Notification).where(Notification.kind == "instruction")).all()
    assert {n.user_id for n in notes} == {user("east_urban_handler").id}
    clock.freeze(datetime(2026, 3, 2, 11, 0))
    read = post(
        client,
        auth,
        f"/cases/{case_id}/instructions/{made['id']}/read",
        "east_urban_handler",
        None,
        200,
    )
    assert read == {"marked": 1}
    again = post(
        client,
        auth,
        f"/cases/{case_id}/instructions/{made['id']}/read",
        "east_urban_handler",
        None,
        200,
    )
    assert again == {"marked": 0}
    seen = client.get(f"/api/v1/cases/{case_id}/instructions", headers=auth("leader")).get_json()
    (item,) = seen["items"]
    assert [(r["name"], r["read_at"][:16]) for r in item["readers"]] == [
        (user("east_urban_handler").display_name, "2026-03-02T11:00")
    ]
    assert flow_of(case_id) == before


def test_instruction_bad_input_changes_nothing(client, auth, at_department):
    theirs, other = at_department("east_urban"), at_department("west_urban")
    refused(
        client,
        auth,
        f"/cases/{other}/instructions",
        "leader",
        {"text": "请办"},
        404,
        "case_not_found",
    )
    refused(
        client,
        auth,
        f"/cases/{theirs}/instructions",
        "oversight",
        {"text": "请办"},
        403,
        "role_not_allowed",
    )
    refused(
        client,
        auth,
        f"/cases/{theirs}/instructions",
        "leader",
        {"text": ""},
        422,
        "invalid_request",
    )
    refused(
        client,
        auth,
        f"/cases/{theirs}/instructions",
        "leader",
        {"text": "批" * 1001},
        422,
        "invalid_request",
    )
    made = post(client, auth, f"/cases/{theirs}/instructions", "leader", {"text": "请办"}, 201)
    refused(
        client,
        auth,
        f"/cases/{theirs}/instructions/{made['id']}/read",
        "east_dispatcher",
        None,
        403,
        "department_not_allowed",
    )
    assert db.session.scalars(select(InstructionRead)).all() == []
    assert len(db.session.scalars(select(Instruction)).all()) == 1


# --- ladder and overview ---------------------------------------------------------------------


def test_the_ladder_through_the_api(client, auth):
    resp = client.put(
        "/api/v1/oversight/ladder",
        json={"rules": ["urge 4 working hours before due", "notice 1 working day after due"]},
        headers=auth("oversight"),
    )
    assert resp.status_code == 200, resp.get_json()
    assert [r["step"] for r in resp.get_json()["rules"]] == ["urge", "notice"]
    before = snapshot()
    resp = client.put(
        "/api/v1/oversight/ladder",
        json={"rules": ["urge 1 working day before due", "催办 明天"]},
        headers=auth("oversight"),
    )
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "ladder_invalid" and body["details"]["field"] == "rules"
    assert [(e["line"], e["code"]) for e in body["details"]["errors"]] == [(1, "rule_unparsable")]
    assert snapshot() == before
    resp = client.put("/api/v1/oversight/ladder", json={"rules": ["x"]}, headers=auth("leader"))
    assert resp.status_code == 403


def test_the_overview_counts_overdue_and_warning_by_department(client, auth, at_department, dept):
    late = at_department("urban")  # handle by Mon 9 March 10:00
    clock.freeze(datetime(2026, 3, 6, 10, 0))
    soon = at_department("urban")  # handle by Fri 13 March 10:00
    calm = at_department("housing")
    clock.freeze(datetime(2026, 3, 10, 10, 0))
    fresh = at_department("housing")  # handle by Tue 17 March
    clock.freeze(datetime(2026, 3, 12, 12, 0))  # soon and calm: 6 working hours left (< 8)
    body = client.get("/api/v1/oversight/overview", headers=auth("oversight")).get_json()
    counts = {c["department"]: (c["overdue"], c["warning"]) for c in body["counts"]}
    assert counts == {"市城管局": (1, 1), "市住建局": (0, 1)}
    assert [c["id"] for c in body["overdue"]] == [late]
    assert sorted(c["id"] for c in body["warning"]) == sorted([soon, calm])
    assert fresh not in {c["id"] for c in body["warning"] + body["overdue"]}
    # The combined query's filters narrow it, as the query page would.
    body = client.get(
        f"/api/v1/oversight/overview?department_id={dept('housing')}", headers=auth("oversight")
    ).get_json()
    assert [c["department"] for c in body["counts"]] == ["市住建局"]
    assert client.get("/api/v1/oversight/overview", headers=auth("leader")).status_code == 403
