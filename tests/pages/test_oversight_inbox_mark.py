"""The 催 mark: an urged case is marked in its department's inbox, with the count."""

from __future__ import annotations

import re

from app.oversight.urges import urge
from tests.pages.inbox_helpers import at, sent_to, signed_in


def _marks(html: str) -> dict[str, str]:
    out = {}
    for row in re.findall(r'<tr data-case="(\d+)".*?</tr>', html, re.S):
        out[row] = ""
    for case_id, body in re.findall(r'<tr data-case="(\d+)"(.*?)</tr>', html, re.S):
        mark = re.search(r'data-testid="urged"[^>]*>([^<]*)<', body)
        out[case_id] = mark.group(1) if mark else ""
    return out


def test_the_inbox_marks_urged_cases(app, api, dept, user):
    at(9)
    urged, quiet = sent_to(api, dept), sent_to(api, dept)
    urge([urged["id"]], "请今天签收", by=user("oversight"))
    urge([urged["id"]], "再次催办", by=user("oversight"))
    html = signed_in(app, "east_urban_handler").get("/inbox").get_data(as_text=True)
    marks = _marks(html)
    assert marks[str(urged["id"])] == "催办×2"
    assert marks[str(quiet["id"])] == ""
