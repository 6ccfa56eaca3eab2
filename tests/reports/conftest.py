"""A small month of hotline work, driven through the API at frozen clock times, whose measures
the tests compute by hand.

Seeded limits (tests/cases/test_paths.py): working hours 09:00-17:00, a "help" case at normal
priority is signed for within 4 working hours and handled within 5 working days, a
"complaint" within 10. November 2026 starts on a Monday.

November 2026 (the report month), all accepted by "agent" unless said:
  A  phone  help  → urban; signed 11:00 (due 14:00, on time); replied 3 Nov (on time);
                    revisited 4 Nov: satisfied, resolved
  B  web    complaint → housing; signed 3 Nov 10:00 (due 2 Nov 14:00: late); extension of 3
                    days asked 16 Nov and approved; replied 19 Nov (before the extended due of
                    20 Nov: on time); revisited 20 Nov: unsatisfied → reopened; a repeat call
                    on 5 Nov
  C  phone  help  answered at intake (accepted by "dispatcher")
  D  phone  help  accepted 30 Nov 16:00 → urban 16:30; signed 1 Dec 09:30 (due 1 Dec 11:30:
                    on time, the sign falls in December)
  G  phone  help  → urban; signed 10:30; replied 10 Nov (due 9 Nov 10:30: late, flagged
                    overdue); revisit 10 Nov: unreachable (not a revisit that reached anyone)
  H  phone  help  → transport; signed 10:30; return asked 11:00 and approved
  I  phone  help  → east (district centre), signed 10:30; → east_urban, signed 11:00; never
                    replied: overdue since 9 Nov
October 2026: E accepted 15 Oct → urban, signed, replied 16 Oct on time;
              J accepted 30 Oct 16:00 → urban 16:30, signed 2 Nov 09:30 (due 2 Nov 12:30: on
              time), replied 3 Nov (on time: a November reply of an October case).
November 2025: F answered at intake.
The reports run on 1 Dec 2026 at 12:00.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from app.clock import clock

RUN_AT = datetime(2026, 12, 1, 12, 0)


class Month:
    """The people of the hotline acting through the API at given times."""

    def __init__(self, api, dept):
        self.api, self.dept = api, dept
        self.ids: dict[str, int] = {}

    def at(self, *args: int) -> None:
        clock.freeze(datetime(*args))

    def new(self, name: str, by: str = "agent", **fields) -> int:
        self.ids[name] = self.api.create(as_user=by, **fields)["id"]
        return self.ids[name]

    def act(self, name: str, action: str, by: str, **data) -> dict:
        return self.api.act(self.ids[name], action, by, **data)

    def transfer(self, name: str, to: str, by: str = "dispatcher") -> dict:
        return self.act(name, "transfer", by, target_department_id=self.dept(to))

    def reply(self, name: str, dept: str) -> dict:
        return self.act(
            name, "reply", f"{dept}_handler", text="已处理并答复市民", result_code="resolved"
        )


def build_month(api, dept) -> Month:
    m = Month(api, dept)
    # November 2025: F.
    m.at(2025, 11, 3, 10, 0)
    m.new("F", answered=True, answer="已告知政策")
    # October 2026: E and J.
    m.at(2026, 10, 15, 10, 0)
    m.new("E")
    m.transfer("E", "urban")
    m.at(2026, 10, 15, 10, 30)
    m.act("E", "sign", "urban_handler")
    m.at(2026, 10, 16, 10, 0)
    m.reply("E", "urban")
    m.at(2026, 10, 30, 16, 0)
    m.new("J")
    m.at(2026, 10, 30, 16, 30)
    m.transfer("J", "urban")
    # November 2026, Monday the 2nd.
    m.at(2026, 11, 2, 9, 30)
    m.act("J", "sign", "urban_handler")
    m.at(2026, 11, 2, 10, 0)
    m.new("A")
    m.new("B", channel="web", case_type="complaint")
    m.new("C", by="dispatcher", answered=True, answer="已解答")
    m.new("G")
    m.new("H")
    m.new("I")
    m.transfer("A", "urban")
    m.transfer("B", "housing")
    m.transfer("G", "urban")
    m.transfer("H", "transport")
    m.transfer("I", "east")
    m.at(2026, 11, 2, 10, 30)
    m.act("G", "sign", "urban_handler")
    m.act("H", "sign", "transport_handler")
    m.act("I", "sign", "east_dispatcher")
    m.at(2026, 11, 2, 10, 45)
    m.transfer("I", "east_urban", by="east_dispatcher")
    m.at(2026, 11, 2, 11, 0)
    m.act("A", "sign", "urban_handler")
    m.act("H", "return_request", "transport_handler", reason_code="not_our_remit")
    m.act("I", "sign", "east_urban_handler")
    m.at(2026, 11, 2, 11, 30)
    m.act("H", "approve_return", "dispatcher")
    m.at(2026, 11, 3, 10, 0)
    m.act("B", "sign", "housing_handler")
    m.reply("J", "urban")
    m.at(2026, 11, 3, 11, 30)
    m.reply("A", "urban")
    m.at(2026, 11, 4, 10, 0)
    m.act("A", "revisit", "revisit", result="satisfied", resolved=True)
    m.at(2026, 11, 5, 10, 0)
    resp = api.client.post(
        f"/api/v1/cases/{m.ids['B']}/contacts",
        json={
            "channel": "phone",
            "caller_name": "李娜",
            "caller_phone": "13800002222",
            "content": "再次反映噪音问题",
        },
        headers=api.auth("agent"),
    )
    assert resp.status_code in (200, 201), resp.get_json()
    m.at(2026, 11, 10, 10, 0)
    m.reply("G", "urban")
    m.at(2026, 11, 10, 11, 0)
    m.act("G", "revisit", "revisit", result="unreachable")
    m.at(2026, 11, 16, 10, 0)
    m.act("B", "extension_request", "housing_handler", days=3, reason="需协调多方")
    m.at(2026, 11, 16, 11, 0)
    m.act("B", "approve_extension", "dispatcher")
    m.at(2026, 11, 19, 10, 0)
    m.reply("B", "housing")
    m.at(2026, 11, 20, 10, 0)
    m.act("B", "revisit", "revisit", result="unsatisfied", reason="问题没有解决", resolved=False)
    m.at(2026, 11, 30, 16, 0)
    m.new("D")
    m.at(2026, 11, 30, 16, 30)
    m.transfer("D", "urban")
    m.at(2026, 12, 1, 9, 30)
    m.act("D", "sign", "urban_handler")
    clock.freeze(RUN_AT)
    return m


@pytest.fixture
def month(api, dept) -> Month:
    return build_month(api, dept)
