"""A number's earlier calls on the intake page (the caller history beside the cases): the
hotline staff see the calls a case never recorded (hung up in the queue, ended in the menu),
newest first, the call ringing now left out; a department's staff see none."""

from __future__ import annotations

import re

from app.auth import policy
from app.telephony import calls
from tests.pages.inbox_helpers import signed_in
from tests.telephony.conftest import at, put_call

CALLER = "13800001111"


def _calls(client, bridge):
    """Four calls from the number and one from another (caller ids are digits)."""
    common = {"direction": "inbound", "called": "12345"}
    # Ended in the menu (never queued).
    put_call(
        client, bridge, "100.1", caller=CALLER, started_at=at(-900), ended_at=at(-880), **common
    )
    # Hung up in the queue.
    put_call(client, bridge, "100.2", caller=CALLER, started_at=at(-600),
             queued_at=at(-590), ended_at=at(-560), skill_group="general", **common)  # fmt: skip
    # Answered by agent.
    put_call(client, bridge, "100.3", caller=CALLER, started_at=at(-300), queued_at=at(-295),
             answered_at=at(-280), agent="agent", skill_group="general", **common)  # fmt: skip
    # Ringing now (in the queue).
    put_call(client, bridge, "100.4", caller=CALLER, started_at=at(-5), queued_at=at(-3),
             skill_group="general", **common)  # fmt: skip
    put_call(client, bridge, "100.9", caller="13999999999", started_at=at(-100), **common)


def test_the_numbers_calls_newest_first_but_the_one_ringing(client, bridge, now, groups, user):
    _calls(client, bridge)
    seen = calls.of_number(user("agent"), CALLER, but="100.4")
    assert [(c.channel_id, c.outcome) for c in seen] == [
        ("100.3", "answered"),
        ("100.2", "abandoned"),
        ("100.1", "self_service"),
    ]
    assert seen[0].agent == "agent" and seen[0].wait_seconds == 15
    everything = calls.of_number(user("agent"), "138-0000-1111")  # as an agent types it
    assert [c.outcome for c in everything][0] == "waiting"
    assert len(calls.of_number(user("agent"), CALLER, limit=2)) == 2


def test_only_the_hotline_staff_see_a_numbers_calls(client, bridge, now, groups, user):
    _calls(client, bridge)
    assert calls.of_number(user("urban_handler"), CALLER) == []
    assert not policy.may_see_calls_of_number(user("urban_handler"))
    assert calls.of_number(user("agent"), "1380") == []  # a number being typed


def test_the_intake_page_shows_them_in_chinese(app, client, bridge, now, groups):
    _calls(client, bridge)
    page = signed_in(app, "agent")
    html = page.get(f"/intake?phone={CALLER}&call=100.4").get_data(as_text=True)
    banner = re.search(r'data-testid="incoming-call".*?</div>', html, re.S).group(0)
    assert "此前来电 3 次" in banner and "排队挂机 1 次" in banner
    table = re.search(r'data-testid="history-calls".*?</table>', html, re.S).group(0)
    assert re.findall(r'data-outcome="(\w+)"', table) == ["answered", "abandoned", "self_service"]
    assert "排队中挂机" in table and "已接通" in table and "自助服务" in table
    assert 'data-channel="100.4"' not in table
    assert 'data-testid="no-history"' not in html
