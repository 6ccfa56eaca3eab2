"""A confidential case (保密) in the work lists: the handler sees it masked and cannot find it by
the citizen's phone or name (that would reveal them); the policy module decides, as in the API."""

from __future__ import annotations

from tests.pages.inbox_helpers import at, rows, sent_to, signed_in


def test_a_handler_finds_a_confidential_case_only_by_what_they_may_see(app, api, dept):
    at(9)
    case = sent_to(api, dept, citizen_name="王秘密", citizen_phone="13977776666", confidential=True)
    client = signed_in(app, "east_urban_handler")
    html = client.get("/inbox").get_data(as_text=True)
    assert rows(html) == [str(case["id"])]
    assert "13977776666" not in html and "王秘密" not in html
    for query in ("phone=7777666", "name=秘密", "q=13977776666", "q=王秘密"):
        assert rows(client.get(f"/inbox?{query}").get_data(as_text=True)) == [], query
    assert rows(client.get(f"/inbox?number={case['number']}").get_data(as_text=True)) == [
        str(case["id"])
    ]
