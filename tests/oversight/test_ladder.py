"""The escalation ladder: rules refused with their line, steps taken once per case and
deadline, stamped with the time each was due (also when the job ran late), and the notice's
PDF (Chinese text, CJK font embedded)."""

from __future__ import annotations

import io
import threading
from datetime import datetime
from urllib.parse import quote

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.clock import clock
from app.errors import Invalid
from app.extensions import db
from app.models import Case, CaseEvent, LadderRule, LadderStep, Notification
from app.oversight import ladder, notice
from tests.conftest import snapshot
from tests.oversight.conftest import flow_of

RULES = ["urge 1 working day before due", "逾期后1个工作日发催办通知书", "逾期超过3个工作日通报"]


def _events(case_id, action):
    return db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.action == action)
        .order_by(CaseEvent.id)
    ).all()


@pytest.fixture
def ladder_rules(user):
    return ladder.save(RULES, by=user("oversight"))


def test_rules_that_do_not_parse_or_contradict_are_refused_with_their_line(user):
    ladder.save(RULES, by=user("oversight"))
    before = snapshot()
    bad = [
        (["urge one day before due"], 0, "rule_unparsable"),
        (["urge -1 working days before due"], 0, "rule_negative_offset"),
        (["notice 1 working day before due"], 0, "rule_wrong_side"),
        (["urge 1 working day before due", "到期前2个工作日催办"], 1, "rule_duplicate_step"),
        (["notice 3 working days after due", "list 2 working days after due"], 1, "rule_order"),
    ]
    for lines, line, code in bad:
        with pytest.raises(Invalid) as refused:
            ladder.save(lines, by=user("oversight"))
        assert refused.value.code == "ladder_invalid"
        errors = refused.value.details["errors"]
        assert [(e["line"], e["code"]) for e in errors] == [(line, code)], lines
    assert snapshot() == before
    assert [r.text for r in ladder.rules()] == RULES


def test_only_the_oversight_office_edits_the_ladder(user):
    with pytest.raises(Exception) as refused:
        ladder.save(RULES, by=user("leader"))
    assert getattr(refused.value, "code", None) == "role_not_allowed"
    assert db.session.scalar(select(func.count()).select_from(LadderRule)) == 0


def test_each_step_once_stamped_when_due_even_after_a_long_stop(ladder_rules, at_department):
    case_id = at_department("urban")  # signed Monday 2 March 10:00: handle within 5 days
    case = db.session.get(Case, case_id)
    deadline = case.handle_due_at
    assert deadline == datetime(2026, 3, 9, 10, 0)
    before = flow_of(case_id)
    # The scheduler stopped; it starts again on Saturday 14 March, all three steps past due.
    clock.freeze(datetime(2026, 3, 14, 12, 0))
    assert ladder.run() == 3
    assert ladder.run() == 0  # once
    (urge,) = _events(case_id, "urge")
    assert urge.at == datetime(2026, 3, 6, 10, 0) and urge.data["auto"] is True
    (notice_event,) = _events(case_id, "notice")
    assert notice_event.at == datetime(2026, 3, 10, 10, 0)
    (listed,) = _events(case_id, "notice_list")
    assert listed.at == datetime(2026, 3, 12, 10, 0)
    steps = db.session.scalars(select(LadderStep).order_by(LadderStep.due_at)).all()
    assert [(s.step, s.due_at, s.deadline_at) for s in steps] == [
        ("urge", datetime(2026, 3, 6, 10, 0), deadline),
        ("notice", datetime(2026, 3, 10, 10, 0), deadline),
        ("notice_list", datetime(2026, 3, 12, 10, 0), deadline),
    ]
    escalations = db.session.scalars(
        select(Notification).where(Notification.kind == "escalation")
    ).all()
    assert {n.created_at for n in escalations} == {
        datetime(2026, 3, 10, 10, 0),
        datetime(2026, 3, 12, 10, 0),
    }
    flow = flow_of(case_id)
    assert flow == before  # the ladder never moves the flow


def test_steps_come_in_their_time_not_before(ladder_rules, at_department):
    case_id = at_department("urban")
    clock.freeze(datetime(2026, 3, 6, 9, 59))  # a minute before the urge is due
    assert ladder.run() == 0
    clock.freeze(datetime(2026, 3, 6, 10, 0))
    assert ladder.run() == 1
    assert [e.action for e in _events(case_id, "urge")] == ["urge"]
    assert db.session.get(Case, case_id).urge_count == 1
    clock.freeze(datetime(2026, 3, 10, 9, 0))
    assert ladder.run() == 0


def test_the_notice_is_a_chinese_pdf_with_the_cjk_font_embedded(ladder_rules, at_department, user):
    case_id = at_department("urban")
    clock.freeze(datetime(2026, 3, 10, 12, 0))
    ladder.run()
    (event,) = _events(case_id, "notice")
    name, pdf = notice.render(user("urban_handler"), case_id, event.id)
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "催办通知书" in text
    case = db.session.get(Case, case_id)
    assert case.number in text and "市城管局" in text
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            desc = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            desc = desc.get_object() if desc else {}
            if any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font["/BaseFont"]))
    assert any("CJK" in f for f in fonts), fonts


def test_the_notice_downloads_from_the_api_in_scope_only(client, auth, ladder_rules, at_department):
    case_id = at_department("urban")
    other = at_department("urban")
    clock.freeze(datetime(2026, 3, 10, 12, 0))
    ladder.run()
    (event,) = _events(case_id, "notice")
    url = f"/api/v1/cases/{case_id}/notices/{event.id}"
    resp = client.get(url, headers=auth("urban_handler"))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    assert "催办通知书" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    number = db.session.get(Case, case_id).number
    assert quote(f"催办通知书-{number}-{event.id}.pdf") in resp.headers["Content-Disposition"]
    assert client.get(url, headers=auth("oversight")).status_code == 200
    # Another department's handler: as a case that does not exist.
    outside = client.get(url, headers=auth("housing_handler"))
    missing = client.get(f"/api/v1/cases/{other + 1000}/notices/1", headers=auth("urban_handler"))
    assert outside.status_code == missing.status_code == 404
    assert outside.get_json() == missing.get_json()
    assert outside.get_json()["code"] == "case_not_found"
    # A notice of another case, or an event that is not a notice: no such notice.
    for bad in (f"/api/v1/cases/{other}/notices/{event.id}", f"{url[: -len(str(event.id))]}1"):
        body = client.get(bad, headers=auth("urban_handler")).get_json()
        assert body["code"] == "notice_not_found" and body["message"]["zh"], bad
    assert client.get(url).status_code == 401


def test_two_schedulers_at_once_take_each_step_once(app, ladder_rules, at_department):
    """Two processes' jobs at the same moment (threads with their own sessions and
    connections): the unique key lets one take each step; together they take three."""
    ids = [at_department("urban") for _ in range(3)]
    clock.freeze(datetime(2026, 3, 14, 12, 0))
    db.session.commit()
    taken, failed = [], []
    start = threading.Barrier(2, timeout=15)

    def job():
        with app.app_context():
            try:
                start.wait()
                taken.append(ladder.run())
            except Exception as exc:  # reported below, with the thread's error
                failed.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    assert sum(taken) == 9
    db.session.rollback()
    for case_id in ids:
        assert [len(_events(case_id, a)) for a in ("urge", "notice", "notice_list")] == [1, 1, 1]
        assert db.session.get(Case, case_id).urge_count == 1
