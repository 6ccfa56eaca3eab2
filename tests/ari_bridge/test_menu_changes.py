"""What a caller notices of the web app's settings: a menu changed while the bridge runs,
service hours (closed: the closed prompt, then the mailbox), position announcements."""

from __future__ import annotations

from bridge_harness import eventually, save_menu, seat
from test_calls import CALLER, MENU, heard, record_where, wait_heard

from app.extensions import db
from app.models import AgentState
from app.telephony import agents


def test_a_changed_menu_reaches_the_next_call_without_a_restart(peer, start_bridge):
    save_menu(MENU)
    bridge = start_bridge()
    first = peer.place_call(caller=CALLER)
    wait_heard(peer, first, "minqing/welcome")
    peer.hang_up(first)
    service = bridge.service
    before = bridge.call(lambda: service.keeper.current.version)
    save_menu({**MENU, "main": {**MENU["main"], "prompt": "minqing/welcome-new"}})
    eventually(lambda: bridge.call(lambda: service.keeper.current.version) != before)
    second = peer.place_call(caller=CALLER)
    wait_heard(peer, second, "minqing/welcome-new")
    assert "minqing/welcome" not in heard(peer, second)


def test_outside_service_hours_the_closed_prompt_then_the_mailbox(peer, start_bridge):
    closed = {"working_days": [], "rest_days": [], "closed_prompt": "minqing/after-hours",
              "closed_action": "voicemail"}  # fmt: skip
    save_menu(MENU, schedule=closed)
    start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/after-hours")
    wait_heard(peer, ch, "minqing/voicemail")
    assert "minqing/welcome" not in heard(peer, ch)
    peer.hang_up(ch)
    record_where(ch, lambda r: r.ended_at is not None and r.queued_at is None)


def test_waiting_callers_hear_their_position(app, peer, start_bridge):
    app.config["TELEPHONY_POSITION_EVERY_SECONDS"] = 1
    save_menu(MENU)
    agent = seat("agent", "PJSIP/agent01", {"general": 1})
    agents.set_state(agent, "away", agent)  # nobody ready: both wait
    start_bridge()
    first = peer.place_call(caller=CALLER)
    wait_heard(peer, first, "minqing/welcome")
    peer.press(first, "1")
    wait_heard(peer, first, "minqing/please-wait")
    second = peer.place_call(caller="13800000009")
    wait_heard(peer, second, "minqing/welcome")
    peer.press(second, "1")
    for ch, position in ((second, "digits/2"), (first, "digits/1")):
        wait_heard(peer, ch, position, timeout=5)
        said = heard(peer, ch)
        assert said[said.index("minqing/you-are-number") + 1] == position
    assert db.session.get(AgentState, agent.id).state == "away"
    for ch in (first, second):
        peer.hang_up(ch)
        record_where(ch, lambda r: r.ended_at is not None and r.answered_at is None)


def test_the_bridge_renews_its_token_and_a_restart_uses_the_renewed_one(peer, start_bridge):
    import asyncio

    save_menu(MENU)
    bridge = start_bridge()
    service = bridge.service

    def kept(running):
        coro = running.service.spool.kept("token")
        return asyncio.run_coroutine_threadsafe(coro, running.loop).result(5)

    renewed = eventually(lambda: kept(bridge))
    # Kept with the token it was renewed from (a token made within the same second may be
    # the same string: the web app signs the account and the time).
    assert renewed["from"] == service.settings.api_token and renewed["token"]
    bridge.stop()
    again = start_bridge()  # same MINQING_API_TOKEN: starts with the renewed token
    header = again.call(lambda: again.service.web.http.headers["Authorization"])
    assert header in (f"Bearer {renewed['token']}", f"Bearer {kept(again)['token']}")
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    record_where(ch, lambda r: True)
