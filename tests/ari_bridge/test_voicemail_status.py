"""The mayor's mailbox and the status query by keypad, through the bridge, the ARI peer and
the live web app; and a voicemail left while the web app is down."""

from __future__ import annotations

import pytest
from bridge_harness import call_record, eventually, save_menu
from sqlalchemy import func, select
from test_calls import CALLER, MENU, heard, record_where, wait_heard

from app.extensions import db
from app.models import Attachment, Case
from tests.helpers import INTAKE


def voicemail_cases():
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.scalars(select(Case).filter_by(channel="voicemail")))


def attachments_of(case):
    db.session.rollback()
    return list(db.session.scalars(select(Attachment).filter_by(case_id=case.id)))


def leave_voicemail(peer, ch):
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "3")
    wait_heard(peer, ch, "minqing/voicemail")
    eventually(lambda: (peer.channel(ch) or {}).get("recording"))
    peer.talk(ch, 2)
    peer.press(ch, "#")


def test_voicemail_makes_a_case_with_the_recording_and_tells_the_number(peer, start_bridge):
    save_menu(MENU)
    start_bridge()
    ch = peer.place_call(caller=CALLER)
    leave_voicemail(peer, ch)
    wait_heard(peer, ch, "minqing/goodbye")
    [case] = voicemail_cases()
    assert case.citizen_phone == CALLER
    # The caller heard the new case's number, digit by digit.
    said = heard(peer, ch)
    start = said.index("minqing/your-case-number") + 1
    end = said.index("minqing/your-query-password")
    digits = "".join(s.removeprefix("digits/") for s in said[start:end] if s.startswith("digits/"))
    assert digits == "".join(c for c in case.number if c.isdigit())
    password = [s for s in said[end + 1 :] if s.startswith("digits/")]
    assert len(password) == 6  # the query password, for the status query by keypad
    attachments = eventually(lambda: attachments_of(case))
    assert len(attachments) == 1 and attachments[0].content_type.startswith("audio/")
    rec = record_where(ch, lambda r: r.ended_at is not None)
    assert rec.case_id == case.id and rec.ivr_path == "3"


def test_web_app_down_during_a_voicemail_the_case_appears_once_when_it_is_back(
    peer, start_bridge, web
):
    save_menu(MENU)
    bridge = start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    record_where(ch, lambda r: True)
    web.down()
    leave_voicemail(peer, ch)
    # The web app cannot say the number: the caller hears that the message is kept.
    wait_heard(peer, ch, "minqing/voicemail-received", timeout=15)
    wait_heard(peer, ch, "minqing/goodbye")
    eventually(lambda: peer.channel(ch) is None)
    assert voicemail_cases() == []
    service = bridge.service
    assert service is not None
    web.up()
    eventually(lambda: len(voicemail_cases()) == 1, timeout=20)
    rec = record_where(ch, lambda r: r.ended_at is not None and r.case_id is not None, timeout=20)
    [case] = voicemail_cases()
    assert rec.case_id == case.id
    # Everything spooled went out, nothing twice: one case, one recording on it.
    eventually(lambda: service.spool is not None and _pending(bridge) == 0, timeout=20)
    assert len(voicemail_cases()) == 1
    assert (
        db.session.scalar(select(func.count()).select_from(Attachment).filter_by(case_id=case.id))
        == 1
    )


def _pending(bridge) -> int:
    import asyncio

    service = bridge.service
    return asyncio.run_coroutine_threadsafe(service.spool.count(), bridge.loop).result(5)


@pytest.fixture
def case_with_password(client, auth):
    resp = client.post("/api/v1/cases", json=INTAKE, headers=auth("agent"))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    return body["number"], body["query_password"], body.get("status")


def test_status_query_right_and_wrong_password(peer, start_bridge, case_with_password):
    number, password, _status = case_with_password
    save_menu(MENU)
    start_bridge()
    digits = "".join(c for c in number if c.isdigit())

    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "2")
    wait_heard(peer, ch, "minqing/enter-case-number")
    peer.press(ch, digits + "#")
    wait_heard(peer, ch, "minqing/enter-password")
    peer.press(ch, password)
    wait_heard(peer, ch, "minqing/case-status")
    case = db.session.scalar(select(Case).filter_by(number=number))
    wait_heard(peer, ch, f"minqing/status-{case.status}")
    assert "minqing/case-not-found" not in heard(peer, ch)

    wrong = peer.place_call(caller=CALLER)
    wait_heard(peer, wrong, "minqing/welcome")
    peer.press(wrong, "2")
    wait_heard(peer, wrong, "minqing/enter-case-number")
    peer.press(wrong, digits + "#")
    wait_heard(peer, wrong, "minqing/enter-password")
    bad = "000000" if password != "000000" else "111111"
    peer.press(wrong, bad)
    wait_heard(peer, wrong, "minqing/case-not-found")
    assert "minqing/case-status" not in heard(peer, wrong)
    assert call_record(wrong) is not None


def test_caller_hangs_up_while_recording_the_message_is_kept(peer, start_bridge):
    save_menu(MENU)
    start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "3")
    eventually(lambda: (peer.channel(ch) or {}).get("recording"))
    peer.talk(ch, 2)
    peer.hang_up(ch)  # no #: the hangup ends the recording
    eventually(lambda: len(voicemail_cases()) == 1, timeout=15)
    [case] = voicemail_cases()
    assert case.citizen_phone == CALLER
    assert len(eventually(lambda: attachments_of(case))) == 1


def test_too_many_wrong_status_queries_are_refused(app, peer, start_bridge, case_with_password):
    app.config["TELEPHONY_STATUS_QUERY_FAILURES"] = 1
    number, password, _status = case_with_password
    save_menu(MENU)
    start_bridge()
    digits = "".join(c for c in number if c.isdigit())
    bad = "000000" if password != "000000" else "111111"
    outcomes = []
    for _ in range(2):
        ch = peer.place_call(caller="13800000077")
        wait_heard(peer, ch, "minqing/welcome")
        peer.press(ch, "2")
        wait_heard(peer, ch, "minqing/enter-case-number")
        peer.press(ch, digits + "#")
        wait_heard(peer, ch, "minqing/enter-password")
        peer.press(ch, bad)
        wait_heard(peer, ch, "minqing/goodbye")
        outcomes.append(heard(peer, ch))
    assert "minqing/case-not-found" in outcomes[0]
    assert "minqing/too-many-attempts" in outcomes[1]
    assert "minqing/case-status" not in outcomes[1]
